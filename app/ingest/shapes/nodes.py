"""Study-group thread notes ("nodes" shape): `## 노드 NN` sections of chat-like questions and replies.

Structure, not wording, decides what a line is:
- a question is a paragraph or a `- ` bullet (continuation lines stay in it); its author is "(name)" at
  its end, "-> name" at its end, or a "( name )" line before it. Such an author line gathers the
  paragraphs after it, up to the first reply, into one question.
- `-> text` is a reply; a deeper-indented `-> text` replies to the reply above it; `name : text` is a
  reply by that person; `-> 👍` (emoji alone) is a reaction; `2222(name)` / `+1` is "same question".
- a paragraph that states rather than asks, right after a thread, is one more answer in that thread.
- a paragraph that neither asks nor names an author is context: it joins the question that follows it,
  becomes the question itself when replies follow it, or else stays in the section as text.
"""

from __future__ import annotations

import re
from collections.abc import Container
from dataclasses import dataclass, field

from app.ingest.document import (
    ParsedAnswer,
    ParsedDocument,
    ParsedQuestion,
    ParsedReaction,
    ParsedSection,
    UnplacedLine,
)
from app.ingest.shapes._lines import (
    ARROW,
    TAG_WORDS,
    LabelBook,
    Line,
    asks,
    author_line,
    boilerplate_reason,
    clean_name,
    drop_boilerplate,
    emoji_only,
    first_line,
    heading,
    is_rule,
    join_lines,
    number_in,
    plain_title,
    plus_one_line,
    split_author,
    split_leading_author,
    split_lines,
    split_plus_ones,
    standalone_title,
    strip_trailing_rules,
)
from app.ingest.shapes._links import comment_math, images_in, settle
from app.ingest.shapes.writing import (
    FENCE,
    FileDump,
    QuestionItem,
    ThreadItem,
    document_text,
    escape_line,
    fence_flags,
    split_paragraphs,
)

KIND = "nodes"
NAME = "노드"

_REPLY = re.compile(r"(?:[-*+]\s+)?" + ARROW + r"\s?(.*)$")
_LINK_REPLY = re.compile(r"\[\s*" + ARROW + r"\s*(.*?)\]\((.*)$")
_BULLET = re.compile(r"(?:[-*+]|\d{1,3}[.)])\s+(.*)$")
_NAMED_REPLY = re.compile(r"(?:[-*+]\s+)?([^\s:：]{1,15}(?: [^\s:：]{1,15})?)(\s*)[:：]\s+(\S.*)$")
_ANSWER_WORDS = {"a", "답", "답변", "정답"}
# "A. …", "A) …", "**A.** …", "**A**: …" answer like "-> …" (bold marks are how Notion exports them).
_ANSWER_MARK = re.compile(r"(?:[-*+]\s+)?([*_]{0,2})(?:A|답변?|정답)(?:\s*[.)]\1|\1\s*[.):：])\s+(\S.*)$")
# A bold "**Q.**" in front of a question (how Notion exports Q&A) is formatting that says what the line
# is; a plain-text title would show its asterisks, so the title goes without it. A plain "Q1)" stays:
# it is written text (and a posted title such as "Q1) 정규화 방법" must read back as written).
_QUESTION_MARK = re.compile(r"([*_]{2})(?:Q|질문)\s*\d{0,3}(?:\s*[.):：]\1|\1\s*[.):：])\s*(?=\S)")
# An HTML block whose closing tag comes after blank lines (<details> with Markdown inside) is one unit.
_HTML_BLOCK_OPEN = re.compile(r"<(details|div|table|figure|blockquote|center|pre)\b[^>]*>", re.I)
_HTML_BLOCK_SCAN = 200  # lines to look ahead for the closing tag; an unclosed tag ends at a blank line
# A paragraph that is only an image, a code block or a block of HTML shows something; it belongs to
# whatever it follows rather than asking or answering on its own.
_ATTACHMENT = re.compile(r"(?:!\[[^\]]*\]\([^)]*\)\s*)+$|<(?!!--)[a-zA-Z/][^>]*>(?:.*>)?\s*$")


