"""The inbox end to end: asking, answering, replying, accepting and @mentions reach the right
accounts' inboxes (page, header count, JSON twin); mark-read one and all; nobody hears of their own post."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

from tests.conftest import BACKENDS
from tests.writes.helpers import csrf_from

ATOM = "{http://www.w3.org/2005/Atom}"
HEADER_COUNT = re.compile(r'class="nav-inbox__count">(\d+)<')


def inbox(account, **params) -> dict:
    response = account.client.get("/api/v1/inbox", params=params, headers=account.headers)
    assert response.status_code == 200, response.text
    return response.json()


def header_count(account, path: str = "/") -> int:
    """The unread count the site header shows this account (0 when it shows none)."""
    page = account.client.get(path)
    assert page.status_code == 200
    assert 'href="/inbox"' in page.text
    found = HEADER_COUNT.search(page.text)
    return int(found.group(1)) if found else 0


@pytest.mark.parametrize("backend", BACKENDS)
def test_ask_answer_accept_reaches_both_inboxes_and_the_feed(alice, bob):
    question = alice.ask(title="드롭아웃은 추론 때 왜 끄나요?", body="학습 때만 켜는 이유가 궁금합니다.")
    assert inbox(alice)["unread_count"] == 0 and header_count(alice) == 0

    answer = bob.answer(question["id"], body="추론 때는 모든 뉴런의 기대값을 쓰기 때문입니다.")

    box = inbox(alice)
    assert box["unread_count"] == 1 and header_count(alice) == 1
    [item] = box["items"]
    assert item["kind"] == "answer" and item["kind_name"] == "답변"
    assert item["question_id"] == question["id"] and item["answer_id"] == answer["id"]
    assert item["actor"] == "bob" and item["actor_url"] == "/users/bob"
    assert item["url"] == f"/questions/{question['id']}#answer-{answer['id']}"
    assert "드롭아웃은 추론 때 왜 끄나요?" in item["message"] and item["read"] is False
    page = alice.client.get("/inbox")
    assert page.status_code == 200 and item["message"] in page.text and "inbox-item--unread" in page.text
    assert inbox(bob)["unread_count"] == 0  # an answer to someone else's question is not news to its writer

    accepted = alice.client.post(f"/api/v1/questions/{question['id']}/accept", json={"answer_id": answer["id"]},
                                 headers=alice.headers)
    assert accepted.status_code == 200, accepted.text
    bobs = inbox(bob)
    assert bobs["unread_count"] == 1 and header_count(bob) == 1
    assert bobs["items"][0]["kind"] == "accept" and "채택" in bobs["items"][0]["message"]
    assert "채택했습니다" in bob.client.get("/inbox").text
    # Accepting the same answer again is no new event.
    alice.client.post(f"/api/v1/questions/{question['id']}/accept", json={"answer_id": answer["id"]},
                      headers=alice.headers)
    assert inbox(bob)["total"] == 1

    feed = alice.client.get("/feed.atom")
    assert feed.status_code == 200 and feed.headers["content-type"].startswith("application/atom+xml")
    entries = ET.fromstring(feed.content).findall(f"{ATOM}entry")
    assert entries[0].find(f"{ATOM}title").text == "드롭아웃은 추론 때 왜 끄나요?"
    assert entries[0].find(f"{ATOM}link").get("href").endswith(f"/questions/{question['id']}")


def test_a_reply_notifies_the_author_of_what_it_replies_to(alice, bob):
    question = alice.ask()
    answer = bob.answer(question["id"])
    mark_all(alice)
    reply = alice.client.post(f"/api/v1/answers/{answer['id']}/replies", json={"body": "예시가 있을까요?"},
                              headers=alice.headers).json()
    [item] = inbox(bob, unread=1)["items"]
    assert item["kind"] == "reply" and item["answer_id"] == reply["id"]
    # A reply to that reply goes back to its writer (alice), not to bob himself.
    back = bob.client.post(f"/api/v1/answers/{reply['id']}/replies", json={"body": "네, 다음과 같습니다."},
                           headers=bob.headers).json()
    [item] = inbox(alice, unread=1)["items"]
    assert item["kind"] == "reply" and item["answer_id"] == back["id"]
    assert inbox(bob, unread=1)["total"] == 1


def test_a_mention_links_the_account_and_lands_in_its_inbox(alice, bob, carol):
    question = alice.ask()
    body = ("@carol 님도 보세요. 코드 속 `@carol` 과\n\n```python\n@carol\ndef f(): pass\n```\n\n"
            "없는 계정 @nobody_here 는 링크가 아닙니다. 메일 bob@carol.dev 도 아닙니다.")
    answer = bob.answer(question["id"], body=body)
    assert answer["body_html"].count('href="/users/carol"') == 1
    assert 'class="mention"' in answer["body_html"] and "/users/nobody_here" not in answer["body_html"]
    [item] = inbox(carol)["items"]
    assert item["kind"] == "mention" and item["answer_id"] == answer["id"] and "언급" in item["message"]
    # The asker hears of the answer once, as an answer, even when mentioned in it too.
    bob.answer(question["id"], body="@alice 답이 되었나요?")
    kinds = [i["kind"] for i in inbox(alice)["items"]]
    assert kinds == ["answer", "answer"]
    # A question's body mentions too.
    asked = carol.ask(title="배치 크기 질문입니다", body="@bob 님께 묻고 싶습니다.")
    assert 'href="/users/bob"' in carol.client.get(f"/questions/{asked['id']}").text
    mention = inbox(bob)["items"][0]
    assert mention["kind"] == "mention" and mention["answer_id"] is None
    assert mention["url"] == f"/questions/{asked['id']}"


def test_an_edit_that_adds_a_mention_notifies_only_the_newly_named(client_factory, alice, bob, carol):
    from tests.writes.helpers import Account

    dave = Account(client_factory, "dave")
    question = alice.ask(body="@carol 님, 이것 좀 봐 주세요.")
    assert [i["kind"] for i in inbox(carol)["items"]] == ["mention"]

    def edit(path: str, **fields):
        response = alice.client.patch(f"/api/v1/{path}", json=fields, headers=alice.headers)
        assert response.status_code == 200, response.text

    edit(f"questions/{question['id']}", body="@carol 님, @dave 님 이것 좀 봐 주세요.")
    [told] = inbox(dave)["items"]
    assert told["kind"] == "mention" and told["question_id"] == question["id"] and told["answer_id"] is None
    assert inbox(carol)["total"] == 1  # named before the edit: not told again
    # Dropping a name and putting it back is not news twice; an edit of the title alone tells nobody.
    edit(f"questions/{question['id']}", body="@carol 님 이것 좀 봐 주세요.")
    edit(f"questions/{question['id']}", body="@carol 님, @dave 님 다시 봐 주세요.")
    edit(f"questions/{question['id']}", title="제목만 고친 질문입니다")
    assert inbox(dave)["total"] == 1 and inbox(carol)["total"] == 1

    answer = alice.answer(bob.ask(title="정규화 질문입니다")["id"], body="제 생각입니다.")
    before = inbox(bob)["total"]
    edit(f"answers/{answer['id']}", body="제 생각입니다. @dave 님 의견은요? @alice")
    [latest, *_] = inbox(dave)["items"]
    assert latest["kind"] == "mention" and latest["answer_id"] == answer["id"]
    assert inbox(dave)["total"] == 2 and inbox(bob)["total"] == before  # the asker was not named
    assert inbox(alice)["total"] == 0  # nobody is told of naming themselves


def test_nobody_is_notified_of_their_own_posts(alice):
    question = alice.ask(body="@alice 스스로에게 묻는 질문입니다.")
    answer = alice.answer(question["id"], body="@alice 스스로 답합니다.")
    alice.client.post(f"/api/v1/answers/{answer['id']}/replies", json={"body": "덧붙입니다."}, headers=alice.headers)
    alice.client.post(f"/api/v1/questions/{question['id']}/accept", json={"answer_id": answer["id"]},
                      headers=alice.headers)
    assert inbox(alice)["total"] == 0


def mark_all(account) -> dict:
    response = account.client.post("/api/v1/inbox/read-all", headers=account.headers)
    assert response.status_code == 200, response.text
    return response.json()


def test_mark_read_one_and_all_through_the_form_and_the_api(alice, bob, carol):
    question = alice.ask()
    for _ in range(3):
        bob.answer(question["id"])
    items = inbox(alice)["items"]
    assert len(items) == 3 and header_count(alice) == 3

    # One, through the page's form (CSRF checked): the item is read, the others are not.
    page = alice.client.get("/inbox")
    no_token = alice.client.post(f"/inbox/{items[0]['id']}/read", data={}, follow_redirects=False)
    assert no_token.status_code == 403
    done = alice.client.post(f"/inbox/{items[0]['id']}/read", data={"csrf_token": csrf_from(page.text)},
                             follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == "/inbox"
    assert header_count(alice) == 2
    assert [i["read"] for i in inbox(alice)["items"]] == [True, False, False]
    # Opening an item from the page marks it read and goes to the post.
    opened = alice.client.post(f"/inbox/{items[1]['id']}/read", data={"csrf_token": csrf_from(page.text), "go": "1"},
                               follow_redirects=False)
    assert opened.status_code == 303 and opened.headers["location"] == items[1]["url"]
    assert inbox(alice, unread=1)["total"] == 1

    # Someone else's notification is not found, and stays unread.
    stranger = carol.client.post(f"/api/v1/inbox/{items[2]['id']}/read", headers=carol.headers)
    assert stranger.status_code == 404 and stranger.json()["error"]["code"]
    assert inbox(alice)["unread_count"] == 1

    # All, through the page's "mark all read" form.
    all_done = alice.client.post("/inbox/read-all", data={"csrf_token": csrf_from(alice.client.get("/inbox").text)},
                                 follow_redirects=False)
    assert all_done.status_code == 303
    assert inbox(alice)["unread_count"] == 0 and header_count(alice) == 0
    assert mark_all(alice) == {"marked": 0, "unread_count": 0}


def test_one_notification_through_the_api(alice, bob):
    question = alice.ask()
    bob.answer(question["id"])
    [item] = inbox(alice)["items"]
    read = alice.client.post(f"/api/v1/inbox/{item['id']}/read", headers=alice.headers)
    assert read.status_code == 200 and read.json()["read"] is True and read.json()["read_at"]
    assert inbox(alice)["unread_count"] == 0


def test_the_inbox_needs_an_account(client):
    assert client.get("/api/v1/inbox").status_code == 401
    page = client.get("/inbox", follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"].startswith("/login?next=%2Finbox")
    assert client.post("/api/v1/inbox/read-all").status_code == 401


def test_bad_paging_is_a_clear_4xx(alice):
    assert alice.client.get("/api/v1/inbox?page=0", headers=alice.headers).status_code == 422
    assert alice.client.get("/api/v1/inbox?per_page=1000", headers=alice.headers).status_code == 422
    beyond = alice.client.get("/api/v1/inbox?page=5", headers=alice.headers)
    assert beyond.status_code == 404 and "error" in beyond.json()


def test_a_deleted_answer_leaves_the_inbox_and_its_count(alice, bob):
    question = alice.ask()
    kept = bob.answer(question["id"], body="남는 답변입니다.")
    gone = bob.answer(question["id"], body="지울 답변입니다.")
    assert inbox(alice)["unread_count"] == 2
    assert bob.client.delete(f"/api/v1/answers/{gone['id']}", headers=bob.headers).status_code == 204
    box = inbox(alice)
    assert box["unread_count"] == 1 and header_count(alice) == 1
    assert [item["answer_id"] for item in box["items"]] == [kept["id"]]


def test_the_address_people_guess_leads_to_the_inbox(alice):
    moved = alice.client.get("/notifications", follow_redirects=False)
    assert moved.status_code == 308 and moved.headers["location"] == "/inbox"
    assert alice.client.get("/notifications").status_code == 200


def test_the_mark_read_button_says_it_is_an_action(alice, bob):
    """Each unread item's button said "읽음", the word a read item's line shows as its state."""
    bob.answer(alice.ask()["id"])
    page = alice.client.get("/inbox").text
    mark = page.split('class="inline-form inbox-item__mark">', 1)[1].split("</form>", 1)[0]
    assert re.search(r"<button [^>]*>읽음 표시</button>", mark), mark
    item = inbox(alice)["items"][0]
    alice.client.post(f"/inbox/{item['id']}/read", data={"csrf_token": csrf_from(page)})
    page = alice.client.get("/inbox").text
    assert "inbox-item__mark" not in page and "· 읽음" in page
