"""Moderation through the API: flags, the queue, hide and restore, close as a duplicate, suspensions and
the log, each with who may do it (a member gets 403 in the error envelope)."""

from __future__ import annotations

import pytest

from tests.conftest import BACKENDS
from tests.writes.helpers import csrf_from, indexed

SPAM = "싸게 파는 그래픽카드 광고입니다. 지금 바로 연락 주세요."


def flag(account, path: str, reason: str = "광고"):
    return account.client.post(f"/api/v1/{path}/flags", json={"reason": reason}, headers=account.headers)


def hide(account, path: str, reason: str = "광고 글"):
    return account.client.post(f"/api/v1/{path}/hide", json={"reason": reason}, headers=account.headers)


def restore(account, path: str):
    return account.client.post(f"/api/v1/{path}/restore", headers=account.headers)


def search_ids(client, query: str) -> list[int]:
    indexed(client)
    return [hit["question_id"] for hit in client.get("/api/v1/search", params={"q": query}).json()["items"]]


def error_code(response) -> str:
    return response.json()["error"]["code"]


# --- who may do what ---------------------------------------------------------------------------


def test_members_cannot_moderate(alice, bob):
    question = alice.ask()
    qid = question["id"]
    answer = bob.answer(qid)
    refused = [
        bob.client.get("/api/v1/moderation", headers=bob.headers),
        hide(bob, f"questions/{qid}"),
        hide(bob, f"answers/{answer['id']}"),
        restore(bob, f"questions/{qid}"),
        bob.client.delete(f"/api/v1/questions/{qid}/flags", headers=bob.headers),
        bob.client.post(f"/api/v1/questions/{qid}/close", json={"reason": "주제와 무관"}, headers=bob.headers),
        bob.client.post(f"/api/v1/questions/{qid}/reopen", headers=bob.headers),
        bob.client.post("/api/v1/users/alice/suspension", json={"days": 1, "reason": "시험"}, headers=bob.headers),
        bob.client.delete("/api/v1/users/alice/suspension", headers=bob.headers),
    ]
    for response in refused:
        assert response.status_code == 403, (response.request.url, response.text)
        assert error_code(response) == "not_moderator"
        assert response.json()["error"]["message"] == "운영자만 할 수 있는 일입니다."
    assert bob.client.get("/moderation").status_code == 403
    assert bob.client.get("/api/v1/moderation/log", headers=bob.headers).status_code == 403
    assert alice.client.get(f"/api/v1/questions/{qid}").status_code == 200  # nothing changed


def test_anonymous_readers_cannot_flag_or_moderate(client, alice):
    qid = alice.ask()["id"]
    assert client.post(f"/api/v1/questions/{qid}/flags", json={"reason": "광고"}).status_code == 401
    assert client.get("/api/v1/moderation").status_code == 401
    page = client.get("/moderation", follow_redirects=False)
    assert page.status_code in (302, 303, 401)


def test_only_admins_read_the_log(mod, admin):
    refused = mod.client.get("/api/v1/moderation/log", headers=mod.headers)
    assert refused.status_code == 403 and error_code(refused) == "not_admin"
    assert mod.client.get("/moderation/log").status_code == 403
    assert admin.client.get("/api/v1/moderation/log", headers=admin.headers).status_code == 200
    # An admin may do what a moderator may.
    assert admin.client.get("/api/v1/moderation", headers=admin.headers).status_code == 200


# --- flags -------------------------------------------------------------------------------------


