"""Related questions for a question page: the same demo first, then the most similar terms.

No analysis happens here (so no Kiwi in the web process): the question's own stored tokens
become the query. Tokens are weighted by how often the question uses them (a title token counts
three times, an answer token a quarter) over how many documents hold them, and the four best
are ranked like a search (questions sharing all four first, then three …). Other collections
are searched too.
"""

from __future__ import annotations

import math
from collections import Counter

from sqlmodel import Session

from app.api.schemas import QuestionLink
from app.db.queries import search as queries
from app.search.ranking import rank, token_clauses

MAX_QUERY_TOKENS = 4  # they must all match for the first tier of results (see app.search.ranking)
# How much one occurrence of a token counts, by where the question holds it. The question itself
# says what it is about; its answers only fill the list when that finds too few (a title whose
# terms no other question has, like snapshot, still links its ensemble neighbours).
QUESTION_WEIGHTS = {"title": 3.0, "title_broader": 1.0, "body": 1.0}
WITH_ANSWERS_WEIGHTS = {**QUESTION_WEIGHTS, "answers": 0.25}


def _link(question_id: int, label: str | None, title: str, answered: bool) -> QuestionLink:
    return QuestionLink(id=question_id, label=label, title=title, answered=answered, url=f"/questions/{question_id}")


def related_tokens(conn, question_id: int, column_weights: dict[str, float] = QUESTION_WEIGHTS) -> list[tuple[str, float]]:
    """The question's most telling index tokens, weighted: uses over how many documents hold them."""
    stored = queries.indexed_terms(conn, question_id)
    if stored is None:
        return []
    weights: Counter[str] = Counter()
    for column, weight in column_weights.items():
        for token in stored[column].split():
            weights[token] += weight
    if not weights:
        return []
    frequencies = queries.document_frequencies(conn, weights)
    scored = [
        (count / math.log(1 + frequencies[token]), token)
        for token, count in weights.items()
        if frequencies.get(token, 0) > 1  # a token only this question has links nothing
    ]
    return [(token, weight) for weight, token in sorted(scored, reverse=True)[:MAX_QUERY_TOKENS]]


def related_questions(session: Session, question_id: int, limit: int = 5) -> list[QuestionLink]:
    conn = session.connection()
    ids = queries.same_demo_question_ids(conn, question_id, limit)
    for column_weights in (QUESTION_WEIGHTS, WITH_ANSWERS_WEIGHTS):
        if len(ids) >= limit:
            break
        clauses = token_clauses(related_tokens(conn, question_id, column_weights))
        hits, _ = rank(conn, clauses, limit=limit + len(ids) + 1)
        ids.extend(hit.question_id for hit in hits if hit.question_id not in ids and hit.question_id != question_id)
    ids = ids[:limit]
    links = queries.question_links(conn, ids)
    return [_link(qid, *links[qid]) for qid in ids if qid in links]
