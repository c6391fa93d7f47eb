"""Helpers the parser tests share: parse a sample by name, walk answers, summarise a document."""

from __future__ import annotations

from app.ingest.document import ParsedAnswer, ParsedDocument, ParsedQuestion
from app.ingest.shapes import parse_document
from tests.conftest import SAMPLES_DIR


def sample_text(name: str) -> str:
    """The sample exactly as stored: CRLF endings and a BOM reach the parser as they would from the
    loader (read_text would turn CRLF into LF and hide them)."""
    return raw_text(SAMPLES_DIR / name)


def raw_text(path) -> str:
    return path.read_bytes().decode("utf-8")


def parse_sample(name: str) -> ParsedDocument:
    """Parse tests/samples/<name> with the parser its prefix names (nodes_…, weeks_…, interview_…)."""
    kind = name.split("_", 1)[0]
    return parse_document(kind, sample_text(name), f"{kind}/{name}")


def by_label(document: ParsedDocument) -> dict[str, ParsedQuestion]:
    return {q.label: q for q in document.questions()}


def answered(question: ParsedQuestion) -> bool:
    return bool(question.answers)


def walk(answers: list[ParsedAnswer], depth: int = 0):
    """(depth, answer) for every answer and reply, in reading order."""
    for answer in answers:
        yield depth, answer
        yield from walk(answer.replies, depth + 1)


def shape(document: ParsedDocument) -> list[tuple]:
    """Everything a reader sees, without line numbers: compares two parses of the same content."""
    return [
        (q.label, q.title, q.body_md, q.author, q.page_ref, q.parent_label,
         [(d, a.author, a.body_md, [(r.kind, r.emoji, r.author) for r in a.reactions]) for d, a in walk(q.answers)],
         [(r.kind, r.emoji, r.author) for r in q.reactions],
         [(r.title, r.url) for r in q.references], q.math)
        for q in document.questions()
    ]