def test_a_member_flags_a_question_an_answer_and_a_reply_once_each(alice, bob, mod):
    qid = alice.ask()["id"]
    answer = bob.answer(qid, body=SPAM)
    reply = bob.client.post(f"/api/v1/answers/{answer['id']}/replies", json={"body": "답글 광고"},
                            headers=bob.headers).json()
    for path in (f"answers/{answer['id']}", f"answers/{reply['id']}"):
        made = flag(alice, path, "광고")
        assert made.status_code == 201, made.text
        assert made.json()["reason"] == "광고"
    assert flag(bob, f"questions/{qid}", "주제와 무관").status_code == 201
    again = flag(alice, f"answers/{answer['id']}", "또 광고")
    assert again.status_code == 409 and error_code(again) == "already_flagged"
    own = flag(bob, f"answers/{answer['id']}")
    assert own.status_code == 409 and error_code(own) == "own_post"
    empty = flag(alice, f"questions/{qid}", "   ")
    assert empty.status_code == 422
    assert flag(alice, "questions/999999").status_code == 404

    queue = mod.client.get("/api/v1/moderation", headers=mod.headers).json()
    assert queue["open_flag_count"] == 3
    kinds = {(item["kind"], item["id"]): item for item in queue["flagged"]}
    assert set(kinds) == {("answer", answer["id"]), ("reply", reply["id"]), ("question", qid)}
    assert kinds[("answer", answer["id"])]["flags"][0] == {
        **kinds[("answer", answer["id"])]["flags"][0], "reason": "광고", "by": "alice"}
    assert kinds[("answer", answer["id"])]["author_username"] == "bob"
    assert SPAM in kinds[("answer", answer["id"])]["body_html"]


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_racing_second_flag_is_refused_by_the_database(monkeypatch, app, alice, bob, mod):
    """Two of a member's requests both pass the service's check before either inserts: the partial
    unique index refuses the second, which gets the same 409; a dealt-with flag does not count."""
    from sqlmodel import Session, select

    from app.db.models import Flag
    from app.services import moderation

    qid = alice.ask()["id"]
    answer = bob.answer(qid, body=SPAM)
    assert flag(alice, f"answers/{answer['id']}").status_code == 201
    assert flag(bob, f"questions/{qid}").status_code == 201
    monkeypatch.setattr(moderation.queries, "open_flag_by", lambda *args, **kwargs: None)
    for account, path in ((alice, f"answers/{answer['id']}"), (bob, f"questions/{qid}")):
        again = flag(account, path, "또 광고")
        assert again.status_code == 409, again.text
        assert error_code(again) == "already_flagged"
        assert again.json()["error"]["message"] == "이미 신고한 글입니다. 운영자가 살펴볼 때까지 기다려 주세요."
    with Session(app.state.engine) as session:
        assert len(session.exec(select(Flag)).all()) == 2

    assert mod.client.delete(f"/api/v1/answers/{answer['id']}/flags", headers=mod.headers).status_code == 200
    assert flag(alice, f"answers/{answer['id']}", "다시 광고").status_code == 201  # the first one was dealt with
    with Session(app.state.engine) as session:
        assert len(session.exec(select(Flag).where(Flag.resolved_at == None)).all()) == 2  # noqa: E711


def test_flags_are_rate_limited_like_posts(app, alice, bob):
    qid = alice.ask()["id"]
    answers = [alice.answer(qid, body=f"답변 {n}") for n in range(3)]
    app.state.settings = app.state.settings.with_overrides(rate_limit_posts_per_minute=2)
    assert flag(bob, f"answers/{answers[0]['id']}").status_code == 201
    assert flag(bob, f"answers/{answers[1]['id']}").status_code == 201
    limited = flag(bob, f"answers/{answers[2]['id']}")
    assert limited.status_code == 429 and "retry-after" in limited.headers


def test_dismissing_flags_empties_the_queue_and_keeps_the_post(alice, bob, mod):
    qid = alice.ask()["id"]
    flag(bob, f"questions/{qid}")
    dismissed = mod.client.delete(f"/api/v1/questions/{qid}/flags", headers=mod.headers)
    assert dismissed.status_code == 200 and dismissed.json() == {"dismissed": 1}
    assert mod.client.get("/api/v1/moderation", headers=mod.headers).json()["flagged"] == []
    assert bob.client.get(f"/api/v1/questions/{qid}").status_code == 200
    nothing = mod.client.delete(f"/api/v1/questions/{qid}/flags", headers=mod.headers)
    assert nothing.status_code == 409


# --- hide and restore --------------------------------------------------------------------------


