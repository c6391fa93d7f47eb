"""The interview parser, one test per rule, on tests/samples/interview_*.md."""

from __future__ import annotations

from tests.ingest.parsing import by_label, parse_sample


def test_table_of_contents_is_the_intro_not_a_question():
    document = parse_sample("interview_sub_questions.md")
    assert document.intro_md.startswith("## 목차") and "(#2-1)" in document.intro_md
    assert [q.label for q in document.questions()] == ["#1", "#1-1", "#1-2", "#2", "#2-1"]


def test_sub_questions_name_their_parent():
    questions = by_label(parse_sample("interview_sub_questions.md"))
    assert {label: q.parent_label for label, q in questions.items()} == {
        "#1": None, "#1-1": "#1", "#1-2": "#1", "#2": None, "#2-1": "#2",
    }


def test_heading_under_the_label_is_the_title_and_the_body_up_to_references_the_answer():
    questions = by_label(parse_sample("interview_sub_questions.md"))
    first = questions["#1"]
    assert first.title == "역전파를 설명해 주세요." and first.line == 11
    assert [(a.line, a.body_md) for a in first.answers] == [
        (15, "출력의 손실을 각 파라미터에 대해 미분해 거꾸로 전달하는 과정이다.")]
    assert questions["#1-2"].answers == []  # a title and an empty References: unanswered
    assert questions["#1-1"].answers[0].body_md.endswith("쓰인다.")  # no References heading, `---` dropped


def test_title_comes_from_the_heading_itself_or_from_the_table_of_contents():
    document = parse_sample("interview_title_from_toc_and_sections.md")
    questions = by_label(document)
    assert document.title == "면접 대비 질문 모음"
    assert questions["#1"].title == "과적합을 어떻게 알아차리나요?"  # no title heading: the contents entry
    assert questions["#2"].title == "조기 종료의 기준은?"  # written on the label heading
    assert questions["#3"].title == "드롭아웃과 조기 종료를 같이 써도 되나요?"


def test_a_heading_that_is_not_a_question_starts_a_new_section():
    document = parse_sample("interview_title_from_toc_and_sections.md")
    assert [(s.title, [q.label for q in s.questions]) for s in document.sections] == [
        (None, ["#1", "#2"]), ("부록", ["#3"]),
    ]
    assert document.sections[1].intro_md == "아래는 스터디에서 덧붙인 질문이다."


def test_references_become_title_and_url_rows():
    questions = by_label(parse_sample("interview_references.md"))
    assert [(r.title, r.url, r.line) for r in questions["#7"].references] == [
        ("[블로그] 학습률 스케줄러 정리 (1편) - 예린의 노트", "https://example.org/lr-(1)-schedulers/", 9),
        ("SGDR: Stochastic Gradient Descent with Warm Restarts", "https://arxiv.org/abs/1608.03983", 10),
        ("https://example.org/one-cycle-policy", "https://example.org/one-cycle-policy", 11),
        ("강의 노트 12장", "https://example.org/lecture-12", 12),
    ]
    assert [(r.title, r.url) for r in questions["#8"].references] == [
        ("https://example.org/warm-restarts", "https://example.org/warm-restarts"),  # under "참고 자료"
    ]


def test_a_line_under_references_without_a_link_is_reported_not_dropped():
    document = parse_sample("interview_references.md")
    assert [(u.line, u.text) for u in document.unplaced] == [(13, "- 발표 때 보여 준 그림도 함께 보면 좋다")]


def test_latex_in_comments_is_collected_as_math_and_the_comment_stays_in_the_answer():
    question = parse_sample("interview_comment_math.md").questions()[0]
    assert question.math == [
        r"\mathrm{softmax}(z)_i = {e^{z_i} \over \sum_j e^{z_j}}",
        r"\frac{\partial L}{\partial z_i} = p_i - y_i",
    ]
    assert "<!-- $\\mathrm{softmax}" in question.answers[0].body_md


def test_images_are_recorded_with_their_lines_local_or_not():
    document = parse_sample("interview_missing_images.md")
    assert [(i.src, i.line, i.is_local) for i in document.images] == [
        ("/images/notes/conv-output.png", 5, True),
        ("../images/notes/padding.png", 10, True),
        ("https://example.org/figures/stride.png", 13, False),
    ]
    assert document.images[0].alt == "출력 크기 공식"


