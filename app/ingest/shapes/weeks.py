"""Weekly study notes ("weeks" shape), in two layouts told apart by structure:

(a) headings: `# 스터디 N주차`, `## Lecture N` sections, "#### ✅ `author` `p15` question" headings whose
    answer is everything up to the next heading of the same or a higher level;
(b) free layout: a numbered list of questions, then answer blocks that point back at them with wrong or
    merged numbering (`- 3. … 4. …`), plus `Q1) …` and `- question?` lines that add questions. Answers
    are matched by number where the text agrees and by text similarity where it does not; what matches
    nothing is kept as the collection's notes.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from difflib import SequenceMatcher

from app.ingest.document import ParsedAnswer, ParsedDocument, ParsedQuestion, ParsedSection
from app.ingest.shapes._lines import (
    ARROW,
    TAG_WORDS,
    LabelBook,
    Line,
    asks,
    boilerplate_reason,
    clean_name,
    drop_boilerplate,
    first_line,
    heading,
    join_lines,
    number_in,
    plain_title,
    split_author,
    split_lines,
    standalone_title,
    strip_trailing_rules,
)
from app.ingest.shapes._links import comment_math, images_in, settle
from app.ingest.shapes.writing import FileDump, QuestionItem, demoted, document_text, escape_line, fence_flags, tidy

KIND = "weeks"
NAME = "주차"


def parse(text: str, source_path: str) -> ParsedDocument:
    lines = split_lines(text)
    headings = [(i, *found) for i, line in enumerate(lines) if (found := heading(line))]
    question_level = _question_level(lines, headings)
    document = ParsedDocument(title="", kind=KIND, images=images_in(lines))
    if question_level is None:
        document.layout = "b"
        _parse_list_layout(lines, headings, document)
    else:
        document.layout = "a"
        _parse_heading_layout(lines, headings, question_level, document)
    for question in document.questions():
        question.math = comment_math(question.body_md) + [m for a in question.answers for m in comment_math(a.body_md)]
    return settle(document)


# --- layout (a): question headings -------------------------------------------------------------

_CHECK = re.compile(r"(?:✅|☑️?|✔️?|✓|🟢|⭕|❎|❌|⬜|🔲|\[[ xX]\])\s*")
_META = re.compile(r"`([^`]+)`[\s,/·]*")
_PAGE_REF = re.compile(
    r"(?i)(?:pp?\.?\s*\d+(?:\s*[-~–,]\s*\d+)*|\d+(?:\s*[-~–]\s*\d+)?\s*(?:p|pp|쪽|페이지|page)|(?:page|slide|슬라이드|장)\s*\d+)"
)


# Without backticks, a check-marked heading may still open with its meta: "✔️ 준호 p.22 …",
# "✅ 준호 / p.47 / …". A bare word counts as the author only when a page ref or a separator follows it
# and it is short like a Korean name (a topic word such as "드롭아웃 p.71" is longer).
_BARE_NAME = re.compile(r"([가-힣]{1,3})\s*([/|·:,])?\s+")
_META_SEPARATORS = " /|·:,-"


def _bare_meta(rest: str) -> tuple[str | None, str | None, str]:
    """(author, page ref, rest) read from the start of a check-marked heading written without backticks."""
    author = None
    named = _BARE_NAME.match(rest)
    if named and named.group(1) not in TAG_WORDS:
        after = rest[named.end():]
        page = _PAGE_REF.match(after)
        if page and (page.end() == len(after) or after[page.end()] in _META_SEPARATORS):
            return named.group(1), page.group(0), after[page.end():].lstrip(_META_SEPARATORS)
        if named.group(2) in ("/", "|", ":"):
            author, rest = named.group(1), after
    page = _PAGE_REF.match(rest)
    if page and page.end() < len(rest) and rest[page.end()] in _META_SEPARATORS:
        return author, page.group(0), rest[page.end():].lstrip(_META_SEPARATORS)
    return author, None, rest


@dataclass
class _QuestionHeading:
    title: str
    author: str | None
    page_ref: str | None
    marked: bool  # ✅ or `meta` or asks: written as a question heading


def _read_question_heading(text: str) -> _QuestionHeading:
    rest, marked = text, False
    check = _CHECK.match(rest)
    if check:
        rest, marked = rest[check.end():], True
    authors, page_ref, extra = [], None, []
    while (meta := _META.match(rest)) is not None:
        token = meta.group(1).strip()
        if _PAGE_REF.fullmatch(token):
            page_ref = f"{page_ref}, {token}" if page_ref else token
        elif (name := clean_name(token)) is not None:
            authors.append(name)
        else:
            extra.append(meta.group(0).strip())
        rest, marked = rest[meta.end():], True
    if check and not authors and page_ref is None:
        bare_author, page_ref, rest = _bare_meta(rest.strip())
        authors = [bare_author] if bare_author else []
    title = " ".join([*extra, rest.strip()]).strip()
    if not authors:
        title, author = split_author(title)
        authors = [author] if author else []
    return _QuestionHeading(title, ", ".join(authors) or None, page_ref, marked or asks(title))


def _question_level(lines: list[Line], headings: list[tuple[int, int, str]]) -> int | None:
    """The heading level that holds questions, or None when the file is the free layout (b)."""
    below = headings[1:] if headings and headings[0][1] == 1 else headings
    marked = Counter(level for _, level, text in below if _read_question_heading(text).marked)
    if marked:
        level = min(marked, key=lambda lv: (-marked[lv], lv))
    else:
        levels = sorted({level for _, level, _ in below})
        if len(levels) < 2:
            return None
        level = levels[1]
    first_question = next(i for i, lv, _ in below if lv == level)
    if not marked and all(line.blank or heading(line) for line in lines[first_question:]):
        return None  # nothing but headings: no heading is shown to hold a question
    if _find_question_list(lines, 0, first_question) is not None:
        return None  # a numbered question list comes first: the headings are part of layout (b)
    return level


def _parse_heading_layout(lines: list[Line], headings: list[tuple[int, int, str]], question_level: int,
                          document: ParsedDocument) -> None:
    title_index = headings[0][0] if headings and headings[0][1] == 1 else None
    if title_index is not None:
        document.title = headings[0][2]
    elif headings and (title_index := standalone_title(lines, headings[0][0])) is not None:
        document.title = plain_title(lines[title_index].stripped)
    by_index = {i: (level, text) for i, level, text in headings}
    reader = _HeadingReader(document)
    for index, line in enumerate(lines):
        found = by_index.get(index)
        if index == title_index:
            continue
        if found and found[0] < question_level:
            reader.open_section(found[1], line)
        elif found and found[0] == question_level:
            reader.open_question(found[1], line)
        else:
            reader.add(line)
    reader.close_question()
    reader.close_section_intro()
    document.intro_md = join_lines(strip_trailing_rules(drop_boilerplate(reader.intro, document.unplaced,
                                                                         preamble=True)))


@dataclass
class _HeadingReader:
    """Layout (a) read line by line: a heading above the question level opens a section, one at it opens
    a question, and any other line belongs to the open question's answer, the section's intro or the
    file's intro, whichever is open."""

    document: ParsedDocument
    labels: LabelBook = field(default_factory=LabelBook)
    intro: list[Line] = field(default_factory=list)
    section: ParsedSection | None = None
    section_lines: list[Line] = field(default_factory=list)
    question: ParsedQuestion | None = None
    answer_lines: list[Line] = field(default_factory=list)
    section_ordinal: int = 0

    def open_section(self, title: str | None, line: Line) -> ParsedSection:
        self.close_question()
        self.close_section_intro()
        self.section_ordinal += 1
        self.section = ParsedSection(title=title, line=line.number)
        self.document.sections.append(self.section)
        return self.section

    def open_question(self, text: str, line: Line) -> None:
        self.close_question()
        section = self.section or self.open_section(None, line)
        self.close_section_intro()
        meta = _read_question_heading(text)
        prefix = number_in(section.title) or (f"{self.section_ordinal}" if section.title is not None else None)
        ordinal = len(section.questions) + 1
        self.question = ParsedQuestion(
            label=self.labels.take(f"{prefix}-{ordinal}" if prefix else str(ordinal)),
            title=meta.title, body_md=meta.title, author=meta.author, line=line.number, page_ref=meta.page_ref,
        )
        section.questions.append(self.question)

    def add(self, line: Line) -> None:
        if self.question is not None:
            self.answer_lines.append(line)
        elif self.section is not None:
            self.section_lines.append(line)
        else:
            self.intro.append(line)

    def close_question(self) -> None:
        question = self.question
        if question is not None and not question.title:
            self._title_from_first_paragraph(question)
        if question is not None:
            body = join_lines(strip_trailing_rules(drop_boilerplate(self.answer_lines, self.document.unplaced)))
            if body:
                first = next(ln.number for ln in self.answer_lines if not ln.blank)
                question.answers.append(ParsedAnswer(body_md=body, author=None, line=first))
        self.question, self.answer_lines = None, []

    def _title_from_first_paragraph(self, question: ParsedQuestion) -> None:
        """"### ✅ `민지` `p.40`" with the question on the next line: its first paragraph asks."""
        lines = self.answer_lines
        start = next((k for k, ln in enumerate(lines) if not ln.blank), None)
        if start is None or heading(lines[start]) is not None or lines[start].in_fence:
            return
        end = next((k for k in range(start, len(lines)) if lines[k].blank), len(lines))
        question.body_md = join_lines(lines[start:end])
        question.title = first_line(question.body_md)
        self.answer_lines = lines[end:]

    def close_section_intro(self) -> None:
        if self.section is not None and self.section_lines:
            self.section.intro_md = join_lines(
                strip_trailing_rules(drop_boilerplate(self.section_lines, self.document.unplaced)))
        self.section_lines = []


