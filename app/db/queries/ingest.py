"""Writes done by ingest. Raw driver SQL on the caller's Connection: ingest inserts tens of
thousands of rows and the ORM's per-row overhead would dominate. Every function runs inside the
caller's per-file transaction."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields
from datetime import datetime

from sqlalchemy.engine import Connection

from app.clock import now_utc
from app.db.engine import is_sqlite
from app.db.sql import greatest, run


@dataclass(frozen=True, slots=True)
class SectionRow:
    title: str | None
    source_line: int | None
    intro_md: str
    intro_html: str


@dataclass(frozen=True, slots=True)
class QuestionRow:
    """The columns ingest owns on an ingested question (the rest are counters and posted state)."""

    section_id: int | None
    label: str | None
    title: str
    body_md: str
    body_html: str
    author: str | None
    page_ref: str | None
    source_line: int | None
    position: int
    fingerprint: str

    def params(self) -> tuple:
        """The values in QUESTION_COLUMNS order, for the driver."""
        return tuple(getattr(self, column) for column in QUESTION_COLUMNS)


@dataclass(frozen=True, slots=True)
class IngestedQuestion:
    """An ingested question already stored for a file: what a changed file's questions are matched by."""

    id: int
    fingerprint: str
    label: str | None


@dataclass(frozen=True, slots=True)
class ReactionRow:
    """An ingested reaction, on a question or on an answer (exactly one of the ids is set)."""

    question_id: int | None
    answer_id: int | None
    kind: str
    emoji: str
    author: str | None
    source_line: int | None


@dataclass(frozen=True, slots=True)
class ReferenceRow:
    question_id: int
    position: int
    title: str
    url: str
    source_line: int | None


@dataclass(frozen=True, slots=True)
class FileReport:
    """Something ingest could not place or use in a file, kept as the file's report."""

    line: int | None
    kind: str  # unplaced | boilerplate | missing_image | error | empty | demo_link | ...
    message: str
    text: str = ""


@dataclass(frozen=True, slots=True)
class AnswerRow:
    parent_id: int | None
    author: str | None
    body_md: str
    body_html: str
    source_line: int | None
    position: int
    fingerprint: str | None  # None: a row ingest does not own

    def params(self) -> tuple:
        """The values in ANSWER_COLUMNS order, for the driver."""
        return tuple(getattr(self, column) for column in ANSWER_COLUMNS)


def db_time(value: datetime | None = None) -> str:
    """The text form SQLAlchemy's SQLite DateTime type reads back."""
    return (value or now_utc()).strftime("%Y-%m-%d %H:%M:%S.%f")


def collection_hashes(conn: Connection) -> dict[str, str | None]:
    rows = run(conn, "SELECT source_path, content_hash FROM collection WHERE source_path IS NOT NULL")
    return {path: digest for path, digest in rows}


def find_collection(conn: Connection, source_path: str) -> tuple[int, str] | None:
    row = run(conn, "SELECT id, slug FROM collection WHERE source_path = ?", (source_path,)).first()
    return (row[0], row[1]) if row else None


def slug_taken(conn: Connection, slug: str) -> bool:
    return run(conn, "SELECT 1 FROM collection WHERE slug = ?", (slug,)).first() is not None


def insert_collection(conn: Connection, *, slug: str, title: str, kind: str, source_path: str, content_hash: str,
                      intro_md: str, intro_html: str, notes_md: str, notes_html: str, now: str | None = None) -> int:
    now = now or db_time()
    result = run(conn,
        "INSERT INTO collection (slug, title, source_title, kind, source_path, content_hash, intro_md, intro_html,"
        " notes_md, notes_html, origin, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?, 'ingested', ?, ?)"
        " RETURNING id",
        (slug, title, title, kind, source_path, content_hash, intro_md, intro_html, notes_md, notes_html, now, now),
    )
    return result.scalar_one()


def update_collection(conn: Connection, collection_id: int, *, title: str, kind: str, content_hash: str,
                      intro_md: str, intro_html: str, notes_md: str, notes_html: str, now: str | None = None) -> None:
    """title: the file's own title. The shown title is set again from it by sync_collection_titles."""
    run(conn,
        "UPDATE collection SET title=?, source_title=?, kind=?, content_hash=?, intro_md=?, intro_html=?,"
        " notes_md=?, notes_html=?, updated_at=? WHERE id=?",
        (title, title, kind, content_hash, intro_md, intro_html, notes_md, notes_html, now or db_time(), collection_id),
    )


