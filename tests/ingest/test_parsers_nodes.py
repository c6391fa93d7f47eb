"""The nodes parser, one test per rule, on samples written for it (tests/samples/nodes_*.md)."""

from __future__ import annotations

from app.ingest.shapes import nodes
from tests.ingest.parsing import by_label, parse_sample, walk


def test_sections_are_kept_even_without_questions():
    document = parse_sample("nodes_empty_sections_and_boilerplate.md")
    assert [(s.title, len(s.questions)) for s in document.sections] == [("노드 01", 0), ("노드 02", 1), ("노드 03", 0)]
    assert document.intro_md == "이번 분기 질문을 여기 모아요."


def test_export_banner_and_trailing_comment_are_reported_as_boilerplate_not_questions():
    document = parse_sample("nodes_empty_sections_and_boilerplate.md")
    assert [(u.line, "boilerplate" in u.reason) for u in document.unplaced] == [(1, True), (14, True)]
    assert document.images == []  # the banner's badge image is boilerplate too


def test_label_is_section_number_and_ordinal():
    document = parse_sample("nodes_author_line_gathers_paragraphs.md")
    assert list(by_label(document)) == ["21-1", "22-1", "22-2", "22-3"]


def test_arrow_replies_nest_by_indentation():
    question = parse_sample("nodes_nested_replies.md").questions()[0]
    tree = [(depth, answer.author, answer.body_md.split()[0]) for depth, answer in walk(question.answers)]
    assert tree == [(0, "하린", "내적"), (1, "도윤", "그럼"), (2, "하린", "네,"), (1, None, "소프트맥스가"),
                    (0, None, "원")]


def test_a_tab_indented_reply_is_a_reply_to_the_reply_above():
    question = parse_sample("nodes_tab_indented_replies.md").questions()[0]
    assert [(d, a.author) for d, a in walk(question.answers)] == [(0, None), (1, "서준"), (0, None)]


def test_author_line_gathers_the_paragraphs_up_to_the_first_reply_into_one_question():
    question = by_label(parse_sample("nodes_author_line_gathers_paragraphs.md"))["21-1"]
    assert question.author == "지원"
    assert question.body_md.count("\n\n") == 2  # three paragraphs, one question
    assert question.title == "선형으로 키우는 게 맞을까요?"  # the first paragraph that asks
    assert [(a.author, a.line) for a in question.answers] == [("예린", 10)]


def test_without_an_author_line_each_asking_paragraph_is_its_own_question():
    questions = by_label(parse_sample("nodes_author_line_gathers_paragraphs.md"))
    assert [questions[label].author for label in ("22-1", "22-2", "22-3")] == [None, None, "JH"]
    assert not questions["22-1"].answers and not questions["22-2"].answers
    gathered = questions["22-3"]
    assert "왜 그런 걸까?" in gathered.body_md and len(gathered.answers) == 1


def test_a_statement_right_after_a_thread_is_one_more_answer_by_its_author():
    questions = by_label(parse_sample("nodes_statement_after_thread_is_answer.md"))
    answers = questions["4-1"].answers
    assert [(a.author, a.body_md) for a in answers][1] == ("민서", "트랜스포머에서는 0.1 정도를 많이 쓴다고 합니다")
    assert len(questions) == 2 and questions["4-2"].author == "유나"  # asking after a thread: a new question


def test_an_emoji_alone_is_a_reaction_on_what_it_follows_not_a_reply():
    questions = by_label(parse_sample("nodes_statement_after_thread_is_answer.md"))
    first, statement = questions["4-1"].answers
    assert [(r.kind, r.emoji, r.line) for r in first.reactions] == [("emoji", "👏", 6)]
    assert [(r.kind, r.emoji, r.line) for r in statement.reactions] == [("emoji", "🙌", 10)]


def test_plus_ones_inline_on_their_own_line_and_after_an_arrow():
    question = parse_sample("nodes_reactions_and_plus_ones.md").questions()[0]
    assert question.author == "서준" and question.body_md == "가중치 감쇠와 L2 정규화는 같은 건가요?"
    assert [(r.kind, r.author, r.line) for r in question.reactions] == [
        ("plus_one", "하린", 2), ("plus_one", "도윤", 4), ("plus_one", None, 6),
    ]
    (answer,) = question.answers  # "-> +1" and the emoji lines are not answers
    assert [r.emoji for r in answer.reactions] == ["👍👍", "🎉"]