@dataclass
class _Block:
    kind: str  # text | bullet | reply | named | author | reaction | plus_one | attachment
    lines: list[Line]
    indent: int = 0
    head: str = ""  # the first line's content without its marker
    name: str | None = None  # named reply / author line / plus-one author

    @property
    def first(self) -> int:
        return self.lines[0].number

    def body(self) -> str:
        rest = [ln.text for ln in self.lines[1:]]
        if rest:
            common = min((len(t) - len(t.lstrip()) for t in rest if t.strip()), default=0)
            rest = [t[common:] for t in rest]
        return "\n".join([self.head, *rest]).strip()


def _classify(line: Line, known_authors: Container[str]) -> _Block | None:
    """The block a line starts, or None when it continues the open block."""
    text = line.stripped
    standalone_author = author_line(text)
    if standalone_author:
        return _Block("author", [line], line.indent, name=standalone_author)
    is_plus_one, plus_author = plus_one_line(text)
    if is_plus_one:
        return _Block("plus_one", [line], line.indent, name=plus_author)
    link_reply = _LINK_REPLY.match(text)
    if link_reply:
        return _Block("reply", [line], line.indent, head=f"[{link_reply.group(1)}]({link_reply.group(2)}")
    reply = _REPLY.match(text)
    if reply:
        return _arrow_block(line, reply.group(1).strip(), known_authors)
    marked = _ANSWER_MARK.match(text)
    if marked:
        content, leading = split_leading_author(marked.group(2), known_authors)
        return _Block("reply", [line], line.indent, head=content, name=leading)
    worded = _NAMED_REPLY.match(text)
    if worded and "://" not in worded.group(1) and worded.group(1).strip().lower() in _ANSWER_WORDS:
        return _Block("reply", [line], line.indent, head=worded.group(3))
    named = _named(text, known_authors)
    if named:
        return _Block("named", [line], line.indent, head=named[1], name=named[0])
    bare, reactor = split_author(text)
    emoji = emoji_only(bare)
    if emoji:
        return _Block("reaction", [line], line.indent, head=emoji, name=reactor)
    if _ATTACHMENT.match(text):
        return _Block("attachment", [line], line.indent, head=text)
    bullet = _BULLET.match(text)
    if bullet:
        head = bullet.group(1) if text[0] in "-*+" else text
        return _Block("bullet", [line], line.indent, head=head)
    found = heading(line)
    if found:
        return _Block("text", [line], line.indent, head=found[1])
    return None


def _arrow_block(line: Line, content: str, known_authors: Container[str]) -> _Block:
    """What follows an arrow (`-> …`): a bare reaction, or a reply whose author may be written after it."""
    bare, reactor = split_author(content)
    emoji = emoji_only(bare)
    if emoji:
        return _Block("reaction", [line], line.indent, head=emoji, name=reactor)
    # "-> 지호: 감사합니다" / "-> (민수) …": the reply's author written after the arrow.
    named = _named(content, known_authors)
    if named:
        return _Block("reply", [line], line.indent, head=named[1], name=named[0])
    content, leading = split_leading_author(content, known_authors)
    return _Block("reply", [line], line.indent, head=content, name=leading)


def _named(text: str, known_authors: Container[str]) -> tuple[str, str] | None:
    """(name, text) for "name : text" / "name: text" where the word is a person, else None."""
    named = _NAMED_REPLY.match(text)
    if not named or "://" in named.group(1):
        return None
    word = named.group(1).strip()
    name = clean_name(word)
    # "남철 : …" (spaced colon) names a person; "Dropout: …" is a term being explained unless the
    # word also signs a question or reply somewhere in the file.
    if name and word.lower() not in TAG_WORDS and (named.group(2) or name in known_authors):
        return name, named.group(3)
    return None


def _known_authors(lines: list[Line]) -> set[str]:
    """Names that sign something in the file: "(name)" lines, "… (name)" and "… -> name" endings,
    "(name) …" beginnings (after a bullet or an arrow too)."""
    names: set[str] = set()
    for line in lines:
        if line.blank or line.in_fence or not any(mark in line.text for mark in "(（[>"):
            continue
        text = line.stripped
        name = author_line(text) or split_author(text)[1]
        if name is None:
            lead = _REPLY.match(text) or _BULLET.match(text)
            name = split_leading_author(lead.group(1) if lead else text)[1]
        if name:
            names.add(name)
    return names