# --- layout (b): numbered list, then answers that point back at it -----------------------------

_NUMBERED = re.compile(r"\s*(?:[-*+•]\s+)?(\d{1,4})[.)]\s+(\S.*)$")
# The question list may number its items "Q1." as well as "1." / "1)" (and "①", read as "1.").
_LIST_ITEM = re.compile(r"\s*(?:[-*+•]\s+)?((?i:Q|질문)\s?)?(\d{1,4})[.):]\s+(\S.*)$")
_CIRCLED = re.compile("[\u2460-\u2473\u2776-\u277f]")  # ① … ⑳, ❶ … ❿
# "3), 4)", "②③ 같이 답변", "2, 3": several numbers and nothing between them, one header for all.
# Each number is a whole digit run ((?!\d)), so a long run of digits has one reading, not exponentially many.
_NUMBER_RUN = re.compile(r"\s*(?:[-*+•]\s+)?[*_]{0,2}(\d{1,3}(?:[.)])?(?!\d)(?:\s*[,/&·]?\s*\d{1,3}(?:[.)])?(?!\d))+)"
                         r"[*_]{0,2}(?:\s+(\S.*))?$")
# "1번 …", "**2, 3번**": Korean "number N", alone or for several questions at once.
_COUNTED = re.compile(r"\s*(?:[-*+•]\s+)?[*_]{0,2}((?:\d{1,3}\s*번?\s*[,~·&]\s*)*\d{1,3})\s*번[*_]{0,2}"
                      r"(?![가-힣])\s*(.*)$")
