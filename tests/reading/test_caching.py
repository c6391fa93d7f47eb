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


@pytest.mark.read_only
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


@pytest.mark.read_only
def test_validators_differ_by_query(reader):
    one = reader.get("/api/v1/questions?per_page=1").headers["etag"]
    two = reader.get("/api/v1/questions?per_page=2").headers["etag"]
    assert one != two
    assert reader.get("/api/v1/questions?per_page=2", headers={"If-None-Match": one}).status_code == 200


@pytest.mark.read_only
def test_cache_policies(reader):
    api = reader.get("/api/v1/questions/1")
    # The ETag names the encoding the request accepts (app.http.compression), hence Vary.
    assert api.headers["cache-control"] == "public, no-cache" and api.headers["vary"] == "Accept-Encoding"
    page = reader.get("/questions/1", headers=HTML)
    assert page.headers["cache-control"] == "public, max-age=5, stale-while-revalidate=60"
    assert page.headers["vary"] == "Cookie, Accept-Encoding"
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


@pytest.mark.read_only
def test_forms_of_other_pages_are_no_store(reader):
    for path in ("/login", "/signup"):
        response = reader.get(path, headers=HTML)
        assert response.headers["cache-control"] == "private, no-store" and "etag" not in response.headers


def test_an_anonymous_page_with_a_run_form_is_the_same_for_everyone_and_its_post_is_checked_by_origin(
        app, client_factory, sample):
    """A question's demo panel has run buttons. The page kept for every anonymous reader carries no
    reader's token and sets no cookie (so a shared cache may keep it); the run form's post is then
    accepted from this site's own pages (fetch metadata or Origin) and refused from another site.
    A signed-in reader's page carries their own token, which their post must send."""
    from jinja2 import ChoiceLoader, DictLoader

    templates = app.state.templates
    original = templates.env.loader
    templates.env.loader = ChoiceLoader([
        DictLoader({"demos/_panel.html": '<form method="post" action="/demos/no-such-demo/runs">'
                                         '{% if request.state.csrf_token %}<input name="csrf_token" '
                                         'value="{{ request.state.csrf_token }}">{% endif %}</form>'}),
        original,
    ])
    templates.env.cache.clear()
    try:
        first, second = client_factory(), client_factory()
        path = f"/questions/{sample.parent}"
        one, two = first.get(path, headers=HTML), second.get(path, headers=HTML)  # rendered, then from the cache
        assert one.content == two.content and 'name="csrf_token"' not in one.text
        assert "set-cookie" not in one.headers and "set-cookie" not in two.headers
        assert one.headers["etag"] == two.headers["etag"]

        run = "/demos/no-such-demo/runs"  # CSRF is checked before the slug: 404 means it passed
        assert first.post(run, headers={**HTML, "Sec-Fetch-Site": "same-origin"}).status_code == 404
        assert first.post(run, headers={**HTML, "Origin": "http://testserver"}).status_code == 404
        assert first.post(run, headers={**HTML, "Sec-Fetch-Site": "cross-site"}).status_code == 403
        assert first.post(run, headers={**HTML, "Origin": "https://elsewhere.example"}).status_code == 403
        assert first.post(run, headers=HTML).status_code == 403  # neither header: a token is needed

        alice = Account(client_factory, "alice")
        mine = alice.client.get(path, headers=HTML)
        assert f'name="csrf_token" value="{alice.csrf()}"' in mine.text
        assert alice.client.post(run, headers={**HTML, "Sec-Fetch-Site": "same-origin"}).status_code == 403
        assert alice.client.post(run, data={"csrf_token": alice.csrf()}, headers=HTML).status_code == 404
    finally:
        templates.env.loader = original
        templates.env.cache.clear()


def test_cached_bytes_equal_fresh_bytes(reader, settings, sample):
    from fastapi.testclient import TestClient

    from tests.apps import new_app

    cached = [reader.get(f"/questions/{sample.parent}", headers=HTML) for _ in range(2)]
    with TestClient(new_app(settings)) as fresh_client:
        fresh = fresh_client.get(f"/questions/{sample.parent}", headers=HTML)
    assert cached[0].content == cached[1].content == fresh.content
    # another process on the same database: the same bytes, so the same validator
    assert cached[0].headers["etag"] == cached[1].headers["etag"] == fresh.headers["etag"]


@pytest.mark.parametrize("path", ["/", "/questions/1", "/collections/sample-interview", "/questions", "/authors",
                                  "/search?q=relu", "/api/v1/questions/1"])
def test_an_anonymous_get_sets_no_cookie(client_factory, sample, path):
    for _ in range(2):  # rendered, then from the cache
        response = client_factory().get(path, headers=HTML)
        assert response.status_code == 200 and "set-cookie" not in response.headers


def test_a_form_page_gives_a_first_time_visitor_the_cookie_its_token_needs(client_factory):
    visitor = client_factory()
    page = visitor.get("/login", headers=HTML)
    assert "kb_anon=" in page.headers["set-cookie"] and page.headers["cache-control"] == "private, no-store"


@pytest.mark.read_only
def test_head_answers_every_get_with_its_headers_and_no_body(reader, sample):
    for path in ("/", f"/questions/{sample.parent}", "/api/v1/questions/1", "/login", "/static/css/app.css"):
        got = reader.get(path, headers=HTML)
        head = reader.head(path, headers=HTML)
        assert head.status_code == got.status_code == 200, path
        # Content-Length counts the bytes sent (compressed, when they are); httpx hands back the decoded body.
        assert head.content == b"" and head.headers["content-length"] == got.headers["content-length"], path
        for name in ("content-type", "cache-control", "etag", "content-encoding", "vary"):
            assert head.headers.get(name) == got.headers.get(name), (path, name)
    assert reader.head("/questions/999999", headers=HTML).status_code == 404


def test_a_session_cookie_always_gets_its_own_render(reader, client_factory, sample):
    alice = Account(client_factory, "alice")
    etag = reader.get(f"/questions/{sample.parent}", headers=HTML).headers["etag"]  # current for anyone
    page = alice.client.get(f"/questions/{sample.parent}", headers={**HTML, "If-None-Match": etag})
    assert page.status_code == 200 and "alice" in page.text
    stale = client_factory()
    stale.cookies.set("kb_session", "expired-or-forged")
    response = stale.get(f"/questions/{sample.parent}", headers=HTML)
    assert response.status_code == 200 and "로그아웃" not in response.text  # treated as anonymous
    assert response.headers["cache-control"] == "private, no-store"
