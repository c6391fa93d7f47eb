"""SQL of the stored related questions (table related_question, migration 0023): what a question
page's related list shows, and whose lists name a question. Every function takes a Connection."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from sqlalchemy.engine import Connection

from app.db.sql import run

Entry = tuple[int, float | None]  # (related question id, the concept overlap that ranked it)


def _marks(count: int) -> str:
    return ",".join("?" * count)


def related_links(conn: Connection, question_id: int) -> list[tuple[int, str | None, str, bool, str]]:
    """(id, label, title, answered, collection title) of the question's stored related questions that
    are visible now, in their order: titles and states are read live, the choice was made at write time."""
    rows = run(conn,
        "SELECT q.id, q.label, q.title, q.answered, c.title FROM related_question AS r"
        " JOIN question AS q ON q.id = r.related_id JOIN collection AS c ON c.id = q.collection_id"
        " WHERE r.question_id = ? AND q.deleted_at IS NULL AND q.retired_at IS NULL ORDER BY r.position",
        (question_id,))
    return [(r[0], r[1], r[2], bool(r[3]), r[4]) for r in rows]


def stored_entries(conn: Connection, question_ids: Iterable[int]) -> dict[int, list[Entry]]:
    """question id → its stored list, in order (a question with none stored is absent)."""
    ids = sorted(set(question_ids))
    found: dict[int, list[Entry]] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        for question_id, related_id, score in run(conn,
            "SELECT question_id, related_id, score FROM related_question"
            f" WHERE question_id IN ({_marks(len(chunk))}) ORDER BY question_id, position", tuple(chunk),
        ):
            found.setdefault(question_id, []).append((related_id, score))
    return found


def naming(conn: Connection, question_ids: Sequence[int]) -> set[int]:
    """The questions whose stored list names one of these."""
    if not question_ids:
        return set()
    return set(run(conn,
        f"SELECT DISTINCT question_id FROM related_question WHERE related_id IN ({_marks(len(question_ids))})",
        tuple(question_ids)).scalars())


def replace(conn: Connection, lists: Mapping[int, Sequence[Entry]]) -> None:
    """Store these questions' lists in place of what they had, inside the caller's transaction."""
    ids = sorted(lists)
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        run(conn, f"DELETE FROM related_question WHERE question_id IN ({_marks(len(chunk))})", tuple(chunk))
    rows = [(question_id, position, related_id, score)
            for question_id in ids for position, (related_id, score) in enumerate(lists[question_id])]
    if rows:
        run(conn, "INSERT INTO related_question (question_id, position, related_id, score) VALUES (?, ?, ?, ?)",
            rows)


def replace_all(conn: Connection, lists: Mapping[int, Sequence[Entry]]) -> None:
    """Every stored list again: the questions absent from `lists` keep none."""
    run(conn, "DELETE FROM related_question")
    replace(conn, lists)


def any_stored(conn: Connection) -> bool:
    return run(conn, "SELECT 1 FROM related_question LIMIT 1").first() is not None