def test_multi_line_bullets_stay_one_question():
    document = parse_sample("nodes_multiline_bullets.md")
    assert [(q.label, q.line, q.body_md.count("\n") + 1) for q in document.questions()] == [
        ("12-1", 3, 1), ("12-2", 5, 2), ("12-3", 9, 2),
    ]


def test_name_colon_lines_are_replies_by_that_person_but_note_words_are_not_names():
    question = parse_sample("nodes_name_colon_reply.md").questions()[0]
    assert "참고: 드롭아웃이 켜진 상태" in question.body_md  # "참고:" is a note on the question
    assert [(a.author, a.body_md.split()[0]) for a in question.answers] == [("지원", "훈련"), (None, "에폭")]


def test_a_linked_arrow_is_a_reply_with_a_link_and_an_arrow_name_is_the_author():
    question = parse_sample("nodes_link_reply_and_arrow_author.md").questions()[0]
    assert question.author == "하린" and question.body_md.endswith("뭘까요?")
    link, plain = question.answers
    assert link.body_md.startswith("[https://example.org/label-smoothing](https://example.org/label-smoothing)")
    assert (plain.author, plain.body_md) == ("도윤", "정답 클래스 확률을 1로 밀어붙이지 않기 때문이에요")


def test_a_paragraph_that_neither_asks_nor_names_anyone_is_context():
    document = parse_sample("nodes_context_paragraph_joins_question.md")
    sections = {s.title: s for s in document.sections}
    joined = sections["노드 30"].questions[0]
    assert joined.line == 2 and joined.body_md.startswith("이번 노드는") and joined.title.startswith("모멘텀")
    replied = sections["노드 31"].questions[0]  # replies make a statement a question
    assert replied.title == "학습 곡선이 계단처럼 떨어졌습니다" and len(replied.answers) == 1
    assert sections["노드 32"].questions == [] and sections["노드 32"].intro_md.startswith("가중치 초기화")


def test_a_reply_with_no_question_before_it_is_reported_with_its_line():
    document = parse_sample("nodes_reply_without_question_is_unplaced.md")
    assert [u.line for u in document.unplaced] == [2, 4]
    assert all(u.reason and "boilerplate" not in u.reason for u in document.unplaced)
    assert [q.author for q in document.questions()] == ["서준"]


def test_a_file_without_sections_is_one_untitled_section():
    document = parse_sample("nodes_without_sections.md")
    assert document.title == "토요 스터디 질문 모음"
    assert [(s.title, [q.label for q in s.questions]) for s in document.sections] == [(None, ["1", "2"])]


def test_parenthesised_phrases_are_not_mistaken_for_authors():
    text = ("## 노드 1\n시그모이드가 왜 포화되나요? (비선형 구간과의 차이)\n\n"
            "-> 입력이 크면 기울기가 0에 가까워져요 (그래프 참고, 3쪽)\n")
    question = nodes.parse(text, "nodes/x.md").questions()[0]
    assert question.author is None and question.body_md.endswith("(비선형 구간과의 차이)")
    assert question.answers[0].author is None


def test_images_and_code_blocks_join_what_they_follow_and_reactions_can_name_who():
    question = parse_sample("nodes_code_and_images_join_what_they_follow.md").questions()[0]
    assert question.author == "가람"  # full-width parentheses
    assert question.body_md.endswith("![모양 그림](img/nchw.png)")
    code_answer, arrow_answer = question.answers
    assert code_answer.body_md.endswith("x.mean(dim=(0, 2, 3))\n```")
    assert (arrow_answer.author, arrow_answer.line) == ("보라", 12)  # "→" is an arrow too
    assert [(r.emoji, r.author) for r in arrow_answer.reactions] == [("👍", "가람")]


def test_a_term_with_a_colon_is_not_a_reply_unless_the_word_signs_something_elsewhere():
    section = {s.title: s for s in parse_sample("nodes_name_colon_reply.md").sections}["노드 7"]
    (question,) = section.questions
    assert "Label smoothing: 정답 확률을" in question.body_md  # a term being explained, not a person
    assert [(a.author, a.line) for a in question.answers] == [("도윤", 15)]  # "도윤:" signs the question above