_NUMBER_ONLY = re.compile(r"\s*(?:[-*+•]\s+)?(\d{1,4})[.)]$")  # "6." alone: the answer to question 6
_SEGMENT = re.compile(r"(?:^|(?<=\s))(?:[-*+•]\s+)?(\d{1,4})[.)]\s+")
_Q_MARKER = re.compile(r"\s*(?:[-*+•]\s+)?(?:Q|질문)\s?(\d{1,4})\s*[.):：]\s*(\S.*)?$", re.I)
_BULLET = re.compile(r"\s*(?:[-*+•]|o(?=\s))\s+(\S.*)$")
_ARROW_SPLIT = re.compile(r"\s+" + ARROW + r"\s*")
_WORD = re.compile(r"[0-9A-Za-z가-힣]+")
_SIMILAR = 0.6
_COMPARE_ALL = 64  # up to this many questions, compare a header with each of them
_CANDIDATES = 8
_COMMON_PAIR = 200  # a character pair in more questions than this says nothing about which one is meant


def _digits(text: str) -> str:
    """Circled numbers written as the plain "N." they stand for, so one set of patterns reads both."""
    if not _CIRCLED.search(text):
        return text
    return _CIRCLED.sub(lambda m: f" {_circled_value(m.group())}. ", text).rstrip()


