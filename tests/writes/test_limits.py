"""Limits: title/body lengths, normalisation, request size, rate limits with Retry-After."""

from __future__ import annotations

import unicodedata

import pytest

from app.schemas.limits import BODY_MAX, MAX_REQUEST_BYTES, clean_text
from tests.loops import run_in_own_loop


def post(account, **data):
    return account.client.post("/api/v1/questions", json={"title": "제목입니다", "body": "본문", **data},
                               headers=account.headers)


@pytest.mark.parametrize("title,ok", [("ab", False), ("abc", True), ("가" * 200, True), ("가" * 201, False),
                                      ("  a\u0000b  ", False), ("   ", False)])
def test_title_length(alice, title, ok):
    response = post(alice, title=title)
    assert response.status_code == (201 if ok else 422), response.text
    if not ok:
        assert response.json()["error"]["code"] == "validation_error"


def test_body_length(alice):
    assert post(alice, body="가" * BODY_MAX).status_code == 201
    too_long = post(alice, body="가" * (BODY_MAX + 1))
    assert too_long.status_code == 422 and too_long.json()["error"]["details"][0]["max_length"] == BODY_MAX
    assert post(alice, body=" \n ").status_code == 422


def test_request_size_cap_is_413(alice):
    response = post(alice, body="a" * (MAX_REQUEST_BYTES + 10))
    assert response.status_code == 413 and response.json()["error"]["code"] == "payload_too_large"


def test_nfc_and_control_characters(alice):
    decomposed = unicodedata.normalize("NFD", "한글 제목")
    created = post(alice, title=decomposed, body="줄\r\n바꿈\t탭\x00널\x07벨\u202e뒤집기").json()
    assert created["title"] == "한글 제목"
    assert created["body_md"] == "줄\n바꿈\t탭널벨뒤집기"
    assert clean_text("a\x1bb\x7fc\x85d") == "abcd"


def test_lone_surrogates_are_stripped_not_a_500(alice):
    """JSON may carry "\\udfff" alone; it cannot be stored as UTF-8, so it goes like a control character."""
    raw = '{"title": "서로게이트 \\udfff 제목", "body": "본문 \\ud800 끝"}'.encode()
    headers = {**alice.headers, "Content-Type": "application/json"}
    created = alice.client.post("/api/v1/questions", content=raw, headers=headers)
    assert created.status_code == 201, created.text
    assert created.json()["title"] == "서로게이트 제목" and created.json()["body_md"] == "본문  끝"
    answer = alice.client.post(f"/api/v1/questions/{created.json()['id']}/answers",
                               content='{"body": "\\ud83d 답변"}'.encode(), headers=headers)
    assert answer.status_code == 201 and answer.json()["body_md"] == " 답변"
    preview = alice.client.post("/api/v1/preview", content='{"body": "미리\\udc00보기"}'.encode(), headers=headers)
    assert preview.status_code == 200 and "미리보기" in preview.json()["html"]


def test_zero_width_spaces_in_titles_collapse_like_spaces(alice):
    created = post(alice, title="\u200b반대로\u200b\u200b 제목\u200b")
    assert created.status_code == 201 and created.json()["title"] == "반대로 제목"
    assert post(alice, title="\u200b\u200b\u200b").status_code == 422  # nothing visible is no title


def test_a_body_that_is_not_json_says_so(alice):
    response = alice.client.post("/api/v1/questions", content=b'{"title": "x",', headers={
        **alice.headers, "Content-Type": "application/json"})
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["message"] == "요청 본문이 올바른 JSON이 아닙니다."
    assert error["details"] == [{"field": None, "message": error["message"], "type": "json_invalid", "position": 14}]


def test_post_rate_limit_per_account(alice, app):
    app.state.settings = app.state.settings.with_overrides(rate_limit_posts_per_minute=3)
    codes = [post(alice, title=f"질문 {i}번").status_code for i in range(4)]
    assert codes == [201, 201, 201, 429]
    limited = post(alice, title="하나 더")
    assert limited.json()["error"]["code"] == "rate_limited"
    assert int(limited.headers["retry-after"]) >= 1


def test_post_rate_limit_per_ip(alice, bob, app):
    app.state.settings = app.state.settings.with_overrides(rate_limit_ip_posts_per_minute=2)
    assert post(alice).status_code == 201
    assert post(bob).status_code == 201
    assert post(bob).status_code == 429  # same address, another account


def test_login_rate_limit(client_factory, app):
    from tests.writes.helpers import csrf_from

    client = client_factory()
    app.state.settings = app.state.settings.with_overrides(rate_limit_logins_per_minute=3)
    csrf = csrf_from(client.get("/login").text)
    codes = [client.post("/login", data={"username": "nobody", "password": "wrong-pass", "csrf_token": csrf}).status_code
             for _ in range(4)]
    assert codes == [401, 401, 401, 429]


