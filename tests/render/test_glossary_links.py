"""Glossary links: in the one renderer (ingest, posting, preview), the first mention of each specific
concept in a text links to its concept page; code, math, headings and existing links are left alone,
and everyday words (차이) and umbrellas (딥러닝, 학습) are not linked."""

from __future__ import annotations

import re

from app.render import render_markdown
from app.search.glossary import concept_glossary


def links(html: str) -> list[tuple[str, str]]:
    return re.findall(r'<a href="(/concepts/[^"]+)" class="glossary-link" title="[^"]*">([^<]+)</a>', html)


def test_the_first_mention_of_each_concept_links_to_its_page():
    html = render_markdown("배치 정규화는 학습을 안정시킵니다. 배치 정규화와 드롭아웃을 함께 쓰면 어떨까요?",
                           glossary=concept_glossary())
    assert links(html) == [("/concepts/batch_normalization", "배치 정규화"), ("/concepts/dropout", "드롭아웃")]
    assert "안정시킵니다. 배치 정규화와 <a" in html  # the second mention stays text


def test_code_math_headings_and_links_are_left_alone():
    markdown = ("## 드롭아웃\n\n`dropout` 함수와 $\\text{ReLU}$, [배치 정규화](https://arxiv.org/abs/1502.03167) 논문,"
                " <https://example.org/relu> 주소.\n\n```python\nnn.Dropout(0.5)  # 드롭아웃\n```\n")
    html = render_markdown(markdown, glossary=concept_glossary())
    assert links(html) == []
    assert '<a href="https://arxiv.org/abs/1502.03167"' in html  # the writer's link is untouched


def test_everyday_words_and_umbrellas_are_not_linked():
    html = render_markdown("딥러닝 모델 학습에서 두 방법의 차이는 렐루입니다.", glossary=concept_glossary())
    assert links(html) == [("/concepts/relu", "렐루")]


def test_a_one_line_post_is_linked_too_and_without_a_glossary_nothing_changes():
    assert links(render_markdown("드롭아웃은 추론에서 끕니다", glossary=concept_glossary())) == [
        ("/concepts/dropout", "드롭아웃")]
    assert "glossary-link" not in render_markdown("드롭아웃은 추론에서 끕니다")


def test_ingested_answers_carry_links_to_pages_that_exist(seeded_client):
    body = seeded_client.get("/api/v1/questions", params={"per_page": 100}).json()
    html_pages = [seeded_client.get(f"/api/v1/questions/{q['id']}").json() for q in body["items"][:40]]
    found = [link for q in html_pages for a in q["answers"] for link in links(a["body_html"])]
    assert len(found) >= 10
    for href, _ in found[:5]:
        assert seeded_client.get(href, headers={"Accept": "text/html"}).status_code == 200


def test_a_posted_answer_is_linked_at_write_time(client):
    from tests.writes.helpers import Account

    author = Account(lambda: client, "glossary")
    question = author.ask(title="드롭아웃은 언제 끄나요?", body="추론할 때 끄는 이유가 궁금합니다.")
    answer = author.answer(question["id"], body="드롭아웃은 model.eval()이 꺼 줍니다. 드롭아웃 비율은 0.5가 흔합니다.")
    stored = client.get(f"/api/v1/answers/{answer['id']}").json()
    # "드롭아웃 비율" is a concept of its own (the longest match wins); "드롭아웃" is linked once.
    assert links(stored["body_html"]) == [("/concepts/dropout", "드롭아웃"),
                                          ("/concepts/dropout_rate", "드롭아웃 비율")]