def _circled_value(char: str) -> int:
    code = ord(char)
    return code - 0x245F if code <= 0x2473 else code - 0x2775


def _squash(text: str) -> str:
    return "".join(_WORD.findall(text.lower()))


def _pairs(text: str) -> set[str]:
    squashed = _squash(text)
    return {squashed[i:i + 2] for i in range(len(squashed) - 1)}


def similarity(a: str, b: str) -> float:
    """How alike two question texts are (0..1), ignoring spacing, case and punctuation."""
    return _Similar(a).to(_squash(b))


class _Similar:
    """Scores one text against many: difflib keeps its index of the fixed side (as in
    get_close_matches) and the cheap upper bounds skip most full comparisons."""

    def __init__(self, text: str) -> None:
        self.squashed = _squash(text)
        self._matcher = SequenceMatcher(None, autojunk=False)
        self._matcher.set_seq2(self.squashed)

    def to(self, other_squashed: str, at_least: float = 0.0) -> float:
        mine = self.squashed
        if not mine or not other_squashed:
            return 0.0
        short, long_ = sorted((mine, other_squashed), key=len)
        if len(short) >= 6 and short in long_:
            return max(0.9, len(short) / len(long_))
        matcher = self._matcher
        matcher.set_seq1(other_squashed)
        if matcher.real_quick_ratio() < at_least or matcher.quick_ratio() < at_least:
            return 0.0
        return matcher.ratio()


@dataclass
class _ListItem:
    number: int
    text: str
    lines: list[Line]
    q_marked: bool = False  # written "Q1." rather than "1."


def _list_item(line: Line) -> re.Match[str] | None:
    return None if line.in_fence else _LIST_ITEM.match(_digits(line.text))


def _find_question_list(lines: list[Line], start: int, stop: int) -> tuple[int, int, list[_ListItem]] | None:
    """The first run of at least two numbered items with rising numbers (blank lines and indented
    continuations allowed)."""
    index = start
    while index < stop:
        match = _list_item(lines[index])
        if match is None:
            index += 1
            continue
        items: list[_ListItem] = []
        end = index
        cursor = index
        while cursor < stop:
            line = lines[cursor]
            item = _list_item(line)
            if item is not None and items and int(item.group(2)) <= items[-1].number:
                break  # numbering starts again: the answers that follow the list have begun
            if item is not None and items and bool(item.group(1)) != items[-1].q_marked:
                break  # "Q1." after "1." … is a second numbering, not the same list
            if item is not None:
                items.append(_ListItem(int(item.group(2)), item.group(3).strip(), [line], bool(item.group(1))))
                end = cursor + 1
            elif line.blank:
                pass
            elif items and line.indent > items[-1].lines[0].indent:
                items[-1].lines.append(line)
                end = cursor + 1
            else:
                break
            cursor += 1
        if len(items) >= 2:
            return index, end, items
        index = end
    return None