def _html_block_end(lines: list[Line], start: int) -> int | None:
    """Index of the line that closes the HTML block opened on lines[start], when it closes later."""
    opened = _HTML_BLOCK_OPEN.match(lines[start].stripped)
    if opened is None:
        return None
    tag = opened.group(1).lower()
    open_tag, close_tag = re.compile(rf"<{tag}\b", re.I), re.compile(rf"</{tag}\s*>", re.I)
    depth = 0
    for index in range(start, min(len(lines), start + _HTML_BLOCK_SCAN)):
        text = lines[index].text
        if lines[index].in_fence:
            continue
        depth += len(open_tag.findall(text)) - len(close_tag.findall(text))
        if depth <= 0:
            return index if index > start else None
        if heading(lines[index]):
            return None  # a section or heading inside: the tag was left open by mistake
    return None


def _blocks(lines: list[Line], unplaced: list[UnplacedLine], known_authors: set[str]) -> list[_Block]:
    blocks: list[_Block] = []
    open_block: _Block | None = None
    skip_to = -1
    for index, line in enumerate(lines):
        if index <= skip_to:
            continue
        # A horizontal rule between blocks separates, like a blank line; it says nothing itself. Right
        # under a line of text it stays with it (there it underlines a heading, or is written text).
        if (line.blank and not line.in_fence) or (open_block is None and is_rule(line)):
            open_block = None
            continue
        end = _html_block_end(lines, index) if "<" in line.text else None
        if end is not None:
            attached = _Block("attachment", lines[index:end + 1], line.indent, head=line.stripped)
            if open_block is not None and open_block.kind in ("text", "bullet", "reply", "named", "attachment"):
                open_block.lines.extend(attached.lines)
            else:
                blocks.append(attached)
            open_block, skip_to = None, end
            continue
        if line.in_fence:
            if open_block is None:
                open_block = _Block("attachment", [line], line.indent, head=line.text.strip())
                blocks.append(open_block)
            else:
                open_block.lines.append(line)
            continue
        reason = boilerplate_reason(line, preamble=not blocks)
        if reason:
            unplaced.append(UnplacedLine(line.number, line.stripped, reason))
            continue
        block = _classify(line, known_authors)
        if (block is not None and block.kind == "bullet" and open_block is not None
                and open_block.kind in ("text", "bullet") and line.indent > open_block.indent):
            # A deeper bullet right under a question ("  - 불균형 데이터일 때") details that question.
            block = None
        if block is None:
            if open_block is not None and open_block.kind in ("text", "bullet", "reply", "named", "attachment"):
                open_block.lines.append(line)
                continue
            block = _Block("text", [line], line.indent, head=line.stripped)
        blocks.append(block)
        open_block = block if block.kind in ("text", "bullet", "reply", "named", "attachment") else None
    return blocks


