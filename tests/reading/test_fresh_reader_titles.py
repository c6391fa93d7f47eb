"""What a fresh reader sees of a file the parser has never met: the collection is named by the file's
first line when no heading names it, and a labelled question's title drops the writer's own numbering
("14-2. …", "Q1) …"), which the label beside it already shows; the stored title keeps it."""

from __future__ import annotations

import shutil

import pytest

from app.db.engine import make_engine
from app.ingest.loader import ingest_directory
from app.ingest.shapes import nodes, weeks
from app.render.titles import display_title
from tests.conftest import _settings_for, clients_of

NODES_TEXT = """CV 스터디 노드 정리

## 노드 14

14-2. ResNet의 skip connection은 왜 필요한가요? (철수)

-> 기울기가 잘 흐릅니다

Q1) 모멘텀 계수는 어떻게 정하나요? (영희)
"""

WEEKS_TEXT = """6주차 RNN 스터디

## Lecture 6

#### ✅ `민수` `p15` 배치 정규화는 왜 학습을 빠르게 하나요?

내부 공변량 변화를 줄인다는 설명이 있습니다.
"""


@pytest.mark.parametrize("shape, text, title", [
    (nodes, NODES_TEXT, "CV 스터디 노드 정리"),
    (weeks, WEEKS_TEXT, "6주차 RNN 스터디"),
])
def test_a_short_first_line_on_its_own_names_the_file(shape, text, title):
    document = shape.parse(text, "x.md")
    assert document.title == title
    assert title not in document.intro_md  # the title line is not repeated as the introduction


@pytest.mark.parametrize("first", [
    "이번 주에는 RNN을 공부했고\n다음 주에는 LSTM을 합니다",  # a paragraph, not a line on its own
    "딥러닝 스터디에서 궁금했던 것을 모아 볼까요?",  # a question
    "- 발표: 민수, 영희",  # a list item
    "> 출처: CS231n 강의 노트",  # a quote
    "오늘 정리는 여기까지 (민수)",  # a signed remark
    "이번 분기 질문을 여기 모아요",  # a sentence, even without its full stop
    "질문은 자유롭게 남겨 주세요.",
])
def test_a_first_line_that_is_not_a_title_stays_the_introduction(first):
    document = nodes.parse(f"{first}\n\n## 노드 1\n\n질문이 있나요? (철수)\n", "x.md")
    assert document.title == ""
    assert document.intro_md.startswith(first.split("\n")[0])


@pytest.mark.parametrize("title, label, shown", [
    ("14-2. ResNet의 skip connection은 왜 필요한가요?", "14-1", "ResNet의 skip connection은 왜 필요한가요?"),
    ("Q1) 모멘텀 계수는 어떻게 정하나요?", "14-2", "모멘텀 계수는 어떻게 정하나요?"),
    ("3) 배치 크기", "3", "배치 크기"),
    ("0.5 이상이면 과적합인가요?", "2", "0.5 이상이면 과적합인가요?"),  # a number the sentence needs
    ("1x1 합성곱은 왜 쓰나요?", "4", "1x1 합성곱은 왜 쓰나요?"),
    ("Q1) 정규화 방법", None, "Q1) 정규화 방법"),  # a posted question, without a label: as written
])
def test_numbering_debris_goes_from_labelled_titles(title, label, shown):
    assert display_title(title, label) == shown


def test_an_unseen_file_reads_cleanly_on_its_pages(tmp_path, migrated_template):
    content = tmp_path / "content"
    (content / "nodes").mkdir(parents=True)
    (content / "nodes" / "cv-study-nodes.md").write_text(NODES_TEXT, encoding="utf-8")
    db = tmp_path / "kb.sqlite3"
    shutil.copy(migrated_template, db)
    settings = _settings_for(db, content)
    engine = make_engine(settings.database_url)
    assert not ingest_directory(engine, content, workers=1).failed
    engine.dispose()
    from tests.apps import new_app

    clients = clients_of(new_app(settings))
    client = next(clients)()
    collection = client.get("/api/v1/collections/cv-study-nodes").json()
    assert collection["title"] == "CV 스터디 노드 정리"
    question = next(q for q in collection["questions"]["items"] if q["title"].startswith("14-2."))
    assert question["title"].startswith("14-2. ")  # the API keeps what the file says
    page = client.get(question["url"], headers={"Accept": "text/html"}).text
    assert "ResNet의 skip connection은 왜 필요한가요?</h1>" in page
    assert "14-2. ResNet" not in page.split("<h1", 1)[1].split("</h1>", 1)[0]
    assert "<h1>CV 스터디 노드 정리</h1>" in client.get("/collections/cv-study-nodes").text.replace(
        ' id="collection-title"', "")
    next(clients, None)  # closes the clients


@pytest.mark.read_only
def test_search_results_title_a_question_as_its_page_does(seeded_client):
    """Label, then the title without the writer's own numbering: week 2's question 9 was listed in the
    results as 'Q1) 정규화 방법' with no label, the only list on the site that did."""
    found = seeded_client.get("/api/v1/search", params={"q": "정규화 방법"}).json()["items"]
    hit = next(item for item in found if item["title"].startswith("Q1) 정규화 방법"))
    assert hit["label"] and "Q1)" not in hit["title_html"] and "<mark>" in hit["title_html"]
    page = seeded_client.get("/search", params={"q": "정규화 방법"}, headers={"accept": "text/html"}).text
    assert f'<span class="qlabel">{hit["label"]} </span>{hit["title_html"]}</a>' in page
