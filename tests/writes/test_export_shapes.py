"""Each export writer against its own parser on small hand-made dumps: what the seeds do not show
(headings inside answers, odd reference titles, a one-block reply with code first), and the
self-check saying so when a shape cannot hold what it was given."""

from __future__ import annotations

from app.ingest.shapes import interview, parse_document, write_document
from app.ingest.shapes.writing import FileDump, QuestionItem, SectionItem, ThreadItem
from app.services.export import check


def question(label, title, answers=(), **extra) -> QuestionItem:
    fields = dict(id=0, label=label, title=title, body_md=title, author=None, page_ref=None, origin="ingested",
                  section_id=None)
    fields.update(extra)
    return QuestionItem(**fields, answers=[ThreadItem(None, body, "ingested") for body in answers])


def round_trip(dump: FileDump):
    text = write_document(dump)
    assert check(dump, text) == [], text
    return text, parse_document(dump.kind, text, dump.path)


def test_weeks_headings_inside_answers_do_not_end_them():
    answer = "## 요약\n\n본문\n\n#### 세부\n\n- 목록\n\n```md\n## 코드 속 제목\n```"
    dump = FileDump("weeks/w.md", "weeks", "3주차", layout="a", sections=[SectionItem("Lecture 3", "", [
        question("3-1", "첫 질문인가요?", [answer], author="혜지, 세연", page_ref="p15, p20"),
        question("3-2", "두 번째 질문", ["짧은 답"], author="소현")])])
    text, document = round_trip(dump)
    first = document.questions()[0]
    assert (first.author, first.page_ref) == ("혜지, 세연", "p15, p20")
    assert "**요약**" in first.answers[0].body_md and "## 코드 속 제목" in first.answers[0].body_md


def test_weeks_list_keeps_bodies_and_several_answers():
    dump = FileDump("weeks/b.md", "weeks", "2주차", layout="b", notes_md="어디에도 붙지 않은 메모", sections=[
        SectionItem(None, "", [
            question("1", "왜 0 중심이 좋나", ["첫 답", "1. 목록처럼 보이는 줄\n2. 또 하나"],
                     body_md="왜 0 중심이 좋나\n   덧붙인 설명"),
            question("2", "ReLU가 좋은 이유는?", ["Q3) 질문처럼 보이는 줄"])])])
    text, document = round_trip(dump)
    assert document.notes_md == "어디에도 붙지 않은 메모"
    assert [len(q.answers) for q in document.questions()] == [2, 1]
    assert document.questions()[0].body_md.endswith("덧붙인 설명")


def test_interview_references_with_brackets_and_spaces():
    refs = [("[논문] Adam: *A Method*", "https://arxiv.org/abs/1412.6980"),
            ("괄호 (있는) 주소", "https://example.com/a_(b)")]
    dump = FileDump("interview/i.md", "interview", "면접", intro_md="- [목차](#1)", sections=[SectionItem(None, "", [
        question("#1", "첫 질문은?", ["## 큰 제목\n\n답"], references=refs),
        question("#1-1", "하위 질문은?", [])])])
    text, document = round_trip(dump)
    parsed = document.questions()
    assert [(r.title, r.url) for r in parsed[0].references] == refs
    assert parsed[1].parent_label == "#1" and not parsed[1].answers


def test_interview_answer_keeps_a_references_line_of_its_own_text():
    """A "References" heading or bold line inside an answer would start the question's link list and
    swallow the text after it; the writer hides the marker behind an entity (rendered the same)."""
    answer = "첫 문단\n\n**References**\n\n뒤의 설명\n\n#### 참고 자료\n\n- 목록도 남는다"
    assert [interview.line_kind(line) for line in ("**References**", "#### 참고 자료", "## #3", "뒤의 설명")] == [
        "references", "references", "question", None]
    dump = FileDump("interview/i.md", "interview", "면접", sections=[SectionItem(None, "", [
        question("#1", "첫 질문은?", [answer], references=[("논문", "https://example.com/p")])])])
    text, document = round_trip(dump)
    parsed = document.questions()[0]
    assert "뒤의 설명" in parsed.answers[0].body_md and "목록도 남는다" in parsed.answers[0].body_md
    assert [(r.title, r.url) for r in parsed.references] == [("논문", "https://example.com/p")]


def test_nodes_replies_keep_authors_code_and_reactions():
    reply = ThreadItem("준호", "저도 궁금해요", "posted", emoji=[("👍", "민지")])
    answer = ThreadItem("민지", "```python\nx = 1\n```\n\n설명 (ReLU)", "posted", emoji=[("🎉", None)], replies=[reply])
    asked = QuestionItem(id=1, label=None, title="노드에 올린 질문", body_md="본문\n\n- 목록", author="민지",
                         page_ref=None, origin="posted", section_id=None, plus_ones=["준호", None], answers=[answer])
    dump = FileDump("nodes/n.md", "nodes", "노드", sections=[SectionItem(None, "", [asked])])
    text, document = round_trip(dump)
    parsed = document.questions()[0]
    assert parsed.title == "노드에 올린 질문" and parsed.author == "민지"
    assert [(r.kind, r.author) for r in parsed.reactions] == [("plus_one", "준호"), ("plus_one", None)]
    got = parsed.answers[0]
    assert got.author == "민지" and "```python\nx = 1\n```" in got.body_md and got.body_md.endswith("설명 (ReLU)")
    assert [(r.emoji, r.author) for r in got.reactions] == [("🎉", None)]
    assert got.replies[0].author == "준호"
    assert [(r.emoji, r.author) for r in got.replies[0].reactions] == [("👍", "민지")]


def test_the_self_check_reports_what_a_shape_cannot_hold():
    """A nodes section's own text before an unsigned, non-asking question reads as part of it."""
    dump = FileDump("nodes/n.md", "nodes", "노드", sections=[SectionItem("노드 01", "섹션 머리말입니다.", [
        question("01-1", "설명하는 문장입니다", ["답입니다"])])])
    problems = check(dump, write_document(dump))
    assert problems and "제목" in problems[0]
