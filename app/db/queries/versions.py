"""Content versions: which part of the knowledge base changed, so caches drop only what it shows.

Table `content_version` (migration 0006) holds one row per scope that has ever changed:

  ("all", 0)          an ingest, a search reindex: anything may have changed
  ("site", 0)         any post, edit, vote or delete (home, lists, authors, search)
  ("outline", 0)      every question page at once (an account's new display name); a question
                      added, retitled, answered, deleted or hidden bumps instead the questions whose
                      pages link to it (bump's linked_to)
  ("collection", id)  one collection's list of questions and their counts
  ("question", id)    one question's page as a whole: its text, its links, its panels, its thread
  ("thread", id)      one question's thread alone: its answers, replies, votes, acceptance and the
                      counters they move; a page depends on both, the rest of the page (neighbour and
                      related links, demo panel, references, concepts) only on "question" and wider,
                      so a new answer leaves that part valid (app.services.reading.DetailMemo)
  ("search", 0)       the search index's documents (with "all": whatever wrote them), for the
                      indexer's memory of the index vocabulary (app.services.indexing)

`version` is one sequence over the whole table: a bump sets every row it touches to max + 1,
in the writer's own transaction, so a reader that saw sequence N asks only for rows above N. SQLite
has one writer at a time; on PostgreSQL a transaction-scoped advisory lock makes the bumps take turns
(held to commit), so no two transactions hand out the same number and numbers commit in order.

A new database starts its sequence again, so the versions say which content only together with the
database's identity (database_identity): a random value written by migration 0013, and on PostgreSQL
also the database's oid, which a restore into a new database changes (`kb backup` gives a SQLite copy
an identity of its own for the same reason).
"""

from __future__ import annotations

import secrets
import sqlite3
from collections.abc import Iterable

from sqlalchemy.engine import Connection

from app.db.engine import is_sqlite
from app.db.sql import run

ALL, SITE, OUTLINE, COLLECTION, QUESTION, THREAD, SEARCH = (
    "all", "site", "outline", "collection", "question", "thread", "search")
IDENTITY = "database_identity"  # the stored_fingerprint row migration 0013 writes
VERSION_LOCK = 0x6B62_7665  # PostgreSQL advisory lock key of the version sequence ("kbve")

_BUMP = (
    "INSERT INTO content_version (scope, key, version)"
    " SELECT scope, key, (SELECT coalesce(max(version), 0) + 1 FROM content_version)"
    " FROM (SELECT ? AS scope, ? AS key{more}) AS changed WHERE key IS NOT NULL"
    " ON CONFLICT (scope, key) DO UPDATE SET version = excluded.version"
)
# The pages that show a link to a question (its title, its answered state): the neighbours before
# and after it in its collection, its parent, its children, the questions closed as its duplicates
# or it as theirs, and the questions whose stored related list names it.
_VISIBLE = "p.collection_id = q.collection_id AND p.deleted_at IS NULL AND p.retired_at IS NULL"
_LINKING = (
    f" UNION SELECT 'question', (SELECT p.id FROM question AS p WHERE {_VISIBLE} AND (p.position < q.position"
    " OR (p.position = q.position AND p.id < q.id)) ORDER BY p.position DESC, p.id DESC LIMIT 1)"
    " FROM question AS q WHERE q.id IN ({marks})"
    f" UNION SELECT 'question', (SELECT p.id FROM question AS p WHERE {_VISIBLE} AND (p.position > q.position"
    " OR (p.position = q.position AND p.id > q.id)) ORDER BY p.position, p.id LIMIT 1)"
    " FROM question AS q WHERE q.id IN ({marks})"
    " UNION SELECT 'question', parent_id FROM question WHERE id IN ({marks})"
    " UNION SELECT 'question', duplicate_of_id FROM question WHERE id IN ({marks})"
    " UNION SELECT 'question', id FROM question WHERE parent_id IN ({marks}) OR duplicate_of_id IN ({marks})"
    " UNION SELECT 'question', question_id FROM related_question WHERE related_id IN ({marks})"
)
_LINKING_SETS = 7  # how many times the ids are bound in _LINKING