@dataclass
class _Section:
    """Builds one section's questions from its blocks, in order."""

    unplaced: list[UnplacedLine]
    known_authors: set[str] = field(default_factory=set)
    questions: list[ParsedQuestion] = field(default_factory=list)
    intro: list[str] = field(default_factory=list)
    current: ParsedQuestion | None = None
    gathering: _Block | None = None  # the "( name )" line whose question is still collecting text
    gathered: list[_Block] = field(default_factory=list)
    pending: list[_Block] = field(default_factory=list)  # context paragraphs waiting for their question
    stack: list[tuple[int, ParsedAnswer]] = field(default_factory=list)  # open replies, for nesting
    last_target: ParsedAnswer | ParsedQuestion | None = None  # what a bare reaction reacts to

    # --- questions ---------------------------------------------------------------------------

    def _start_question(self, parts: list[_Block], author: str | None, line: int) -> ParsedQuestion:
        texts: list[str] = []
        plus_ones: list[tuple[str | None, int]] = []
        asking_title: str | None = None
        for block in parts:
            text, marks, own_author = self._signed(block)
            author = author or own_author
            plus_ones.extend((mark, block.lines[-1].number) for mark in marks)  # peeled off its last line
            if text:
                texts.append(text)
                if asking_title is None and asks(text):
                    asking_title = first_line(text)
        title = asking_title or (first_line(texts[0]) if texts else "")
        title = plain_title(_QUESTION_MARK.sub("", title, count=1) if _QUESTION_MARK.match(title) else title)
        question = ParsedQuestion(label="", title=title, body_md="\n\n".join(texts), author=author, line=line)
        question.reactions.extend(ParsedReaction("plus_one", "+1", who, at) for who, at in plus_ones)
        self.questions.append(question)
        self.current, self.stack, self.last_target = question, [], question
        return question

    def _close_gathering(self) -> None:
        if self.gathering is None:
            return
        author_block, parts = self.gathering, self.gathered
        self.gathering, self.gathered = None, []
        if parts:
            self._start_question(parts, author_block.name, author_block.first)
        else:
            self.unplaced.append(UnplacedLine(
                author_block.first, author_block.lines[0].stripped, "작성자 줄 뒤에 질문이 없습니다"))

    def _flush_pending(self) -> None:
        """Context that no question followed: more text of an unanswered question, else section text."""
        if not self.pending:
            return
        texts = [b.body() for b in self.pending]
        self.pending = []
        if self.current is not None and not self.current.answers:
            self.current.body_md = "\n\n".join([self.current.body_md, *texts]).strip()
        else:
            self.intro.extend(texts)

    def _question_for_reply(self) -> ParsedQuestion | None:
        """The question a reply answers. Context waiting for a question is more text of the open,
        unanswered question if there is one; otherwise the replies make it a question of its own."""
        self._close_gathering()
        if self.pending:
            if self.current is not None and not self.current.answers:
                self._flush_pending()
            else:
                parts, self.pending = self.pending, []
                self._start_question(parts, None, parts[0].first)
        return self.current

    def _unplace(self, block: _Block, reason: str) -> None:
        """Report every line of a block that has nowhere to go (a reply's continuation lines too)."""
        self.unplaced.extend(UnplacedLine(ln.number, ln.stripped, reason) for ln in block.lines if not ln.blank)

    def _signed(self, block: _Block, *, plus_ones: bool = True) -> tuple[str, list[str | None], str | None]:
        """A block's text without its "2222" marks and author, the marks, and the author: written at
        its end ("… (name)", "… -> name"), at its start ("(name) …"), or at the end of its first line
        when more lines (code, a list) follow. A reply keeps its "2222" marks as text: only a question
        collects +1s."""
        if block.kind == "attachment":
            return block.body(), [], None  # code and HTML are shown as written: no marks, no author in them
        if block.lines[-1].in_fence:
            plus_ones = False  # the text ends inside a code block: its last line is code, not a mark
        text, marks = split_plus_ones(block.body()) if plus_ones else (block.body(), [])
        text, author = split_author(text) if not block.lines[-1].in_fence else (text, None)
        if author is None:
            text, author = split_leading_author(text, self.known_authors)
        if author is None and "\n" in text:
            first, rest = text.split("\n", 1)
            first, author = split_author(first)
            if author is not None:
                text = f"{first}\n{rest}"
        return text, marks, author

    # --- blocks ------------------------------------------------------------------------------

    def feed(self, block: _Block) -> None:
        handler = getattr(self, f"_on_{block.kind}")
        handler(block)

    def _on_author(self, block: _Block) -> None:
        self._close_gathering()
        self._flush_pending()
        self.gathering, self.gathered = block, []

    def _on_text(self, block: _Block) -> None:
        text, marks, author = self._signed(block)
        if self.gathering is not None and author not in (None, self.gathering.name):
            self._close_gathering()  # a paragraph signed by someone else is their own question
        if self.gathering is not None:
            self.gathered.append(block)
            return
        if self.current is not None and self.current.answers and not self.pending and not asks(text):
            if marks:  # an answer collects no +1s: its "-> 2222" stays as written, after its text
                body = block.body()
                text += body[len(split_plus_ones(body)[0]):]
            self._add_answer(self.current, block, text, author, top_level=True)
            self.stack = []
            return
        if asks(text) or author or marks:
            parts = [*self.pending, block]
            self.pending = []
            self._start_question(parts, None, parts[0].first)
            return
        self.pending.append(block)

    _on_bullet = _on_text

    def _on_reply(self, block: _Block) -> None:
        if block.name is not None:  # signed after its arrow: a name at its end belongs to the text
            self._reply(block, block.body(), block.name)
            return
        text, _, author = self._signed(block, plus_ones=False)
        self._reply(block, text, author)

    def _on_named(self, block: _Block) -> None:
        if self._question_for_reply() is None and asks(block.body()):
            # "민수: softmax랑 log_softmax 중 뭘 써야 해요?" with nothing above it to answer: it asks.
            self._start_question([block], block.name, block.first)
            return
        self._reply(block, block.body(), block.name)

    def _reply(self, block: _Block, text: str, author: str | None) -> None:
        question = self._question_for_reply()
        if question is None:
            self._unplace(block, "질문보다 먼저 나온 답글이라 붙일 질문이 없습니다")
            return
        if not text:
            self._unplace(block, "내용이 없는 화살표 줄")
            return
        self._add_answer(question, block, text, author, top_level=False)

    def _add_answer(self, question: ParsedQuestion, block: _Block, text: str, author: str | None, *,
                    top_level: bool) -> None:
        answer = ParsedAnswer(body_md=text, author=author, line=block.first)
        while self.stack and self.stack[-1][0] >= block.indent:
            self.stack.pop()
        if self.stack and not top_level:
            self.stack[-1][1].replies.append(answer)
        else:
            question.answers.append(answer)
        self.stack.append((block.indent, answer))
        self.last_target = answer

    def _on_attachment(self, block: _Block) -> None:
        """An image, code block or HTML block joins the question or reply it follows."""
        if self.gathering is not None or self.pending or self.last_target is None:
            self._on_text(block)
            return
        self.last_target.body_md = f"{self.last_target.body_md}\n\n{block.body()}".strip()

    def _on_reaction(self, block: _Block) -> None:
        self._question_for_reply()
        # Like a reply, a reaction sits at an indentation: it reacts to the last reply at its own level
        # or shallower ("- → 👍" after a nested "    - → …" reacts to the top-level answer).
        target = next((answer for indent, answer in reversed(self.stack) if indent <= block.indent), self.last_target)
        if target is None:
            self._unplace(block, "반응(이모지)을 붙일 질문이나 답글이 없습니다")
            return
        target.reactions.append(ParsedReaction("emoji", block.head, block.name, block.first))

    def _on_plus_one(self, block: _Block) -> None:
        question = self._question_for_reply()
        if question is None:
            self._unplace(block, "'나도 궁금해요(2222)'를 붙일 질문이 없습니다")
            return
        question.reactions.append(ParsedReaction("plus_one", "+1", block.name, block.first))

    def finish(self) -> None:
        self._close_gathering()
        self._flush_pending()


