"""Interview question banks ("interview" shape): `## #N` / `## #N-M` headings, one question each.

- the table of contents before the first question is the document's intro, not a question (its
  `[title](#N)` entries name questions whose own title heading is missing);
- the heading right under `## #N` is the question's title; `#N-M` has `#N` as its parent;
- the body up to a `References` heading is the answer; the links under that heading are references;
- LaTeX kept in `<!-- $…$ -->` / `<!-- $$…$$ -->` comments is collected as the question's math;
- every image is recorded on the document (the loader reports the local ones that are missing).
"""

from __future__ import annotations

import re

from app.ingest.document import (
    ParsedAnswer,
    ParsedDocument,
    ParsedQuestion,
    ParsedReference,
    ParsedSection,
    UnplacedLine,
)
from app.ingest.shapes._lines import (
    LabelBook,
    Line,
    asks,
    boilerplate_reason,
    drop_boilerplate,
    heading,
    is_rule,
    join_lines,
    split_lines,
    strip_trailing_rules,
)
from app.ingest.shapes._links import bare_urls, comment_math, images_in, links_in, read_inline, settle
from app.ingest.shapes.writing import FileDump, QuestionItem, demoted, document_text, fence_flags

KIND = "interview"
NAME = "면접"

# "## #12 질문", "## #12. 질문", "## #12) 질문", "## #12 - 질문", "## #12: 질문": the mark after the
# number separates it from the title and is not part of it.
_LABEL = re.compile(r"#\s?(\d{1,4}(?:\s?-\s?\d{1,4})*)(?![\w-])(?:\s*[.:)]|\s+[-–—|](?=\s))?\s*(.*)$")
# A question written as the first line of its body rather than as a heading: "**Q. …?**", "> Q. …?",
# "Q: …?". Only a line that asks and is marked as a question (bold, quoted or "Q.") is taken for one.
_TITLE_LINE = re.compile(r"\s*(?:>\s*)?([*_]{2})?\s*(?:(?:Q|질문)\s*[.:：)]\s*)?(.+?)\s*\1?\s*$")
_MARKED_TITLE = re.compile(r"\s*(?:>\s*|[*_]{2}|(?:Q|질문)\s*[.:：)])")
_LIST_MARKER = re.compile(r"\s*(?:[-*+]|\d{1,3}[.)])\s+")
_REFERENCES_WORDS = r"(?:references?|reference links?|참고\s*(?:자료|문헌|링크|사이트)?|출처|관련\s*링크)\s*:?"
REFERENCES_HEADING = re.compile("(?i)" + _REFERENCES_WORDS)
_REFERENCES_LINE = re.compile(r"(?i)\s*([*_]{1,2})" + _REFERENCES_WORDS + r"\1\s*:?\s*")  # "**References**"
_ANY_HEADING = 7  # a references block opened by a bold line ends at any heading


def references_marker(line: Line) -> int | None:
    """The level a references block opened by this line runs to: a "References" heading, or a line
    that is only "**References**"; None for any other line."""
    found = heading(line)
    if found:
        return found[0] if REFERENCES_HEADING.fullmatch(found[1]) else None
    return _ANY_HEADING if not line.in_fence and _REFERENCES_LINE.fullmatch(line.text) else None


def _label_of(text: str) -> tuple[str, str] | None:
    """("#12-1", rest of the heading) for a question heading text, else None."""
    match = _LABEL.match(text)
    if match is None:
        return None
    return "#" + re.sub(r"\s", "", match.group(1)), match.group(2).strip()


def _parent_of(label: str) -> str | None:
    return label.rsplit("-", 1)[0] if "-" in label else None


def parse(text: str, source_path: str) -> ParsedDocument:
    lines = split_lines(text)
    document = ParsedDocument(title="", kind=KIND, images=images_in(lines))
    headings = [(i, *found) for i, line in enumerate(lines) if (found := heading(line))]
    question_at = {i: (level, labelled) for i, level, t in headings if (labelled := _label_of(t))}
    title_index = None
    if headings and headings[0][1] == 1 and headings[0][0] not in question_at:
        title_index = headings[0][0]
        document.title = headings[0][2]
    question_level = min((level for level, _ in question_at.values()), default=None)
    first_question = min(question_at, default=len(lines))
    # After the first question, a heading as shallow as the question headings that is not a question
    # starts a new part of the file (before it, such a heading belongs to the table of contents).
    breaks = {i: t for i, level, t in headings
              if question_level is not None and level <= question_level and i not in question_at and i > first_question}
    preamble = [ln for i, ln in enumerate(lines[:first_question]) if i != title_index]
    toc = _TableOfContents(preamble)
    document.intro_md = join_lines(strip_trailing_rules(drop_boilerplate(preamble, document.unplaced, preamble=True)))

    section = ParsedSection(title=None, line=lines[first_question].number if question_at else 1)
    labels = LabelBook()
    starts = sorted([*question_at, *breaks])
    for n, start in enumerate(starts):
        end = starts[n + 1] if n + 1 < len(starts) else len(lines)
        block = lines[start + 1:end]
        if start in breaks:
            if section.questions or section.title is not None:
                document.sections.append(section)
            section = ParsedSection(title=breaks[start], line=lines[start].number)
            section.intro_md = join_lines(strip_trailing_rules(drop_boilerplate(block, document.unplaced)))
            continue
        level, (label, heading_rest) = question_at[start]
        section.questions.append(_question(lines[start], label, heading_rest, level, block, toc, labels, document))
    if section.questions or section.title is not None:
        document.sections.append(section)
    return settle(document)


