"""The HTML forms end to end: sign up / log in / log out, CSRF, ask, answer, reply, edit, vote, accept."""

from __future__ import annotations

import re

import pytest

from tests.conftest import BACKENDS
from tests.writes.helpers import FORM_TOKEN_RE, csrf_from, sign_up

pytestmark = pytest.mark.parametrize("backend", BACKENDS)


def form_tokens(client, path: str) -> dict:
    page = client.get(path)
    assert page.status_code == 200, page.text
    tokens = {"csrf_token": csrf_from(page.text)}
    if match := FORM_TOKEN_RE.search(page.text):
        tokens["form_token"] = match.group(1)
    return tokens


def ask(client, title="폼으로 묻는 질문", body="본문 $a+b$") -> int:
    response = client.post("/ask", data={"title": title, "body": body, "collection": "general",
                                         **form_tokens(client, "/ask")}, follow_redirects=False)
    assert response.status_code == 303, response.text
    return int(re.match(r"/questions/(\d+)$", response.headers["location"]).group(1))


def test_signup_sets_a_safe_session_cookie(client):
    response = sign_up(client, "carol")
    cookie = response.headers["set-cookie"]
    assert "kb_session=" in cookie and "HttpOnly" in cookie and "samesite=lax" in cookie.lower()
    home = client.get("/")
    assert "carol" in home.text and "로그아웃" in home.text


def test_login_logout(client_factory):
    first = client_factory()
    sign_up(first, "dave", password="long enough pw")
    other = client_factory()
    tokens = form_tokens(other, "/login")
    wrong = other.post("/login", data={"username": "dave", "password": "wrong password", **tokens})
    assert wrong.status_code == 401 and "올바르지 않습니다" in wrong.text
    ok = other.post("/login", data={"username": "dave", "password": "long enough pw", **tokens,
                                    "next": "//evil.example/"}, follow_redirects=False)
    assert ok.status_code == 303 and ok.headers["location"] == "/"  # no open redirect
    assert other.get("/ask").status_code == 200
    out = other.post("/logout", data=form_tokens(other, "/"), follow_redirects=False)
    assert out.status_code == 303
    after = other.get("/ask", follow_redirects=False)
    assert after.status_code == 303 and after.headers["location"] == "/login?next=%2Fask"


def test_duplicate_username_is_409(client_factory):
    sign_up(client_factory(), "erin")
    client = client_factory()
    response = client.post("/signup", data={"username": "erin", "password": "whatever else 123",
                                            **form_tokens(client, "/signup")})
    assert response.status_code == 409 and "이미 사용 중" in response.text


def test_csrf_rejected_on_every_form(alice, client_factory):
    client = alice.client
    question_id = ask(client)
    posts = [("/ask", {"title": "제목입니다", "body": "본문", "form_token": "t1"}),
             (f"/questions/{question_id}/answers", {"body": "답", "form_token": "t2"}),
             (f"/questions/{question_id}/edit", {"title": "제목입니다", "body": "본문"}),
             (f"/questions/{question_id}/delete", {}), (f"/questions/{question_id}/vote", {}),
             ("/settings/tokens", {"name": "x"}), ("/logout", {}), ("/preview", {"body": "x"})]
    for path, data in posts:
        for bad in ({}, {"csrf_token": "forged"}):
            response = client.post(path, data={**data, **bad}, headers={"Accept": "text/html"})
            assert response.status_code == 403, (path, bad, response.status_code)
            assert "CSRF" in response.text
    # another session's token is not accepted either
    other = client_factory()
    sign_up(other, "mallory")
    stolen = csrf_from(other.get("/ask").text)
    assert client.post("/ask", data={"title": "제목입니다", "body": "본문", "form_token": "t3",
                                     "csrf_token": stolen}).status_code == 403
    anon = client_factory()
    login_csrf = csrf_from(anon.get("/login").text)
    assert client_factory().post("/login", data={"username": "a", "password": "b",
                                                 "csrf_token": login_csrf}).status_code == 403


