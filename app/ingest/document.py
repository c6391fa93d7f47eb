"""What a parser returns: plain dataclasses, no database, no rendering.

Every shape module in ``app.ingest.shapes`` exposes ``parse(text: str, source_path: str) -> ParsedDocument``.
Line numbers are 1-based and point at the first source line of the item.
Nothing may be dropped silently: text the parser cannot place goes into ``ParsedDocument.unplaced``.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class ParsedReaction:
    """A bare reaction (``-> 👍``) or a "+1, same question" (``2222(이름)``)."""

    kind: str  # "emoji" | "plus_one"
    emoji: str  # the emoji itself, or "+1" for plus_one
    author: str | None
    line: int


@dataclass
class ParsedAnswer:
    body_md: str
    author: str | None
    line: int
    replies: list[ParsedAnswer] = field(default_factory=list)
    reactions: list[ParsedReaction] = field(default_factory=list)


@dataclass
class ParsedReference:
    title: str
    url: str
    line: int


@dataclass
class ParsedImage:
    """An image the text points at; the loader decides whether a local file is missing."""

    src: str
    alt: str
    line: int

    @property
    def is_local(self) -> bool:
        lowered = self.src.strip().lower()
        return not (lowered.startswith(("http://", "https://", "data:", "//")))


@dataclass
class ParsedQuestion:
    # Short label, unique within the file: "#12-1" (interview), "3" (numbered list), "03-2" (node 03, 2nd).
    label: str
    title: str
    body_md: str
    author: str | None
    line: int
    page_ref: str | None = None  # e.g. "p15" in the weeks shape
    parent_label: str | None = None  # "#12" for "#12-1"
    answers: list[ParsedAnswer] = field(default_factory=list)
    reactions: list[ParsedReaction] = field(default_factory=list)  # on the question itself (+1s, emoji)
    references: list[ParsedReference] = field(default_factory=list)
    math: list[str] = field(default_factory=list)  # LaTeX sources found in the question and its answers


@dataclass
class ParsedSection:
    title: str | None  # None: the file has no sections (interview shape)
    line: int
    intro_md: str = ""  # section text that belongs to no question
    questions: list[ParsedQuestion] = field(default_factory=list)


@dataclass
class UnplacedLine:
    line: int
    text: str
    reason: str


@dataclass
class ParsedDocument:
    title: str
    kind: str  # "nodes" | "weeks" | "interview"
    layout: str | None = None  # the variant of the shape the parser recognised, e.g. "a" / "b" for weeks
    intro_md: str = ""  # text before the first section that is not a question
    notes_md: str = ""  # the rest that could not be matched to a question (kept, shown on the collection)
    sections: list[ParsedSection] = field(default_factory=list)
    unplaced: list[UnplacedLine] = field(default_factory=list)
    images: list[ParsedImage] = field(default_factory=list)

    def questions(self) -> list[ParsedQuestion]:
        return [q for s in self.sections for q in s.questions]
