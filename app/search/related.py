"""Related questions for a question page: the same demo first, then the most similar terms.

No analysis happens here (so no Kiwi in the web process): the question's own stored tokens
become the query. Tokens are weighted by how often the question uses them (a title token counts
three times) over how many documents hold them, and the eight best become an OR query ranked by
the same BM25 as search. Other collections are searched too.
"""

from __future__ import annotations

import math
from collections import Counter

from sqlmodel import Session

from app.api.schemas import QuestionLink
from app.db.queries import search as queries
from app.search.query import quote

MAX_QUERY_TOKENS = 8
TITLE_REPEAT = 3


def _link(question_id: int, label: str | None, title: str, answered: bool) -> QuestionLink:
    return QuestionLink(id=question_id, label=label, title=title, answered=answered, url=f"/questions/{question_id}")


def related_match(conn, question_id: int) -> str | None:
    stored = queries.indexed_terms(conn, question_id)
    if stored is None:
        return None
    title, body = stored
    weights: Counter[str] = Counter()
    for token in title.split():
        weights[token] += TITLE_REPEAT
    for token in body.split():
        weights[token] += 1
    if not weights:
        return None
    frequencies = queries.document_frequencies(conn, weights)
    scored = [
        (count / math.log(1 + frequencies[token]), token)
        for token, count in weights.items()
        if frequencies.get(token, 0) > 1  # a token only this question has links nothing
    ]
    best = [token for _, token in sorted(scored, reverse=True)[:MAX_QUERY_TOKENS]]
    return " OR ".join(quote(token) for token in best) or None


def related_questions(session: Session, question_id: int, limit: int = 5) -> list[QuestionLink]:
    conn = session.connection()
    ids = queries.same_demo_question_ids(conn, question_id, limit)
    if len(ids) < limit:
        match = related_match(conn, question_id)
        if match is not None:
            hits, _ = queries.search(conn, match, exclude_id=question_id, limit=limit + len(ids), count=False)
            ids.extend(hit.question_id for hit in hits if hit.question_id not in ids)
    ids = ids[:limit]
    links = queries.question_links(conn, ids)
    return [_link(qid, *links[qid]) for qid in ids if qid in links]
