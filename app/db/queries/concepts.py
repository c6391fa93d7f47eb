"""Reads for the concept pages: which questions mention a concept, read from the search index that
ingest and every write already keep (concept ids are tokens of its title, body and answers columns)."""

from __future__ import annotations

from sqlalchemy.engine import Connection

from app.db.sql import run

# The concept's own columns; title_broader/text_broader hold the broader concepts above a term.
_MENTION_COLUMNS = ("title", "body", "answers")


def mentioning_questions(conn: Connection, concept_id: str) -> list[tuple[int, str, str, str]]:
    """(question id, title tokens, body tokens, answer tokens) of every visible question whose own
    text names the concept. `concept_id` must be a dictionary id (letters, digits, _)."""
    match = "{" + " ".join(_MENTION_COLUMNS) + '} : "' + concept_id + '"'
    rows = run(conn,
        "SELECT i.rowid, i.title, i.body, i.answers FROM search_index AS i"
        " JOIN question AS q ON q.id = i.rowid"
        " WHERE search_index MATCH ? AND q.deleted_at IS NULL AND q.retired_at IS NULL",
        (match,),
    )
    return [(row[0], row[1] or "", row[2] or "", row[3] or "") for row in rows]


def all_mentions(conn: Connection) -> list[tuple[str, str, str]]:
    """(title, body, answer tokens) of every visible question: the concept list counts over them."""
    rows = run(conn,
        "SELECT i.title, i.body, i.answers FROM search_index AS i JOIN question AS q ON q.id = i.rowid"
        " WHERE q.deleted_at IS NULL AND q.retired_at IS NULL"
    )
    return [(row[0] or "", row[1] or "", row[2] or "") for row in rows]

