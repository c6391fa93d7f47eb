"""The four seeds in content/ parse into the counts, labels and structure that the ingest issue fixes
(labels are what demo links and page URLs rely on)."""

from __future__ import annotations

import tomllib

import pytest

from app.ingest.shapes import parse_document
from tests.conftest import CONTENT_DIR
from tests.ingest.parsing import by_label, walk

NODES = "nodes/deep-hankkeut-nodes.md"
INTERVIEW = "interview/deep-learning-interview.md"
WEEKS_A = "weeks/study-week-04-cs231n-lecture-7.md"
WEEKS_B = "weeks/study-week-02-questions.md"


def parse_seed(path: str):
    return parse_document(path.split("/", 1)[0], (CONTENT_DIR / path).read_text(encoding="utf-8"), path)


@pytest.mark.parametrize(("path", "total", "answered", "unanswered"), [
    (NODES, 14, 9, 5),
    (INTERVIEW, 47, 36, 11),
    (WEEKS_A, 18, 18, 0),
    (WEEKS_B, 10, 10, 0),
])
def test_counts_table(path, total, answered, unanswered):
    questions = parse_seed(path).questions()
    answered_now = sum(1 for q in questions if q.answers)
    assert (len(questions), answered_now, len(questions) - answered_now) == (total, answered, unanswered)


def test_interview_unanswered_are_the_listed_ones():
    unanswered = [q.label for q in parse_seed(INTERVIEW).questions() if not q.answers]
    assert unanswered == ["#3", "#6", "#9", "#13", "#13-1", "#13-2", "#13-3", "#17", "#17-1", "#17-2", "#17-3"]


def test_weeks_a_authors_in_order():
    authors = [q.author for q in parse_seed(WEEKS_A).questions()]
    assert authors == ("혜지 세연 소현 소현 소현 재용 세연 소현 재용 혜지 "
                       "재용 소현 세연 혜지 세연 세연 세연 혜지").split()


def test_nodes_labels_and_what_they_ask():
    questions = by_label(parse_seed(NODES))
    expected = {
        "01-1": "미분불가능", "02-1": "batch normalization이 과적합", "03-1": "subclass api", "03-2": "exponential",
        "03-3": "dense에서 유닛", "05-1": "json으로 모델 저장", "05-2": "서브클래싱 모델", "06-1": "full batch",
        "07-1": "유닛수와 레이어수", "07-2": "얕은 모델", "07-3": "드랍아웃 작동방식", "08-1": "시그모이드",
        "08-2": "Xavier or He", "08-3": "배치 정규화의 위치",
    }
    assert list(questions) == list(expected)
    for label, words in expected.items():
        assert words in questions[label].body_md, label
    assert questions["06-1"].body_md.count("\n\n") == 2 and "batch size는 클수록" in questions["06-1"].body_md


def test_nodes_authors():
    questions = by_label(parse_seed(NODES))
    assert {label: q.author for label, q in questions.items()} == {
        "01-1": "태하", "02-1": "민규", "03-1": "호재", "03-2": "태하", "03-3": "태하", "05-1": None, "05-2": "청",
        "06-1": "MK", "07-1": None, "07-2": None, "07-3": "MK", "08-1": None, "08-2": None, "08-3": None,
    }


def test_weeks_a_labels_and_page_refs():
    questions = parse_seed(WEEKS_A).questions()
    pages = "15 15 20 22 24 25 31 38 48 52 56 62 62 71 82 85 87 90".split()
    assert [(q.label, q.page_ref) for q in questions] == [(f"7-{n}", f"p{p}") for n, p in enumerate(pages, start=1)]
    assert questions[0].line == 5 and questions[0].title == "condition number가 뭐지?"


def test_weeks_b_labels_titles_and_answers():
    questions = by_label(parse_seed(WEEKS_B))
    assert list(questions) == [str(n) for n in range(1, 11)]
    assert questions["9"].title == "Q1) 정규화 방법" and "로그 씌우는 것도" in questions["9"].body_md
    assert questions["10"].title == "Dw와 w의 차원이 왜 같나"
    assert questions["4"].answers[0].line == 51  # written as "3. 비편향 추정…": matched by text
    assert [a.line for a in questions["5"].answers] == [56]  # "- 3. … 4. …" merged: bullets shared in order
    assert [a.line for a in questions["6"].answers] == [57]
    assert "ReLU함수의 특징을 살펴보자." in questions["2"].answers[0].body_md
    assert parse_seed(WEEKS_B).notes_md == ""


