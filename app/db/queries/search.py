"""SQL of the search index (tables made by migration 0002). Every function takes a Connection.

Two implementations behind these functions: FTS5 on SQLite (here), a tsvector with a GIN index on
PostgreSQL (app.db.queries.search_postgres, which reads the same FTS5-style expressions and ranks
with the same bm25 weights). Callers never see which.

Writes are called inside the caller's transaction (the loader's per-file transaction, a write
service's session). MATCH expressions come only from app.search.query, which quotes every token.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy.engine import Connection

from app.db.engine import is_sqlite
from app.db.queries import search_postgres as postgres
from app.db.sql import run

# bm25 column weights: a match in the title counts most, then the question body, then answers;
# a broader concept of a term (batch normalization → normalization) counts less than the term.
TITLE_WEIGHT = 10.0
BODY_WEIGHT = 3.0
ANSWERS_WEIGHT = 1.0
TITLE_BROADER_WEIGHT = 3.0
TEXT_BROADER_WEIGHT = 0.5
COLUMN_WEIGHTS = (TITLE_WEIGHT, BODY_WEIGHT, ANSWERS_WEIGHT, TITLE_BROADER_WEIGHT, TEXT_BROADER_WEIGHT)
WEIGHTS = ", ".join(str(weight) for weight in COLUMN_WEIGHTS)
# Scores are negative (lower is better); an answered question's score is multiplied by this.
ANSWERED_BOOST = 1.15

_CHUNK = 500  # ids per IN (...) list


def _chunks(values: Sequence, size: int = _CHUNK):
    for start in range(0, len(values), size):
        yield values[start:start + size]


def _marks(count: int) -> str:
    return ",".join("?" * count)


# --- writes ------------------------------------------------------------------------------


def write_search_docs(conn: Connection, items: list[tuple[int, object]]) -> None:
    """Replace the indexed document of each (question_id, SearchDoc)."""
    if not items:
        return
    delete_search_docs(conn, [question_id for question_id, _ in items])
    run(conn,
        "INSERT INTO search_index (rowid, title, body, answers, title_broader, text_broader) VALUES (?, ?, ?, ?, ?, ?)",
        [
            (qid, doc.title_terms, doc.body_terms, doc.answers_terms, doc.title_broader_terms, doc.text_broader_terms)
            for qid, doc in items
        ],
    )
    run(conn,
        "INSERT INTO search_text (question_id, title, body, answers) VALUES (?, ?, ?, ?)",
        [(qid, doc.title_text, doc.body_text, doc.answers_text) for qid, doc in items],
    )


def delete_search_docs(conn: Connection, question_ids: list[int]) -> None:
    ids = sorted(set(question_ids))
    for chunk in _chunks(ids):
        marks = _marks(len(chunk))
        run(conn, f"DELETE FROM search_index WHERE rowid IN ({marks})", tuple(chunk))
        run(conn, f"DELETE FROM search_text WHERE question_id IN ({marks})", tuple(chunk))


def clear_search_index(conn: Connection) -> None:
    run(conn, "DELETE FROM search_index")
    run(conn, "DELETE FROM search_text")


def optimize_search_index(conn: Connection) -> None:
    """Merge the FTS5 b-trees into one (after a bulk rebuild): smaller and faster to query. PostgreSQL's
    GIN index needs no such step."""
    if not is_sqlite(conn):
        return
    run(conn, "INSERT INTO search_index (search_index) VALUES ('optimize')")


def indexed_count(conn: Connection) -> int:
    return run(conn, "SELECT count(*) FROM search_text").scalar_one()


# --- what reindexing reads ----------------------------------------------------------------


@dataclass(frozen=True)
class QuestionSource:
    id: int
    title: str
    body_html: str
    answer_htmls: list[str]


def visible_question_ids(conn: Connection, after_id: int = 0, limit: int = 1000) -> list[int]:
    return list(run(conn,
        "SELECT id FROM question WHERE id > ? AND deleted_at IS NULL AND retired_at IS NULL ORDER BY id LIMIT ?",
        (after_id, limit),
    ).scalars())


def question_sources(conn: Connection, question_ids: Sequence[int]) -> list[QuestionSource]:
    """Title, body and visible answers of these questions (deleted or retired ones are left out)."""
    if not question_ids:
        return []
    marks = _marks(len(question_ids))
    rows = run(conn,
        f"SELECT id, title, body_html FROM question WHERE id IN ({marks})"
        " AND deleted_at IS NULL AND retired_at IS NULL ORDER BY id",
        tuple(question_ids),
    ).all()
    answers: dict[int, list[str]] = {}
    for question_id, body_html in run(conn,
        f"SELECT question_id, body_html FROM answer WHERE question_id IN ({marks})"
        " AND deleted_at IS NULL AND retired_at IS NULL ORDER BY question_id, position, id",
        tuple(question_ids),
    ):
        answers.setdefault(question_id, []).append(body_html or "")
    return [QuestionSource(qid, title or "", body or "", answers.get(qid, [])) for qid, title, body in rows]


def stored_docs(conn: Connection, question_ids: Sequence[int]) -> dict[int, tuple[str, str, str, str, str]]:
    """question id → the token columns its search document holds (title, body, answers,
    title_broader, text_broader): what the automatic demo linker scores."""
    docs: dict[int, tuple[str, str, str, str, str]] = {}
    for chunk in _chunks(sorted(set(question_ids))):
        for row in run(conn,
            "SELECT rowid, title, body, answers, title_broader, text_broader FROM search_index"
            f" WHERE rowid IN ({_marks(len(chunk))})", tuple(chunk),
        ):
            docs[row[0]] = tuple(value or "" for value in row[1:])
    return docs


# --- reads ---------------------------------------------------------------------------------


# One index token: what unicode61 (with '_' as a token character) keeps whole. Anything else is never
# in the vocabulary, and quoted in MATCH it would be a phrase, which detail=column cannot answer.
_ONE_TOKEN = re.compile(r"\w+")
_PG_PRESENT = (
    "SELECT t.term FROM unnest(CAST(? AS text[])) AS t(term) WHERE EXISTS"
    " (SELECT 1 FROM search_index AS i WHERE i.document @@ CAST(quote_literal(t.term) AS tsquery))"
)


def known_terms(conn: Connection, tokens: Iterable[str]) -> set[str]:
    """The tokens that occur in the index, in one statement. Each is an existence test that stops at
    the first document holding it; search_vocab would count every document of a common token (tens
    of milliseconds for a hundred tokens on a 20,000-question index, against under two)."""
    values = sorted({token for token in tokens if _ONE_TOKEN.fullmatch(token)})
    found: set[str] = set()
    for chunk in _chunks(values):
        if not is_sqlite(conn):
            found.update(run(conn, _PG_PRESENT, (list(chunk),)).scalars())
            continue
        one = "SELECT ? WHERE EXISTS (SELECT 1 FROM search_index WHERE search_index MATCH ?)"
        params = [value for token in chunk for value in (token, '"' + token.replace('"', '""') + '"')]
        found.update(run(conn, " UNION ALL ".join([one] * len(chunk)), tuple(params)).scalars())
    return found


# PostgreSQL has no vocabulary table: a token's documents are found through the GIN index on the
# tsvector, one lexeme at a time (a quoted lexeme cast to tsquery is taken verbatim, never parsed).
_PG_FREQUENCIES = (
    "SELECT t.term, (SELECT count(*) FROM search_index AS i WHERE i.document @@ CAST(quote_literal(t.term) AS tsquery))"
    " AS doc FROM unnest(CAST(? AS text[])) AS t(term)"
)


def document_frequencies(conn: Connection, tokens: Iterable[str]) -> dict[str, int]:
    """token → how many indexed documents hold it, for the tokens the index knows."""
    values = sorted(set(tokens))
    found: dict[str, int] = {}
    for chunk in _chunks(values):
        if is_sqlite(conn):
            found.update(run(conn,
                f"SELECT term, doc FROM search_vocab WHERE term IN ({_marks(len(chunk))})", tuple(chunk)
            ).all())
        else:
            found.update((term, doc) for term, doc in run(conn, _PG_FREQUENCIES, (list(chunk),)) if doc)
    return found


@dataclass(frozen=True)
class Filters:
    collection_id: int | None = None
    answered: bool | None = None

    @property
    def empty(self) -> bool:
        return self.collection_id is None and self.answered is None


NO_FILTERS = Filters()


@dataclass(frozen=True)
class Scored:
    question_id: int
    score: float  # higher is better


def _where(filters: Filters, rowids: tuple[int, int] | None = None,
           rowid: str = "search_index.rowid") -> tuple[str, list]:
    """The filters (and a (low, high] id window) as SQL after a WHERE, on question `q`; the same text on
    both engines, which name the index row differently."""
    sql, params = "", []
    if filters.collection_id is not None:
        sql += " AND q.collection_id = ?"
        params.append(filters.collection_id)
    if filters.answered is not None:
        sql += " AND q.answered = ?"
        params.append(bool(filters.answered))
    if rowids is not None:
        sql += f" AND {rowid} > ? AND {rowid} <= ?"
        params += list(rowids)
    return sql, params


def count_matches(conn: Connection, match: str, filters: Filters = NO_FILTERS, *, at_most: int | None = None,
                  rowids: tuple[int, int] | None = None) -> int:
    """How many indexed questions match an FTS5 expression (built by app.search; no scoring),
    counting no further than `at_most` (FTS5 counts at tens of nanoseconds a row: a cap keeps a
    query that matches half the index cheap); `rowids` = (low exclusive, high inclusive)."""
    if not is_sqlite(conn):
        where, params = _where(filters, rowids, postgres.ROWID)
        return postgres.count_matches(conn, match, where, params, not filters.empty, at_most)
    where, params = _where(filters, rowids)
    join = "" if filters.empty else " JOIN question AS q ON q.id = search_index.rowid"
    limit = "" if at_most is None else f" LIMIT {int(at_most)}"
    return run(conn,
        f"SELECT count(*) FROM (SELECT 1 FROM search_index{join} WHERE search_index MATCH ?{where}{limit})",
        (match, *params),
    ).scalar_one()


def capped_frequencies(conn: Connection, phrases: Iterable[str], at_most: int) -> dict[str, int]:
    """How many documents match each FTS5 phrase (quoted by app.search), counted no further than
    `at_most`, in one statement. search_vocab gives exact counts but reads a token's whole doclist:
    for a common concept a third of a millisecond that ranking does not need."""
    if not is_sqlite(conn):
        return postgres.capped_frequencies(conn, phrases, at_most)
    values = sorted(set(phrases))
    if not values:
        return {}
    one = "SELECT ?, (SELECT count(*) FROM (SELECT 1 FROM search_index WHERE search_index MATCH ? LIMIT ?))"
    params = [p for phrase in values for p in (phrase, phrase, int(at_most))]
    return dict(run(conn, " UNION ALL ".join([one] * len(values)), tuple(params)).all())


def rowid_at(conn: Connection, match: str, filters: Filters, position: int) -> int | None:
    """The question id at `position` among the matches, newest (highest id) first."""
    if not is_sqlite(conn):
        where, params = _where(filters, rowid=postgres.ROWID)
        return postgres.rowid_at(conn, match, where, params, not filters.empty, position)
    where, params = _where(filters)
    join = "" if filters.empty else " JOIN question AS q ON q.id = search_index.rowid"
    return run(conn,
        f"SELECT search_index.rowid FROM search_index{join} WHERE search_index MATCH ?{where}"
        " ORDER BY search_index.rowid DESC LIMIT 1 OFFSET ?",
        (match, *params, position),
    ).scalar()


def scored(
    conn: Connection, match: str, filters: Filters = NO_FILTERS, *, limit: int = 20, offset: int = 0,
    rowids: tuple[int, int] | None = None,
) -> list[Scored]:
    """Matches ranked by bm25 (column weights, answered boost), best first; `rowids` = (low, high]."""
    if not is_sqlite(conn):
        where, params = _where(filters, rowids, postgres.ROWID)
        ranked = postgres.scored(conn, match, where, params, COLUMN_WEIGHTS, ANSWERED_BOOST, limit, offset)
        return [Scored(question_id, round(-score, 4)) for question_id, score in ranked]
    where, params = _where(filters, rowids)
    rows = run(conn,
        f"SELECT q.id, bm25(search_index, {WEIGHTS}) * (CASE WHEN q.answered THEN {ANSWERED_BOOST} ELSE 1.0 END)"
        " AS score FROM search_index JOIN question AS q ON q.id = search_index.rowid"
        f" WHERE search_index MATCH ? AND q.deleted_at IS NULL AND q.retired_at IS NULL{where}"
        " ORDER BY score, q.id LIMIT ? OFFSET ?",
        (match, *params, limit, offset),
    ).all()
    return [Scored(r[0], round(-r[1], 4)) for r in rows]


PLAIN_TEXT = "(t.title || ' ' || t.body || ' ' || t.answers)"  # migration 0017 indexes this expression


def _like_pattern(word: str) -> str:
    """`word` anywhere, with LIKE's own wildcards in it matched as themselves."""
    return "%" + word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def partial_matches(conn: Connection, words: Sequence[str], filters: Filters = NO_FILTERS, *, limit: int = 20,
                    offset: int = 0, count_up_to: int | None = None) -> tuple[list[Scored], int]:
    """Questions whose plain text holds every word as typed, also inside a longer word, for when the
    analysed tokens match nothing: a word in the title counts 2, elsewhere 1, answered ones first on
    ties. PostgreSQL answers from its pg_trgm index (ILIKE, migration 0017); SQLite scans (LIKE)."""
    if not words:
        return [], 0
    like = "LIKE" if is_sqlite(conn) else "ILIKE"
    patterns = [_like_pattern(word) for word in words]
    contains = " AND ".join(f"{PLAIN_TEXT} {like} ? ESCAPE '\\'" for _ in patterns)
    score = " + ".join(f"CASE WHEN t.title {like} ? ESCAPE '\\' THEN 2 ELSE 1 END" for _ in patterns)
    where, params = _where(filters)
    matching = (f" FROM search_text AS t JOIN question AS q ON q.id = t.question_id WHERE {contains}"
                f" AND q.deleted_at IS NULL AND q.retired_at IS NULL{where}")
    rows = run(conn,
        f"SELECT q.id, {score} AS score{matching} ORDER BY score DESC, q.answered DESC, q.id LIMIT ? OFFSET ?",
        (*patterns, *patterns, *params, limit, offset),
    ).all()
    cap = "" if count_up_to is None else f" LIMIT {int(count_up_to)}"
    total = run(conn, f"SELECT count(*) FROM (SELECT 1{matching}{cap}) AS found", (*patterns, *params)).scalar_one()
    return [Scored(r[0], float(r[1])) for r in rows], total


