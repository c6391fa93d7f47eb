"""Text writers for `kb export`: one per content shape, each the inverse of its parser.

Each writer takes what one file should hold (a `FileDump`) and returns Markdown that the shape's own
parser reads back as the same questions, labels, answers and reply nesting. Where a line of a body
would read as something else in that shape (a `-> ` reply, `이름 : ` reply, `(이름)` author line,
`2222` +1, a list number that answers another question, a heading that opens a section), it is
escaped, and the parser itself is asked which lines need it, so writer and reader cannot drift.

What a shape cannot hold is said here, once:
- nodes: a reply is one block of lines, so a posted answer's paragraphs become lines of one
  paragraph (joined with hard line breaks); code blocks, images and HTML blocks keep their place.
  A posted question is written as its title line followed by its body, so the title reads back.
- weeks (a) and interview: one answer per question and no answer authors; posted answers, replies
  and +1s on their questions go to the collection's companion file in the nodes shape.
- no shape records answer upvotes or the accepted answer: they are account actions, not text.
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass, field

from app.ingest.parsers import nodes as nodes_parser
from app.ingest.parsers import weeks as weeks_parser
from app.ingest.parsers._lines import (
    Line,
    asks,
    clean_name,
    heading,
    split_author,
    split_leading_author,
    split_plus_ones,
)

ASCII_PUNCTUATION = set(string.punctuation)
_FENCE = re.compile(r"\s*(```|~~~)")


@dataclass
class ThreadItem:
    """An answer or reply as it will be written (deleted ones left out, their replies lifted)."""

    author: str | None
    body_md: str
    origin: str
    emoji: list[tuple[str, str | None]] = field(default_factory=list)  # (emoji, who)
    replies: list["ThreadItem"] = field(default_factory=list)


@dataclass
class QuestionItem:
    id: int
    label: str | None
    title: str
    body_md: str
    author: str | None
    page_ref: str | None
    origin: str
    section_id: int | None
    plus_ones: list[str | None] = field(default_factory=list)  # "2222(이름)" marks and account votes
    emoji: list[tuple[str, str | None]] = field(default_factory=list)
    answers: list[ThreadItem] = field(default_factory=list)
    references: list[tuple[str, str]] = field(default_factory=list)
    # For companion threads: where the question itself lives ("#12 제목"), written as its section title.
    continues: str | None = None


@dataclass
class SectionItem:
    title: str | None
    intro_md: str
    questions: list[QuestionItem]


@dataclass
class FileDump:
    """What one exported file holds. `kind` is the shape it is written in."""

    path: str  # relative to the export folder, "/"-separated
    kind: str  # nodes | weeks | interview
    title: str
    intro_md: str = ""
    notes_md: str = ""
    sections: list[SectionItem] = field(default_factory=list)
    layout: str | None = None  # weeks: "a" or "b"

    def questions(self) -> list[QuestionItem]:
        return [q for s in self.sections for q in s.questions]


# --- lines and blocks --------------------------------------------------------------------------


def _paragraphs(markdown: str) -> list[list[str]]:
    """The body's paragraphs: runs of lines between blank lines, fenced code kept whole."""
    paragraphs: list[list[str]] = [[]]
    fence: str | None = None
    for line in markdown.split("\n"):
        mark = _FENCE.match(line)
        if fence is None and not line.strip():
            if paragraphs[-1]:
                paragraphs.append([])
            continue
        paragraphs[-1].append(line)
        if mark and fence is None:
            fence = mark.group(1)
        elif mark and line.strip().startswith(fence):
            fence = None
    return [p for p in paragraphs if p]


def _fenced(lines: list[str]) -> list[bool]:
    """For each line: is it a fence line or inside a fence (never escaped, never given a break)."""
    flags, fence = [], None
    for line in lines:
        mark = _FENCE.match(line)
        if fence is None and mark:
            fence = mark.group(1)
            flags.append(True)
        elif fence is not None:
            flags.append(True)
            if mark and line.strip().startswith(fence):
                fence = None
        else:
            flags.append(False)
    return flags


class _AnyName(frozenset):
    """Known authors for the parser's "word: text" rule: assume every word may sign (conservative)."""

    def __contains__(self, item) -> bool:  # noqa: D105
        return True


_EVERYONE = _AnyName()


def _nodes_kind(text: str) -> str | None:
    """What the nodes parser reads this line as when it starts a line (None: more of the block above)."""
    stripped = text.strip()
    if not stripped:
        return None
    line = Line(0, stripped, 0)
    if heading(line):
        return "heading"  # opens a section, or reads as a bare text block without its marks
    block = nodes_parser._classify(line, _EVERYONE)
    return block.kind if block is not None else None