def test_a_hidden_question_leaves_lists_search_and_pages_for_everyone_but_its_author(client, alice, bob, mod):
    qid = alice.ask(title="그래픽카드 싸게 팝니다", body=SPAM)["id"]
    assert qid in [q["id"] for q in client.get("/api/v1/questions").json()["items"]]
    assert client.get(f"/questions/{qid}").status_code == 200  # kept in the page cache now
    assert qid in search_ids(client, "그래픽카드")
    flag(bob, f"questions/{qid}")

    hidden = hide(mod, f"questions/{qid}", "광고 글은 올릴 수 없습니다")
    assert hidden.status_code == 200, hidden.text
    assert hidden.json()["hidden"] is True
    twice = hide(mod, f"questions/{qid}", "또 숨기기")
    assert twice.status_code == 409 and error_code(twice) == "already_hidden"

    assert client.get(f"/questions/{qid}").status_code == 404
    assert client.get(f"/api/v1/questions/{qid}").status_code == 404
    assert bob.client.get(f"/questions/{qid}").status_code == 404
    assert qid not in [q["id"] for q in client.get("/api/v1/questions").json()["items"]]
    assert qid not in search_ids(client, "그래픽카드")
    own = alice.client.get(f"/questions/{qid}")
    assert own.status_code == 200 and "광고 글은 올릴 수 없습니다" in own.text and "그래픽카드" in own.text
    assert mod.client.get(f"/questions/{qid}").status_code == 200
    twin = alice.client.get(f"/api/v1/questions/{qid}/hidden", headers=alice.headers).json()
    assert twin["question"]["hidden_reason"] == "광고 글은 올릴 수 없습니다" and twin["answers"] == []
    assert f'href="/api/v1/questions/{qid}/hidden"' in own.text
    assert bob.client.get(f"/api/v1/questions/{qid}/hidden", headers=bob.headers).status_code == 404

    queue = mod.client.get("/api/v1/moderation", headers=mod.headers).json()
    assert queue["flagged"] == [] and [item["id"] for item in queue["hidden"]] == [qid]
    # Hidden, it can no longer be flagged, answered or edited.
    assert flag(bob, f"questions/{qid}").status_code == 404
    assert bob.client.post(f"/api/v1/questions/{qid}/answers", json={"body": "답"},
                           headers=bob.headers).status_code == 404

    restored = restore(mod, f"questions/{qid}")
    assert restored.status_code == 200 and restored.json()["hidden"] is False
    assert client.get(f"/questions/{qid}").status_code == 200
    assert qid in search_ids(client, "그래픽카드")
    again = restore(mod, f"questions/{qid}")
    assert again.status_code == 409 and error_code(again) == "not_hidden"


def test_a_hidden_answer_leaves_the_cached_page_and_its_author_sees_why(client, alice, bob, mod):
    qid = alice.ask()["id"]
    answer = bob.answer(qid, body=SPAM)
    before = client.get(f"/questions/{qid}")
    assert SPAM in before.text
    etag = before.headers.get("etag")

    assert hide(mod, f"answers/{answer['id']}", "광고 답변").status_code == 200

    after = client.get(f"/questions/{qid}", headers={"If-None-Match": etag} if etag else {})
    assert after.status_code == 200 and SPAM not in after.text
    detail = client.get(f"/api/v1/questions/{qid}").json()
    assert detail["answers"] == [] and detail["answer_count"] == 0
    assert detail["hidden_answer_ids"] == [answer["id"]]
    assert SPAM not in alice.client.get(f"/questions/{qid}").text

    own = bob.client.get(f"/questions/{qid}")
    assert "운영자가 숨긴 답변" in own.text and "광고 답변" in own.text and SPAM in own.text
    twin = bob.client.get(f"/api/v1/questions/{qid}/hidden", headers=bob.headers).json()
    assert twin["question"] is None and [(a["id"], a["hidden_reason"]) for a in twin["answers"]] == [
        (answer["id"], "광고 답변")]
    assert alice.client.get(f"/api/v1/questions/{qid}/hidden", headers=alice.headers).json()["answers"] == []
    assert len(mod.client.get(f"/api/v1/questions/{qid}/hidden", headers=mod.headers).json()["answers"]) == 1

    assert restore(mod, f"answers/{answer['id']}").status_code == 200
    assert SPAM in client.get(f"/questions/{qid}").text
    assert client.get(f"/api/v1/questions/{qid}").json()["answer_count"] == 1


def test_a_hidden_answer_with_replies_leaves_a_placeholder_without_its_text(client, alice, bob, mod):
    qid = alice.ask()["id"]
    answer = bob.answer(qid, body=SPAM)
    alice.client.post(f"/api/v1/answers/{answer['id']}/replies", json={"body": "이건 광고 같아요"},
                      headers=alice.headers)
    hide(mod, f"answers/{answer['id']}")
    node = client.get(f"/api/v1/questions/{qid}").json()["answers"][0]
    assert node["hidden"] is True and node["body_html"] == "" and node["author"] is None
    assert node["replies"][0]["body_md"] == "이건 광고 같아요"
    assert "운영자가 숨긴 답변입니다" in client.get(f"/questions/{qid}").text


# --- close --------------------------------------------------------------------------------------