def indexed_question_upper_bound(conn: Connection) -> int:
    """The highest indexed question id: about the number of indexed questions, in O(log n)."""
    return run(conn, "SELECT coalesce(max(question_id), 0) FROM search_text").scalar_one()


def question_rows(conn: Connection, question_ids: Sequence[int]) -> dict[int, tuple[str, int, bool, str | None]]:
    """id → (title, collection id, answered, label) for these questions."""
    if not question_ids:
        return {}
    rows = run(conn,
        f"SELECT id, title, collection_id, answered, label FROM question WHERE id IN ({_marks(len(question_ids))})",
        tuple(question_ids),
    )
    return {r[0]: (r[1], r[2], bool(r[3]), r[4]) for r in rows}


def search_texts(conn: Connection, question_ids: Sequence[int]) -> dict[int, tuple[str, str, str]]:
    if not question_ids:
        return {}
    rows = run(conn,
        f"SELECT question_id, title, body, answers FROM search_text WHERE question_id IN ({_marks(len(question_ids))})",
        tuple(question_ids),
    )
    return {r[0]: (r[1], r[2], r[3]) for r in rows}


def collection_ids(conn: Connection, slugs: Iterable[str] = ()) -> dict[str, int]:
    slugs = list(slugs)
    if not slugs:
        return {}
    rows = run(conn,
        f"SELECT slug, id FROM collection WHERE slug IN ({_marks(len(slugs))})", tuple(slugs)
    )
    return {slug: cid for slug, cid in rows}