def bump(conn: Connection, *, questions: Iterable[int] = (), threads: Iterable[int] = (),
         collections: Iterable[int] = (), linked_to: Iterable[int] = (), outline: bool = False,
         everything: bool = False, search: bool = False) -> None:
    """Mark these scopes changed (the site scope always), inside the caller's write transaction, in
    one statement. `threads`: questions whose thread alone changed (answers, replies, votes,
    acceptance and the question's counters), nothing else their pages show. `linked_to`: questions
    added, retitled, answered or unanswered, deleted or hidden, whose links on other pages change:
    those pages are bumped too (instead of every question page's outline, which is left for changes
    that reach every page). `search`: search documents were written or deleted (everything implies it)."""
    rows = [(SITE, 0)] + [(QUESTION, int(q)) for q in set(questions)] + [(THREAD, int(q)) for q in set(threads)]
    rows += [(COLLECTION, int(c)) for c in set(collections)]
    if outline:
        rows.append((OUTLINE, 0))
    if everything:
        rows.append((ALL, 0))
    if search:
        rows.append((SEARCH, 0))
    hold_sequence(conn)
    # UNION, not UNION ALL: a row twice would be a second update of it in one INSERT (PostgreSQL refuses).
    more = " UNION SELECT ?, ?" * (len(rows) - 1)
    params = [value for row in rows for value in row]
    linking = sorted({int(q) for q in linked_to})
    if linking:
        more += _LINKING.format(marks=",".join("?" * len(linking)))
        params.extend(linking * _LINKING_SETS)
    run(conn, _BUMP.format(more=more), tuple(params))


def search_generation(conn: Connection) -> int:
    """Changes whenever any process commits a write of search documents (bump's `search` or
    `everything`): what was read from the index's vocabulary before still holds while it is the same."""
    return run(conn, "SELECT coalesce(max(version), 0) FROM content_version WHERE scope IN (?, ?)",
               (ALL, SEARCH)).scalar_one()


def hold_sequence(conn: Connection) -> None:
    """PostgreSQL: take the sequence's lock now, until the transaction ends. Every write bumps before
    it commits, so once this returns no write commits until this transaction has: its reads see every
    write that committed, and no other (SQLite's write lock does the same by itself)."""
    if not is_sqlite(conn):
        run(conn, "SELECT pg_advisory_xact_lock(?)", (VERSION_LOCK,))


def question_scopes(conn: Connection, question_ids: Iterable[int]) -> tuple[list[int], list[int]]:
    """(question ids, their collection ids), for a bump after writing to these questions."""
    ids = sorted(set(question_ids))
    if not ids:
        return [], []
    rows = run(conn,
        f"SELECT DISTINCT collection_id FROM question WHERE id IN ({','.join('?' * len(ids))})", tuple(ids)
    ).scalars()
    return ids, list(rows)


def _read(connection: sqlite3.Connection | Connection, sql: str, params: tuple = ()) -> list[tuple]:
    """A raw sqlite3 connection (SQLite's change detector) or a SQLAlchemy one (PostgreSQL)."""
    if isinstance(connection, sqlite3.Connection):
        return connection.execute(sql, params).fetchall()
    return [tuple(row) for row in run(connection, sql, params)]


def changed_since(connection: sqlite3.Connection | Connection, seen: int) -> list[tuple[str, int, int]]:
    """(scope, key, version) of every row bumped after sequence `seen`."""
    return _read(connection, "SELECT scope, key, version FROM content_version WHERE version > ? ORDER BY version",
                 (seen,))


def collection_ids_by_slug(connection: sqlite3.Connection | Connection) -> dict[str, int]:
    return dict(_read(connection, "SELECT slug, id FROM collection"))


def database_identity(connection: sqlite3.Connection | Connection) -> str | None:
    """Which database this is (None before migration 0013): the same for every process that opens it."""
    rows = _read(connection, "SELECT value FROM stored_fingerprint WHERE name = ?", (IDENTITY,))
    if not rows:
        return None
    if isinstance(connection, sqlite3.Connection) or is_sqlite(connection):
        return str(rows[0][0])
    oid = _read(connection, "SELECT oid FROM pg_database WHERE datname = current_database()")[0][0]
    return f"{rows[0][0]}.{oid}"


def renew_identity(connection: sqlite3.Connection) -> None:
    """Give a copy of a SQLite database (a backup) an identity of its own: once restored, its
    versions go on from where the copy was made and must not match validators of the original."""
    connection.execute("UPDATE stored_fingerprint SET value = ? WHERE name = ?", (secrets.token_hex(16), IDENTITY))
    connection.commit()

