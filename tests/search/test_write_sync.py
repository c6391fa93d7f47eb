"""Search follows the write API: posted, edited and deleted questions and answers."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.writes.helpers import Account, indexed


@pytest.fixture
def writer(sample_settings):
    from tests.apps import new_app

    app = new_app(sample_settings)
    clients: list[TestClient] = []

    def make() -> TestClient:
        client = TestClient(app)
        client.__enter__()
        clients.append(client)
        return client

    yield Account(make, "searcher")
    for client in clients:
        client.__exit__(None, None, None)


def found(account: Account, q: str, **params) -> list[int]:
    indexed(account.client)
    response = account.client.get("/api/v1/search", params={"q": q, "limit": 50, **params})
    assert response.status_code == 200, response.text
    return [item["question_id"] for item in response.json()["items"]]


def test_posted_question_is_found_then_follows_edits_and_deletion(writer):
    question = writer.ask(title="그래디언트 클리핑은 언제 쓰나요?", body="RNN 학습에서 손실이 갑자기 튀어요.")
    qid = question["id"]
    assert qid in found(writer, "gradient clipping")  # the English spelling of a posted Korean term
    assert qid in found(writer, "기울기 클리핑은 왜 써")
    assert found(writer, "gradient clipping", status="unanswered")[0] == qid

    response = writer.client.patch(f"/api/v1/questions/{qid}", json={"title": "워밍업 스케줄은 왜 쓰나요?"},
                                   headers=writer.headers)
    assert response.status_code == 200, response.text
    assert qid in found(writer, "warmup")
    assert qid not in found(writer, "gradient clipping")

    assert writer.client.delete(f"/api/v1/questions/{qid}", headers=writer.headers).status_code == 204
    assert qid not in found(writer, "warmup")


def test_answers_are_searchable_and_leave_with_their_deletion(writer):
    qid = writer.ask(title="학습이 멈춘 것 같아요", body="손실이 줄지 않습니다.")["id"]
    assert qid not in found(writer, "플래토")
    answer = writer.answer(qid, body="플래토 구간일 수 있으니 학습률 스케줄을 바꿔 보세요.")
    assert qid in found(writer, "plateau")
    assert found(writer, "plateau", status="answered")[0] == qid

    response = writer.client.patch(f"/api/v1/answers/{answer['id']}", json={"body": "배치 크기를 키워 보세요."},
                                   headers=writer.headers)
    assert response.status_code == 200, response.text
    assert qid not in found(writer, "plateau") and qid in found(writer, "batch size")

    assert writer.client.delete(f"/api/v1/answers/{answer['id']}", headers=writer.headers).status_code == 204
    assert qid not in found(writer, "batch size")
    assert qid in found(writer, "학습이 멈춘")  # the question itself stays