def test_a_marked_line_answers_the_q_marked_question_before_it():
    document = parse_sample("nodes_q_and_a_marks.md")
    assert [(q.author, [(a.line, a.body_md[:6]) for a in q.answers]) for q in document.questions()] == [
        ("도현", [(3, "이상치에 덜")]), ("지민", [(7, "작은 오차에")]),
    ]


# --- files written the way other study groups write them (red-team samples) -----------------------


def test_section_headings_at_any_level_with_subtitles_give_their_number():
    document = parse_sample("nodes_heading_variants_with_subtitles.md")
    assert document.title == "아이펠 리서치 4기 - 노드 질문 모음"
    assert document.intro_md.startswith("노드 진행하면서") and document.intro_md.endswith("아무나!")
    assert [(s.title, [q.label for q in s.questions]) for s in document.sections] == [
        ("노드 3: CNN 기초", ["3-1", "3-2"]), ("노드 4 - 전이학습", ["4-1"]), ("Node 05", []),
        ("노드 06 (RNN)", ["06-1"]),
    ]
    questions = by_label(document)
    assert [(q.author, len(q.answers)) for q in questions.values()] == [
        ("은지", 1), ("도현", 0), ("은지", 2), ("지호", 0)]
    assert questions["3-1"].answers[0].line == 9  # "  -> …" under the bullet
    gathered = questions["4-1"]  # "(은지)" with the question on the very next lines
    assert gathered.line == 15 and gathered.title == "fine-tuning할 때 BatchNorm 층은 얼려야 하나요?"
    assert gathered.body_md.endswith("이유를 모르겠어요.")
    first, note = gathered.answers
    assert (first.author, [r.emoji for r in first.reactions]) == ("도현", ["👍"])
    # a deeper heading is text
    assert note.line == 22 and note.body_md.endswith("https://keras.io/guides/transfer_learning/")


def test_authors_before_the_text_in_brackets_and_after_an_arrow():
    document = parse_sample("nodes_author_forms.md")
    questions = by_label(document)
    assert {label: (q.author, q.title) for label, q in questions.items()} == {
        "07-1": ("민수", "ReLU 말고 GELU를 쓰면 뭐가 좋은가요?"),
        "07-2": ("김민수", "시그모이드 출력층에 BCE 대신 MSE를 쓰면 안 되나요"),
        "07-3": ("지호", "드롭아웃을 활성화 함수 앞에 두나요 뒤에 두나요?"),
        "07-4": ("세진", "Q. Swish가 ReLU보다 항상 좋은가요?"),  # full-width （세진）
        "08-1": ("민수", "softmax랑 log_softmax 중에 뭘 써야 해요?"),
    }
    assert [(a.author, a.body_md[:6]) for a in questions["07-3"].answers] == [
        ("민수", "ReLU에서"), ("지호", "아 그러네요")]
    assert [(a.author, a.line) for a in questions["07-4"].answers] == [(None, 11), ("민수", 12)]
    # "민수: …?" opens the section, so it asks; "서연 : …" and "[서연] …" answer it.
    assert [(a.author, a.line) for a in questions["08-1"].answers] == [("서연", 16), ("서연", 18)]
    assert document.unplaced == []


def test_bold_q_and_a_marks_bullet_arrows_and_rules():
    document = parse_sample("nodes_bold_q_a_marks_and_bullet_arrows.md")
    assert document.intro_md == "> 질문 남길 때 (이름) 꼭 적어주세요!"  # the `---` under it is decoration
    questions = by_label(document)
    assert list(questions) == ["01-1", "02-1"]  # "**A.** …" answers; it is no second question
    first = questions["01-1"]
    assert (first.author, first.title) == ("규리", "tf.function을 붙이면 왜 print가 한 번만 찍히나요?")
    assert [(a.author, a.line) for a in first.answers] == [("동현", 11)]
    thread = questions["02-1"]
    assert [(d, a.author, a.line) for d, a in walk(thread.answers)] == [(0, "동현", 19), (1, "다인", 20)]
    # "- → 👍" at the top level reacts to the top-level answer, not to the nested reply above it.
    assert [(r.emoji, r.author) for r in thread.answers[0].reactions] == [("👍", "규리")]
    assert thread.answers[0].replies[0].reactions == []
    assert all(a.body_md != "---" for _, a in walk(thread.answers))


