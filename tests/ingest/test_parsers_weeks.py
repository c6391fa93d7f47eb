"""The weeks parser: layout (a) question headings and layout (b) numbered lists, on tests/samples/weeks_*.md."""

from __future__ import annotations

import pytest

from app.ingest.shapes import weeks
from tests.ingest.parsing import by_label, parse_sample


@pytest.mark.parametrize(("name", "layout"), [
    ("weeks_heading_questions.md", "a"),
    ("weeks_heading_without_check.md", "a"),
    ("weeks_questions_without_lecture.md", "a"),
    ("weeks_numbered_mismatch.md", "b"),
    ("weeks_numbered_without_list.md", "b"),
    ("weeks_check_variants_and_bare_authors.md", "a"),
    ("weeks_week_sections_and_fenced_headings.md", "a"),
    ("weeks_q_numbered_headings_without_checks.md", "a"),
    ("weeks_q_marked_list_and_bare_q_answers.md", "b"),
    ("weeks_paren_numbers_and_merged_headers.md", "b"),
    ("weeks_circled_numbers_merged_and_skipped.md", "b"),
    ("weeks_counted_crlf_nbsp_trailing_spaces.md", "b"),
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
    assert [a.body_md for a in questions["4"].answers] == [
        "- 같은 이미지를 다양하게 보여 주어 특정 픽셀 패턴에 과적합하지 않게 한다."]
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


# --- files written the way other study groups write them (red-team samples) -----------------------


def test_check_marks_and_authors_written_without_backticks():
    document = parse_sample("weeks_check_variants_and_bare_authors.md")
    assert [(q.label, q.author, q.page_ref) for q in document.questions()] == [
        ("9-1", "민지", "p.15"), ("9-2", "준호", "p.22"), ("9-3", "서윤", None), ("9-4", "민지", "p.40"),
        ("9-5", "준호", "p.47"), ("10-1", "서윤", "p.12"),
    ]
    questions = by_label(document)
    assert questions["9-2"].title == "VGG가 3x3 필터만 쓰는 이유?"  # "✔️ 준호 p.22 …"
    assert questions["9-5"].title == "ResNet-50부터 bottleneck block을 쓰는 이유?" and not questions["9-5"].answers
    assert "- 3x3x2 = 18 < 25" in questions["9-2"].answers[0].body_md


def test_a_question_heading_with_only_meta_asks_in_its_first_paragraph():
    question = by_label(parse_sample("weeks_check_variants_and_bare_authors.md"))["9-4"]
    assert question.line == 19 and question.title.startswith("ResNet에서 identity mapping이 왜")
    assert [(a.line, a.body_md.split()[0]) for a in question.answers] == [(23, "잔차만")]


def test_week_sections_and_headings_inside_code_blocks():
    document = parse_sample("weeks_week_sections_and_fenced_headings.md")
    assert [(s.title, [q.label for q in s.questions]) for s in document.sections] == [
        ("3주차", ["3-1", "3-2", "3-3"]), ("4주차", ["4-1"]),
    ]
    questions = by_label(document)
    assert "#### ✅ `가짜` `p.1` 코드 안의 이 줄도 질문이 아니다" in questions["3-1"].answers[0].body_md
    assert questions["3-2"].answers[0].body_md.startswith("$$\n\\sigma'(x)")
    assert questions["3-3"].answers == []
    assert "| Xavier | sigmoid/tanh에 적합 |" in questions["4-1"].answers[0].body_md
    assert [u.line for u in document.unplaced] == [41]  # the editor's comment renders as nothing


def test_q_numbered_question_headings_without_check_marks():
    document = parse_sample("weeks_q_numbered_headings_without_checks.md")
    assert [(q.label, q.author, bool(q.answers)) for q in document.questions()] == [
        ("10-1", "지훈", True), ("10-2", "예나", True), ("10-3", None, False), ("11-1", "예나", True),
    ]
    assert "$$v_{t+1}" in by_label(document)["10-2"].answers[0].body_md


def test_a_q_marked_list_and_answers_that_repeat_or_only_name_the_q_number():
    document = parse_sample("weeks_q_marked_list_and_bare_q_answers.md")
    assert [(q.label, q.title.split()[0], [a.line for a in q.answers]) for q in document.questions()] == [
        ("1", "CNN에서", [11]), ("2", "pooling", [14]), ("3", "1x1", []), ("4", "receptive", [18]),
    ]
    assert document.notes_md == ""  # the `---` between the list and the answers says nothing


def test_paren_numbers_answers_written_after_the_number_and_a_merged_header():
    document = parse_sample("weeks_paren_numbers_and_merged_headers.md")
    assert document.notes_md == "답변 정리"
    answers = {q.label: [(a.line, " ".join(a.body_md.split()[:2])) for a in q.answers] for q in document.questions()}
    assert answers == {
        "1": [(11, "출력이 -1~1이라")],  # "1) tanh → …": "tanh" only shortens question 1
        "2": [(12, "cell state는")],  # the number is the question, the words are the answer
        "3": [(14, "- GRU는")], "4": [(15, "- 이전")],  # "3), 4)" shares its bullets out in order
        "5": [(17, "- dot,")],
    }


def test_circled_numbers_a_merged_header_with_words_and_a_skipped_question():
    document = parse_sample("weeks_circled_numbers_merged_and_skipped.md")
    questions = by_label(document)
    assert list(questions) == ["1", "2", "3", "4"]
    assert questions["2"].title == "Layer Norm은 배치 크기와 상관없는가?"  # non-breaking spaces folded
    assert [a.line for a in questions["1"].answers] == [9]
    assert [a.body_md for a in questions["2"].answers] == [
        "**같이 답변**\n\n- LN은 샘플 하나 안에서 정규화하므로 배치 크기와 무관"]
    assert [a.line for a in questions["3"].answers] == [14]
    assert questions["4"].answers == [] and document.notes_md == ""


def test_counted_headers_with_arrows_in_a_crlf_file_with_non_breaking_spaces():
    document = parse_sample("weeks_counted_crlf_nbsp_trailing_spaces.md")
    assert document.title == "5주차 질문"
    answers = {q.label: [(a.line, a.body_md[:10]) for a in q.answers] for q in document.questions()}
    assert answers["1"] == [(9, "train loss")] and answers["2"] == [(12, "- 데이터셋마다 다")]
    assert answers["3"] == []  # "3번은 시간이 부족해서 …" remarks on question 3; it does not answer it
    assert answers["4"][0][1].startswith("❌ 적용하면 안 됨")


def test_a_weeks_file_with_only_a_title():
    document = parse_sample("weeks_only_title.md")
    assert (document.title, document.questions(), document.unplaced, document.notes_md) == ("10주차 스터디", [], [], "")


def test_a_numbered_list_inside_an_answer_is_not_taken_for_answers_in_turn():
    text = "1. tanh를 쓰는 이유?\n2. ReLU가 좋은 이유?\n\n1) tanh\n이유는 두 가지\n1. 0 중심\n2. 포화가 덜함\n"
    questions = weeks.parse(text, "weeks/x.md").questions()
    assert [len(q.answers) for q in questions] == [1, 0]
    assert "2. 포화가 덜함" in questions[0].answers[0].body_md


def test_a_decimal_is_not_a_run_of_numbers():
    text = "1. 학습률은?\n2. 배치 크기는?\n\n1. 학습률은?\n1.5배 정도로 키웠다\n"
    questions = weeks.parse(text, "weeks/x.md").questions()
    assert [[a.body_md for a in q.answers] for q in questions] == [["1.5배 정도로 키웠다"], []]