def ingested_collection_titles(conn: Connection) -> list[tuple[int, str, str, str | None]]:
    """(id, source_path, shown title, the file's own title) of every collection that comes from a file."""
    return [tuple(row) for row in run(conn,
        "SELECT id, source_path, title, source_title FROM collection WHERE source_path IS NOT NULL ORDER BY id")]


def set_collection_title(conn: Connection, collection_id: int, title: str) -> None:
    run(conn, "UPDATE collection SET title = ? WHERE id = ?", (title, collection_id))


def replace_sections(conn: Connection, collection_id: int, sections: Sequence[SectionRow], *,
                     is_new: bool = False) -> list[int]:
    """Replaces the collection's sections; returns the new ids in order.

    is_new: the collection was inserted in this transaction, so it has no sections to delete."""
    if not is_new:
        run(conn, "DELETE FROM section WHERE collection_id = ?", (collection_id,))
    if not sections:
        return []
    run(conn,
        "INSERT INTO section (collection_id, position, title, source_line, intro_md, intro_html) VALUES (?,?,?,?,?,?)",
        [(collection_id, position, s.title, s.source_line, s.intro_md, s.intro_html)
         for position, s in enumerate(sections)],
    )
    rows = run(conn, "SELECT id FROM section WHERE collection_id = ? ORDER BY position", (collection_id,))
    return [row[0] for row in rows]


def ingested_questions(conn: Connection, collection_id: int) -> list[IngestedQuestion]:
    """The collection's ingested questions, retired ones included."""
    rows = run(conn,
        "SELECT id, fingerprint, label FROM question WHERE collection_id = ? AND origin = 'ingested'",
        (collection_id,),
    )
    return [IngestedQuestion(*row) for row in rows]


QUESTION_COLUMNS = tuple(f.name for f in fields(QuestionRow))


def insert_question(conn: Connection, collection_id: int, row: QuestionRow, now: str | None = None) -> int:
    now = now or db_time()
    result = run(conn,
        f"INSERT INTO question (collection_id, {', '.join(QUESTION_COLUMNS)}, origin, answer_count, answered,"
        " plus_one_count, last_activity_at, created_at, updated_at)"
        f" VALUES (?, {', '.join('?' * len(QUESTION_COLUMNS))}, 'ingested', 0, false, 0, ?, ?, ?) RETURNING id",
        (collection_id, *row.params(), now, now, now),
    )
    return result.scalar_one()


def update_question(conn: Connection, question_id: int, row: QuestionRow, now: str | None = None) -> None:
    assignments = ", ".join(f"{column}=?" for column in QUESTION_COLUMNS)
    run(conn,
        f"UPDATE question SET {assignments}, retired_at=NULL, updated_at=? WHERE id=?",
        (*row.params(), now or db_time(), question_id),
    )


def set_question_parents(conn: Connection, pairs: Iterable[tuple[int | None, int]]) -> None:
    pairs = list(pairs)
    if pairs:
        run(conn, "UPDATE question SET parent_id=? WHERE id=?", pairs)


def questions_with_posted_rows(conn: Connection, question_ids: Sequence[int]) -> set[int]:
    """The questions someone acted on: a posted answer under them, a +1, a vote on one of their answers.
    Ingest retires these (hidden, kept with everything hanging on them) instead of deleting them."""
    if not question_ids:
        return set()
    marks = ",".join("?" * len(question_ids))
    rows = run(conn,
        f"SELECT DISTINCT question_id FROM answer WHERE origin = 'posted' AND question_id IN ({marks})"
        f" UNION SELECT DISTINCT question_id FROM vote WHERE question_id IN ({marks})"
        f" UNION SELECT DISTINCT answer.question_id FROM vote JOIN answer ON answer.id = vote.answer_id"
        f" WHERE answer.question_id IN ({marks})",
        (*question_ids, *question_ids, *question_ids),
    )
    return {row[0] for row in rows}


def questions_with_visible_posted_answers(conn: Connection, question_ids: Sequence[int]) -> list[int]:
    """Those of the questions under which a posted answer is shown: a file's search document holds the
    file's text only, so theirs must be made again from the rows."""
    if not question_ids:
        return []
    marks = ",".join("?" * len(question_ids))
    return sorted(run(conn,
        f"SELECT DISTINCT question_id FROM answer WHERE origin = 'posted' AND question_id IN ({marks})"
        " AND deleted_at IS NULL AND retired_at IS NULL", tuple(question_ids),
    ).scalars())


