"""A moderator's action reaches the post's author: hiding (with the reason) and restoring a question or
an answer, closing a question and closing it as a duplicate (with the original's address), each in the
inbox even though a hidden post is dropped from every other list."""

from __future__ import annotations

from tests.writes.helpers import csrf_from


def inbox(account) -> dict:
    response = account.client.get("/api/v1/inbox", headers=account.headers)
    assert response.status_code == 200, response.text
    return response.json()


def test_hiding_and_restoring_an_answer_tells_its_author(alice, bob, mod):
    qid = alice.ask()["id"]
    aid = bob.answer(qid, body="싸게 팝니다 연락 주세요")["id"]
    before = inbox(bob)["total"]
    hidden = mod.client.post(f"/api/v1/answers/{aid}/hide", json={"reason": "광고 글"}, headers=mod.headers)
    assert hidden.status_code == 200, hidden.text

    box = inbox(bob)
    assert box["total"] == before + 1 and box["unread_count"] >= 1
    item = box["items"][0]
    assert item["kind"] == "hide" and item["kind_name"] == "숨김" and item["answer_id"] == aid
    assert "숨겼습니다" in item["message"] and "광고 글" in item["message"]
    assert item["actor"] is not None and item["other_url"] is None
    assert "광고 글" in bob.client.get("/inbox").text
    # The hidden answer's own notifications (alice heard of it as the asker) leave her inbox; the
    # moderator's action is nothing to its author's readers.
    assert all(n["answer_id"] != aid for n in inbox(alice)["items"])

    assert mod.client.post(f"/api/v1/answers/{aid}/restore", headers=mod.headers).status_code == 200
    item = inbox(bob)["items"][0]
    assert item["kind"] == "restore" and "다시 보이게" in item["message"] and item["answer_id"] == aid
    assert inbox(bob)["total"] == before + 2
    # Restoring shows the answer again, so the asker's notification of it is back.
    assert any(n["answer_id"] == aid for n in inbox(alice)["items"])


def test_hiding_a_question_tells_its_author_and_the_mark_read_works(alice, mod):
    qid = alice.ask()["id"]
    hidden = mod.client.post(f"/api/v1/questions/{qid}/hide", json={"reason": "주제와 무관"}, headers=mod.headers)
    assert hidden.status_code == 200, hidden.text
    item = inbox(alice)["items"][0]
    assert item["kind"] == "hide" and item["question_id"] == qid and "주제와 무관" in item["message"]
    assert item["answer_id"] is None
    read = alice.client.post(f"/api/v1/inbox/{item['id']}/read", headers=alice.headers)
    assert read.status_code == 200 and read.json()["read"] is True
    assert inbox(alice)["unread_count"] == 0
    assert inbox(mod)["total"] == 0  # the moderator is not told of their own action


def test_closing_and_closing_as_a_duplicate_tell_the_asker(alice, bob, mod):
    original = alice.ask(title="학습률은 어떻게 고르나요?")["id"]
    duplicate = bob.ask(title="학습률 정하는 법이 궁금합니다")["id"]
    plain = bob.ask(title="점심 메뉴 추천해 주세요")["id"]

    closed = mod.client.post(f"/api/v1/questions/{duplicate}/close", json={"duplicate_of": original},
                             headers=mod.headers)
    assert closed.status_code == 200, closed.text
    item = inbox(bob)["items"][0]
    assert item["kind"] == "duplicate" and item["question_id"] == duplicate
    assert "중복으로 닫았습니다" in item["message"] and "중복 질문" in item["message"]
    assert item["other_url"] == f"/questions/{original}"
    assert f'href="/questions/{original}"' in bob.client.get("/inbox").text

    page = mod.client.get(f"/questions/{plain}").text
    form = mod.client.post(f"/moderation/questions/{plain}/close",
                           data={"reason": "딥러닝과 무관", "csrf_token": csrf_from(page)}, follow_redirects=False)
    assert form.status_code in (302, 303), form.text
    item = inbox(bob)["items"][0]
    assert item["kind"] == "close" and item["question_id"] == plain and "딥러닝과 무관" in item["message"]
    assert item["other_url"] is None
    assert inbox(alice)["total"] == 0  # the original's asker was not the one acted on


def test_reopening_a_question_tells_its_asker_and_its_watchers(alice, bob, client_factory, mod):
    from tests.writes.helpers import Account

    carol = Account(client_factory, "carol")
    qid = alice.ask(title="닫혔다가 다시 열릴 질문")["id"]
    assert bob.client.post(f"/api/v1/questions/{qid}/watch", headers=bob.headers).status_code == 201
    carol.answer(qid, body="답변하면 지켜보게 됩니다.")
    alice.client.delete(f"/api/v1/questions/{qid}/watch", headers=alice.headers)  # the asker stops watching
    mod.client.post(f"/api/v1/questions/{qid}/close", json={"reason": "잠시 닫습니다"}, headers=mod.headers)
    before = {name: inbox(account)["total"] for name, account in (("alice", alice), ("bob", bob), ("carol", carol))}

    reopened = mod.client.post(f"/api/v1/questions/{qid}/reopen", headers=mod.headers)
    assert reopened.status_code == 200, reopened.text
    for name, account in (("alice", alice), ("bob", bob), ("carol", carol)):
        box = inbox(account)
        assert box["total"] == before[name] + 1, name  # one each, the asker too
        item = box["items"][0]
        assert item["kind"] == "reopen" and item["kind_name"] == "다시 엶" and item["question_id"] == qid, name
        assert item["message"] == ("운영자가 닫혀 있던 질문 「닫혔다가 다시 열릴 질문」을 다시 열었습니다. "
                                   "이제 답변을 달 수 있습니다.")
        assert item["url"] == f"/questions/{qid}"
    assert inbox(mod)["total"] == 0  # not the moderator who reopened it
    assert "다시 열었습니다" in bob.client.get("/inbox").text