class _Matcher:
    """Finds the question an answer header means: by its number when the text agrees, else by text.

    On long files, candidates come from an index of character pairs (Korean particles change whole
    words, not pairs), so matching stays near-linear instead of comparing every header with every
    question.
    """

    def __init__(self) -> None:
        self.by_number: dict[int, ParsedQuestion] = {}
        self.by_q_number: dict[int, ParsedQuestion] = {}  # questions written "Q1." …: what "Q1." means later
        self.number_of: dict[int, int] = {}  # id(question) -> its number
        self.questions: list[ParsedQuestion] = []
        self._squashed: list[str] = []
        self._position: dict[int, int] = {}  # id(question) -> position
        self._index: dict[str, list[int]] = defaultdict(list)

    def add(self, question: ParsedQuestion, number: int | None, q_number: int | None = None) -> None:
        if number is not None and number not in self.by_number:
            self.by_number[number] = question
            self.number_of[id(question)] = number
        if q_number is not None and q_number not in self.by_q_number:
            self.by_q_number[q_number] = question
        position = len(self.questions)
        self.questions.append(question)
        self._squashed.append(_squash(question.title))
        self._position[id(question)] = position
        for pair in _pairs(question.title):
            self._index[pair].append(position)

    def resolve(self, number: int | None, text: str, *, q_marked: bool = False) -> ParsedQuestion | None:
        numbers = self.by_q_number if q_marked else self.by_number
        numbered = numbers.get(number) if number is not None else None
        header = _Similar(text)
        if not header.squashed:
            return numbered
        if numbered is not None and header.to(self._squashed[self._position[id(numbered)]], _SIMILAR) >= _SIMILAR:
            return numbered
        if numbered is not None and not _extra_words(text, [numbered]):
            return numbered  # "1) tanh" shortens question 1 ("RNN에서 tanh를 쓰는 이유"): every word is in it
        best, best_score = None, _SIMILAR
        for position in self._candidates(text):
            score = header.to(self._squashed[position], best_score)
            if score >= best_score:
                best, best_score = self.questions[position], score
        return best

    def _candidates(self, text: str) -> list[int]:
        if len(self.questions) <= _COMPARE_ALL:
            return list(range(len(self.questions)))
        votes: Counter[int] = Counter()
        for pair in _pairs(text):
            postings = self._index.get(pair, ())
            if len(postings) <= _COMMON_PAIR:
                votes.update(postings)
        return [position for position, _ in votes.most_common(_CANDIDATES)]

    def next_number(self) -> int:
        return max(self.by_number, default=0) + 1


@dataclass
class _Block:
    """An answer block: the questions its header points at and the lines under it."""

    targets: list[ParsedQuestion]
    header: Line
    inline: str = ""  # answer text on the header line itself, after an arrow
    extra: str = ""  # header wording that the matched questions do not contain
    lines: list[Line] = field(default_factory=list)
    question_body: ParsedQuestion | None = None  # a new question still collecting its own text

    @property
    def collecting_body(self) -> bool:
        return self.question_body is not None and not self.lines


def _parse_list_layout(lines: list[Line], headings: list[tuple[int, int, str]], document: ParsedDocument) -> None:
    found = _find_question_list(lines, 0, len(lines))
    list_start, list_end, items = found if found else (len(lines), 0, [])
    title_index = _list_layout_title(lines, headings, list_start, document)
    if not found:
        # Without a list, numbered or marked questions in the text itself open their answers.
        list_start = list_end = title_index + 1 if title_index is not None else 0
    document.intro_md = join_lines(drop_boilerplate(
        [ln for i, ln in enumerate(lines[:list_start]) if i != title_index], document.unplaced, preamble=True))

    section = ParsedSection(title=None, line=1)
    labels = LabelBook()
    matcher = _Matcher()
    for item in items:
        question_text, _, inline = _split_arrow(item.text)
        body = join_lines([Line(item.lines[0].number, question_text, 0), *item.lines[1:]])
        question = ParsedQuestion(label=labels.take(str(item.number)), title=question_text, body_md=body,
                                  author=None, line=item.lines[0].number)
        if inline:
            question.answers.append(ParsedAnswer(body_md=inline, author=None, line=item.lines[0].number))
        section.questions.append(question)
        matcher.add(question, item.number, item.number if item.q_marked else None)

    notes: list[Line] = []
    blocks: list[_Block] = []
    current: _Block | None = None
    for line in drop_boilerplate(lines[list_end:], document.unplaced):
        header = None if line.in_fence or line.blank else _header(line, matcher, labels, section, blocks)
        if header is not None:
            current = header
            blocks.append(current)
        elif current is None:
            notes.append(line)
        elif current.collecting_body and line.blank:
            continue
        elif current.collecting_body and not _BULLET.match(line.text) and asks(line.text):
            # Asking lines right under a new question are its own text; an answer starts at the first
            # bullet or statement.
            asking = current.question_body
            assert asking is not None  # collecting_body
            asking.body_md = f"{asking.body_md}\n\n{line.stripped}"
        else:
            current.lines.append(line)
    for block in blocks:
        _attach_answers(block, notes, document)
    document.notes_md = join_lines(strip_trailing_rules(notes))
    if section.questions:
        section.line = section.questions[0].line
        document.sections.append(section)