def test_code_blocks_never_open_sections_replies_or_reactions():
    document = parse_sample("nodes_code_fence_lookalikes.md")
    assert [s.title for s in document.sections] == ["노드 15", "노드 16"]
    question = document.questions()[0]
    assert "## 패딩을 안 줘서 그런가?\n-> 이 줄도 코드 안이에요\n2222\n(가온)\n```" in question.body_md
    assert question.reactions == []
    assert [(d, a.author, a.line) for d, a in walk(question.answers)] == [(0, "가온", 15), (1, "하늘", 19)]
    answer = question.answers[0]
    assert "padding=1)  # -> 32 유지" in answer.body_md and "(가온)" not in answer.body_md
    assert "~~~text\n## 노드 99\n-> 👍\n~~~" in answer.replies[0].body_md and answer.replies[0].reactions == []


def test_nested_bullets_tables_and_html_blocks_stay_with_what_they_belong_to():
    document = parse_sample("nodes_tables_html_and_nested_lists.md")
    first, second = document.questions()
    assert (first.label, first.author, first.line) == ("20-1", "윤서", 3)
    assert "- 불균형 데이터일 때" in first.body_md and "| B | 0.75 | 0.80 |" in first.body_md
    (answer,) = first.answers
    assert answer.author == "준혁" and answer.body_md.endswith("</details>")  # one <details>, blank lines and all
    assert "recall이 0.7까지" in answer.body_md
    (long_answer,) = second.answers
    assert long_answer.author == "준혁" and len(long_answer.body_md) > 500


def test_arrow_spellings_indent_levels_and_me_too_lines_in_a_crlf_file_with_a_bom():
    questions = by_label(parse_sample("nodes_crlf_bom_arrow_spellings_and_me_too.md"))
    assert list(questions) == ["11-1", "12-1", "13-1"]
    thread = questions["11-1"]
    assert [(d, a.author, a.line) for d, a in walk(thread.answers)] == [
        (0, None, 3), (1, "수빈", 4), (2, "태오", 5), (0, None, 6),  # "=>", 2 and 4 spaces, "->" without a space
    ]
    assert [(r.emoji, r.author) for r in thread.answers[1].reactions] == [("👍👍", None), ("🙏", "수빈")]
    plus_ones = questions["12-1"]
    assert [(r.kind, r.author, r.line) for r in plus_ones.reactions] == [
        ("plus_one", None, 12), ("plus_one", None, 13), ("plus_one", "하람", 14), ("plus_one", "태오", 15),
    ]
    assert [(d, a.author) for d, a in walk(plus_ones.answers)] == [(0, None), (1, "하람")]  # "→" and a tab
    (me_too,) = questions["13-1"].reactions  # "  - 저도요!! (지유)" under the bullet
    assert (me_too.kind, me_too.author) == ("plus_one", "지유")
    assert questions["13-1"].answers == []


def test_a_file_with_only_a_title_has_no_sections_and_nothing_unplaced():
    document = parse_sample("nodes_only_title.md")
    assert (document.title, document.sections, document.unplaced) == ("딥러닝 노드 질문방", [], [])


def test_a_leading_tag_in_parentheses_is_not_an_author():
    text = ("## 노드 2\n(추가) 배치 크기를 줄이면 왜 일반화가 좋아지나요?\n\n"
            "(PyTorch) DataLoader의 num_workers는 몇이 좋나요?\n")
    questions = nodes.parse(text, "nodes/x.md").questions()
    assert [(q.author, q.body_md[:4]) for q in questions] == [(None, "(추가)"), (None, "(PyT")]


def test_me_too_inside_a_longer_line_is_not_a_plus_one():
    text = ("## 노드 2\n드롭아웃은 왜 추론 때 끄나요? (가람)\n\n"
            "저도 궁금해요. 그런데 BN도 추론 때 다르게 동작하나요? (보라)\n")
    questions = nodes.parse(text, "nodes/x.md").questions()
    assert [(q.author, q.reactions) for q in questions] == [("가람", []), ("보라", [])]


def test_a_link_at_the_start_of_a_line_is_not_a_bracketed_author():
    text = ("## 노드 2\n[블로그](https://example.org/bn) 글을 보면 배치 정규화가 왜 빨라지는지 나오나요?\n\n"
            "-> [서연] 네, 3장에 있어요\n")
    (question,) = nodes.parse(text, "nodes/x.md").questions()
    assert question.author is None and question.body_md.startswith("[블로그](https://example.org/bn)")
    assert question.answers[0].author == "서연"
