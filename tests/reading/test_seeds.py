"""Reading the four seed files as a user does: the pages and the API over the ingested content/."""

from __future__ import annotations

import re

import pytest

from tests.reading import contract
from tests.reading.page_reader import Page
from tests.render.xss_corpus import unsafe_parts

HTML = {"Accept": "text/html"}


def main_part(page: str) -> str:
    """The page minus its frame (<head>, the header's search form) and the demos panel (the app's own
    run buttons and their stylesheet, tested in tests/demos): where content is shown."""
    main = page.split('<main class="page"', 1)[1].split(">", 1)[1].split("</main>", 1)[0]
    return re.sub(r'<section class="demo-panel".*?</section>', "", main, flags=re.S)


OWN_SCRIPTS = {  # the only scripts a reading page may load: the site's own files
    "/static/vendor/htmx/htmx.min.js", "/static/js/copy-code.js", "/static/js/confirm.js",
    "/static/vendor/uplot/uPlot.iife.min.js", "/static/js/demo-charts.js", "/static/js/run-cards.js",
}


@pytest.fixture
def seeds(seeded_client):
    """kind -> (collection, {label or title: question summary})."""
    found = {}
    for collection in seeded_client.get("/api/v1/collections").json():
        items = seeded_client.get("/api/v1/questions", params={"collection": collection["slug"],
                                                                "per_page": 100}).json()["items"]
        found.setdefault(collection["kind"], []).append((collection, items))
    return found


def interview(seeds):
    (collection, items), = seeds["interview"]
    return collection, {q["label"]: q for q in items}


@pytest.mark.read_only
def test_seed_counts_on_the_home_page(seeded_client, seeds):
    text = seeded_client.get("/", headers=HTML).text
    for collections in seeds.values():
        for collection, items in collections:
            assert len(items) == collection["question_count"]
            assert f"질문 {collection['question_count']} · 답변됨 {collection['answered_count']}" in text
    counts = sorted((c["question_count"], c["answered_count"]) for cs in seeds.values() for c, _ in cs)
    assert counts == [(10, 10), (14, 9), (18, 18), (47, 36)]  # issue 3's table


@pytest.mark.read_only
def test_every_seed_question_keeps_the_contract(seeded_client, seeds):
    for collections in seeds.values():
        for _, items in collections:
            for item in items:
                contract.check(seeded_client.get(f"/api/v1/questions/{item['id']}").json(), contract.QUESTION_DETAIL)


@pytest.mark.read_only
def test_interview_4_math_is_mathml(seeded_client, seeds):
    """#4 writes its two formulas as LaTeX in <!-- $…$ --> comments next to dead rendered-image links."""
    _, by_label = interview(seeds)
    text = seeded_client.get(by_label["#4"]["url"], headers=HTML).text
    assert len(re.findall(r"<math[\s>]", text)) == 2
    assert "<mi>μ</mi>" in text and "<mi>σ</mi>" in text  # z-score = (x - μ) / σ
    assert "render.githubusercontent.com" not in text  # the dead formula images are gone


@pytest.mark.read_only
def test_missing_image_shows_its_placeholder(seeded_client, seeds):
    _, by_label = interview(seeds)
    text = seeded_client.get(by_label["#1"]["url"], headers=HTML).text
    assert '<span class="image-missing"' in text and "ai_ml_dl" in text  # the alt text of the missing file
    assert 'src="/images/sally' not in text


@pytest.mark.read_only
def test_sub_questions_and_parent(seeded_client, seeds):
    _, by_label = interview(seeds)
    page = Page(seeded_client.get(by_label["#12"]["url"], headers=HTML).text)
    for label in ("#12-1", "#12-2", "#12-3", "#12-4"):
        assert by_label[label]["url"] in [href for href, text in page.anchors if text.startswith(label)]
    child = seeded_client.get(by_label["#12-3"]["url"], headers=HTML).text
    assert f'href="{by_label["#12"]["url"]}" rel="up"' in child
    assert f'href="{by_label["#12-2"]["url"]}" rel="prev"' in child
    assert f'href="{by_label["#12-4"]["url"]}" rel="next"' in child


@pytest.mark.read_only
def test_nodes_thread_reactions_and_plus_ones(seeded_client, seeds):
    (collection, items), = seeds["nodes"]
    batch_norm = next(q for q in items if q["title"].startswith("batch normalization"))
    text = seeded_client.get(batch_norm["url"], headers=HTML).text
    assert "김산 님도 궁금해요" in text  # "-> 2222(김산)"
    assert '<span class="reaction__emoji" aria-hidden="true">👍</span>' in text  # "-> 👍"
    assert "효과도 있다고 합니다" in text and 'href="/authors/%EC%84%9C%EC%97%B0"' in text  # 서연's answer
    outline = seeded_client.get(collection["url"], headers=HTML).text
    assert "노드 04" in outline and "이 섹션에는 질문이 없습니다" in outline


@pytest.mark.read_only
def test_weeks_notes_and_page_refs(seeded_client, seeds):
    weeks = {c["source_path"]: (c, items) for c, items in seeds["weeks"]}
    free = next(v for k, v in weeks.items() if "week-02" in k)
    detail = seeded_client.get(f"/api/v1/collections/{free[0]['slug']}").json()
    page = seeded_client.get(free[0]["url"], headers=HTML).text
    assert ('id="notes-title"' in page) == bool(detail["notes_html"])  # unmatched text is shown, never dropped
    assert detail["notes_html"][:60] in page
    lecture = next(v for k, v in weeks.items() if "week-04" in k)
    first = seeded_client.get(lecture[1][0]["url"], headers=HTML).text
    assert 'class="page-ref"' in first


@pytest.mark.read_only
def test_no_script_from_content_reaches_a_page(seeded_client, seeds):
    for collections in seeds.values():
        for collection, items in collections:
            for path in [collection["url"]] + [q["url"] for q in items]:
                text = seeded_client.get(path, headers=HTML).text
                # Linked under content-hashed names (app/http/assets.py): compared by the file's own name.
                scripts = {re.sub(r"\.[0-9a-f]{8}(\.\w+)$", r"\1", src)
                           for src in re.findall(r'<script[^>]*src="([^"]+)"', text)}
                assert scripts <= OWN_SCRIPTS and text.count("<script") == len(re.findall(r"<script[^>]*src=", text))
                assert unsafe_parts(main_part(text)) == [], path


def test_posted_xss_corpus_is_inert_on_the_question_page(seeded_factory):
    from tests.render.xss_corpus import PAYLOADS
    from tests.writes.helpers import Account

    reader, author = seeded_factory(), Account(seeded_factory, "xss")
    question = author.ask(title="XSS 모음을 담은 질문", body=PAYLOADS[0][1])
    for _, markdown in PAYLOADS:
        author.answer(question["id"], body=markdown)
    text = reader.get(f"/questions/{question['id']}", headers=HTML).text
    assert unsafe_parts(main_part(text)) == []
    assert "<script>alert" not in text  # shown as text at most, never as a tag
