"""Search use cases: one function per page, shared by the HTML page and its JSON twin."""

from __future__ import annotations

import time

from sqlmodel import Session

from app.api.errors import AppError
from app.db.queries import search as queries
from app.search.highlight import Highlighter
from app.search.query import ParsedQuery, corrected_query, parse_query
from app.search.schemas import SearchHit, SearchResults
from app.search.terms import TermDictionary, default_dictionary
from app.search.text import clean

MAX_LIMIT = 50
MAX_OFFSET = 10_000
STATUSES = {"answered": True, "unanswered": False, "all": None, None: None, "": None}


def question_url(question_id: int) -> str:
    return f"/questions/{question_id}"


def parse(conn, text: str, dictionary: TermDictionary, *, prefix_last: bool = False) -> ParsedQuery:
    return parse_query(text, dictionary, lambda tokens: queries.known_terms(conn, tokens), prefix_last=prefix_last)


def _hits(conn, parsed: ParsedQuery, dictionary: TermDictionary, rows: list[queries.Hit]) -> list[SearchHit]:
    texts = queries.search_texts(conn, [row.question_id for row in rows])
    slugs = queries.collection_slugs(conn, [row.collection_id for row in rows])
    highlighter = Highlighter.for_query(parsed, dictionary)
    items = []
    for row in rows:
        _, body, answers = texts.get(row.question_id, ("", "", ""))
        items.append(
            SearchHit(
                question_id=row.question_id,
                title=row.title,
                title_html=str(highlighter.mark(row.title)),
                collection=slugs.get(row.collection_id, ("", ""))[0],
                answered=row.answered,
                snippet=str(highlighter.snippet(body, answers)),
                score=row.score,
                url=question_url(row.question_id),
            )
        )
    return items


def search_questions(
    session: Session,
    q: str | None,
    *,
    collection: str | None = None,
    status: str | None = None,
    limit: int = 20,
    offset: int = 0,
) -> SearchResults:
    """Questions matching `q`, best first. Never raises for odd input: it finds nothing instead."""
    started = time.perf_counter()
    limit = max(1, min(limit, MAX_LIMIT))
    offset = max(0, min(offset, MAX_OFFSET))
    if status not in STATUSES:
        raise AppError(422, "status는 answered, unanswered, all 중 하나여야 합니다.")
    conn = session.connection()
    collection_id = None
    if collection:
        collection_id = queries.collection_ids(conn, [collection]).get(collection)
        if collection_id is None:
            raise AppError(404, f"'{collection}' 모음을 찾을 수 없습니다.")
    dictionary = default_dictionary()
    q = clean(q or "")
    parsed = parse(conn, q, dictionary)
    match = parsed.match_expression()
    rows, total = ([], 0)
    if match is not None:
        rows, total = queries.search(
            conn, match, collection_id=collection_id, answered=STATUSES[status], limit=limit, offset=offset
        )
    did_you_mean = _did_you_mean(conn, parsed, dictionary)
    items = _hits(conn, parsed, dictionary, rows)
    return SearchResults(
        query=q.strip(), items=items, total=total, limit=limit, offset=offset,
        took_ms=round((time.perf_counter() - started) * 1000, 2), did_you_mean=did_you_mean,
    )


def _did_you_mean(conn, parsed: ParsedQuery, dictionary: TermDictionary) -> str | None:
    """The query with its unknown words spelled as dictionary terms, if that finds something."""
    correction = corrected_query(parsed, dictionary)
    if correction is None:
        return None
    corrected = parse(conn, correction, dictionary)
    match = corrected.match_expression()
    if match is None or not queries.search(conn, match, limit=1, count=False)[0]:
        return None
    return correction


def suggest_questions(session: Session, q: str | None, limit: int = 5) -> list[SearchHit]:
    """Existing questions similar to what is being typed (the last word may be unfinished)."""
    text = clean(q or "")
    if len(text.strip()) < 2:
        return []
    conn = session.connection()
    dictionary = default_dictionary()
    parsed = parse(conn, text, dictionary, prefix_last=True)
    match = parsed.match_expression()
    if match is None:
        return []
    rows, _ = queries.search(conn, match, limit=max(1, min(limit, 10)), count=False)
    return _hits(conn, parsed, dictionary, rows)