def _math_of(question: ParsedQuestion) -> list[str]:
    found = comment_math(question.body_md)
    todo = list(question.answers)
    while todo:
        answer = todo.pop(0)
        found.extend(comment_math(answer.body_md))
        todo.extend(answer.replies)
    return found


def parse(text: str, source_path: str) -> ParsedDocument:
    lines = split_lines(text)
    document = ParsedDocument(title="", kind=KIND, images=images_in(lines))
    headings = [(i, *found) for i, line in enumerate(lines) if (found := heading(line))]
    title_index = None
    if headings and headings[0][1] == 1 and sum(1 for h in headings if h[1] == 1) == 1:
        title_index = headings[0][0]
        document.title = headings[0][2]
    section_level = min((level for i, level, _ in headings if i != title_index), default=None)
    starts = [(i, t) for i, level, t in headings if level == section_level and i != title_index]
    if title_index is None and starts and (title_index := standalone_title(lines, starts[0][0])) is not None:
        document.title = plain_title(lines[title_index].stripped)

    preamble_end = starts[0][0] if starts else 0
    preamble = [ln for index, ln in enumerate(lines[:preamble_end]) if index != title_index]
    kept = [ln for ln in drop_boilerplate(preamble, document.unplaced, preamble=True) if not is_rule(ln)]
    document.intro_md = join_lines(strip_trailing_rules(kept))

    if starts:
        bounds = [i for i, _ in starts] + [len(lines)]
        sections: list[tuple[str | None, int, list[Line]]] = [
            (title, lines[i].number, lines[i + 1:bounds[n + 1]]) for n, (i, title) in enumerate(starts)]
    else:  # no section headings: the whole file is one untitled section
        body = [ln for k, ln in enumerate(lines) if k != title_index]
        sections = ([(None, next(ln.number for ln in body if not ln.blank), body)] if any(not ln.blank for ln in body)
                    else [])
    labels = LabelBook()
    known_authors = _known_authors(lines)
    for ordinal, (title, line_number, section_lines) in enumerate(sections, start=1):
        builder = _Section(document.unplaced, known_authors)
        for block in _blocks(section_lines, document.unplaced, known_authors):
            builder.feed(block)
        builder.finish()
        prefix = number_in(title) or (f"{ordinal:02}" if title is not None else None)
        for n, question in enumerate(builder.questions, start=1):
            question.label = labels.take(f"{prefix}-{n}" if prefix else str(n))
            question.math = _math_of(question)
        document.sections.append(ParsedSection(
            title=title, line=line_number, intro_md="\n\n".join(builder.intro), questions=builder.questions))
    return settle(document)


