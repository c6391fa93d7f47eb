"""The weeks parser: layout (a) question headings and layout (b) numbered lists, on tests/samples/weeks_*.md."""

from __future__ import annotations

import pytest

from app.ingest.parsers import weeks
from tests.ingest.parsing import by_label, parse_sample


@pytest.mark.parametrize(("name", "layout"), [
    ("weeks_heading_questions.md", "a"),
    ("weeks_heading_without_check.md", "a"),
    ("weeks_questions_without_lecture.md", "a"),
    ("weeks_numbered_mismatch.md", "b"),
    ("weeks_numbered_without_list.md", "b"),
])
def test_layout_is_recognised_from_structure(name, layout):
    assert parse_sample(name).layout == layout


def test_question_headings_give_author_page_ref_and_lecture_labels():
    document = parse_sample("weeks_heading_questions.md")
    assert document.title == "스터디 9주차" and document.intro_md == "이번 주는 CS224n 강의를 읽었습니다."
    assert [(q.label, q.author, q.page_ref) for q in document.questions()] == [
        ("12-1", "도윤", "p.33"), ("12-2", "하린", "pp. 40-41"), ("12-3", "서준", "p52"), ("13-1", "예린", "12쪽"),
    ]
    assert [s.title for s in document.sections] == ["Lecture 12", "Lecture 13"]


def test_answer_runs_to_the_next_heading_of_the_same_or_higher_level():
    questions = by_label(parse_sample("weeks_heading_questions.md"))
    (answer,) = questions["12-1"].answers
    assert answer.line == 9 and "##### 예시" in answer.body_md and "`lo`" in answer.body_md  # deeper heading stays in
    assert questions["12-3"].answers == []  # only a `---` before the next lecture: unanswered


def test_a_heading_without_a_check_mark_is_still_a_question():
    document = parse_sample("weeks_heading_without_check.md")
    assert [(q.label, q.author, bool(q.answers)) for q in document.questions()] == [
        ("14-1", "지원", True), ("14-2", "민서", True), ("14-3", "유나", True), ("14-4", "가람", True),
    ]
    assert document.questions()[2].title == "왜 디코더에는 마스킹이 필요한가"


def test_several_page_refs_are_kept_together_and_never_taken_for_a_name():
    question = parse_sample("weeks_heading_without_check.md").questions()[3]
    assert (question.author, question.page_ref, question.title) == ("가람", "p31, p33", "GRU는 LSTM과 무엇이 다른가?")


def test_questions_outside_any_lecture_are_numbered_by_ordinal():
    document = parse_sample("weeks_questions_without_lecture.md")
    assert [(s.title, [q.label for q in s.questions]) for s in document.sections] == [(None, ["1", "2"])]


def test_numbered_list_gives_the_questions_and_their_numbers():
    document = parse_sample("weeks_numbered_mismatch.md")
    assert document.title == "5주차 질문 정리"
    assert [q.label for q in document.questions()][:6] == ["1", "2", "3", "4", "5", "6"]


def test_answer_matched_by_number_keeps_the_text_after_the_arrow():
    question = by_label(parse_sample("weeks_numbered_mismatch.md"))["1"]
    (answer,) = question.answers
    assert answer.line == 12 and answer.body_md.startswith("미니배치가 하나뿐일 수도 있어서")
    assert "학습 중 모은 평균과 분산" in answer.body_md


def test_wrong_number_is_matched_by_text_similarity():
    questions = by_label(parse_sample("weeks_numbered_mismatch.md"))
    assert questions["2"].answers == []  # "2. 1x1 합성곱…" is question 3's text
    (answer,) = questions["3"].answers
    assert answer.body_md.startswith("- 채널 수를")  # "•" written as a Markdown bullet
    assert "1. 계산량을 줄이고" in answer.body_md  # numbered lines inside an answer are not headers


def test_merged_header_shares_its_bullets_out_in_order():
    questions = by_label(parse_sample("weeks_numbered_mismatch.md"))
    assert [a.body_md for a in questions["4"].answers] == ["- 같은 이미지를 다양하게 보여 주어 특정 픽셀 패턴에 과적합하지 않게 한다."]
    assert [a.line for a in questions["5"].answers] == [24]


def test_a_number_alone_points_at_that_question():
    (answer,) = by_label(parse_sample("weeks_numbered_mismatch.md"))["6"].answers
    assert answer.line == 36


def test_q_marker_and_asking_bullet_add_questions_after_the_list():
    questions = by_label(parse_sample("weeks_numbered_mismatch.md"))
    marked, bullet = questions["7"], questions["8"]
    assert marked.title == "Q2) 가중치 평균" and "SWA가 앙상블과" in marked.body_md
    assert [a.body_md for a in marked.answers] == ["- 한 번의 학습 궤적에서 가중치를 평균한다"]
    assert bullet.title == "그래디언트 클리핑은 왜 RNN에서 특히 중요하지?" and bullet.answers[0].line == 33


def test_text_that_matches_no_question_is_kept_as_notes():
    document = parse_sample("weeks_numbered_mismatch.md")
    assert document.notes_md == "지난주 발표 자료는 공유 폴더에 있어요."


def test_numbered_questions_without_a_list_open_their_own_answers():
    document = parse_sample("weeks_numbered_without_list.md")
    assert [(q.label, q.answers[0].body_md) for q in document.questions()] == [
        ("1", "재시작 후에도 모멘텀이 이어지려면 저장해야 한다."),
        ("2", "초기에 큰 업데이트로 발산하는 걸 막는다."),
    ]


def test_similarity_ignores_spacing_and_punctuation_and_rejects_other_questions():
    assert weeks.similarity("비편향 추정이 필요없다는 뜻이 무엇인가?", "비편향추정이 필요 없다는 뜻이 무엇인가") > 0.9
    assert weeks.similarity("1x1 합성곱은 무슨 역할을 하나?", "스킵 연결이 있으면 왜 더 깊게 쌓을 수 있나") < 0.6


def test_answer_headers_written_as_headings_still_point_at_their_questions():
    document = parse_sample("weeks_answer_headers_as_headings.md")
    assert document.layout == "b"
    assert [(q.label, [a.line for a in q.answers]) for q in document.questions()] == [("1", [8]), ("2", [12])]
    # "2) 배치 크기와 일반화 관계" only shortens question 2; a header that adds words keeps them.
    assert document.questions()[1].answers[0].body_md.startswith("작은 배치가")


def test_korean_counted_headers_point_at_one_or_several_questions():
    document = parse_sample("weeks_counted_headers.md")
    assert document.notes_md == "## 답변"
    assert [(q.label, [a.line for a in q.answers]) for q in document.questions()] == [
        ("1", [11]), ("2", [14]), ("3", [15]), ("4", [18]),
    ]
    assert document.questions()[0].answers[0].body_md == "- self-attention은 순서를 모르기 때문에 위치 정보를 더해 준다"