def _escaped(text: str, reads_as) -> str:
    """The line changed as little as possible (a backslash, or one character as an HTML entity,
    both of which render the same) so that `reads_as(line)` is None."""
    stripped = text.lstrip()
    indent = text[: len(text) - len(stripped)]
    candidates = []
    if stripped[:1] in ASCII_PUNCTUATION:
        candidates.append(indent + "\\" + stripped)
    first_punctuation = next((i for i, ch in enumerate(stripped) if ch in ASCII_PUNCTUATION), None)
    if first_punctuation:
        candidates.append(indent + stripped[:first_punctuation] + "\\" + stripped[first_punctuation:])
    candidates.append(indent + f"&#{ord(stripped[0])};" + stripped[1:])
    for candidate in candidates:
        if reads_as(candidate) is None:
            return candidate
    return candidates[-1]


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
        flags = _fenced(paragraph)
        for line, fenced in zip(paragraph, flags):
            if fenced or not out:
                out.append(line)
            else:
                kind = _nodes_kind(line)
                if kind == "attachment" and not keep_attachments and not previous_fenced:
                    out[-1] = f"{out[-1]} {line.strip()}"
                elif kind not in (None, "attachment"):
                    if kind == "bullet":  # list items stay one to a line
                        out[-1] = _hard_break(out[-1])
                    out.append(_escaped(line, _nodes_kind))
                else:
                    out.append(line)
            previous_fenced = fenced
        if number + 1 < len(paragraphs) and not flags[-1]:
            out[-1] = _hard_break(out[-1])
    return out


def _is_attachment_start(paragraph: list[str]) -> bool:
    return bool(_FENCE.match(paragraph[0])) or _nodes_kind(paragraph[0]) == "attachment"


def _reply_groups(body_md: str) -> tuple[list[str], list[list[str]]]:
    """A reply's head block, and the attachment groups after it. An attachment (code block, image,
    HTML) written after a blank line joins the reply it follows, so it keeps its own paragraph; text
    after an attachment continues that attachment's group. A body that opens with an attachment
    gets an empty HTML comment as its head (it renders as nothing)."""
    head: list[list[str]] = []
    groups: list[list[list[str]]] = []
    for paragraph in _paragraphs(body_md):
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


# --- nodes ---------------------------------------------------------------------------------------


def _named_form(author: str) -> bool:
    """Does `이름 : …` read back as a reply by exactly this author?"""
    block = nodes_parser._classify(Line(0, f"{author} : 답", 0), frozenset())
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
        last = max(i for i, fenced in enumerate(_fenced(head)) if not fenced or i == 0)
        head[last] = f"{head[last]} ({author})"
    return head