def _list_layout_title(lines: list[Line], headings: list[tuple[int, int, str]], before: int,
                       document: ParsedDocument) -> int | None:
    """The title: a level-1 heading, else a short first line that is no question or list item."""
    for index, level, text in headings:
        if level == 1 and index < before:
            document.title = text
            return index
    for index, line in enumerate(lines[:before]):
        if line.blank or boilerplate_reason(line, preamble=True):
            continue
        text = line.stripped
        if len(text) <= 80 and not asks(text) and not _NUMBERED.match(text) and not _BULLET.match(text):
            document.title = text
            return index
        return None
    return None


def _split_arrow(text: str) -> tuple[str, str, str]:
    parts = _ARROW_SPLIT.split(text, maxsplit=1)
    if len(parts) == 2 and parts[0].strip():
        return parts[0].strip(), "→", parts[1].strip()
    return text.strip(), "", ""


def _header(line: Line, matcher: _Matcher, labels: LabelBook, section: ParsedSection,
            blocks: list[_Block]) -> _Block | None:
    """The answer block (or new question) a line opens, if it is a header at all."""
    found = heading(line)
    text, _, inline = _split_arrow(_digits(found[1] if found else line.stripped))
    q_marker = _Q_MARKER.match(text)
    if q_marker:
        # "Q2." means the list's "Q2." when the list was written that way; after a plain "1. 2. 3." list
        # a "Q1)" starts a numbering of its own, so it is matched by its words only.
        number, words = int(q_marker.group(1)), (q_marker.group(2) or "").strip()
        target = matcher.resolve(number, words, q_marked=True)
        if target is not None:
            return _Block([target], line, inline, _extra_words(words, [target]))
        if not words:
            return None
        return _new_question(line, text, inline, number, matcher, labels, section, q_number=number)

    run = _number_run(text)
    if run is not None:
        numbers, rest = run
        numbered = [matcher.by_number.get(n) for n in numbers]
        targets = [t for t in numbered if t is not None]
        if len(targets) == len(numbered):
            unique = list({id(t): t for t in targets}.values())
            return _Block(unique, line, inline, _extra_words(rest, unique))

    segments = _segments(text)
    if segments:
        resolved = [matcher.resolve(number, words) for number, words in segments]
        targets = [t for t in resolved if t is not None]
        if len(targets) == len(resolved):
            unique = list({id(t): t for t in targets}.values())
            return _Block(unique, line, inline, _extra_words(" ".join(w for _, w in segments), unique))
        if len(segments) == 1:
            number, words = segments[0]
            if asks(words):
                return _new_question(line, words, inline, number, matcher, labels, section)
            in_turn = _next_in_turn(number, matcher, blocks)
            if in_turn is not None and words:
                # "2) cell state는 장기 기억…" right after the answer to 1: the number names the question
                # and the words answer it.
                return _Block([in_turn], line, " → ".join(part for part in (words, inline) if part))
        return None

    bullet = _BULLET.match(text)
    if bullet and asks(bullet.group(1)):
        target = matcher.resolve(None, bullet.group(1))
        if target is not None:
            return _Block([target], line, inline, _extra_words(bullet.group(1), [target]))
        return _new_question(line, bullet.group(1).strip(), inline, None, matcher, labels, section)
    return None


