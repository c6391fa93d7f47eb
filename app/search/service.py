"""Search use cases: one function per page, shared by the HTML page and its JSON twin."""

from __future__ import annotations

import time
from collections.abc import Iterable

from sqlmodel import Session

from app import urls
from app.db.queries import search as queries
from app.errors import AppError
from app.render.titles import display_title
from app.search.highlight import Highlighter
from app.search.query import ParsedQuery, corrected_query, parse_query, quote
from app.search.ranking import FREQUENCY_CAP, clauses_for, rank
from app.search.schemas import SearchHit, SearchResults
from app.search.terms import TermDictionary, default_dictionary
from app.search.text import clean

MAX_LIMIT = 50
TOTAL_CAP = 1000  # results are counted this far ("1,000개 이상"): counting costs a scan of every match
MAX_OFFSET = TOTAL_CAP
STATUSES = {"answered": True, "unanswered": False, "all": None, None: None, "": None}
# The part-of-a-word fallback: words as typed, at least two characters (one Hangul syllable is inside
# too many words to mean anything), at most a few.
PARTIAL_MIN_CHARS = 2
PARTIAL_MAX_WORDS = 5


class Vocabulary:
    """How many documents hold each index token (up to FREQUENCY_CAP), looked up once per request."""

    def __init__(self, conn) -> None:
        self.conn = conn
        self.frequencies: dict[str, int] = {}

    def known(self, tokens: Iterable[str]) -> set[str]:
        tokens = list(tokens)
        missing = {quote(token): token for token in tokens if token not in self.frequencies}
        if missing:
            found = queries.capped_frequencies(self.conn, missing, FREQUENCY_CAP)
            self.frequencies.update({token: found.get(phrase, 0) for phrase, token in missing.items()})
        return {token for token in tokens if self.frequencies[token]}

    def of(self, parsed: ParsedQuery) -> dict[str, int]:
        self.known(token for term in parsed.terms if not term.prefix for token in (*term.tokens, *term.broader))
        return self.frequencies


def parse(vocabulary: Vocabulary, text: str, dictionary: TermDictionary, *, prefix_last: bool = False) -> ParsedQuery:
    return parse_query(text, dictionary, vocabulary.known, prefix_last=prefix_last)


def _ranked(vocabulary: Vocabulary, parsed: ParsedQuery, **kwargs) -> tuple[list[queries.Scored], int]:
    documents = queries.indexed_question_upper_bound(vocabulary.conn)
    return rank(vocabulary.conn, clauses_for(parsed, vocabulary.of(parsed), documents), **kwargs)


def _hits(conn, parsed: ParsedQuery, dictionary: TermDictionary, ranked: list[queries.Scored]) -> list[SearchHit]:
    ids = [row.question_id for row in ranked]
    rows = queries.question_rows(conn, ids)
    texts = queries.search_texts(conn, ids)
    slugs = queries.collection_slugs(conn, [row[1] for row in rows.values()])
    highlighter = Highlighter.for_query(parsed, dictionary)
    items = []
    for row in ranked:
        title, collection_id, answered, label = rows[row.question_id]
        indexed_title, body, answers = texts.get(row.question_id, ("", "", ""))
        if body == indexed_title:  # a question that is only its title: show its answer instead
            body = ""
        items.append(
            SearchHit(
                question_id=row.question_id,
                title=title,
                label=label,
                title_html=str(highlighter.mark(display_title(title, label))),
                collection=slugs.get(collection_id, ("", ""))[0],
                collection_title=slugs.get(collection_id, ("", ""))[1],
                answered=answered,
                snippet=str(highlighter.snippet(body, answers)),
                score=row.score,
                url=urls.question(row.question_id),
            )
        )
    return items


def warm_up() -> None:
    """Load the term dictionary and its spelling index at start-up, so no reader's search pays for it."""
    default_dictionary().prepare_suggestions()


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
    vocabulary = Vocabulary(conn)
    q = clean(q or "")
    parsed = parse(vocabulary, q, dictionary)
    filters = queries.Filters(collection_id=collection_id, answered=STATUSES[status])
    ranked, counted = _ranked(vocabulary, parsed, filters=filters, limit=limit, offset=offset,
                              count_up_to=TOTAL_CAP + 1)
    total = min(counted, TOTAL_CAP)
    corrected_from = None
    correction = _correction(vocabulary, parsed, dictionary)
    if correction is not None and (total == 0 or _completes_a_compound(parsed, correction[1])):
        # Run the respelled query rather than only suggest it: a reader who typed 드롭아욷 or
        # 배치졍규화 means the term, and an empty page (or one about 배치 alone) helps nobody.
        corrected_ranked, corrected_count = _ranked(vocabulary, correction[1], filters=filters, limit=limit,
                                                    offset=offset, count_up_to=TOTAL_CAP + 1)
        if corrected_count:
            corrected_from, q, parsed = q.strip(), correction[0], correction[1]
            ranked, counted, total = corrected_ranked, corrected_count, min(corrected_count, TOTAL_CAP)
    if total == 0:
        # Nothing by the analysed tokens, nor respelled: a part of a word as typed (골짜 of 골짜기, 시그모
        # of 시그모이드), which the analyser never made a token of, found in the plain text.
        words = [word for word in q.split() if len(word) >= PARTIAL_MIN_CHARS][:PARTIAL_MAX_WORDS]
        ranked, counted = queries.partial_matches(conn, words, filters, limit=limit, offset=offset,
                                                  count_up_to=TOTAL_CAP + 1)
        total = min(counted, TOTAL_CAP)
    items = _hits(conn, parsed, dictionary, ranked)
    return SearchResults(
        query=q.strip(), items=items, total=total, total_exact=counted <= TOTAL_CAP, limit=limit, offset=offset,
        took_ms=round((time.perf_counter() - started) * 1000, 2), corrected_from=corrected_from,
    )


def _correction(vocabulary: Vocabulary, parsed: ParsedQuery,
                dictionary: TermDictionary) -> tuple[str, ParsedQuery] | None:
    """The query with its unknown words respelled as dictionary terms, parsed, if it finds anything."""
    if not parsed.unknown:
        return None
    correction = corrected_query(parsed, dictionary)
    if correction is None:
        return None
    corrected = parse(vocabulary, correction, dictionary)
    found, _ = _ranked(vocabulary, corrected, limit=1)
    return (correction, corrected) if found else None


def _completes_a_compound(parsed: ParsedQuery, corrected: ParsedQuery) -> bool:
    """True where the respelling turns a term the query did match into a longer term that contains
    it: 배치졍규화 matched only 배치, and 배치정규화 is the concept meant. (A correction is not
    applied merely because a word is unknown: 종류 is one edit away from 증류.)"""
    matched = {term.surface for term in parsed.terms if term.concept}
    return any(term.concept and len(term.surface) > len(surface) and surface in term.surface
               for term in corrected.terms for surface in matched)


def collection_choices(session: Session) -> list[tuple[str, str]]:
    """(slug, title) of every collection, for the search form's filter."""
    return queries.all_collections(session.connection())


def suggest_questions(session: Session, q: str | None, limit: int = 5) -> list[SearchHit]:
    """Existing questions similar to what is being typed (the last word may be unfinished)."""
    text = clean(q or "")
    if len(text.strip()) < 2:
        return []
    conn = session.connection()
    dictionary = default_dictionary()
    vocabulary = Vocabulary(conn)
    parsed = parse(vocabulary, text, dictionary, prefix_last=True)
    ranked, _ = _ranked(vocabulary, parsed, limit=max(1, min(limit, 10)))
    return _hits(conn, parsed, dictionary, ranked)
