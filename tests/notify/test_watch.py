"""Watching: asking or answering watches a question; the question page's button watches and unwatches
it for anyone else; watchers get the question's new answers (and only answers) in their inbox."""

from __future__ import annotations

import re

import pytest

from tests.conftest import BACKENDS
from tests.notify.test_inbox import inbox
from tests.writes.helpers import csrf_from

WATCH_FORM = re.compile(r'<form method="post" action="/questions/(\d+)/watch"')


def press_watch(account, question_id: int) -> str:
    """Press the question page's watch button as a browser would; the page afterwards."""
    page = account.client.get(f"/questions/{question_id}")
    assert WATCH_FORM.search(page.text), "no watch button on the question page"
    pressed = account.client.post(f"/questions/{question_id}/watch", data={"csrf_token": csrf_from(page.text)},
                                  follow_redirects=False)
    assert pressed.status_code == 303 and pressed.headers["location"] == f"/questions/{question_id}"
    return account.client.get(f"/questions/{question_id}").text


def test_the_watch_button_subscribes_and_unsubscribes_a_reader(alice, bob, carol):
    question = alice.ask()
    before = carol.client.get(f"/questions/{question['id']}").text
    assert "🔕 지켜보기" in before and 'aria-pressed="false"' in before.split("/watch")[1][:400]

    after = press_watch(carol, question["id"])
    assert "🔔 지켜보는 중" in after
    answer = bob.answer(question["id"])
    [item] = inbox(carol)["items"]
    assert item["kind"] == "answer" and item["answer_id"] == answer["id"]

    # A reply is not a new answer: watchers do not hear of it.
    alice.client.post(f"/api/v1/answers/{answer['id']}/replies", json={"body": "감사합니다."}, headers=alice.headers)
    assert inbox(carol)["total"] == 1

    again = press_watch(carol, question["id"])
    assert "🔕 지켜보기" in again
    bob.answer(question["id"])
    assert inbox(carol)["total"] == 1


def test_asking_and_answering_watch_the_question(alice, bob, carol):
    question = alice.ask()
    assert "🔔 지켜보는 중" in alice.client.get(f"/questions/{question['id']}").text
    bob.answer(question["id"])
    assert "🔔 지켜보는 중" in bob.client.get(f"/questions/{question['id']}").text
    carol.answer(question["id"])
    # bob watches since he answered: carol's answer reaches him and alice, not carol herself.
    assert [i["actor"] for i in inbox(bob)["items"]] == ["carol"]
    assert [i["actor"] for i in inbox(alice)["items"]] == ["carol", "bob"]
    assert inbox(carol)["total"] == 0


@pytest.mark.parametrize("backend", BACKENDS)
def test_the_watch_api(alice, bob, carol, client_factory):
    question = alice.ask()
    url = f"/api/v1/questions/{question['id']}/watch"
    on = carol.client.post(url, headers=carol.headers)
    assert on.status_code == 201 and on.json() == {"question_id": question["id"], "watching": True}
    assert carol.client.post(url, headers=carol.headers).status_code == 201  # watching twice is still watching
    bob.answer(question["id"])
    assert inbox(carol)["total"] == 1
    off = carol.client.delete(url, headers=carol.headers)
    assert off.status_code == 200 and off.json()["watching"] is False
    bob.answer(question["id"])
    assert inbox(carol)["total"] == 1
    assert carol.client.post("/api/v1/questions/999999/watch", headers=carol.headers).status_code == 404
    assert client_factory().post(url).status_code == 401
    assert carol.client.post(url).status_code == 403  # a cookie without the X-CSRF-Token header


def test_anonymous_readers_see_no_watch_button(alice, client_factory):
    question = alice.ask()
    page = client_factory().get(f"/questions/{question['id']}")
    assert page.status_code == 200 and not WATCH_FORM.search(page.text)