def test_close_as_duplicate_links_both_questions_and_stops_answers(client, alice, bob, mod):
    original = alice.ask(title="배치 정규화는 왜 쓰나요?")["id"]
    duplicate = bob.ask(title="배치 정규화를 쓰는 이유가 뭔가요?")["id"]
    answer = alice.answer(duplicate, body="먼저 달린 답변")

    closed = mod.client.post(f"/api/v1/questions/{duplicate}/close", json={"duplicate_of": original},
                             headers=mod.headers)
    assert closed.status_code == 200, closed.text
    dup = client.get(f"/api/v1/questions/{duplicate}").json()
    assert dup["closed"]["duplicate_of"]["id"] == original and dup["closed"]["reason"] == "중복 질문"
    assert [link["id"] for link in client.get(f"/api/v1/questions/{original}").json()["duplicates"]] == [duplicate]
    assert f'href="/questions/{original}"' in client.get(f"/questions/{duplicate}").text
    assert f'href="/questions/{duplicate}"' in client.get(f"/questions/{original}").text

    refused = alice.client.post(f"/api/v1/questions/{duplicate}/answers", json={"body": "늦은 답"},
                                headers=alice.headers)
    assert refused.status_code == 409 and error_code(refused) == "question_closed"
    refused = bob.client.post(f"/api/v1/answers/{answer['id']}/replies", json={"body": "늦은 답글"},
                              headers=bob.headers)
    assert refused.status_code == 409
    twice = mod.client.post(f"/api/v1/questions/{duplicate}/close", json={"reason": "또"}, headers=mod.headers)
    assert twice.status_code == 409 and error_code(twice) == "already_closed"

    third = alice.ask(title="BN 쓰는 이유")["id"]
    chain = mod.client.post(f"/api/v1/questions/{third}/close", json={"duplicate_of": duplicate},
                            headers=mod.headers)
    assert chain.status_code == 409 and error_code(chain) == "duplicate_chain"
    itself = mod.client.post(f"/api/v1/questions/{third}/close", json={"duplicate_of": third}, headers=mod.headers)
    assert itself.status_code == 422
    missing = mod.client.post(f"/api/v1/questions/{third}/close", json={"duplicate_of": 987654},
                              headers=mod.headers)
    assert missing.status_code == 422
    no_reason = mod.client.post(f"/api/v1/questions/{third}/close", json={}, headers=mod.headers)
    assert no_reason.status_code == 422

    assert mod.client.post(f"/api/v1/questions/{duplicate}/reopen", headers=mod.headers).status_code == 200
    assert client.get(f"/api/v1/questions/{original}").json()["duplicates"] == []
    assert client.get(f"/api/v1/questions/{duplicate}").json()["closed"] is None
    assert alice.client.post(f"/api/v1/questions/{duplicate}/answers", json={"body": "이제 답합니다"},
                             headers=alice.headers).status_code == 201


def test_a_plain_close_shows_its_reason(client, alice, mod):
    qid = alice.ask()["id"]
    closed = mod.client.post(f"/api/v1/questions/{qid}/close", json={"reason": "딥러닝과 무관한 질문"},
                             headers=mod.headers)
    assert closed.status_code == 200
    page = client.get(f"/questions/{qid}").text
    assert "닫힌 질문" in page and "딥러닝과 무관한 질문" in page and f'action="/questions/{qid}/answers"' not in page


# --- suspensions -------------------------------------------------------------------------------


def test_a_suspended_account_cannot_post_until_the_suspension_is_lifted(alice, bob, mod):
    qid = alice.ask()["id"]
    suspended = mod.client.post("/api/v1/users/bob/suspension", json={"days": 3, "reason": "광고 반복"},
                                headers=mod.headers)
    assert suspended.status_code == 200, suspended.text
    assert suspended.json()["suspended_until"] is not None

    attempts = [
        bob.client.post("/api/v1/questions", json={"title": "정지 중 질문", "body": "본문"}, headers=bob.headers),
        bob.client.post(f"/api/v1/questions/{qid}/answers", json={"body": "정지 중 답"}, headers=bob.headers),
        flag(bob, f"questions/{qid}"),
    ]
    for refused in attempts:
        assert refused.status_code == 403, refused.text
        body = refused.json()["error"]
        assert body["code"] == "account_suspended"
        assert "정지되어" in body["message"] and "광고 반복" in body["message"]
        assert body["details"]["suspended_until"]
    form = bob.client.post("/ask", data={"title": "폼으로 질문", "body": "본문입니다", "form_token": "x1",
                                         "csrf_token": csrf_from(bob.client.get("/ask").text)})
    assert form.status_code == 403 and "정지되어" in form.text
    reading = bob.client.get(f"/questions/{qid}")
    assert reading.status_code == 200  # still reads, and every page says why the forms will refuse
    assert "정지되어 글을 쓰거나 고칠 수 없습니다" in reading.text and "광고 반복" in reading.text
    assert "정지되어" not in alice.client.get(f"/questions/{qid}").text

    queue = mod.client.get("/api/v1/moderation", headers=mod.headers).json()
    assert [s["username"] for s in queue["suspended"]] == ["bob"]
    lifted = mod.client.delete("/api/v1/users/bob/suspension", headers=mod.headers)
    assert lifted.status_code == 200 and lifted.json()["suspended_until"] is None
    assert "정지되어" not in bob.client.get(f"/questions/{qid}").text
    assert bob.client.post(f"/api/v1/questions/{qid}/answers", json={"body": "이제 답합니다"},
                           headers=bob.headers).status_code == 201


