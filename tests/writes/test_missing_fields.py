"""A request that leaves out a required field is told which one, even when the field is called
`body` (a post's text), the same word that names where FastAPI found the JSON."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize("payload, missing", [
    ({"title": "드롭아웃은 언제 끄나요?"}, "body"),
    ({"body": "추론할 때 끄는 이유가 궁금합니다."}, "title"),
])
def test_a_missing_field_is_named(alice, payload, missing):
    response = alice.client.post("/api/v1/questions", json=payload, headers=alice.headers)
    assert response.status_code == 422
    error = response.json()["error"]
    assert [d["field"] for d in error["details"]] == [missing]
    assert error["details"][0]["message"] == "값이 필요합니다."


def test_a_missing_answer_body_is_named(alice):
    question = alice.ask()
    response = alice.client.post(f"/api/v1/questions/{question['id']}/answers", json={}, headers=alice.headers)
    assert response.status_code == 422
    assert [d["field"] for d in response.json()["error"]["details"]] == ["body"]


def test_a_bad_query_parameter_is_named_without_its_location(alice):
    response = alice.client.get("/api/v1/questions", params={"page": "zero"})
    assert response.status_code == 422
    assert [d["field"] for d in response.json()["error"]["details"]] == ["page"]