def _reads_as_reply(first_line: str, author: str | None) -> bool:
    """Does the parser read this first line as a reply whose text is all of what follows its
    marker, signed (if at all) only where the writer signed it? A reply that says only "저도
    궁금해요" reads as a +1, one that opens with "(민수)" or "[서연]" as signed by them."""
    block = nodes_parser._classify(Line(0, first_line, 0), _EVERYONE)
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
        head[0] = _escaped(head[0], reads_as)
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
    a reply, a heading, … (see _nodes_kind), or a question signed by "(민수) …" / stripped of "**Q.**"."""
    kind = _nodes_kind(text)
    if kind not in (None, "attachment"):
        return kind
    if split_leading_author(text, _EVERYONE)[1] or nodes_parser._QUESTION_MARK.match(text):
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
            title = _escaped(title, _title_reads_as)
        block = _one_block(_paragraphs(question.body_md), keep_attachments=False, lead=title)
        block[-1] = _protect_ending(block[-1], author)
        lines += [*block, ""]
    else:
        for paragraph in _paragraphs(question.body_md):
            flags = _fenced(paragraph)
            part = [line if fenced or _nodes_kind(line) in (None, "bullet", "attachment")
                    else _escaped(line, _nodes_kind) for line, fenced in zip(paragraph, flags)]
            part[-1] = _protect_ending(part[-1], author)
            lines += [*part, ""]
    lines += [f"2222({who})" if who and clean_name(who) == who else "2222" for who in question.plus_ones]
    lines += _reaction_lines(question.emoji, "")
    if question.plus_ones or question.emoji:
        lines.append("")
    for answer in question.answers:
        lines += _thread_lines(answer, 0)
    return lines


def _document(dump: FileDump, question_lines, *, rule_after_intro: bool = False) -> str:
    """The skeleton every shape shares: `# title`, the intro, `## section` headings with their text,
    and each question as `question_lines` writes it."""
    lines = [f"# {dump.title}", ""]
    if dump.intro_md.strip():
        lines += [dump.intro_md, ""] + (["---", ""] if rule_after_intro else [])
    for section in dump.sections:
        if section.title is not None:
            lines += [f"## {section.title}", ""]
        if section.intro_md.strip():
            lines += [section.intro_md, ""]
        for question in section.questions:
            lines += question_lines(question)
    return _tidy(lines)


def write_nodes(dump: FileDump) -> str:
    return _document(dump, _question_lines)


# --- weeks ---------------------------------------------------------------------------------------


def _heading_levels(markdown: str) -> list[int]:
    lines = markdown.split("\n")
    return [found[0] for line, fenced in zip(lines, _fenced(lines))
            if not fenced and (found := heading(Line(0, line, 0)))]


def _demoted(markdown: str, deepest_allowed: int) -> str:
    """Headings at or above the question level would end the answer: written as bold lines."""
    lines = markdown.split("\n")
    out = []
    for line, fenced in zip(lines, _fenced(lines)):
        found = None if fenced else heading(Line(0, line, 0))
        out.append(f"**{found[1]}**" if found and found[0] <= deepest_allowed else line)
    return "\n".join(out)


def _meta_tokens(question: QuestionItem) -> str:
    tokens = [name for name in (question.author or "").split(", ") if name]
    tokens += [ref for ref in (question.page_ref or "").split(", ") if ref]
    return " ".join(f"`{token}`" for token in tokens)


def write_weeks_headings(dump: FileDump) -> str:
    """Layout (a): `## Lecture N` sections, `#### ✅ \\`author\\` \\`p15\\` question` headings."""
    answers = [a.body_md for q in dump.questions() for a in q.answers]
    deepest = min((level for body in answers for level in _heading_levels(body)), default=7)
    level = 4 if deepest > 4 else max(3, deepest - 1)

    def question_lines(question: QuestionItem) -> list[str]:
        meta = _meta_tokens(question)
        lines = [f"{'#' * level} ✅ {meta + ' ' if meta else ''}{question.title}", ""]
        for answer in question.answers:
            lines += [_demoted(answer.body_md, level), ""]
        return lines

    return _document(dump, question_lines)


def _weeks_list_kind(text: str) -> str | None:
    """Would this line open an answer block (or a new question) in layout (b)?"""
    stripped = text.strip()
    found = heading(Line(0, stripped, 0))
    probe = found[1] if found else stripped
    if (weeks_parser._Q_MARKER.match(probe) or weeks_parser._NUMBER_ONLY.match(probe)
            or weeks_parser._COUNTED.match(probe) or weeks_parser._NUMBERED.match(probe)):
        return "header"
    bullet = weeks_parser._BULLET.match(probe)
    if bullet and asks(bullet.group(1)):
        return "header"
    return None


def write_weeks_list(dump: FileDump) -> str:
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
            escaped = [line if fenced or _weeks_list_kind(line) is None else _escaped(line, _weeks_list_kind)
                       for line, fenced in zip(body, _fenced(body))]
            lines += [f"{question.label}.", *escaped, ""]
    return _tidy(lines)


# --- interview -----------------------------------------------------------------------------------


def _link_text(title: str) -> str:
    return re.sub(r"([\\\[\]`*_<>])", r"\\\1", title)


def _link_target(url: str) -> str:
    return f"<{url}>" if re.search(r"[\s()<>]", url) else url


def _interview_question_lines(question: QuestionItem) -> list[str]:
    lines = [f"## {question.label}", ""]
    if question.title and question.title != question.label:
        lines += [f"#### {question.title}", ""]
    for answer in question.answers:
        lines += [_demoted(answer.body_md, 2), ""]
    if question.references:
        lines += ["#### References", ""]
        lines += [f"- [{_link_text(title)}]({_link_target(url)})" for title, url in question.references]
        lines.append("")
    return lines


def write_interview(dump: FileDump) -> str:
    """`## #N` headings, the title under each, the answer, then `#### References`."""
    return _document(dump, _interview_question_lines, rule_after_intro=True)


def _tidy(lines: list[str]) -> str:
    """At most one blank line in a row outside code, and one newline at the end."""
    lines = "\n".join(lines).split("\n")
    out: list[str] = []
    for line, fenced in zip(lines, _fenced(lines)):
        if not fenced and not line.strip() and out and not out[-1].strip():
            continue
        out.append(line.rstrip() if not fenced else line)
    return "\n".join(out).strip("\n") + "\n"


WRITERS = {
    ("nodes", None): write_nodes,
    ("weeks", "a"): write_weeks_headings,
    ("weeks", "b"): write_weeks_list,
    ("interview", None): write_interview,
}


def write(dump: FileDump) -> str:
    return WRITERS[(dump.kind, dump.layout)](dump)
