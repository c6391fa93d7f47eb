"""Content versions: which part of the knowledge base changed, so caches drop only what it shows.

Table `content_version` (migration 0006) holds one row per scope that has ever changed:

  ("all", 0)          an ingest, a search reindex: anything may have changed
  ("site", 0)         any post, edit, vote or delete (home, lists, authors, search)
  ("outline", 0)      a question added, deleted, retitled, or answered for the first time /
                      no longer answered: what links to a question (neighbours, related, children) show
  ("collection", id)  one collection's list of questions and their counts
  ("question", id)    one question's page: the question, its answers, replies, votes, acceptance

`version` is one sequence over the whole table: a bump sets every row it touches to max + 1,
in the writer's own transaction, so a reader that saw sequence N asks only for rows above N.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy.engine import Connection

ALL, SITE, OUTLINE, COLLECTION, QUESTION = "all", "site", "outline", "collection", "question"

_BUMP = (
    "INSERT INTO content_version (scope, key, version)"
    " SELECT scope, key, (SELECT coalesce(max(version), 0) + 1 FROM content_version)"
    " FROM (SELECT ? AS scope, ? AS key{more}) WHERE true"
    " ON CONFLICT (scope, key) DO UPDATE SET version = excluded.version"
)


def bump(conn: Connection, *, questions: Iterable[int] = (), collections: Iterable[int] = (),
         outline: bool = False, everything: bool = False) -> None:
    """Mark these scopes changed (the site scope always), inside the caller's write transaction."""
    rows = [(SITE, 0)] + [(QUESTION, int(q)) for q in set(questions)] + [(COLLECTION, int(c)) for c in set(collections)]
    if outline:
        rows.append((OUTLINE, 0))
    if everything:
        rows.append((ALL, 0))
    sql = _BUMP.format(more=" UNION ALL SELECT ?, ?" * (len(rows) - 1))
    conn.exec_driver_sql(sql, tuple(value for row in rows for value in row))


def question_scopes(conn: Connection, question_ids: Iterable[int]) -> tuple[list[int], list[int]]:
    """(question ids, their collection ids), for a bump after writing to these questions."""
    ids = sorted(set(question_ids))
    if not ids:
        return [], []
    rows = conn.exec_driver_sql(
        f"SELECT DISTINCT collection_id FROM question WHERE id IN ({','.join('?' * len(ids))})", tuple(ids)
    ).scalars()
    return ids, list(rows)


def changed_since(dbapi_connection, seen: int) -> list[tuple[str, int, int]]:
    """(scope, key, version) of every row bumped after sequence `seen` (a raw sqlite3 connection)."""
    return dbapi_connection.execute(
        "SELECT scope, key, version FROM content_version WHERE version > ? ORDER BY version", (seen,)
    ).fetchall()


def collection_ids_by_slug(dbapi_connection) -> dict[str, int]:
    return dict(dbapi_connection.execute("SELECT slug, id FROM collection").fetchall())