def collection_slugs(conn: Connection, ids: Iterable[int]) -> dict[int, tuple[str, str]]:
    ids = sorted(set(ids))
    if not ids:
        return {}
    rows = run(conn, f"SELECT id, slug, title FROM collection WHERE id IN ({_marks(len(ids))})", tuple(ids))
    return {cid: (slug, title) for cid, slug, title in rows}


def all_collections(conn: Connection) -> list[tuple[str, str]]:
    return list(run(conn, "SELECT slug, title FROM collection ORDER BY kind, title").all())


# --- related questions --------------------------------------------------------------------


def indexed_terms(conn: Connection, question_id: int) -> dict[str, str] | None:
    """The stored tokens of one question by column (what its related questions share)."""
    row = run(conn,
        "SELECT title, body, answers, title_broader FROM search_index WHERE rowid = ?", (question_id,)
    ).first()
    if row is None:
        return None
    return dict(zip(("title", "body", "answers", "title_broader"), (value or "" for value in row), strict=True))


def indexed_terms_of(conn: Connection, question_ids: Sequence[int]) -> dict[int, dict[str, str]]:
    """indexed_terms for several questions in one query."""
    found: dict[int, dict[str, str]] = {}
    for chunk in _chunks(sorted(set(question_ids))):
        for row in run(conn,
            "SELECT rowid, title, body, answers, title_broader FROM search_index"
            f" WHERE rowid IN ({_marks(len(chunk))})", tuple(chunk),
        ):
            found[row[0]] = dict(zip(("title", "body", "answers", "title_broader"),
                                     (value or "" for value in row[1:]), strict=True))
    return found