def test_a_bold_references_line_opens_the_reference_list_too():
    question = by_label(parse_sample("interview_references.md"))["#9"]
    assert [a.body_md for a in question.answers] == ["Leslie Smith가 2015년에 제안했다."]
    assert [r.url for r in question.references] == ["https://arxiv.org/abs/1506.01186"]


# --- files written the way other authors write them (red-team samples) ----------------------------


def test_without_a_table_of_contents_sub_questions_far_from_their_parent_still_name_it():
    document = parse_sample("interview_no_toc_sub_questions_far_apart.md")
    assert document.title == "ML 엔지니어 면접 질문 정리 (2편)" and document.intro_md.startswith("> 1편에 이어서")
    assert [(q.label, q.parent_label, bool(q.answers)) for q in document.questions()] == [
        ("#21", None, True), ("#22", None, True), ("#21-1", "#21", True), ("#23", None, False), ("#21-3", "#21", True),
    ]
    questions = by_label(document)
    assert questions["#21"].title == "배치 정규화(Batch Normalization)를 설명해 주세요."  # title at ###
    assert [r.url for r in questions["#21"].references] == [
        "https://arxiv.org/abs/1502.03167", "https://d2l.ai/chapter_convolutional-modern/batch-norm.html",
    ]
    assert "## #99 이건 질문이 아니라 주석\n#### References\n```" in questions["#21-1"].answers[0].body_md
    assert questions["#21-1"].references == []  # a "References" line inside code opens nothing
    assert [(r.title, r.url) for r in questions["#21-3"].references] == [
        ("Layer Normalization (Ba et al., 2016)", "https://arxiv.org/abs/1607.06450"),
        ("Recurrent Batch Normalization", "https://arxiv.org/abs/1603.09025"),  # "2. title, url"
    ]


def test_label_headings_with_separators_and_reference_heading_spellings():
    document = parse_sample("interview_heading_and_reference_variants.md")
    assert document.intro_md.startswith("## 📝 목차")
    questions = by_label(document)
    assert {label: q.title for label, q in questions.items()} == {
        "#1": "경사 하강법(Gradient Descent)이란?", "#2": "학습률이 너무 크면?", "#3": "모멘텀은 왜 쓰나?",
        "#4": "Adam의 bias correction은 왜 필요한가요?",
    }
    # under a "Reference" heading
    assert [r.url for r in questions["#1"].references] == ["https://en.wikipedia.org/wiki/Gradient_descent"]
    assert [r.url for r in questions["#2"].references] == [  # "**References**" and bare URLs without bullets
        "https://www.jeremyjordan.me/nn-learning-rate/", "https://cs231n.github.io/neural-networks-3/",
    ]
    assert questions["#3"].answers == [] and questions["#3"].references == []  # an empty "#### 참고"
    assert questions["#4"].math == [r"\hat{m}_t = \frac{m_t}{1-\beta_1^t}"]
    assert [(i.src, i.is_local) for i in document.images][:1] == [("./img/lr_too_big.png", True)]


def test_a_bold_or_quoted_q_line_is_the_title_when_there_is_no_title_heading():
    document = parse_sample("interview_bold_and_quoted_titles_tables_html.md")
    questions = by_label(document)
    assert questions["#1"].title == "CNN에서 파라미터 수는 어떻게 계산하나요?"
    assert questions["#1"].answers[0].body_md.startswith("(커널 높이")
    assert "| Conv 3x3, 64→128 |" in questions["#1"].answers[0].body_md
    assert questions["#2"].title == "Receptive field를 넓히는 방법은?"
    assert questions["#2"].answers[0].body_md.endswith("</details>")
    assert (questions["#2-1"].title, questions["#2-1"].parent_label, questions["#2-1"].answers) == ("#2-1", "#2", [])
    assert [(r.title, r.line) for r in questions["#3"].references] == [
        ("Non-maximum suppression 설명 (PyImageSearch)", 40)]


def test_an_interview_file_with_only_a_title():
    document = parse_sample("interview_only_title.md")
    assert (document.title, document.questions(), document.unplaced) == ("딥러닝 면접 질문 모음", [], [])