def retire_questions(conn: Connection, question_ids: Sequence[int], now: str | None = None) -> None:
    if question_ids:
        now = now or db_time()
        run(conn,
            "UPDATE question SET retired_at=?, section_id=NULL, updated_at=? WHERE id=?",
            [(now, now, question_id) for question_id in question_ids],
        )


def delete_questions(conn: Connection, question_ids: Sequence[int]) -> None:
    if question_ids:
        run(conn, "DELETE FROM question WHERE id=?", [(question_id,) for question_id in question_ids])


def ingested_answers(conn: Connection, question_id: int) -> list[tuple[int, str]]:
    rows = run(conn,
        "SELECT id, fingerprint FROM answer WHERE question_id = ? AND origin = 'ingested'", (question_id,)
    )
    return [tuple(row) for row in rows]


ANSWER_COLUMNS = tuple(f.name for f in fields(AnswerRow))


def insert_answer(conn: Connection, question_id: int, row: AnswerRow, now: str | None = None) -> int:
    now = now or db_time()
    result = run(conn,
        f"INSERT INTO answer (question_id, {', '.join(ANSWER_COLUMNS)}, origin, vote_score, created_at, updated_at)"
        f" VALUES (?, {', '.join('?' * len(ANSWER_COLUMNS))}, 'ingested', 0, ?, ?) RETURNING id",
        (question_id, *row.params(), now, now),
    )
    return result.scalar_one()


def update_answer(conn: Connection, answer_id: int, row: AnswerRow, now: str | None = None) -> None:
    assignments = ", ".join(f"{column}=?" for column in ANSWER_COLUMNS)
    run(conn,
        f"UPDATE answer SET {assignments}, retired_at=NULL, updated_at=? WHERE id=?",
        (*row.params(), now or db_time(), answer_id),
    )


def answers_with_posted_descendants(conn: Connection, answer_ids: Sequence[int]) -> set[int]:
    """The answers someone acted on, themselves or below them: a posted reply, a vote, an acceptance.
    Ingest retires these instead of deleting them, so the vote is there when the text comes back."""
    if not answer_ids:
        return set()
    marks = ",".join("?" * len(answer_ids))
    rows = run(conn,
        "WITH RECURSIVE tree(root, id) AS ("
        f" SELECT id, id FROM answer WHERE id IN ({marks})"
        " UNION ALL SELECT tree.root, answer.id FROM answer JOIN tree ON answer.parent_id = tree.id)"
        " SELECT DISTINCT tree.root FROM tree JOIN answer ON answer.id = tree.id WHERE answer.origin = 'posted'"
        " OR EXISTS (SELECT 1 FROM vote WHERE vote.answer_id = tree.id)"
        " OR EXISTS (SELECT 1 FROM question WHERE question.accepted_answer_id = tree.id)",
        tuple(answer_ids),
    )
    return {row[0] for row in rows}


def retire_answers(conn: Connection, answer_ids: Sequence[int], now: str | None = None) -> None:
    if answer_ids:
        now = now or db_time()
        run(conn,
            "UPDATE answer SET retired_at=?, updated_at=? WHERE id=?",
            [(now, now, answer_id) for answer_id in answer_ids]
        )


def delete_answers(conn: Connection, answer_ids: Sequence[int]) -> None:
    if answer_ids:
        run(conn, "DELETE FROM answer WHERE id=?", [(answer_id,) for answer_id in answer_ids])


def replace_ingested_reactions(conn: Connection, question_ids: Sequence[int], rows: Sequence[ReactionRow]) -> None:
    """Delete the ingested reactions of these questions (and of their answers), then insert rows.
    Questions inserted in this transaction have none to delete and need not be named."""
    if question_ids:
        run(conn,
            "DELETE FROM reaction WHERE origin = 'ingested' AND (question_id = ? OR answer_id IN"
            " (SELECT id FROM answer WHERE question_id = ?))",
            [(question_id, question_id) for question_id in question_ids],
        )
    if rows:
        run(conn,
            "INSERT INTO reaction (question_id, answer_id, kind, emoji, author, source_line, origin)"
            " VALUES (?,?,?,?,?,?, 'ingested')",
            [(r.question_id, r.answer_id, r.kind, r.emoji, r.author, r.source_line) for r in rows],
        )