def test_interview_labels_and_sub_question_parents():
    questions = by_label(parse_seed(INTERVIEW))
    subs = {"12": 4, "13": 3, "14": 2, "15": 3, "16": 3, "17": 3, "18": 3, "19": 3, "20": 3}
    expected = []
    for n in range(1, 21):
        expected.append(f"#{n}")
        expected.extend(f"#{n}-{m}" for m in range(1, subs.get(str(n), 0) + 1))
    assert list(questions) == expected
    assert all(q.parent_label == q.label.rsplit("-", 1)[0] for q in questions.values() if "-" in q.label)
    assert all(q.parent_label is None for q in questions.values() if "-" not in q.label)
    assert questions["#12-1"].title == "Non-Linearity라는 말의 의미와 그 필요성은?"


def test_interview_first_question_references():
    first = by_label(parse_seed(INTERVIEW))["#1"]
    assert [(r.title, r.url, r.line) for r in first.references] == [
        ("딥러닝, 데이터로 세상을 파악하다(1) - LG CNS", "https://blog.lgcns.com/2212", 83),
        ("CH01)01.머신러닝의 개념 - 파이썬 머신러닝 완벽가이드(도서)", "http://m.yes24.com/goods/detail/69752484", 84),
        ("9)딥러닝이란? - TCP SCHOOLS.com", "http://tcpschool.com/deep2018/deep2018_deeplearning_intro", 85),
    ]
    assert "References" not in first.answers[0].body_md and first.answers[0].body_md.endswith("강화학습")


def test_interview_math_and_images():
    document = parse_seed(INTERVIEW)
    questions = by_label(document)
    assert questions["#4"].math == [r"x= {{x - x_{min}} \over {x_{max} - x_{min}}}",
                                    r"z-score = {x-{\mu} \over {\sigma}}"]
    assert (68, "/images/sally/2021-05-01-02-44-22.png") in [(i.line, i.src) for i in document.images]


def test_node_05_nested_reply():
    question = by_label(parse_seed(NODES))["05-2"]
    tree = [(depth, a.author, a.line) for depth, a in walk(question.answers)]
    assert tree == [(0, None, 76), (1, "청", 78)]


def test_node_02_reactions_and_plus_one():
    question = by_label(parse_seed(NODES))["02-1"]
    assert [(r.kind, r.emoji, r.author, r.line) for r in question.reactions] == [("plus_one", "+1", "김산", 17)]
    reacted = {a.line: [(r.kind, r.emoji) for r in a.reactions] for _, a in walk(question.answers) if a.reactions}
    assert reacted == {23: [("emoji", "👍")], 29: [("emoji", "👍")]}
    assert not any(a.body_md.strip() == "👍" for _, a in walk(question.answers))


def test_node_02_statement_after_thread_is_answer_by_seoyeon():
    answers = by_label(parse_seed(NODES))["02-1"].answers
    assert [a.line for a in answers] == [19, 21, 23, 27, 29]
    last = answers[-1]
    assert last.author == "서연" and last.body_md.endswith("효과도 있다고 합니다")
    assert answers[0].body_md.startswith("[https://dbstndi6316.tistory.com/384](https://dbstndi6316.tistory.com/384)")


def test_node_06_and_07_replies_by_name():
    questions = by_label(parse_seed(NODES))
    assert [(a.author, a.line) for a in questions["06-1"].answers] == [("남철", 91)]
    assert [(a.author, a.line) for a in questions["07-3"].answers] == [("남철", 108), (None, 110)]


def test_nodes_boilerplate_and_intro():
    document = parse_seed(NODES)
    assert [(u.line, "boilerplate" in u.reason) for u in document.unplaced] == [(1, True), (150, True)]
    assert document.intro_md == "딥한끝에서 궁금했던 여기 아카이빙 해볼까요? 다같이 ㄱㄱ"
    assert [s.title for s in document.sections] == [f"노드 {n:02}" for n in range(1, 11)]


@pytest.mark.parametrize("path", [NODES, INTERVIEW, WEEKS_A, WEEKS_B])
def test_seed_labels_are_unique(path):
    labels = [q.label for q in parse_seed(path).questions()]
    assert len(labels) == len(set(labels))


def test_every_demo_link_names_a_label_the_parsers_produce():
    links = tomllib.loads((CONTENT_DIR / "demos.toml").read_text(encoding="utf-8"))["link"]
    labels: dict[str, set[str]] = {}
    for link in links:
        if link["file"] not in labels:
            labels[link["file"]] = {q.label for q in parse_seed(link["file"]).questions()}
    assert [(link["file"], link["question"]) for link in links if link["question"] not in labels[link["file"]]] == []
    assert links