def document_count(conn: Connection) -> int:
    return int(run(conn, "SELECT count(*) FROM search_index").scalar() or 0)


def same_demo_question_ids(conn: Connection, question_id: int, limit: int) -> list[int]:
    return list(run(conn,
        "SELECT other.question_id FROM demolink AS mine "
        "JOIN demolink AS other ON other.demo_slug = mine.demo_slug AND other.question_id != mine.question_id "
        "JOIN question AS q ON q.id = other.question_id "
        # Editors' links only: an automatic link comes from the very terms the related search ranks by.
        "WHERE mine.question_id = ? AND mine.match = 'editor' AND other.match = 'editor' "
        "AND q.deleted_at IS NULL AND q.retired_at IS NULL "
        "GROUP BY other.question_id ORDER BY min(other.position), other.question_id LIMIT ?",
        (question_id, limit),
    ).scalars())


def question_links(conn: Connection, question_ids: Sequence[int]) -> dict[int, tuple[str | None, str, bool, str]]:
    """id → (label, title, answered, collection title) for the visible ones among these questions."""
    if not question_ids:
        return {}
    rows = run(conn,
        "SELECT q.id, q.label, q.title, q.answered, c.title FROM question q JOIN collection c ON c.id = q.collection_id"
        f" WHERE q.id IN ({_marks(len(question_ids))}) AND q.deleted_at IS NULL AND q.retired_at IS NULL",
        tuple(question_ids),
    )
    return {r[0]: (r[1], r[2], bool(r[3]), r[4]) for r in rows}