def _next_in_turn(number: int, matcher: _Matcher, blocks: list[_Block]) -> ParsedQuestion | None:
    """Question `number` when a header with that number comes where the next answer is due: after the
    answer to a smaller number (or first of all), the question not answered yet. A numbered list inside
    an answer ("1. 계산량을 줄이고 2. …") is not in turn: the block it sits in already holds a numbered line."""
    question = matcher.by_number.get(number)
    if question is None or any(question is target for block in blocks for target in block.targets):
        return None
    if not blocks:
        return question if number == min(matcher.by_number) else None
    previous = blocks[-1]
    before = [matcher.number_of.get(id(target), 0) for target in previous.targets]
    if any(_NUMBERED.match(_digits(ln.text)) for ln in previous.lines if not ln.in_fence):
        return None
    return question if number > max(before) else None


def _number_run(text: str) -> tuple[list[int], str] | None:
    """([3, 4], "") for "3), 4)", ([2, 3], "같이 답변") for "②③ 같이 답변": numbers with nothing between
    them. The words after say how the answer is given, not which question it is for. "1.5배" and
    "1. 2 epoch" are no run: a decimal, and a number without its "." / "," mark."""
    run = _NUMBER_RUN.match(text)
    if run is None:
        return None
    tokens = re.findall(r"\d+[.)]?", run.group(1))
    if not re.search(r"[,/&·]", run.group(1)) and not all(token[-1] in ".)" for token in tokens):
        return None
    return [int(token.rstrip(".)")) for token in tokens], (run.group(2) or "").strip()


def _segments(text: str) -> list[tuple[int, str]]:
    """"- 3. A 4. B" -> [(3, "A"), (4, "B")], "**2, 3번**" -> [(2, ""), (3, "")]; [] when not numbered."""
    alone = _NUMBER_ONLY.match(text)
    if alone:
        return [(int(alone.group(1)), "")]
    counted = _COUNTED.match(text)
    if counted:
        numbers = [int(n) for n in re.findall(r"\d+", counted.group(1))]
        rest = counted.group(2).strip()
        return [(numbers[0], rest)] if len(numbers) == 1 else [(n, "") for n in numbers]
    if not _NUMBERED.match(text):
        return []
    marks = list(_SEGMENT.finditer(text))
    return [
        (int(m.group(1)), text[m.end(): marks[k + 1].start() if k + 1 < len(marks) else len(text)].strip())
        for k, m in enumerate(marks)
    ]


def _extra_words(header_text: str, targets: list[ParsedQuestion]) -> str:
    """The header as written when it says more than the questions it points at (kept with the answer)."""
    known = [w for t in targets for w in _WORD.findall(t.title.lower())]
    # A word is known when a title word starts with it: Korean particles glue on ("encoding이", "관계인가").
    said_more = any(not any(k.startswith(w) for k in known) for w in _WORD.findall(header_text.lower()))
    return header_text.strip() if said_more else ""


def _new_question(line: Line, title: str, inline: str, number: int | None, matcher: _Matcher,
                  labels: LabelBook, section: ParsedSection, q_number: int | None = None) -> _Block:
    if number is None or number in matcher.by_number:
        number = matcher.next_number()
    question = ParsedQuestion(label=labels.take(str(number)), title=title.strip(), body_md=title.strip(),
                              author=None, line=line.number)
    section.questions.append(question)
    matcher.add(question, number, q_number)
    return _Block([question], line, inline, question_body=question)


def _answer_items(lines: list[Line]) -> list[list[Line]]:
    """Top-level items of an answer block: each bullet with its continuation, or each paragraph."""
    items: list[list[Line]] = []
    base = min((ln.indent for ln in lines if not ln.blank), default=0)
    for line in lines:
        if line.blank:
            if items and items[-1]:
                items.append([])
            continue
        starts_item = line.indent <= base and bool(_BULLET.match(line.text))
        if not items or starts_item or not items[-1]:
            if items and not items[-1]:
                items[-1].append(line)
            else:
                items.append([line])
        else:
            items[-1].append(line)
    return [item for item in items if item]


def _markdown(lines: list[Line]) -> str:
    """Answer text with "•" bullets written as Markdown bullets so they render as a list."""
    fixed = [Line(ln.number, re.sub(r"^(\s*)•\s*", r"\1- ", ln.text), ln.indent, ln.in_fence) for ln in lines]
    return join_lines(strip_trailing_rules(fixed))