class _TableOfContents:
    """`[title](#N)` entries before the first question, read only when a question has no title."""

    def __init__(self, lines: list[Line]) -> None:
        self._lines = lines
        self._titles: dict[str, str] | None = None

    def title_of(self, label: str) -> str:
        if self._titles is None:
            self._titles = {link.url.strip(): link.text for line in self._lines for link in links_in(line.text)
                            if link.url.strip().startswith("#")}
        return self._titles.get(label, "")


def _question(heading_line: Line, label: str, heading_rest: str, level: int, block: list[Line],
              toc: _TableOfContents, labels: LabelBook, document: ParsedDocument) -> ParsedQuestion:
    title = heading_rest
    body_start = 0
    first = next((k for k, ln in enumerate(block) if not ln.blank), None)
    if first is not None:
        found = heading(block[first])
        if found and found[0] > level and not REFERENCES_HEADING.fullmatch(found[1]):
            title = " ".join(part for part in (heading_rest, found[1]) if part)
            body_start = first + 1
    written = None  # the question as written when it is a body line rather than a heading
    if not title and first is not None and (line_title := _title_line(block[first])):
        title, written = line_title, block[first].stripped
        body_start = first + 1
    title = title or toc.title_of(label) or label

    answer_lines: list[Line] = []
    references: list[ParsedReference] = []
    references_level: int | None = None
    for line in block[body_start:]:
        opens = references_marker(line)
        if opens is not None:
            references_level = opens
            continue
        found = heading(line)
        if references_level is not None and found and found[0] <= references_level:
            references_level = None  # a new heading ends the reference list; its text is answer again
        if references_level is None:
            answer_lines.append(line)
        elif not line.blank and not is_rule(line):
            _reference(line, references, document)

    question = ParsedQuestion(
        label=labels.take(label), title=title, body_md=written or title, author=None, line=heading_line.number,
        parent_label=_parent_of(label), references=references,
    )
    kept = strip_trailing_rules(drop_boilerplate(answer_lines, document.unplaced))
    body = join_lines(kept)
    if body:
        first = next(ln.number for ln in kept if not ln.blank)
        question.answers.append(ParsedAnswer(body_md=body, author=None, line=first))
    question.math = comment_math(title) + comment_math(body)
    return question


def _title_line(line: Line) -> str | None:
    """The question on a "**Q. …?**" / "> Q. …?" line, else None."""
    if line.in_fence or heading(line) or not _MARKED_TITLE.match(line.text) or not asks(line.text):
        return None
    match = _TITLE_LINE.match(line.text)
    return match.group(2).strip("*_ ").strip() if match else None


def _reference(line: Line, references: list[ParsedReference], document: ParsedDocument) -> None:
    visible, links = read_inline(_LIST_MARKER.sub("", line.text, count=1))
    if len(links) == 1:
        # Words outside the link ("강의 노트: [슬라이드](…)", a stray "[") still name the reference.
        title = visible.strip() or links[0].text
        references.append(ParsedReference(title=title or links[0].url, url=links[0].url, line=line.number))
        return
    if links:
        references.extend(ParsedReference(title=link.text or link.url, url=link.url, line=line.number)
                          for link in links)
        return
    urls = bare_urls(line.text)
    if urls:
        text = _LIST_MARKER.sub("", line.text, count=1).strip()
        for url in urls:
            title = text.replace(url, "").strip(" -–:|,;") or url
            references.append(ParsedReference(title=title, url=url, line=line.number))
        return
    reason = boilerplate_reason(line, preamble=False) or "참고 자료 목록 아래에 있지만 링크가 없는 줄"
    document.unplaced.append(UnplacedLine(line.number, line.stripped, reason))


# --- writing: the inverse of parse, for `kb export` ----------------------------------------------


def line_kind(text: str) -> str | None:
    """What a line of an answer reads as in this shape: "question" (a heading at level 1 or 2 ends the
    answer), "references" (a References heading or bold line turns what follows into links), or None."""
    line = Line(0, text, 0)
    found = heading(line)
    if found and found[0] <= 2:
        return "question"
    return "references" if references_marker(line) is not None else None


def _answer_text(markdown: str) -> str:
    """The answer with its question-level headings as bold lines and its References markers hidden
    behind an HTML entity for their first letter (rendered the same, no longer a marker)."""
    lines = markdown.split("\n")
    out = []
    for line, fenced in zip(lines, fence_flags(lines), strict=True):
        kind = None if fenced else line_kind(line)
        if kind == "question":
            line = demoted(line, 2)
        elif kind == "references":
            line = re.sub(r"[^\W\d_]", lambda letter: f"&#{ord(letter.group())};", line, count=1)
        out.append(line)
    return "\n".join(out)


def _link_text(title: str) -> str:
    return re.sub(r"([\\\[\]`*_<>])", r"\\\1", title)


def _link_target(url: str) -> str:
    return f"<{url}>" if re.search(r"[\s()<>]", url) else url


def _interview_question_lines(question: QuestionItem) -> list[str]:
    lines = [f"## {question.label}", ""]
    if question.title and question.title != question.label:
        lines += [f"#### {question.title}", ""]
    for answer in question.answers:
        lines += [_answer_text(answer.body_md), ""]
    if question.references:
        lines += ["#### References", ""]
        lines += [f"- [{_link_text(title)}]({_link_target(url)})" for title, url in question.references]
        lines.append("")
    return lines


def write(dump: FileDump) -> str:
    """`## #N` headings, the title under each, the answer, then `#### References`."""
    return document_text(dump, _interview_question_lines, rule_after_intro=True)
