"""A post cannot make readers' browsers request other pages of this site (tests/render/test_render_urls.py
has the sanitiser's rules; this is the red team's payload end to end)."""

from __future__ import annotations

import re


def test_image_elements_aimed_at_the_api_load_nothing(alice, bob):
    body = "<image src=/media/../api/v1/me>\n\n<img src=/media/%2e%2e/questions/1/revisions>\n\n둘러보기"
    question = alice.ask(title="이미지가 보이나요?", body=body)
    answer = bob.answer(question["id"], body=body)
    for url in (f"/questions/{question['id']}", f"/api/v1/questions/{question['id']}"):
        page = alice.client.get(url).text
        assert not re.search(r'src=\\?"[^"]*(api/v1/me|revisions)', page), url
    preview = alice.client.post("/api/v1/preview", headers=alice.headers, json={"body": body})
    assert "api/v1/me" not in preview.json()["html"]
    assert answer["id"]
