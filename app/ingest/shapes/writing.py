"""What the shapes' writers share (`kb export`): the dump a writer is given, and the line tools.

Each shape module has a `write(dump)` that is the inverse of its `parse`: Markdown that the shape's own
parser reads back as the same questions, labels, answers and reply nesting. Where a line of a body
would read as something else in that shape (a `-> ` reply, `이름 : ` reply, `(이름)` author line,
`2222` +1, a list number that answers another question, a heading that opens a section), it is
escaped, and the shape's own `line_kind` says which lines need it, so writer and reader cannot drift.

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
from collections.abc import Callable
from dataclasses import dataclass, field

from app.ingest.shapes._lines import Line, heading

ASCII_PUNCTUATION = set(string.punctuation)
FENCE = re.compile(r"\s*(```|~~~)")


@dataclass
class ThreadItem:
    """An answer or reply as it will be written (deleted ones left out, their replies lifted)."""

    author: str | None
    body_md: str
    origin: str
    emoji: list[tuple[str, str | None]] = field(default_factory=list)  # (emoji, who)
    replies: list[ThreadItem] = field(default_factory=list)


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


def split_paragraphs(markdown: str) -> list[list[str]]:
    """The body's paragraphs: runs of lines between blank lines, fenced code kept whole."""
    paragraphs: list[list[str]] = [[]]
    fence: str | None = None
    for line in markdown.split("\n"):
        mark = FENCE.match(line)
        if fence is None and not line.strip():
            if paragraphs[-1]:
                paragraphs.append([])
            continue
        paragraphs[-1].append(line)
        if mark and fence is None:
            fence = mark.group(1)
        elif mark and fence is not None and line.strip().startswith(fence):
            fence = None
    return [p for p in paragraphs if p]


def fence_flags(lines: list[str]) -> list[bool]:
    """For each line: is it a fence line or inside a fence (never escaped, never given a break)."""
    flags, fence = [], None
    for line in lines:
        mark = FENCE.match(line)
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


def escape_line(text: str, reads_as: Callable[[str], str | None]) -> str:
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


def document_text(dump: FileDump, question_lines: Callable[[QuestionItem], list[str]], *,
                  rule_after_intro: bool = False) -> str:
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
    return tidy(lines)


def demoted(markdown: str, deepest_allowed: int) -> str:
    """Headings at or above the question level would end the answer: written as bold lines."""
    lines = markdown.split("\n")
    out = []
    for line, fenced in zip(lines, fence_flags(lines), strict=True):
        found = None if fenced else heading(Line(0, line, 0))
        out.append(f"**{found[1]}**" if found and found[0] <= deepest_allowed else line)
    return "\n".join(out)


def tidy(lines: list[str]) -> str:
    """At most one blank line in a row outside code, and one newline at the end."""
    lines = "\n".join(lines).split("\n")
    out: list[str] = []
    for line, fenced in zip(lines, fence_flags(lines), strict=True):
        if not fenced and not line.strip() and out and not out[-1].strip():
            continue
        out.append(line.rstrip() if not fenced else line)
    return "\n".join(out).strip("\n") + "\n"
