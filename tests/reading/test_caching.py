"""ETag / Last-Modified / 304 on reading pages and the read API, and who may see which cached bytes."""

from __future__ import annotations

import sqlite3
from email.utils import format_datetime, parsedate_to_datetime
from datetime import timedelta

import pytest

from tests.writes.helpers import Account

HTML = {"Accept": "text/html"}


def db_path(settings) -> str:
    return settings.database_url.removeprefix("sqlite:///")


@pytest.mark.parametrize("path", ["/", "/collections/sample-interview", "/questions/1", "/questions", "/unanswered",
                                  "/authors", "/authors/%EC%84%9C%EC%97%B0", "/api/v1/collections",
                                  "/api/v1/collections/sample-interview", "/api/v1/questions?status=answered",
                                  "/api/v1/questions/1", "/api/v1/authors"])
def test_etag_round_trip(reader, path):
    first = reader.get(path, headers=HTML)
    assert first.status_code == 200
    etag, modified = first.headers["etag"], first.headers["last-modified"]
    assert etag.startswith('"') and parsedate_to_datetime(modified)
    again = reader.get(path, headers={**HTML, "If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    assert again.headers["etag"] == etag and again.headers["cache-control"] == first.headers["cache-control"]
    assert reader.get(path, headers={**HTML, "If-None-Match": f'"other", W/{etag}'}).status_code == 304
    assert reader.get(path, headers={**HTML, "If-Modified-Since": modified}).status_code == 304
    earlier = format_datetime(parsedate_to_datetime(modified) - timedelta(seconds=1), usegmt=True)
    assert reader.get(path, headers={**HTML, "If-Modified-Since": earlier}).status_code == 200
    # If-None-Match wins over If-Modified-Since (RFC 9110 13.1.3)
    assert reader.get(path, headers={**HTML, "If-None-Match": '"stale"', "If-Modified-Since": modified}).status_code == 200
    assert reader.get(path, headers={**HTML, "If-Modified-Since": "not a date"}).status_code == 200


def test_validators_differ_by_query(reader):
    one = reader.get("/api/v1/questions?per_page=1").headers["etag"]
    two = reader.get("/api/v1/questions?per_page=2").headers["etag"]
    assert one != two
    assert reader.get("/api/v1/questions?per_page=2", headers={"If-None-Match": one}).status_code == 200


def test_cache_policies(reader):
    api = reader.get("/api/v1/questions/1")
    assert api.headers["cache-control"] == "public, no-cache" and "vary" not in api.headers
    page = reader.get("/questions/1", headers=HTML)
    assert page.headers["cache-control"] == "private, no-cache" and page.headers["vary"] == "Cookie"
    with_token = reader.get("/api/v1/questions/1", headers={"Authorization": "Bearer kbt_whatever"})
    assert with_token.headers["cache-control"] == "private, no-cache"


def test_a_post_changes_the_etag(reader, client_factory, sample):
    before_page = reader.get(f"/questions/{sample.open}", headers=HTML)
    before_api = reader.get(f"/api/v1/questions/{sample.open}")
    alice = Account(client_factory, "alice")
    alice.answer(sample.open, body="이제 답이 생겼습니다")
    page = reader.get(f"/questions/{sample.open}", headers={**HTML, "If-None-Match": before_page.headers["etag"]})
    api = reader.get(f"/api/v1/questions/{sample.open}", headers={"If-None-Match": before_api.headers["etag"]})
    assert page.status_code == 200 and "이제 답이 생겼습니다" in page.text
    assert api.status_code == 200 and api.json()["answer_count"] == 1
    assert page.headers["etag"] != before_page.headers["etag"] and api.headers["etag"] != before_api.headers["etag"]
    # also a list elsewhere that mentions the question
    assert "이제 답이" not in reader.get("/unanswered", headers=HTML).text


def test_a_vote_without_new_timestamps_still_changes_the_etag(reader, client_factory, sample):
    alice, bob = Account(client_factory, "alice"), Account(client_factory, "bob")
    question = alice.ask(title="추천 수가 바뀌는 질문", body="본문")
    answer = bob.answer(question["id"])
    etag = reader.get(f"/api/v1/questions/{question['id']}").headers["etag"]
    voted = alice.client.post(f"/api/v1/answers/{answer['id']}/votes", headers=alice.headers)
    assert voted.status_code == 201, voted.text
    after = reader.get(f"/api/v1/questions/{question['id']}", headers={"If-None-Match": etag})
    assert after.status_code == 200 and after.json()["answers"][0]["vote_score"] == 1


def test_a_write_by_another_process_is_seen(reader, settings, sample):
    """kb ingest runs in its own process: its commits (which bump the content versions in the same
    transaction) must invalidate what this process cached."""
    from app.db.engine import make_engine
    from app.db.queries import versions

    etag = reader.get(f"/questions/{sample.parent}", headers=HTML).headers["etag"]
    other = make_engine(settings.database_url)
    with other.begin() as conn:
        conn.exec_driver_sql("UPDATE question SET title = '다시 불러온 제목' WHERE id = ?", (sample.parent,))
        versions.bump(conn, everything=True)
    other.dispose()
    page = reader.get(f"/questions/{sample.parent}", headers={**HTML, "If-None-Match": etag})
    assert page.status_code == 200 and "다시 불러온 제목" in page.text


def test_a_commit_that_changes_no_content_keeps_every_cached_page(app, reader, settings, sample):
    """A login, a demo run's progress, a rate-limit record: commits that bump no version."""
    etag = reader.get(f"/questions/{sample.parent}", headers=HTML).headers["etag"]
    connection = sqlite3.connect(db_path(settings))
    connection.execute("INSERT INTO ingestreport (source_path, kind, message, text, created_at)"
                       " VALUES ('x.md', 'error', 'm', '', '2026-01-01')")
    connection.commit()
    connection.close()
    assert reader.get(f"/questions/{sample.parent}", headers={**HTML, "If-None-Match": etag}).status_code == 304


def test_signed_in_pages_are_never_cached_nor_shared(reader, client_factory, sample):
    anonymous = reader.get(f"/questions/{sample.parent}", headers=HTML)
    alice = Account(client_factory, "alice")
    mine = alice.client.get(f"/questions/{sample.parent}", headers={**HTML, "If-None-Match": anonymous.headers["etag"]})
    assert mine.status_code == 200  # not the anonymous copy
    assert mine.headers["cache-control"] == "private, no-store" and "etag" not in mine.headers
    assert "alice" in mine.text and "로그아웃" in mine.text and alice.csrf() in mine.text
    # and what alice saw never reaches the next anonymous reader
    again = reader.get(f"/questions/{sample.parent}", headers=HTML)
    assert "alice" not in again.text and "로그아웃" not in again.text


def test_forms_of_other_pages_are_no_store(reader):
    for path in ("/login", "/signup"):
        response = reader.get(path, headers=HTML)
        assert response.headers["cache-control"] == "private, no-store" and "etag" not in response.headers


def test_an_anonymous_page_with_a_csrf_form_is_cached_and_each_reader_gets_their_own_token(
        app, client_factory, sample):
    """A question's demo panel has run buttons: a form with the anonymous reader's CSRF token. The
    page is still kept once (with a placeholder) and each reader gets the token of their own cookie,
    a first-time visitor served from the cache a new cookie too, and that token is accepted."""
    from jinja2 import ChoiceLoader, DictLoader

    from app.services.accounts import anonymous_csrf
    from app.web.caching import CSRF_PLACEHOLDER

    templates = app.state.templates
    original = templates.env.loader
    templates.env.loader = ChoiceLoader([
        DictLoader({"demos/_panel.html": '<form method="post"><input name="csrf_token" '
                                         'value="{{ request.state.csrf_token }}"></form>'}),
        original,
    ])
    templates.env.cache.clear()

    def token_in(response) -> str:
        return response.text.split('name="csrf_token" value="')[1].split('"')[0]

    try:
        first, second = client_factory(), client_factory()
        path = f"/questions/{sample.parent}"
        one = first.get(path, headers=HTML)  # rendered
        two = second.get(path, headers=HTML)  # from the cache
        [kept] = [entry for _, entry in app.state.response_cache._entries.values() if CSRF_PLACEHOLDER in entry.body]
        assert token_in(one).encode() not in kept.body

        assert one.headers["cache-control"] == two.headers["cache-control"] == "private, no-cache"
        assert one.headers["etag"] == two.headers["etag"]
        secret = app.state.settings.secret_key
        assert token_in(one) == anonymous_csrf(secret, first.cookies["kb_anon"])
        assert "kb_anon=" in two.headers["set-cookie"] and "HttpOnly" in two.headers["set-cookie"]
        assert token_in(two) == anonymous_csrf(secret, second.cookies["kb_anon"]) != token_in(one)
        assert len(two.content) == int(two.headers["content-length"])
        assert token_in(first.get(path, headers=HTML)) == token_in(one)  # the same reader, the same token

        # The token served from the cache passes the CSRF check: the login fails on the password.
        login = second.post("/login", data={"csrf_token": token_in(two), "username": "nobody", "password": "x" * 8},
                            headers=HTML)
        assert "csrf_failed" not in login.text and login.status_code != 403
        forged = client_factory().post("/login", data={"csrf_token": token_in(two), "username": "nobody",
                                                       "password": "x" * 8}, headers=HTML)
        assert forged.status_code == 403  # another browser (no cookie) cannot reuse it
    finally:
        templates.env.loader = original
        templates.env.cache.clear()


def test_cached_bytes_equal_fresh_bytes(reader, settings, sample):
    from fastapi.testclient import TestClient

    from app.main import create_app

    cached = [reader.get(f"/questions/{sample.parent}", headers=HTML) for _ in range(2)]
    with TestClient(create_app(settings)) as fresh_client:
        fresh = fresh_client.get(f"/questions/{sample.parent}", headers=HTML)
    assert cached[0].content == cached[1].content == fresh.content
    assert cached[0].headers["etag"] == cached[1].headers["etag"] != fresh.headers["etag"]  # another process


def test_a_first_visitors_cookie_is_not_handed_to_the_next(client_factory, sample):
    first, second = client_factory(), client_factory()
    one = first.get(f"/questions/{sample.parent}", headers=HTML)
    assert "kb_anon=" in one.headers.get("set-cookie", "")  # rendered: the auth middleware met a new visitor
    two = second.get(f"/questions/{sample.parent}", headers=HTML)  # served from the cache
    assert two.content == one.content and two.headers["etag"] == one.headers["etag"]
    assert one.headers["set-cookie"] not in two.headers.get("set-cookie", "")


def test_a_session_cookie_always_gets_its_own_render(reader, client_factory, sample):
    alice = Account(client_factory, "alice")
    etag = reader.get(f"/questions/{sample.parent}", headers=HTML).headers["etag"]  # current for anyone
    page = alice.client.get(f"/questions/{sample.parent}", headers={**HTML, "If-None-Match": etag})
    assert page.status_code == 200 and "alice" in page.text
    stale = client_factory()
    stale.cookies.set("kb_session", "expired-or-forged")
    response = stale.get(f"/questions/{sample.parent}", headers=HTML)
    assert response.status_code == 200 and "로그아웃" not in response.text  # treated as anonymous
    assert response.headers["cache-control"] == "private, no-cache"