def test_a_chunked_body_over_the_cap_is_refused_unread():
    """No Content-Length (a chunked upload): the body is read only up to the cap, the app never runs."""
    from app.http.body import RequestBody

    called, pulled, sent = [], [], []

    async def app(scope, receive, send):
        called.append((await receive())["body"])

    async def receive():
        pulled.append(1)
        return {"type": "http.request", "body": b"a" * 16 * 1024, "more_body": True}  # never ends

    async def send(message):
        sent.append(message)

    scope = {"type": "http", "method": "POST", "path": "/api/v1/questions", "headers": [], "query_string": b"",
             "state": {}}
    run_in_own_loop(lambda: RequestBody(app, max_bytes=MAX_REQUEST_BYTES)(scope, receive, send))
    assert called == [] and len(pulled) == MAX_REQUEST_BYTES // (16 * 1024) + 1
    assert sent[0]["status"] == 413 and b"payload_too_large" in sent[1]["body"]


def test_chunked_bodies_through_the_app(alice, client_factory):
    response = alice.client.post("/api/v1/questions", content=(b"a" * 16 * 1024 for _ in range(64)), headers={
        **alice.headers, "Content-Type": "application/json"})
    assert response.status_code == 413 and response.json()["error"]["code"] == "payload_too_large"
    page = client_factory().post("/ask", content=(b"x" * 1024 for _ in range(400)), headers={
        "Accept": "text/html", "Content-Type": "application/x-www-form-urlencoded"})
    assert page.status_code == 413 and "KiB" in page.text and "<html" in page.text
    parts = ['{"title": "조각조각'.encode(), '", "body": "본문"}'.encode()]
    small = alice.client.post("/api/v1/questions", content=(part for part in parts),
                              headers={**alice.headers, "Content-Type": "application/json"})
    assert small.status_code == 201 and small.json()["title"] == "조각조각"


def test_preview_needs_an_account(client, alice):
    anonymous = client.post("/api/v1/preview", json={"body": "**x**"})
    assert anonymous.status_code == 401 and anonymous.json()["error"]["code"] == "unauthorized"
    assert alice.client.post("/api/v1/preview", json={"body": "**x**"}, headers=alice.headers).status_code == 200


def test_edits_and_previews_are_rate_limited_per_account(alice, bob, app):
    app.state.settings = app.state.settings.with_overrides(rate_limit_edits_per_minute=3,
                                                           rate_limit_previews_per_minute=4)
    question = alice.ask()
    edits = [alice.client.patch(f"/api/v1/questions/{question['id']}", headers=alice.headers,
                                json={"body": f"고친 본문 {n}"}) for n in range(4)]
    assert [r.status_code for r in edits] == [200, 200, 200, 429]
    assert int(edits[-1].headers["retry-after"]) >= 1 and edits[-1].json()["error"]["code"] == "rate_limited"
    answer = bob.answer(question["id"])
    assert bob.client.patch(f"/api/v1/answers/{answer['id']}", headers=bob.headers,
                            json={"body": "내 답변 고침"}).status_code == 200  # another account: its own budget
    previews = [alice.client.post("/api/v1/preview", headers=alice.headers, json={"body": "*미리보기*"}).status_code
                for _ in range(5)]
    assert previews == [200, 200, 200, 200, 429]
    from tests.writes.helpers import csrf_from
    page = alice.client.get("/ask")
    form = alice.client.post("/preview", data={"body": "폼 미리보기", "csrf_token": csrf_from(page.text)})
    assert "요청이 너무 많습니다" in form.text  # the preview pane says why, the typed text stays in the editor


def test_a_body_that_stops_arriving_is_a_408_and_a_prompt_one_passes():
    """A chunked upload whose last chunk never comes no longer holds the connection for as long as the client
    likes, and the app never sees the half of it that came; a prompt one reaches the app whole."""
    import asyncio

    from app.http.body import RequestBody

    def drive(chunks: list[bytes], stall: bool) -> tuple[list, list]:
        seen, sent = [], []

        async def app(scope, receive, send):
            while True:
                message = await receive()
                seen.append(message["body"])
                if not message.get("more_body"):
                    break
            await send({"type": "http.response.start", "status": 201, "headers": []})
            await send({"type": "http.response.body", "body": b"ok"})

        async def receive():
            if chunks:
                body = chunks.pop(0)
                return {"type": "http.request", "body": body, "more_body": bool(chunks) or stall}
            await asyncio.Event().wait()  # the client sends nothing more

        async def send(message):
            sent.append(message)

        scope = {"type": "http", "method": "POST", "path": "/api/v1/questions", "headers": [], "query_string": b"",
                 "state": {}}
        # The limit is short here so the test is quick; the server's is BODY_READ_TIMEOUT_S.
        run_in_own_loop(lambda: RequestBody(app, timeout_s=0.2)(scope, receive, send))
        return seen, sent

    seen, sent = drive([b"{", b'"a"'], stall=True)
    assert seen == [] and sent[0]["status"] == 408 and b"request_timeout" in sent[1]["body"]
    assert (b"connection", b"close") in sent[0]["headers"]
    seen, sent = drive([b"{", b"}"], stall=False)
    assert seen == [b"{}"] and sent[0]["status"] == 201