@pytest.mark.parametrize("days", [0, 4000])
def test_a_suspension_needs_a_sensible_period(alice, mod, days):
    refused = mod.client.post("/api/v1/users/alice/suspension", json={"days": days, "reason": "시험"},
                              headers=mod.headers)
    assert refused.status_code == 422


def test_moderators_cannot_suspend_themselves_or_the_staff(mod, admin, app, client_factory):
    from tests.moderation.conftest import promoted
    from tests.writes.helpers import Account

    other = promoted(app, Account(client_factory, "jiwoo"), "moderator")
    body = {"days": 1, "reason": "시험"}
    assert mod.client.post("/api/v1/users/minji/suspension", json=body, headers=mod.headers).status_code == 409
    assert mod.client.post("/api/v1/users/boss/suspension", json=body, headers=mod.headers).status_code == 403
    assert mod.client.post("/api/v1/users/jiwoo/suspension", json=body, headers=mod.headers).status_code == 403
    assert admin.client.post("/api/v1/users/jiwoo/suspension", json=body, headers=admin.headers).status_code == 200
    assert other.client.post("/api/v1/questions", json={"title": "운영자 질문", "body": "본문"},
                             headers=other.headers).status_code == 403
    assert mod.client.post("/api/v1/users/nobody/suspension", json=body, headers=mod.headers).status_code == 404


# --- the log -----------------------------------------------------------------------------------


@pytest.mark.parametrize("backend", BACKENDS)
def test_every_moderator_action_is_in_the_admins_log(alice, bob, mod, admin):
    qid = alice.ask()["id"]
    other = bob.ask(title="같은 질문입니다")["id"]
    answer = bob.answer(qid)
    flag(alice, f"answers/{answer['id']}")
    hide(mod, f"answers/{answer['id']}", "광고 답변")
    restore(mod, f"answers/{answer['id']}")
    mod.client.post(f"/api/v1/questions/{other}/close", json={"duplicate_of": qid}, headers=mod.headers)
    mod.client.post(f"/api/v1/questions/{other}/reopen", headers=mod.headers)
    mod.client.post("/api/v1/users/bob/suspension", json={"days": 2, "reason": "광고 반복"}, headers=mod.headers)
    mod.client.delete("/api/v1/users/bob/suspension", headers=mod.headers)

    log = admin.client.get("/api/v1/moderation/log", headers=admin.headers).json()
    actions = [(e["action"], e["moderator"], e["target_user"]) for e in reversed(log["items"])]
    assert actions[-6:] == [("hide", "minji", "bob"), ("restore", "minji", "bob"), ("close", "minji", "bob"),
                            ("reopen", "minji", "bob"), ("suspend", "minji", "bob"), ("unsuspend", "minji", "bob")]
    by_action = {e["action"]: e for e in log["items"]}
    assert by_action["hide"]["reason"] == "광고 답변" and by_action["hide"]["details"] == {"flags": 1}
    assert by_action["close"]["details"] == {"duplicate_of": qid}
    assert by_action["suspend"]["details"]["days"] == 2
    assert by_action["role"]["moderator"] is None  # promoted from the command line
    page = admin.client.get("/moderation/log")
    assert page.status_code == 200 and "광고 답변" in page.text and "@minji" in page.text


