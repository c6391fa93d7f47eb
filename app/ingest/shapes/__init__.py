"""One module per content shape (Pelican's readers): the folder under content/ names the shape.

Every shape module has the same four names, and SHAPES is the only list of them:

- ``KIND``: its folder under content/ (and the collection kind stored in the database);
- ``NAME``: what the pages call it (Korean);
- ``parse(text, source_path) -> ParsedDocument``: pure, text in, dataclasses out, no database or rendering;
- ``write(dump: FileDump) -> str``: the inverse of parse, for ``kb export``;
- ``line_kind(text) -> str | None``: what the shape's reader takes a line of a body for when it starts
  a line (None: more of the text), which the writer asks before it writes one.
"""

from __future__ import annotations

from typing import Protocol

from app.ingest.document import ParsedDocument
from app.ingest.shapes import interview, nodes, weeks
from app.ingest.shapes.writing import FileDump


class Shape(Protocol):
    """What a shape module provides (mypy checks each module in SHAPES against it)."""

    KIND: str
    NAME: str

    def parse(self, text: str, source_path: str) -> ParsedDocument: ...

    def write(self, dump: FileDump) -> str: ...

    def line_kind(self, text: str) -> str | None: ...


SHAPES: dict[str, Shape] = {module.KIND: module for module in (nodes, weeks, interview)}

# Questions posted on the site to no collection of a file: stored as kind "general", written in the nodes shape.
GENERAL_KIND, GENERAL_NAME = "general", "일반"
KIND_NAMES = {**{kind: module.NAME for kind, module in SHAPES.items()}, GENERAL_KIND: GENERAL_NAME}


def shape(kind: str) -> Shape:
    try:
        return SHAPES[kind]
    except KeyError:
        raise ValueError(f"알 수 없는 콘텐츠 종류입니다: {kind!r} (가능한 값: {', '.join(SHAPES)})") from None


def parse_document(kind: str, text: str, source_path: str) -> ParsedDocument:
    return shape(kind).parse(text, source_path)


def write_document(dump: FileDump) -> str:
    return shape(dump.kind).write(dump)