# --- writing: the inverse of parse, for `kb export` ----------------------------------------------


class _AnyName(frozenset[str]):
    """Known authors for the parser's "word: text" rule: assume every word may sign (conservative)."""

    def __contains__(self, item: object) -> bool:
        return True


_EVERYONE = _AnyName()


def line_kind(text: str) -> str | None:
    """What the nodes parser reads this line as when it starts a line (None: more of the block above)."""
    stripped = text.strip()
    if not stripped:
        return None
    line = Line(0, stripped, 0)
    if heading(line):
        return "heading"  # opens a section, or reads as a bare text block without its marks
    block = _classify(line, _EVERYONE)
    return block.kind if block is not None else None


def _hard_break(line: str) -> str:
    """End a line with a Markdown hard break where a paragraph ended (tables and HTML excepted)."""
    stripped = line.strip()
    if not stripped or stripped.endswith("\\") or stripped.startswith(("|", "<")):
        return line
    return line + "\\"


def _one_block(paragraphs: list[list[str]], *, keep_attachments: bool, lead: str | None = None) -> list[str]:
    """Paragraphs as one block of lines the nodes parser keeps together: blank lines dropped
    (paragraph ends become hard breaks), lines that would start a new item escaped. An image or
    HTML line joins the line above unless `keep_attachments` (an attachment joins the reply it
    follows anyway). `lead` (a question's title) comes first, as written."""
    out: list[str] = [] if lead is None else [lead]
    previous_fenced = False
    for number, paragraph in enumerate(paragraphs):
        flags = fence_flags(paragraph)
        for line, fenced in zip(paragraph, flags, strict=True):
            if fenced or not out:
                out.append(line)
            else:
                kind = line_kind(line)
                if kind == "attachment" and not keep_attachments and not previous_fenced:
                    out[-1] = f"{out[-1]} {line.strip()}"
                elif kind not in (None, "attachment"):
                    if kind == "bullet":  # list items stay one to a line
                        out[-1] = _hard_break(out[-1])
                    out.append(escape_line(line, line_kind))
                else:
                    out.append(line)
            previous_fenced = fenced
        if number + 1 < len(paragraphs) and not flags[-1]:
            out[-1] = _hard_break(out[-1])
    return out


def _is_attachment_start(paragraph: list[str]) -> bool:
    return bool(FENCE.match(paragraph[0])) or line_kind(paragraph[0]) == "attachment"


def _reply_groups(body_md: str) -> tuple[list[str], list[list[str]]]:
    """A reply's head block, and the attachment groups after it. An attachment (code block, image,
    HTML) written after a blank line joins the reply it follows, so it keeps its own paragraph; text
    after an attachment continues that attachment's group. A body that opens with an attachment
    gets an empty HTML comment as its head (it renders as nothing)."""
    head: list[list[str]] = []
    groups: list[list[list[str]]] = []
    for paragraph in split_paragraphs(body_md):
        if _is_attachment_start(paragraph):
            groups.append([paragraph])
        elif groups:
            groups[-1].append(paragraph)
        else:
            head.append(paragraph)
    head_lines = _one_block(head, keep_attachments=True) if head else ["<!-- -->"]
    return head_lines, [_one_block(group, keep_attachments=True) for group in groups]


def _indented(lines: list[str], indent: str) -> list[str]:
    return [indent + line if line.strip() else line for line in lines]


def _named_form(author: str) -> bool:
    """Does `이름 : …` read back as a reply by exactly this author?"""
    block = _classify(Line(0, f"{author} : 답", 0), frozenset())
    return block is not None and block.kind == "named" and block.name == author


def reads_back_as_author(name: str) -> bool:
    """Whether the nodes shape reads this name back as who wrote a question, reply and +1."""
    return clean_name(name) == name and _named_form(name)


