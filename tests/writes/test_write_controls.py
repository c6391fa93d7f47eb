"""What the writing controls say and offer: Korean error details, vote buttons that show their state,
no button that can only fail (a +1 on one's own question)."""

from __future__ import annotations


def test_empty_body_detail_is_korean(alice):
    response = alice.client.post("/api/v1/questions", json={"title": "빈 본문 질문", "body": "   "},
                                 headers=alice.headers)
    assert response.status_code == 422
    assert response.json()["error"]["details"][0]["message"] == "본문이 비어 있습니다."
