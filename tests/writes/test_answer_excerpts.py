"""A member's and an author's page list their answers by an excerpt in plain text, as the JSON schema says:
the excerpt was cut from the Markdown source, so readers saw `**기울기**`, `[참고](https://…)` and `$…$`;
a formula reads as the page draws it (σ², not \\sigma^2)."""

from __future__ import annotations

HTML = {"Accept": "text/html"}
BODY = ("배치 정규화는 **기울기**가 안정됩니다. [참고](https://example.com/bn) 식 $\\sigma^2$ 와 `eps`\n\n"
        "- 학습률을 키울 수 있음")


def test_an_accounts_answer_excerpt_is_the_rendered_text(alice, bob):
    question = alice.ask()
    bob.answer(question["id"], body=BODY)

    item = bob.client.get("/api/v1/users/bob").json()["answers"]["items"][0]
    assert item["excerpt"] == "배치 정규화는 기울기가 안정됩니다. 참고 식 σ² 와 eps 학습률을 키울 수 있음"

    page = bob.client.get("/users/bob", headers=HTML).text
    shown = page.split('class="answer-ref__excerpt">', 1)[1].split("</p>", 1)[0]
    assert shown == "배치 정규화는 기울기가 안정됩니다. 참고 식 σ² 와 eps 학습률을 키울 수 있음"
    assert "**" not in shown and "](" not in shown and "$" not in shown