def _attach_answers(block: _Block, notes: list[Line], document: ParsedDocument) -> None:
    lines = strip_trailing_rules(block.lines)
    inline = block.inline
    if not lines and not inline:
        if block.extra and block.question_body is None:
            notes.append(block.header)  # a header with its own wording and nothing under it
        return
    first = block.header.number if inline else next(ln.number for ln in lines if not ln.blank)
    lead = "\n\n".join(part for part in (f"**{block.extra}**" if block.extra else "", inline) if part)
    if len(block.targets) > 1:
        items = _answer_items(lines)
        if len(items) == len(block.targets) and not inline:
            for question, item in zip(block.targets, items, strict=True):
                body = "\n\n".join(p for p in (f"**{block.extra}**" if block.extra else "", _markdown(item)) if p)
                question.answers.append(ParsedAnswer(body_md=body, author=None, line=item[0].number))
            return
    body = "\n\n".join(part for part in (lead, _markdown(lines)) if part)
    for question in block.targets:
        question.answers.append(ParsedAnswer(body_md=body, author=None, line=first))


# --- writing: the inverse of parse, for `kb export` ----------------------------------------------


def _heading_levels(markdown: str) -> list[int]:
    lines = markdown.split("\n")
    return [found[0] for line, fenced in zip(lines, fence_flags(lines), strict=True)
            if not fenced and (found := heading(Line(0, line, 0)))]


def _meta_tokens(question: QuestionItem) -> str:
    tokens = [name for name in (question.author or "").split(", ") if name]
    tokens += [ref for ref in (question.page_ref or "").split(", ") if ref]
    return " ".join(f"`{token}`" for token in tokens)


def _write_headings_layout(dump: FileDump) -> str:
    """Layout (a): `## Lecture N` sections, `#### ✅ \\`author\\` \\`p15\\` question` headings."""
    answers = [a.body_md for q in dump.questions() for a in q.answers]
    deepest = min((level for body in answers for level in _heading_levels(body)), default=7)
    level = 4 if deepest > 4 else max(3, deepest - 1)

    def question_lines(question: QuestionItem) -> list[str]:
        meta = _meta_tokens(question)
        lines = [f"{'#' * level} ✅ {meta + ' ' if meta else ''}{question.title}", ""]
        for answer in question.answers:
            lines += [demoted(answer.body_md, level), ""]
        return lines

    return document_text(dump, question_lines)


def line_kind(text: str) -> str | None:
    """Would this line open an answer block (or a new question) in layout (b)?"""
    stripped = text.strip()
    found = heading(Line(0, stripped, 0))
    probe = found[1] if found else stripped
    if (_Q_MARKER.match(probe) or _NUMBER_ONLY.match(probe)
            or _COUNTED.match(probe) or _NUMBERED.match(probe)):
        return "header"
    bullet = _BULLET.match(probe)
    if bullet and asks(bullet.group(1)):
        return "header"
    return None


def _write_list_layout(dump: FileDump) -> str:
    """Layout (b): the numbered question list, then `N.` answer blocks (several per question)."""
    questions = dump.questions()
    lines = [f"# {dump.title}", ""]
    if dump.intro_md.strip():
        lines += [dump.intro_md, ""]
    for question in questions:
        first, *rest = (question.body_md or question.title).split("\n")
        lines.append(f"{question.label}. {first}")
        lines += [line if not line.strip() or line.startswith(" ") else "   " + line for line in rest]
    lines.append("")
    if dump.notes_md.strip():
        lines += [dump.notes_md, ""]
    for question in questions:
        for answer in question.answers:
            body = answer.body_md.split("\n")
            escaped = [line if fenced or line_kind(line) is None else escape_line(line, line_kind)
                       for line, fenced in zip(body, fence_flags(body), strict=True)]
            lines += [f"{question.label}.", *escaped, ""]
    return tidy(lines)


def write(dump: FileDump) -> str:
    """Layout (a) or (b), as the file was read (`dump.layout`)."""
    writers = {"a": _write_headings_layout, "b": _write_list_layout}
    return writers["b" if dump.layout == "b" else "a"](dump)  # a dump not read from a file: headings
