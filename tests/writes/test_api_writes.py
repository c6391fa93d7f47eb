"""The write API end to end: 201 + Location, envelopes, ownership, votes, accept, idempotency, on
SQLite and on PostgreSQL."""

from __future__ import annotations

import pytest

from tests.conftest import BACKENDS
from tests.writes.helpers import bearer

pytestmark = pytest.mark.parametrize("backend", BACKENDS)


def error_code(response) -> str:
    body = response.json()
    assert set(body) == {"error"}, body
    return body["error"]["code"]


def test_ask_answer_reply_with_location(alice, bob):
    question = alice.ask()
    assert question["collection"] == "general" and question["author"] == "alice"
    fetched = alice.client.get(f"/api/v1/questions/{question['id']}")
    assert fetched.status_code == 200
    assert fetched.json()["origin"] == "posted" and fetched.json()["answered"] is False

    answer = bob.client.post(f"/api/v1/questions/{question['id']}/answers", json={"body": "체인 룰!"},
                             headers=bob.headers)
    assert answer.status_code == 201
    assert answer.headers["location"] == f"/api/v1/answers/{answer.json()['id']}"
    assert bob.client.get(answer.headers["location"]).json()["body_md"] == "체인 룰!"

    reply = alice.client.post(f"/api/v1/answers/{answer.json()['id']}/replies", json={"body": "고마워요"},
                              headers=alice.headers)
    assert reply.status_code == 201 and reply.json()["parent_id"] == answer.json()["id"]

    detail = alice.client.get(f"/api/v1/questions/{question['id']}").json()
    assert detail["answered"] is True and detail["answer_count"] == 2
    assert detail["answers"][0]["replies"][0]["body_md"] == "고마워요"


def test_question_location_header(alice):
    response = alice.client.post("/api/v1/questions", json={"title": "제목입니다", "body": "본문"}, headers=alice.headers)
    assert response.status_code == 201
    assert response.headers["location"] == f"/api/v1/questions/{response.json()['id']}"


def test_anonymous_cannot_write(client):
    response = client.post("/api/v1/questions", json={"title": "제목입니다", "body": "본문"})
    assert response.status_code == 401 and error_code(response) == "unauthorized"
    assert client.get("/api/v1/collections").status_code == 200  # reading stays open


def test_stolen_absent_and_revoked_tokens(alice, client):
    bad = client.post("/api/v1/questions", json={"title": "제목입니다", "body": "본문"},
                      headers=bearer("kbt_" + "x" * 43))
    assert bad.status_code == 401 and error_code(bad) == "invalid_token"
    not_bearer = client.post("/api/v1/questions", json={"title": "제목입니다", "body": "본문"},
                             headers={"Authorization": f"Basic {alice.token}"})
    assert not_bearer.status_code == 401

    # a token used from another client (no cookies) works until it is revoked
    assert client.get("/api/v1/me", headers=alice.headers).json()["username"] == "alice"
    page = alice.client.get("/settings/tokens").text
    assert alice.token not in page  # shown once, never again
    import re

    token_id = re.search(r'/settings/tokens/(\d+)/revoke', page).group(1)
    from tests.writes.helpers import csrf_from

    revoked = alice.client.post(f"/settings/tokens/{token_id}/revoke", data={"csrf_token": csrf_from(page)},
                                follow_redirects=False)
    assert revoked.status_code == 303
    after = client.post("/api/v1/questions", json={"title": "제목입니다", "body": "본문"}, headers=alice.headers)
    assert after.status_code == 401 and error_code(after) == "invalid_token"


def test_an_unknown_token_is_refused_before_its_body_is_judged(alice, client):
    """Who asks comes first: a token that names no account gets 401 whatever it sent, as a missing one
    does, not the 422 that would tell a stranger what the endpoint accepts; a known token's bad body
    is still a 422."""
    question = alice.ask()
    stranger = bearer("kbt_" + "x" * 43)
    for body in ({"nonsense": 1}, {"body": 5}, {}):
        refused = client.post(f"/api/v1/questions/{question['id']}/answers", json=body, headers=stranger)
        assert refused.status_code == 401 and error_code(refused) == "invalid_token", body
        assert refused.headers["www-authenticate"] == 'Bearer error="invalid_token"'
    broken = client.post("/api/v1/questions", content=b"{not json", headers={**stranger, "content-type": "application/json"})
    assert broken.status_code == 401 and error_code(broken) == "invalid_token"
    judged = client.post(f"/api/v1/questions/{question['id']}/answers", json={"nonsense": 1}, headers=alice.headers)
    assert judged.status_code == 422 and error_code(judged) == "validation_error"