def test_anonymous_gets_login_not_forms(client):
    for path in ("/ask", "/ask?collection=general", "/settings/tokens", "/questions/1/edit", "/answers/1/edit"):
        response = client.get(path, follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"].startswith("/login?next=%2F"), path
    login = client.get("/ask?collection=general")
    assert login.status_code == 200 and 'name="next" value="/ask?collection=general"' in login.text
    response = client.post("/ask", data={"title": "제목", "body": "x"})
    assert response.status_code in (401, 403)
    with_token = client.post("/ask", data={"title": "제목입니다", "body": "x", "form_token": "t",
                                           "csrf_token": csrf_from(client.get("/login").text)})
    assert with_token.status_code == 401  # a valid anonymous form token, still no account
    assert client.get("/api/v1/me").status_code == 401  # the API answers, it does not redirect


def test_ask_answer_reply_edit_vote_accept_through_forms(alice, bob):
    question_id = ask(alice.client)
    answer = bob.client.post(f"/questions/{question_id}/answers", follow_redirects=False,
                             data={"body": "폼 답변", "csrf_token": bob.csrf(), "form_token": "a1"})
    assert answer.status_code == 303
    answer_id = int(answer.headers["location"].rsplit("answer-", 1)[1])
    reply = alice.client.post(f"/answers/{answer_id}/replies", follow_redirects=False,
                              data={"body": "폼 답글", "csrf_token": alice.csrf(), "form_token": "r1"})
    assert reply.status_code == 303

    edit_page = alice.client.get(f"/questions/{question_id}/edit")
    assert edit_page.status_code == 200 and "폼으로 묻는 질문" in edit_page.text
    assert bob.client.get(f"/questions/{question_id}/edit").status_code == 403
    edited = alice.client.post(f"/questions/{question_id}/edit", follow_redirects=False,
                               data={"title": "고친 제목입니다", "body": "고친 본문", "csrf_token": alice.csrf()})
    assert edited.status_code == 303
    assert bob.client.post(f"/questions/{question_id}/edit", data={
        "title": "남의 글", "body": "x", "csrf_token": bob.csrf()}).status_code == 403
    revisions = alice.client.get(f"/questions/{question_id}/revisions")
    assert "2판" in revisions.text and "고친" in revisions.text and "alice" in revisions.text

    bob.client.post(f"/questions/{question_id}/vote", data={"csrf_token": bob.csrf()})
    alice.client.post(f"/answers/{answer_id}/vote", data={"csrf_token": alice.csrf()})
    accepted = alice.client.post(f"/questions/{question_id}/accept", follow_redirects=False,
                                 data={"answer_id": answer_id, "csrf_token": alice.csrf()})
    # back where the asker pressed 채택, not at the top of a long thread
    assert accepted.status_code == 303
    assert accepted.headers["location"] == f"/questions/{question_id}#answer-{answer_id}"
    detail = alice.client.get(f"/api/v1/questions/{question_id}").json()
    assert detail["title"] == "고친 제목입니다" and detail["plus_one_count"] == 1
    assert detail["accepted_answer_id"] == answer_id and detail["answer_count"] == 2
    assert detail["answers"][0]["vote_score"] == 1 and detail["answers"][0]["replies"][0]["body_md"] == "폼 답글"
    bob.client.post(f"/questions/{question_id}/vote", data={"csrf_token": bob.csrf()})  # toggles off
    assert alice.client.get(f"/api/v1/questions/{question_id}").json()["plus_one_count"] == 0

    answer_edit = bob.client.post(f"/answers/{answer_id}/edit", data={"body": "고친 답변", "csrf_token": bob.csrf()},
                                  follow_redirects=False)
    assert answer_edit.status_code == 303
    assert "고친" in bob.client.get(f"/answers/{answer_id}/revisions").text
    deleted = alice.client.post(f"/questions/{question_id}/delete", data={"csrf_token": alice.csrf()},
                                follow_redirects=False)
    assert deleted.status_code == 303
    assert alice.client.get(f"/api/v1/questions/{question_id}").status_code == 404


def test_double_submit_makes_one_question(alice):
    tokens = form_tokens(alice.client, "/ask")
    data = {"title": "더블 클릭", "body": "한 번만", "collection": "general", **tokens}
    first = alice.client.post("/ask", data=data, follow_redirects=False)
    second = alice.client.post("/ask", data=data, follow_redirects=False)
    assert first.headers["location"] == second.headers["location"]
    items = alice.client.get("/api/v1/questions", params={"collection": "general"}).json()["items"]
    assert [q["title"] for q in items].count("더블 클릭") == 1


def test_rejected_form_keeps_the_text(alice):
    body = "긴 글을 열심히 썼는데\n제목이 짧아요"
    response = alice.client.post("/ask", data={"title": "짧", "body": body, "collection": "general",
                                               **form_tokens(alice.client, "/ask")})
    assert response.status_code == 422
    assert "제목은 3~200자" in response.text and "긴 글을 열심히 썼는데" in response.text
    answer = alice.client.post("/questions/1/answers", data={"body": "가" * 20_001, "csrf_token": alice.csrf(),
                                                             "form_token": "x"})
    assert answer.status_code in (404, 422)


def test_preview_fragment(alice):
    response = alice.client.post("/preview", data={"body": "미리 <script>alert(1)</script> 보기"},
                                 headers={"X-CSRF-Token": alice.csrf(), "HX-Request": "true"})
    assert response.status_code == 200 and "미리" in response.text
    assert "<script>" not in response.text
    assert "<html" not in response.text  # a fragment for htmx


def test_token_page_requires_login_and_shows_prefix_only(alice, client):
    assert client.get("/settings/tokens", follow_redirects=False).status_code == 303
    page = alice.client.get("/settings/tokens").text
    assert alice.token[:10] in page and alice.token not in page


def test_pages_show_times_in_korean_time(alice):
    """Stored in UTC, shown in KST: a Korean reader who posts at 16:35 must not read 07:35."""
    from datetime import datetime, timedelta

    created = alice.ask()
    utc = datetime.fromisoformat(created["created_at"].replace("Z", "+00:00"))
    page = alice.client.get(f"/questions/{created['id']}").text
    shown = (utc + timedelta(hours=9)).strftime("%Y-%m-%d %H:%M")
    assert f">{shown}</time>" in page
    assert f">{utc.strftime('%Y-%m-%d %H:%M')}</time>" not in page


def test_ids_beyond_sqlite_integers_are_422_on_every_writing_page(alice):
    """SQLite integers are 64-bit; the driver raised OverflowError (a 500) on the form routes' bare ints."""
    big = "9" * 23
    csrf = csrf_from(alice.client.get("/ask").text)
    question_id = ask(alice.client)
    requests = [("GET", f"/questions/{big}/edit"), ("GET", f"/answers/{big}/edit"),
                ("GET", f"/questions/{big}/revisions"), ("GET", f"/answers/{big}/revisions"),
                ("POST", f"/questions/{big}/answers"), ("POST", f"/answers/{big}/replies"),
                ("POST", f"/questions/{big}/delete"), ("POST", f"/answers/{big}/delete"),
                ("POST", f"/questions/{big}/vote"), ("POST", f"/answers/{big}/vote"),
                ("POST", f"/questions/{big}/accept"), ("POST", f"/settings/tokens/{big}/revoke"),
                ("POST", f"/questions/{question_id}/accept")]
    for method, path in requests:
        data = {"csrf_token": csrf, "body": "본문", "form_token": "t", "answer_id": big} if method == "POST" else None
        response = alice.client.request(method, path, data=data, headers={"Accept": "text/html"})
        assert response.status_code == 422, (path, response.status_code)
    api = alice.client.post(f"/api/v1/questions/{question_id}/accept", json={"answer_id": int(big)},
                            headers=alice.headers)
    assert api.status_code == 422 and api.json()["error"]["details"][0]["field"] == "answer_id"


def test_edit_pages_name_what_is_edited(alice, bob):
    """A reply's edit page said "답변 고치기", and every edit page's tab a bare "고치기"."""
    question_id = ask(alice.client)
    answer = bob.client.post(f"/questions/{question_id}/answers", follow_redirects=False,
                             data={"body": "폼 답변", "csrf_token": bob.csrf(), "form_token": "n1"})
    answer_id = int(answer.headers["location"].rsplit("answer-", 1)[1])
    reply = alice.client.post(f"/answers/{answer_id}/replies", follow_redirects=False,
                              data={"body": "폼 답글", "csrf_token": alice.csrf(), "form_token": "n2"})
    reply_id = int(reply.headers["location"].rsplit("answer-", 1)[1])
    pages = ((alice, f"/questions/{question_id}/edit", "질문"), (bob, f"/answers/{answer_id}/edit", "답변"),
             (alice, f"/answers/{reply_id}/edit", "답글"))
    for account, path, noun in pages:
        text = account.client.get(path).text
        assert f"<title>{noun} 고치기 · " in text and f"<h1>{noun} 고치기</h1>" in text, path
    refused = alice.client.post(f"/answers/{reply_id}/edit", data={"body": "", "csrf_token": alice.csrf()})
    assert refused.status_code == 422 and "<h1>답글 고치기</h1>" in refused.text


def test_a_refused_answer_or_reply_links_back_to_where_it_was_written(alice, bob):
    """The retry page stood alone: no word of which question it was for, and no way back but the browser's."""
    question_id = ask(alice.client)
    refused = bob.client.post(f"/questions/{question_id}/answers",
                              data={"body": " ", "csrf_token": bob.csrf(), "form_token": "b1"})
    assert refused.status_code == 422
    assert f'<a href="/questions/{question_id}#answer-form">질문으로 돌아가기</a>' in refused.text
    answer = bob.client.post(f"/questions/{question_id}/answers", follow_redirects=False,
                             data={"body": "폼 답변", "csrf_token": bob.csrf(), "form_token": "b2"})
    answer_id = int(answer.headers["location"].rsplit("answer-", 1)[1])
    refused = alice.client.post(f"/answers/{answer_id}/replies",
                                data={"body": " ", "csrf_token": alice.csrf(), "form_token": "b3"})
    assert refused.status_code == 422
    assert f'<a href="/questions/{question_id}#answer-{answer_id}">질문으로 돌아가기</a>' in refused.text
