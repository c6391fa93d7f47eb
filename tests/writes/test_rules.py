"""The writing rules of issue 5, each checked where the other tests leave a gap: Location on every
create, every error status in the one envelope, sessions that end, limits on every kind of post,
rate limits per account, address and username, double submits, one transaction per write, and what
readers see after a post (home page, newest activity)."""

from __future__ import annotations

import re
import sqlite3

import pytest
from fastapi.testclient import TestClient

from app.schemas.limits import BODY_MAX
from tests.writes.helpers import FORM_TOKEN_RE, Account, csrf_from, indexed, sign_up


def envelope(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, (response.status_code, response.text)
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) >= {"code", "message"}, body
    assert body["error"]["message"]
    if code:
        assert body["error"]["code"] == code, body
    return body["error"]


def db_path(settings) -> str:
    return settings.database_url.removeprefix("sqlite:///")


def count(settings, sql: str, *args) -> int:
    connection = sqlite3.connect(db_path(settings))
    try:
        return connection.execute(sql, args).fetchone()[0]
    finally:
        connection.close()


def test_every_create_answers_201_with_a_location_that_resolves(alice, bob):
    c = alice.client
    creates = []
    question = c.post("/api/v1/questions", json={"title": "위치 헤더가 있나요?", "body": "본문"}, headers=alice.headers)
    creates.append(question)
    qid = question.json()["id"]
    answer = bob.client.post(f"/api/v1/questions/{qid}/answers", json={"body": "답"}, headers=bob.headers)
    creates.append(answer)
    creates.append(c.post(f"/api/v1/answers/{answer.json()['id']}/replies", json={"body": "답글"}, headers=alice.headers))
    creates.append(bob.client.post(f"/api/v1/questions/{qid}/votes", headers=bob.headers))
    creates.append(c.post(f"/api/v1/answers/{answer.json()['id']}/votes", headers=alice.headers))
    for response in creates:
        assert response.status_code == 201, response.text
        location = response.headers["location"]
        assert location.startswith("/api/v1/")
        assert c.get(location).status_code == 200, location


def test_each_error_status_is_the_one_envelope(alice, bob, app, client_factory):
    anonymous = client_factory()
    envelope(anonymous.post("/api/v1/questions", json={"title": "제목입니다", "body": "본문"}), 401, "unauthorized")
    question = alice.ask()
    envelope(bob.client.patch(f"/api/v1/questions/{question['id']}", json={"title": "남의 글 고치기"},
                              headers=bob.headers), 403, "not_owner")
    envelope(alice.client.post("/api/v1/questions/999999/answers", json={"body": "x"}, headers=alice.headers),
             404, "not_found")
    bob.client.post(f"/api/v1/questions/{question['id']}/votes", headers=bob.headers)
    envelope(bob.client.post(f"/api/v1/questions/{question['id']}/votes", headers=bob.headers), 409, "already_voted")
    envelope(alice.client.post("/api/v1/questions", json={"title": "제목입니다", "body": "가" * 100_000},
                               headers=alice.headers), 413, "payload_too_large")
    envelope(alice.client.post("/api/v1/questions", content=b"{not json", headers={
        **alice.headers, "Content-Type": "application/json"}), 422, "validation_error")
    envelope(alice.client.post("/api/v1/questions", json={"title": "제목입니다"}, headers=alice.headers),
             422, "validation_error")
    app.state.settings = app.state.settings.with_overrides(rate_limit_posts_per_minute=1)
    limited = alice.client.post("/api/v1/questions", json={"title": "하나 더 묻기", "body": "x"}, headers=alice.headers)
    assert int(envelope(limited, 429, "rate_limited")["details"]["retry_after"]) >= 1
    assert int(limited.headers["retry-after"]) >= 1


def test_a_session_cookie_kept_after_logout_is_worthless(client_factory):
    client = client_factory()
    sign_up(client, "frank")
    cookie = client.cookies.get("kb_session")
    page = client.get("/ask")
    assert page.status_code == 200
    assert client.post("/logout", data={"csrf_token": csrf_from(page.text)}, follow_redirects=False).status_code == 303
    thief = client_factory()
    thief.cookies.set("kb_session", cookie)
    assert thief.get("/ask", follow_redirects=False).status_code == 303
    envelope(thief.post("/api/v1/questions", json={"title": "훔친 쿠키로 묻기", "body": "x"},
                        headers={"X-CSRF-Token": "anything"}), 401, "unauthorized")