# --- one question's document, for a post that adds to it -------------------------------------


def answers_text_lengths(conn: Connection, question_ids: Sequence[int]) -> dict[int, int]:
    """question id → characters its document's answer text holds (questions without one left out)."""
    found: dict[int, int] = {}
    for chunk in _chunks(sorted(set(question_ids))):
        found.update(run(conn, f"SELECT question_id, length(answers) FROM search_text"
                               f" WHERE question_id IN ({_marks(len(chunk))})", tuple(chunk)).all())
    return found


def _appended(column: str) -> str:
    """`column` with a parameter's words after its own, one space between (nothing added for '')."""
    return f"CASE WHEN ? = '' THEN {column} WHEN {column} = '' THEN ? ELSE {column} || ' ' || ? END"


def append_search_answers(conn: Connection, question_id: int, answers_terms: str, text_broader_terms: str,
                          answers_text: str) -> None:
    """New answers' tokens and text added to the end of one document's answer columns. The database
    joins the strings: the document's earlier text never comes through Python. (FTS5, like the
    PostgreSQL tsvector, still makes the row's index entries again from the whole new row, in C, over a
    column capped at MAX_TEXT_CHARS.)"""
    run(conn, f"UPDATE search_index SET answers = {_appended('answers')}, text_broader = {_appended('text_broader')}"
              " WHERE rowid = ?",
        (*[answers_terms] * 3, *[text_broader_terms] * 3, question_id))
    run(conn, f"UPDATE search_text SET answers = {_appended('answers')} WHERE question_id = ?",
        (*[answers_text] * 3, question_id))


