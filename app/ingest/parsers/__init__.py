"""One reader per content shape (Pelican's readers.py): the folder under content/ names the shape.

Every parser module has the same signature, ``parse(text: str, source_path: str) -> ParsedDocument``,
and is pure: text in, dataclasses out, no database and no rendering.
"""

from __future__ import annotations

from types import ModuleType

from app.ingest.document import ParsedDocument
from app.ingest.parsers import interview, nodes, weeks

PARSERS: dict[str, ModuleType] = {
    "nodes": nodes,
    "weeks": weeks,
    "interview": interview,
}


def parse_document(kind: str, text: str, source_path: str) -> ParsedDocument:
    try:
        parser = PARSERS[kind]
    except KeyError:
        raise ValueError(f"알 수 없는 콘텐츠 종류입니다: {kind!r} (가능한 값: {', '.join(PARSERS)})") from None
    return parser.parse(text, source_path)