def test_a_token_works_only_for_its_owner_and_until_revoked(alice, bob):
    question = alice.ask()
    # Alice's token used by someone else acts as Alice (a bearer token), so it cannot touch Bob's posts
    answer = bob.answer(question["id"])
    stranger = TestClient(alice.client.app)
    envelope(stranger.patch(f"/api/v1/answers/{answer['id']}", json={"body": "가로채기"}, headers=alice.headers),
             403, "not_owner")
    for header in ({"Authorization": "Bearer"}, {"Authorization": "Bearer kbt_"}, {"Authorization": "Token x"},
                   {"Authorization": "Bearer " + alice.token[:-1] + "x"}):
        envelope(stranger.post("/api/v1/questions", json={"title": "제목입니다", "body": "x"}, headers=header),
                 401, "invalid_token")


@pytest.mark.parametrize("kind", ["answer", "reply", "edit_question", "edit_answer"])
def test_limits_hold_for_every_kind_of_post(alice, kind):
    question = alice.ask()
    answer = alice.answer(question["id"])
    url, method, extra = {
        "answer": (f"/api/v1/questions/{question['id']}/answers", "POST", {}),
        "reply": (f"/api/v1/answers/{answer['id']}/replies", "POST", {}),
        "edit_question": (f"/api/v1/questions/{question['id']}", "PATCH", {"title": "제목입니다"}),
        "edit_answer": (f"/api/v1/answers/{answer['id']}", "PATCH", {}),
    }[kind]

    def send(body):
        return alice.client.request(method, url, json={**extra, "body": body}, headers=alice.headers)

    assert envelope(send("가" * (BODY_MAX + 1)), 422)["details"][0]["max_length"] == BODY_MAX
    envelope(send(" \n\t "), 422)
    ok = send("가" * BODY_MAX)
    assert ok.status_code in (200, 201), ok.text
    cleaned = send("e\u0301\u0000\u202e끝")
    assert cleaned.status_code in (200, 201) and cleaned.json()["body_md"] == "é끝"
    if kind == "edit_question":
        envelope(alice.client.patch(url, json={"title": "짧"}, headers=alice.headers), 422)
        envelope(alice.client.patch(url, json={"title": "가" * 201}, headers=alice.headers), 422)


def test_post_rate_limit_counts_html_forms_too(alice, app):
    app.state.settings = app.state.settings.with_overrides(rate_limit_posts_per_minute=2)
    question = alice.ask()  # 1
    page = alice.client.get(f"/questions/{question['id']}")
    data = {"body": "폼 답변", "csrf_token": csrf_from(page.text), "form_token": FORM_TOKEN_RE.search(page.text).group(1)}
    assert alice.client.post(f"/questions/{question['id']}/answers", data=data, follow_redirects=False).status_code == 303
    again = alice.client.post(f"/questions/{question['id']}/answers", data={**data, "form_token": "other"},
                              headers={"Accept": "text/html"})
    assert again.status_code == 429 and int(again.headers["retry-after"]) >= 1
    assert "폼 답변" in again.text  # the form comes back with what was typed


def test_double_submits_of_answers_and_replies_make_one_row(alice, bob, settings):
    question = alice.ask()
    page = bob.client.get(f"/questions/{question['id']}")
    data = {"body": "두 번 눌린 답변", "csrf_token": csrf_from(page.text),
            "form_token": FORM_TOKEN_RE.search(page.text).group(1)}
    first = bob.client.post(f"/questions/{question['id']}/answers", data=data, follow_redirects=False)
    second = bob.client.post(f"/questions/{question['id']}/answers", data=data, follow_redirects=False)
    assert first.headers["location"] == second.headers["location"]
    answer_id = int(first.headers["location"].rsplit("-", 1)[1])
    headers = {**alice.headers, "Idempotency-Key": "reply-once"}
    replies = [alice.client.post(f"/api/v1/answers/{answer_id}/replies", json={"body": "한 번만"}, headers=headers)
               for _ in range(3)]
    assert {r.status_code for r in replies} == {201} and len({r.headers["location"] for r in replies}) == 1
    assert count(settings, "SELECT count(*) FROM answer WHERE body_md = '두 번 눌린 답변'") == 1
    assert count(settings, "SELECT count(*) FROM answer WHERE body_md = '한 번만'") == 1
    # the same key for another kind of post is another post
    other = alice.client.post("/api/v1/questions", json={"title": "키가 같은 질문", "body": "x"}, headers=headers)
    assert other.status_code == 201 and "idempotent-replayed" not in other.headers


