"""A question page's data is kept in two parts under their own versions (app.services.reading.DetailMemo):
its thread (answers, replies, votes, acceptance, the counters they move) and the rest (its links to other
questions, its panels, references, concepts). Counted, not timed: after a new answer or vote the next view
reads the thread again and never the rest; after an edit it reads both; a first answer, which the links to
the question show (answered), makes the pages that link to it read their rest again."""

from __future__ import annotations

import pytest

from app.services import reading
from tests.conftest import BACKENDS
from tests.writes.helpers import Account

HTML = {"Accept": "text/html"}
# What the rest of a question page holds (reading.QuestionFrame), in its JSON twin.
FRAME_FIELDS = ("collection", "section", "parent", "children", "previous", "next", "references", "demos",
                "corrections", "concepts", "related", "closed", "duplicates")


@pytest.fixture
def frames_built(monkeypatch) -> list[int]:
    """The question ids whose rest of the page was read from the database, in order."""
    built: list[int] = []
    real = reading._question_frame
    monkeypatch.setattr(reading, "_question_frame",
                        lambda session, question_id, question: built.append(question_id) or real(session, question_id,
                                                                                                 question))
    return built


def _answer(alice, bob, ids):
    bob.answer(ids["a"], body="두 번째로 단 답변")
    return "두 번째로 단 답변", lambda detail: detail["answer_count"] == 2


def _reply(alice, bob, ids):
    response = alice.client.post(f"/api/v1/answers/{ids['answer']}/replies", json={"body": "답변에 단 답글"},
                                 headers=alice.headers)
    assert response.status_code == 201, response.text
    return "답변에 단 답글", lambda detail: detail["answers"][0]["replies"][0]["body_md"] == "답변에 단 답글"


def _vote_answer(alice, bob, ids):
    assert alice.client.post(f"/api/v1/answers/{ids['answer']}/votes", headers=alice.headers).status_code == 201
    return None, lambda detail: detail["answers"][0]["vote_score"] == 1


def _vote_question(alice, bob, ids):
    assert bob.client.post(f"/api/v1/questions/{ids['a']}/votes", headers=bob.headers).status_code == 201
    return None, lambda detail: detail["plus_one_count"] == 1


def _accept(alice, bob, ids):
    response = alice.client.post(f"/api/v1/questions/{ids['a']}/accept", json={"answer_id": ids["answer"]},
                                 headers=alice.headers)
    assert response.status_code == 200, response.text
    return "채택됨", lambda detail: detail["accepted_answer_id"] == ids["answer"]


@pytest.mark.parametrize("write", [_answer, _reply, _vote_answer, _vote_question, _accept],
                         ids=["answer", "reply", "vote-answer", "vote-question", "accept"])
def test_a_write_to_the_thread_reads_the_thread_again_and_nothing_else(reader, client_factory, frames_built,
                                                                        write):
    alice, bob = Account(client_factory, "alice"), Account(client_factory, "bob")
    a = alice.ask(title="스레드만 다시 읽는 질문", body="본문")["id"]
    alice.ask(title="그 다음 질문", body="다음 본문")  # a neighbour: A's page links to it
    ids = {"a": a, "answer": bob.answer(a, body="첫 답변")["id"]}
    page, api = f"/questions/{a}", f"/api/v1/questions/{a}"
    assert reader.get(page, headers=HTML).status_code == 200
    before = reader.get(api).json()
    assert before["next"] is not None
    frames_built.clear()

    shown, holds = write(alice, bob, ids)

    after = reader.get(api).json()
    html = reader.get(page, headers=HTML).text
    assert holds(after) and (shown is None or shown in html)  # the write shows at once, page and JSON
    assert frames_built == []  # from the rest of the page kept before the write
    assert {field: after[field] for field in FRAME_FIELDS} == {field: before[field] for field in FRAME_FIELDS}

    # An edit changes more than the thread: the next view reads the rest of the page again too.
    response = alice.client.patch(api, json={"title": "스레드만 다시 읽는 질문 (고침)"}, headers=alice.headers)
    assert response.status_code == 200, response.text
    assert "(고침)" in reader.get(page, headers=HTML).text
    assert frames_built == [a]


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_first_answer_refreshes_the_links_to_its_question_and_a_second_does_not(app, reader, client_factory,
                                                                                   sample, frames_built):
    """The sample's sub-question #1-1 links to the unanswered #2 as its next question, showing it unanswered."""
    alice = Account(client_factory, "alice")
    neighbour, answered = f"/api/v1/questions/{sample.child}", f"/api/v1/questions/{sample.open}"
    shown = reader.get(neighbour).json()
    assert shown["next"]["id"] == sample.open and shown["next"]["answered"] is False
    assert reader.get(answered).json()["answer_count"] == 0
    frames_built.clear()

    alice.answer(sample.open, body="처음으로 단 답변")
    assert reader.get(neighbour).json()["next"]["answered"] is True
    assert frames_built == [sample.child]  # its link to #2 changed: read again
    assert reader.get(answered).json()["answer_count"] == 1
    # #2's own page: the sample's rows have no search document, which this answer's index work made
    # (its concepts come from it): read again too, once.
    assert frames_built == [sample.child, sample.open]
    page = reader.get(f"/questions/{sample.child}", headers=HTML)

    alice.answer(sample.open, body="두 번째 답변")  # #2 was answered already: no link to it changes
    again = reader.get(f"/questions/{sample.child}", headers={**HTML, "If-None-Match": page.headers["etag"]})
    assert again.status_code == 304
    assert reader.get(answered).json()["answer_count"] == 2
    assert frames_built == [sample.child, sample.open]


def test_a_question_whose_document_an_answer_makes_shows_its_concepts(reader, client_factory, sample, frames_built):
    """The sample's rows have no search document: the first answer's index work makes it whole, and the
    concepts the question's page shows come from it, so that page's rest is read again."""
    path = f"/api/v1/questions/{sample.parent}"
    assert reader.get(path).json()["concepts"] == []
    frames_built.clear()
    Account(client_factory, "alice").answer(sample.parent, body="새 답변")  # waits for the index work
    assert [chip["id"] for chip in reader.get(path).json()["concepts"]] == ["relu"]
    assert frames_built == [sample.parent]