def test_an_unknown_token_on_a_public_read_gets_the_422_of_its_query(alice, client):
    """The 401-first rule is for routes that need an account: a public list that needs none judges
    its query as it would for anyone, whatever token came with it; a route that needs an account
    (the inbox) still refuses the stranger first."""
    stranger = bearer("kbt_" + "x" * 43)
    for url in ("/api/v1/questions?page=abc", "/api/v1/authors?per_page=0"):
        judged = client.get(url, headers=stranger)
        assert judged.status_code == 422 and error_code(judged) == "validation_error", url
    inbox = client.get("/api/v1/inbox?page=abc", headers=stranger)
    assert inbox.status_code == 401 and error_code(inbox) == "invalid_token"


def test_cookie_session_needs_csrf_header_on_api(alice):
    alice.client.headers.pop("Authorization", None)
    no_header = alice.client.post("/api/v1/questions", json={"title": "제목입니다", "body": "본문"})
    assert no_header.status_code == 403 and error_code(no_header) == "csrf_failed"
    with_header = alice.client.post("/api/v1/questions", json={"title": "제목입니다", "body": "본문"},
                                    headers={"X-CSRF-Token": alice.csrf()})
    assert with_header.status_code == 201


def test_edit_and_delete_only_own_posts(alice, bob):
    question = alice.ask()
    answer = alice.answer(question["id"])
    for method, url, body in [
        ("PATCH", f"/api/v1/questions/{question['id']}", {"title": "남의 질문 고치기"}),
        ("DELETE", f"/api/v1/questions/{question['id']}", None),
        ("PATCH", f"/api/v1/answers/{answer['id']}", {"body": "남의 답변"}),
        ("DELETE", f"/api/v1/answers/{answer['id']}", None),
    ]:
        response = bob.client.request(method, url, json=body, headers=bob.headers)
        assert response.status_code == 403 and error_code(response) == "not_owner", (method, url)

    edited = alice.client.patch(f"/api/v1/questions/{question['id']}", json={"title": "역전파가 뭔가요?", "body": "고친 본문"},
                                headers=alice.headers)
    assert edited.status_code == 200 and edited.json()["title"] == "역전파가 뭔가요?"
    history = alice.client.get(f"/api/v1/questions/{question['id']}/revisions").json()
    revisions = history["revisions"]
    assert [r["number"] for r in revisions] == [1, 2] and revisions[1]["author"] == "alice"
    assert revisions[1]["title"] == "역전파가 뭔가요?" and revisions[1]["body_md"] == "고친 본문"
    kinds = [line["kind"] for line in revisions[1]["changes"]]
    assert "add" in kinds and "del" in kinds
    page = alice.client.get(f"/questions/{question['id']}/revisions")
    assert page.status_code == 200 and "<ins>" in page.text and "<del>" in page.text
    assert f'href="/api/v1/questions/{question["id"]}/revisions"' in page.text  # the JSON twin

    assert alice.client.delete(f"/api/v1/answers/{answer['id']}", headers=alice.headers).status_code == 204
    assert alice.client.get(f"/api/v1/answers/{answer['id']}").status_code == 404
    assert alice.client.get(f"/api/v1/questions/{question['id']}").json()["answer_count"] == 0
    assert alice.client.delete(f"/api/v1/questions/{question['id']}", headers=alice.headers).status_code == 204
    gone = alice.client.get(f"/api/v1/questions/{question['id']}")
    assert gone.status_code == 404 and error_code(gone) == "not_found"


def test_votes_and_accept(alice, bob):
    question = alice.ask()
    answer = bob.answer(question["id"])
    plus = bob.client.post(f"/api/v1/questions/{question['id']}/votes", headers=bob.headers)
    assert plus.status_code == 201 and plus.json()["plus_one_count"] == 1 and plus.headers["location"]
    again = bob.client.post(f"/api/v1/questions/{question['id']}/votes", headers=bob.headers)
    assert again.status_code == 409 and error_code(again) == "already_voted"
    own = alice.client.post(f"/api/v1/questions/{question['id']}/votes", headers=alice.headers)
    assert own.status_code == 403

    up = alice.client.post(f"/api/v1/answers/{answer['id']}/votes", headers=alice.headers)
    assert up.status_code == 201 and up.json()["vote_score"] == 1
    assert alice.client.delete(f"/api/v1/answers/{answer['id']}/votes", headers=alice.headers).json()["vote_score"] == 0

    not_asker = bob.client.post(f"/api/v1/questions/{question['id']}/accept", json={"answer_id": answer["id"]},
                                headers=bob.headers)
    assert not_asker.status_code == 403
    accepted = alice.client.post(f"/api/v1/questions/{question['id']}/accept", json={"answer_id": answer["id"]},
                                 headers=alice.headers)
    assert accepted.status_code == 200
    detail = alice.client.get(f"/api/v1/questions/{question['id']}").json()
    assert detail["accepted_answer_id"] == answer["id"] and detail["plus_one_count"] == 1
    reply = alice.client.post(f"/api/v1/answers/{answer['id']}/replies", json={"body": "답글"}, headers=alice.headers)
    not_an_answer = alice.client.post(f"/api/v1/questions/{question['id']}/accept", json={"answer_id": reply.json()["id"]},
                                      headers=alice.headers)
    assert not_an_answer.status_code == 422 and error_code(not_an_answer) == "validation_error"
    other = alice.ask(title="다른 질문입니다")
    wrong = alice.client.post(f"/api/v1/questions/{other['id']}/accept", json={"answer_id": answer["id"]},
                              headers=alice.headers)
    assert wrong.status_code == 422