def test_a_write_that_fails_halfway_leaves_nothing(alice, app, settings, monkeypatch):
    question = alice.ask()
    indexed(alice.client)  # its index work done: nothing waits in search_pending before the failing writes
    tables = ("question", "answer", "revision", "idempotencykey", "search_pending")
    before = [count(settings, f"SELECT count(*) FROM {table}") for table in tables]
    counters = count(settings, "SELECT answer_count FROM question WHERE id = ?", question["id"])

    def broken_queue(*args):
        raise RuntimeError("search index queue unavailable (simulated)")

    # The index work is queued last in the write's transaction, after the rows and the counters.
    monkeypatch.setattr("app.db.queries.search.queue_documents", broken_queue)  # a question's document
    monkeypatch.setattr("app.db.queries.search.queue_answer", broken_queue)  # an answer added to one
    client = TestClient(app, raise_server_exceptions=False)
    for url, body in (("/api/v1/questions", {"title": "실패할 질문입니다", "body": "x"}),
                      (f"/api/v1/questions/{question['id']}/answers", {"body": "실패할 답변"})):
        failed = client.post(url, json=body, headers={**alice.headers, "Idempotency-Key": f"k-{url}"})
        envelope(failed, 500, "internal_error")
    after = [count(settings, f"SELECT count(*) FROM {table}") for table in tables]
    assert after == before
    assert count(settings, "SELECT answer_count FROM question WHERE id = ?", question["id"]) == counters


def test_home_surfaces_unanswered_questions_and_the_page_shows_newest_activity(alice, bob):
    question = alice.ask(title="홈에 보여야 할 새 질문인가요?", body="본문")
    home = bob.client.get("/").text
    waiting = home[home.index('id="recent-open"'):]
    assert "홈에 보여야 할 새 질문인가요?" in waiting[:waiting.index("</section>")]
    first = bob.answer(question["id"], body="먼저 쓴 답변")
    second = alice.client.post(f"/api/v1/answers/{first['id']}/replies", json={"body": "나중에 쓴 답글"},
                               headers=alice.headers).json()
    page = bob.client.get(f"/questions/{question['id']}").text
    assert f'href="#answer-{second["id"]}">최근 활동' in page
    newest = re.search(r'<li class="([^"]*)" id="answer-%d">' % second["id"], page).group(1)
    assert "answer--newest" in newest
    detail = bob.client.get(f"/api/v1/questions/{question['id']}").json()
    assert detail["newest_answer_id"] == second["id"]
    home = bob.client.get("/").text
    answered = home[home.index('id="recent-answered"'):]
    assert "홈에 보여야 할 새 질문인가요?" in answered[:answered.index("</section>")]
    waiting = home[home.index('id="recent-open"'):]
    assert "홈에 보여야 할 새 질문인가요?" not in waiting[:waiting.index("</section>")]
    # an edit is activity too
    assert bob.client.patch(f"/api/v1/answers/{first['id']}", json={"body": "고친 답변"},
                            headers=bob.headers).status_code == 200
    assert bob.client.get(f"/api/v1/questions/{question['id']}").json()["newest_answer_id"] == first["id"]


def test_signup_refuses_display_names_that_would_not_read_back(client_factory):
    client = client_factory()
    page = client.get("/signup")
    refused = client.post("/signup", data={"username": "ivan", "password": "long enough", "display_name": "딥러닝 스터디원",
                                           "csrf_token": csrf_from(page.text)})
    assert refused.status_code == 422 and "표시 이름" in refused.text
    Account(client_factory, "jane")  # plain names are fine


def test_the_signup_hint_names_every_display_name_the_rule_accepts(client_factory):
    """The hint once said "no spaces" while "김 철수" was accepted: a reader would not try it."""
    client = client_factory()
    page = client.get("/signup")
    assert "공백 없는" not in page.text and "김 철수" in page.text
    accepted = client.post("/signup", data={"username": "cheolsu", "password": "correct horse battery",
                                            "display_name": "김 철수", "csrf_token": csrf_from(page.text)},
                           follow_redirects=False)
    assert accepted.status_code == 303