def _reaction_lines(emoji: list[tuple[str, str | None]], indent: str) -> list[str]:
    return [f"{indent}-> {mark}" + (f" ({who})" if who and clean_name(who) == who else "") for mark, who in emoji]


def _signed_head(head: list[str], author: str | None) -> list[str]:
    """A reply's block with its author: "이름 : text", or "-> text" with "(이름)" ending the block."""
    head = list(head)
    if author and _named_form(author):
        head[0] = f"{author} : {head[0]}"
        return head
    head[0] = f"-> {head[0]}"
    if author:  # "-> text (이름)": the name ends the reply's own block
        last = max(i for i, fenced in enumerate(fence_flags(head)) if not fenced or i == 0)
        head[last] = f"{head[last]} ({author})"
    return head


def _reads_as_reply(first_line: str, author: str | None) -> bool:
    """Does the parser read this first line as a reply whose text is all of what follows its
    marker, signed (if at all) only where the writer signed it? A reply that says only "저도
    궁금해요" reads as a +1, one that opens with "(민수)" or "[서연]" as signed by them."""
    block = _classify(Line(0, first_line, 0), _EVERYONE)
    if block is None or block.kind not in ("reply", "named"):
        return False
    if block.kind == "named":
        return block.name == author and first_line == f"{author} : {block.head}"
    return block.name is None and first_line == f"-> {block.head}"


def _thread_lines(item: ThreadItem, depth: int) -> list[str]:
    indent = "   " * depth
    head, groups = _reply_groups(item.body_md)
    author = item.author if item.author and clean_name(item.author) == item.author else None

    def reads_as(first: str) -> str | None:
        return None if _reads_as_reply(_signed_head([first, *head[1:]], author)[0], author) else "other"

    if reads_as(head[0]):
        head[0] = escape_line(head[0], reads_as)
    head = _signed_head(head, author)
    lines = [indent + head[0], *_indented(head[1:], indent + "   ")]
    for group in groups:
        lines += ["", *_indented(group, indent + "   ")]
    lines += _reaction_lines(item.emoji, indent)
    lines.append("")
    for reply in item.replies:
        lines += _thread_lines(reply, depth + 1)
    return lines


def _protect_ending(text: str, author: str | None) -> str:
    """A question part that ends like "(이름)" or "-> 2222" would lose that ending to the parser,
    which reads it as the author or a +1: sign the part once more so only the signature goes."""
    if author and (split_author(text)[1] is not None or split_plus_ones(text)[1]):
        return f"{text} ({author})"
    return text


def _title_reads_as(text: str) -> str | None:
    """What a posted title would read back as other than itself, when it starts the question's block:
    a reply, a heading, … (see line_kind), or a question signed by "(민수) …" / stripped of "**Q.**"."""
    kind = line_kind(text)
    if kind not in (None, "attachment"):
        return kind
    if split_leading_author(text, _EVERYONE)[1] or _QUESTION_MARK.match(text):
        return "signed"
    return None


def _question_lines(question: QuestionItem) -> list[str]:
    author = question.author if question.author and clean_name(question.author) == question.author else None
    lines: list[str] = []
    if author:
        lines += [f"( {author} )", ""]
    if question.origin == "posted" or not question.body_md.strip():
        # The title line first, the body in the same block: the title reads back as written.
        title = question.title
        if _title_reads_as(title):
            title = escape_line(title, _title_reads_as)
        block = _one_block(split_paragraphs(question.body_md), keep_attachments=False, lead=title)
        block[-1] = _protect_ending(block[-1], author)
        lines += [*block, ""]
    else:
        for paragraph in split_paragraphs(question.body_md):
            flags = fence_flags(paragraph)
            part = [line if fenced or line_kind(line) in (None, "bullet", "attachment")
                    else escape_line(line, line_kind) for line, fenced in zip(paragraph, flags, strict=True)]
            part[-1] = _protect_ending(part[-1], author)
            lines += [*part, ""]
    lines += [f"2222({who})" if who and clean_name(who) == who else "2222" for who in question.plus_ones]
    lines += _reaction_lines(question.emoji, "")
    if question.plus_ones or question.emoji:
        lines.append("")
    for answer in question.answers:
        lines += _thread_lines(answer, 0)
    return lines


def write(dump: FileDump) -> str:
    return document_text(dump, _question_lines)