def test_kb_user_promote_changes_the_role_and_logs_it(settings, bob, admin, monkeypatch, capsys):
    from app.cli import main

    monkeypatch.setenv("KB_DATABASE_URL", settings.database_url)
    assert main(["user", "promote", "bob", "--role", "moderator"]) == 0
    assert "moderator" in capsys.readouterr().out
    assert bob.client.get("/api/v1/moderation", headers=bob.headers).status_code == 200
    assert main(["user", "promote", "nobody"]) == 1
    assert "nobody" in capsys.readouterr().err
    log = admin.client.get("/api/v1/moderation/log", headers=admin.headers).json()["items"]
    assert log[0]["action"] == "role" and log[0]["target_user"] == "bob"
    assert log[0]["details"] == {"before": "member", "after": "moderator"}


def test_flags_on_a_post_its_author_deleted_leave_the_queue(alice, bob, mod):
    qid = alice.ask()["id"]
    answer = bob.answer(qid)
    flag(alice, f"answers/{answer['id']}")
    assert bob.client.delete(f"/api/v1/answers/{answer['id']}", headers=bob.headers).status_code == 204
    queue = mod.client.get("/api/v1/moderation", headers=mod.headers).json()
    assert queue["flagged"] == [] and queue["open_flag_count"] == 0
    # Nothing to hide any more, but the stale flags can still be dismissed.
    assert hide(mod, f"answers/{answer['id']}").status_code == 404
    dismissed = mod.client.delete(f"/api/v1/answers/{answer['id']}/flags", headers=mod.headers)
    assert dismissed.status_code == 200 and dismissed.json() == {"dismissed": 1}


def test_a_suspended_account_cannot_vote_or_accept(client, alice, bob, mod):
    alices = alice.ask()["id"]
    alices_answer = alice.answer(alices)["id"]
    bobs = bob.ask(title="드롭아웃은 왜 쓰나요?")["id"]
    answer_to_bob = alice.answer(bobs)["id"]
    assert bob.client.post(f"/api/v1/answers/{alices_answer}/votes", headers=bob.headers).status_code == 201
    assert mod.client.post("/api/v1/users/bob/suspension", json={"days": 3, "reason": "투표 조작"},
                           headers=mod.headers).status_code == 200

    attempts = [
        bob.client.post(f"/api/v1/questions/{alices}/votes", headers=bob.headers),
        bob.client.delete(f"/api/v1/answers/{alices_answer}/votes", headers=bob.headers),
        bob.client.post(f"/api/v1/questions/{bobs}/accept", json={"answer_id": answer_to_bob}, headers=bob.headers),
    ]
    for refused in attempts:
        assert refused.status_code == 403, (refused.request.url, refused.text)
        body = refused.json()["error"]
        assert body["code"] == "account_suspended"
        assert "정지되어 글을 쓰거나 고칠 수 없습니다" in body["message"] and "투표 조작" in body["message"]
        assert body["details"]["suspended_until"]
    page = bob.client.get(f"/questions/{alices}").text
    form = bob.client.post(f"/questions/{alices}/vote", data={"csrf_token": csrf_from(page)})
    assert form.status_code == 403 and "정지되어" in form.text

    # Nothing the refused requests asked for was stored.
    assert client.get(f"/api/v1/questions/{alices}").json()["plus_one_count"] == 0
    assert client.get(f"/api/v1/questions/{bobs}").json()["accepted_answer_id"] is None
    assert bob.client.get(f"/api/v1/questions/{alices}").json()["answers"][0]["vote_score"] == 1

    assert mod.client.delete("/api/v1/users/bob/suspension", headers=mod.headers).status_code == 200
    assert bob.client.post(f"/api/v1/questions/{alices}/votes", headers=bob.headers).status_code == 201
    assert bob.client.post(f"/api/v1/questions/{bobs}/accept", json={"answer_id": answer_to_bob},
                           headers=bob.headers).status_code == 200


def test_a_question_whose_only_answer_is_hidden_waits_for_an_answer_again(client, alice, bob, mod):
    # A reply under the hidden answer is not an answer to the question: it must not keep it "answered".
    qid = alice.ask()["id"]
    answer = bob.answer(qid, body=SPAM)
    alice.client.post(f"/api/v1/answers/{answer['id']}/replies", json={"body": "이건 광고 같아요"},
                      headers=alice.headers)
    assert client.get(f"/api/v1/questions/{qid}").json()["answered"] is True
    hide(mod, f"answers/{answer['id']}")
    assert client.get(f"/api/v1/questions/{qid}").json()["answered"] is False
    waiting = client.get("/api/v1/questions", params={"status": "unanswered"}).json()["items"]
    assert qid in [q["id"] for q in waiting]
