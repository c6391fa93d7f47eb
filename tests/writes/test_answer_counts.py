"""One answer count everywhere: the question's header, its thread heading, its row in lists and its
JSON all say how many answers and how many replies, from the same two counters, and deleting a
reply or an answer moves them together."""

from __future__ import annotations

import re

import pytest

from tests.conftest import BACKENDS

pytestmark = pytest.mark.parametrize("backend", BACKENDS)

HTML = {"Accept": "text/html"}


def shown_counts(client, question_id: int) -> dict[str, str]:
    page = client.get(f"/questions/{question_id}", headers=HTML).text
    header = re.search(r'<span class="answer-count">([^<]*)</span>', page).group(1)
    heading = re.search(r'<h2 id="answers-title">([^<]*)</h2>', page).group(1)
    listing = client.get("/questions", params={"sort": "newest"}, headers=HTML).text
    row = listing[listing.index(f'href="/questions/{question_id}"'):]
    row = re.search(r'<span class="count">([^<]*)</span>', row[: row.index("</li>")]).group(1)
    return {"header": header, "heading": heading, "row": row}


def test_answers_and_replies_are_counted_apart_and_alike_everywhere(alice, bob):
    question = alice.ask(title="드롭아웃은 언제 끄나요?", body="추론할 때 끄는 이유가 궁금합니다.")
    qid = question["id"]
    first = bob.answer(qid, body="추론에서는 끕니다.")
    alice.answer(qid, body="model.eval()이 꺼 줍니다.")
    reply = bob.client.post(f"/api/v1/answers/{first['id']}/replies", json={"body": "맞아요, 스케일도 바뀝니다."},
                            headers=bob.headers)
    assert reply.status_code == 201, reply.text

    detail = alice.client.get(f"/api/v1/questions/{qid}").json()
    assert (detail["answer_count"], detail["reply_count"]) == (3, 1)
    assert shown_counts(alice.client, qid) == {"header": "답변 2 · 답글 1", "heading": "답변 2개 · 답글 1개",
                                                "row": "답변 2 · 답글 1"}

    deleted = bob.client.delete(f"/api/v1/answers/{reply.json()['id']}", headers=bob.headers)
    assert deleted.status_code == 204
    assert shown_counts(alice.client, qid) == {"header": "답변 2", "heading": "답변 2개", "row": "답변 2"}
    summary = next(q for q in alice.client.get("/api/v1/questions", params={"sort": "newest"}).json()["items"]
                   if q["id"] == qid)
    assert (summary["answer_count"], summary["reply_count"]) == (2, 0)