def replace_references(conn: Connection, question_ids: Sequence[int], rows: Sequence[ReferenceRow]) -> None:
    """Delete the references of these questions, then insert rows. Questions inserted in this
    transaction have none to delete and need not be named."""
    if question_ids:
        run(conn, "DELETE FROM reference WHERE question_id = ?", [(qid,) for qid in question_ids])
    if rows:
        run(conn,
            "INSERT INTO reference (question_id, position, title, url, source_line) VALUES (?,?,?,?,?)",
            [(r.question_id, r.position, r.title, r.url, r.source_line) for r in rows],
        )


def replace_reports(conn: Connection, source_path: str, rows: Sequence[FileReport], now: str | None = None) -> None:
    run(conn, "DELETE FROM ingestreport WHERE source_path = ?", (source_path,))
    if rows:
        now = now or db_time()
        run(conn,
            "INSERT INTO ingestreport (source_path, line, kind, message, text, created_at) VALUES (?,?,?,?,?,?)",
            [(source_path, r.line, r.kind, r.message, r.text, now) for r in rows],
        )


def refresh_question_counters(conn: Connection, *, collection_id: int | None = None,
                              question_ids: Sequence[int] | None = None) -> list[tuple[int, int, bool]]:
    """Recompute the denormalised counters that lists read, from the rows themselves, in one
    statement; for `question_ids`, returns (id, collection_id, answered) of the rows it updated.

    Shared by ingest and the write services so both count the same way: an answer counts when it
    is neither deleted nor retired; +1s are ingested "2222" reactions plus account votes.
    """
    params: tuple[int, ...]
    if collection_id is not None:
        where, params, returning = "collection_id = ?", (collection_id,), ""
    elif question_ids:
        where, params = f"id IN ({','.join('?' * len(question_ids))})", tuple(question_ids)
        returning = " RETURNING id, collection_id, answered"
    else:
        return []
    answers = ("(SELECT count(*) FROM answer a WHERE a.question_id = question.id"
               " AND a.deleted_at IS NULL AND a.retired_at IS NULL)")
    replies = ("(SELECT count(*) FROM answer a WHERE a.question_id = question.id AND a.parent_id IS NOT NULL"
               " AND a.deleted_at IS NULL AND a.retired_at IS NULL)")
    result = run(conn,
        # Answered means an answer of its own: replies left under a hidden or deleted answer do not count.
        f"UPDATE question SET answer_count = {answers}, reply_count = {replies}, answered = ({answers} > {replies}),"
        " plus_one_count = (SELECT count(*) FROM reaction r WHERE r.question_id = question.id AND r.kind = 'plus_one')"
        "   + (SELECT count(*) FROM vote v WHERE v.question_id = question.id),"
        f" last_activity_at = {greatest(conn)}(question.created_at, coalesce((SELECT max(a.updated_at) FROM answer a"
        "   WHERE a.question_id = question.id AND a.deleted_at IS NULL), question.created_at))"
        f" WHERE {where}{returning}",
        params,
    )
    return [(qid, cid, bool(answered)) for qid, cid, answered in result] if returning else []


def wal_autocheckpoint(conn: Connection, pages: int | None = None) -> int | None:
    """This connection's WAL checkpoint interval in pages; sets it first when `pages` is given.
    None on PostgreSQL, whose checkpoints are the server's business."""
    if not is_sqlite(conn):
        return None
    if pages is not None:
        run(conn, f"PRAGMA wal_autocheckpoint = {int(pages)}")
    return run(conn, "PRAGMA wal_autocheckpoint").scalar_one()


def collections_without_files(conn: Connection, present: set[str]) -> list[tuple[int, str]]:
    rows = run(conn, "SELECT id, source_path FROM collection WHERE origin = 'ingested'")
    return [(cid, path) for cid, path in rows if path is not None and path not in present]


def delete_collection_if_empty(conn: Connection, collection_id: int) -> bool:
    remaining = run(conn,
        "SELECT count(*) FROM question WHERE collection_id = ?", (collection_id,)
    ).scalar_one()
    if remaining:
        return False
    run(conn, "DELETE FROM collection WHERE id = ?", (collection_id,))
    return True


def visible_question_ids_of(conn: Connection, source_paths: Sequence[str]) -> list[int]:
    """The visible questions of the collections read from these files."""
    if not source_paths:
        return []
    return list(run(conn,
        "SELECT q.id FROM question AS q JOIN collection AS c ON c.id = q.collection_id"
        f" WHERE c.source_path IN ({','.join('?' * len(source_paths))})"
        " AND q.deleted_at IS NULL AND q.retired_at IS NULL ORDER BY q.id", tuple(source_paths)).scalars())