def test_not_found_everywhere(alice):
    for url in ("/api/v1/questions/999999/answers", "/api/v1/answers/999999/replies"):
        response = alice.client.post(url, json={"body": "x"}, headers=alice.headers)
        assert response.status_code == 404 and error_code(response) == "not_found"
    missing = alice.client.post("/api/v1/questions", json={"title": "제목입니다", "body": "본문", "collection": "nope"},
                                headers=alice.headers)
    assert missing.status_code == 404


def test_idempotency_key_returns_the_first_result(alice):
    headers = {**alice.headers, "Idempotency-Key": "double-click-1"}
    first = alice.client.post("/api/v1/questions", json={"title": "한 번만 올라가야 해요", "body": "본문"}, headers=headers)
    second = alice.client.post("/api/v1/questions", json={"title": "한 번만 올라가야 해요", "body": "본문"}, headers=headers)
    assert first.status_code == second.status_code == 201
    assert first.headers["location"] == second.headers["location"]
    assert second.headers["idempotent-replayed"] == "true"
    listing = alice.client.get("/api/v1/questions", params={"collection": "general"}).json()
    assert sum(1 for q in listing["items"] if q["title"] == "한 번만 올라가야 해요") == 1


def test_concurrent_duplicate_submits_make_one_row(alice, app):
    from concurrent.futures import ThreadPoolExecutor

    from fastapi.testclient import TestClient

    headers = {**alice.headers, "Idempotency-Key": "race-1"}

    def post(_):
        with TestClient(app) as client:
            return client.post("/api/v1/questions", json={"title": "경쟁 조건", "body": "본문"}, headers=headers)

    with ThreadPoolExecutor(16) as pool:
        responses = list(pool.map(post, range(16)))
    assert {r.status_code for r in responses} == {201}
    assert len({r.headers["location"] for r in responses}) == 1


def test_simultaneous_answers_all_land(alice, app):
    """Writers side by side (PostgreSQL runs them at once; SQLite queues them): every one is stored
    and answered 201, none a 500, and the thread counts them all."""
    from concurrent.futures import ThreadPoolExecutor

    from fastapi.testclient import TestClient

    question = alice.ask(title="동시에 답변이 몰리는 질문", body="본문")

    def post(number):
        with TestClient(app) as client:
            return client.post(f"/api/v1/questions/{question['id']}/answers", json={"body": f"답변 {number}"},
                               headers=alice.headers)

    with ThreadPoolExecutor(18) as pool:
        responses = list(pool.map(post, range(18)))
    assert [r.status_code for r in responses] == [201] * 18
    stored = alice.client.get(f"/api/v1/questions/{question['id']}").json()
    assert stored["answer_count"] == 18


def test_preview_renders_without_saving(alice):
    response = alice.client.post("/api/v1/preview", json={"body": "**굵게**"}, headers=alice.headers)
    assert response.status_code == 200
    assert "<strong>굵게</strong>" in response.json()["html"]


def test_openapi_declares_the_bearer_token_on_writes_only(client):
    """/docs can only send a token ("Authorize") when the scheme is in the OpenAPI document."""
    spec = client.get("/api/v1/openapi.json").json()
    schemes = spec["components"]["securitySchemes"]
    assert schemes == {"apiToken": {"type": "http", "scheme": "bearer", "description": schemes["apiToken"]["description"]}}
    paths = spec["paths"]
    for path, method in [("/api/v1/questions", "post"), ("/api/v1/answers/{answer_id}", "patch"),
                         ("/api/v1/questions/{question_id}/accept", "post"), ("/api/v1/me", "get")]:
        assert paths[path][method]["security"] == [{"apiToken": []}], (path, method)
    for path, method in [("/api/v1/questions", "get"), ("/api/v1/search", "get"), ("/api/v1/demos/{slug}/runs", "post")]:
        assert "security" not in paths[path][method], (path, method)