# --- index work left for after a write's commit (search_pending, migration 0020) -------------


@dataclass(frozen=True)
class Pending:
    id: int
    question_id: int
    answer_id: int | None  # None: the question's whole document again


def queue_documents(conn: Connection, question_ids: Iterable[int]) -> None:
    """These questions' documents to be made again from their rows (in the write's transaction)."""
    rows = [(int(qid),) for qid in sorted(set(question_ids))]
    if rows:
        run(conn, "INSERT INTO search_pending (question_id) VALUES (?)", rows)


def queue_answer(conn: Connection, question_id: int, answer_id: int) -> None:
    """One new answer's text to be appended to its question's document (in the write's transaction)."""
    run(conn, "INSERT INTO search_pending (question_id, answer_id) VALUES (?, ?)", (question_id, answer_id))


def pending_work(conn: Connection, limit: int) -> list[Pending]:
    """The oldest waiting index work."""
    return [Pending(*row) for row in run(conn,
        "SELECT id, question_id, answer_id FROM search_pending ORDER BY id LIMIT ?", (limit,))]


def pending_count(conn: Connection) -> int:
    return run(conn, "SELECT count(*) FROM search_pending").scalar_one()


def claim_pending(conn: Connection, ids: Sequence[int]) -> list[Pending]:
    """Delete these rows, returning those that were still there (another process may have done them)."""
    claimed: list[Pending] = []
    for chunk in _chunks(sorted(set(ids))):
        claimed.extend(Pending(*row) for row in run(conn,
            f"DELETE FROM search_pending WHERE id IN ({_marks(len(chunk))}) RETURNING id, question_id, answer_id",
            tuple(chunk)))
    return sorted(claimed, key=lambda row: row.id)


def drop_pending_for(conn: Connection, question_ids: Sequence[int]) -> None:
    """Forget the waiting work of questions whose documents were just made whole from their rows."""
    for chunk in _chunks(sorted(set(question_ids))):
        run(conn, f"DELETE FROM search_pending WHERE question_id IN ({_marks(len(chunk))})", tuple(chunk))


def clear_pending(conn: Connection) -> None:
    run(conn, "DELETE FROM search_pending")


def visible_answer_htmls(conn: Connection, answer_ids: Sequence[int]) -> dict[int, tuple[int, str]]:
    """answer id → (question id, body HTML) of those answers that are neither deleted nor retired."""
    found: dict[int, tuple[int, str]] = {}
    for chunk in _chunks(sorted(set(answer_ids))):
        for answer_id, question_id, body_html in run(conn,
            f"SELECT id, question_id, body_html FROM answer WHERE id IN ({_marks(len(chunk))})"
            " AND deleted_at IS NULL AND retired_at IS NULL", tuple(chunk),
        ):
            found[answer_id] = (question_id, body_html or "")
    return found
