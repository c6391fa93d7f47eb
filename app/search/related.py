"""Related questions for a question page: the same demo first, then the most similar terms.

No analysis happens here (so no Kiwi in the web process): the question's own stored tokens
become the query. Tokens are weighted by how often the question uses them (a title token counts
three times, an answer token a quarter) over how many documents hold them, and the four best
are ranked like a search (questions sharing all four first, then three …). Other collections
are searched too.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Mapping

from sqlmodel import Session

from app import urls
from app.db.queries import search as queries
from app.schemas.content import QuestionLink
from app.search.query import WEIGHT_PLAIN, WEIGHT_TOPIC
from app.search.ranking import rank, token_clauses
from app.search.terms import TermDictionary, default_dictionary

MAX_QUERY_TOKENS = 4  # they must all match for the first tier of results (see app.search.ranking)
# How much one occurrence of a token counts, by where the question holds it. The question itself
# says what it is about; its answers only fill the list when that finds too few (a title whose
# terms no other question has, like snapshot, still links its ensemble neighbours).
QUESTION_WEIGHTS = {"title": 3.0, "title_broader": 1.0, "body": 1.0}
WITH_ANSWERS_WEIGHTS = {**QUESTION_WEIGHTS, "answers": 0.25}
CANDIDATES = 30  # search results re-ranked by shared concepts
# What a question is about, for the concept overlap: its title most, its answers least.
CONCEPT_WEIGHTS = {"title": 3.0, "body": 1.0, "title_broader": 1.0, "answers": 0.25}
MIN_OVERLAP = 0.05  # cosine below which what two questions share is too thin to call them related


def _link(question_id: int, label: str | None, title: str, answered: bool, collection_title: str) -> QuestionLink:
    # A label ("#18", "2") means something only inside its collection: related links cross them.
    return QuestionLink(id=question_id, label=label, title=title, answered=answered, url=urls.question(question_id),
                        collection_title=collection_title)


def _kind_weight(token: str, dictionary: TermDictionary) -> int:
    """A technical term says what a question is about; an everyday word (작동 방식) does not."""
    if token in dictionary.terms:
        return WEIGHT_PLAIN if dictionary.is_general(token) else WEIGHT_TOPIC
    return WEIGHT_TOPIC if token.isascii() else WEIGHT_PLAIN


def related_tokens(
    conn, question_id: int, column_weights: dict[str, float] = QUESTION_WEIGHTS
) -> list[tuple[str, float, int]]:
    """The question's most telling index tokens: (token, importance, kind weight), importance being
    how much the question uses it, times its kind weight, over how many documents hold it."""
    stored = queries.indexed_terms(conn, question_id)
    if stored is None:
        return []
    weights: defaultdict[str, float] = defaultdict(float)
    for column, weight in column_weights.items():
        for token in stored[column].split():
            weights[token] += weight
    if not weights:
        return []
    frequencies = queries.document_frequencies(conn, weights)
    dictionary = default_dictionary()
    scored = [
        (count * _kind_weight(token, dictionary) / math.log(1 + frequencies[token]), token)
        for token, count in weights.items()
        if frequencies.get(token, 0) > 1  # a token only this question has links nothing
    ]
    best = sorted(scored, reverse=True)[:MAX_QUERY_TOKENS]
    return [(token, importance, _kind_weight(token, dictionary)) for importance, token in best]


def concept_weights(columns: dict[str, str], dictionary: TermDictionary) -> dict[str, float]:
    """Topic concept → how much a question is about it, from its stored index columns: what two
    questions must share to be related (an everyday word like 원리 or 차이 does not count)."""
    weights: defaultdict[str, float] = defaultdict(float)
    for column, weight in CONCEPT_WEIGHTS.items():
        for token in columns.get(column, "").split():
            term = dictionary.terms.get(token)
            if term is not None and not term.general:
                weights[token] += weight
    return dict(weights)


def concept_overlap(mine: Mapping[str, float], theirs: Mapping[str, float], frequencies: dict[str, int],
                    documents: int) -> float:
    """How much two questions are about the same things: the cosine of their concept weights, each
    concept weighted by how rare it is (a shared 배치 정규화 says more than a shared 학습). A cosine,
    not a sum, so a long thread that touches twenty concepts once does not beat a question about
    exactly this one."""
    def idf(token: str) -> float:
        return math.log(1 + documents / max(1, frequencies.get(token, 1)))

    shared = sum(mine[token] * theirs[token] * idf(token) ** 2 for token in mine.keys() & theirs.keys())
    if not shared:
        return 0.0
    norm_mine = math.sqrt(sum((weight * idf(token)) ** 2 for token, weight in mine.items()))
    norm_theirs = math.sqrt(sum((weight * idf(token)) ** 2 for token, weight in theirs.items()))
    return shared / (norm_mine * norm_theirs)


def related_questions(session: Session, question_id: int, limit: int = 5) -> list[QuestionLink]:
    """Editors' same-experiment questions first; then the search's candidates that share a topic
    concept with this question, the largest concept overlap first (search rank breaks ties)."""
    conn = session.connection()
    ids = queries.same_demo_question_ids(conn, question_id, limit)
    if len(ids) < limit:
        dictionary = default_dictionary()
        stored = queries.indexed_terms(conn, question_id)
        mine = concept_weights(stored, dictionary) if stored else {}
        candidates: list[int] = []
        for column_weights in (QUESTION_WEIGHTS, WITH_ANSWERS_WEIGHTS):
            clauses = token_clauses(related_tokens(conn, question_id, column_weights))
            hits, _ = rank(conn, clauses, limit=CANDIDATES)
            candidates.extend(hit.question_id for hit in hits
                              if hit.question_id not in candidates and hit.question_id not in ids
                              and hit.question_id != question_id)
        if mine and candidates:
            theirs = {qid: concept_weights(columns, dictionary)
                      for qid, columns in queries.indexed_terms_of(conn, candidates).items()}
            frequencies = queries.document_frequencies(conn, set(mine).union(*theirs.values()))
            documents = queries.document_count(conn)
            scored = [(concept_overlap(mine, theirs[qid], frequencies, documents), -order, qid)
                      for order, qid in enumerate(candidates) if qid in theirs]
            ids.extend(qid for score, _, qid in sorted(scored, reverse=True) if score >= MIN_OVERLAP)
    ids = ids[:limit]
    links = queries.question_links(conn, ids)
    return [_link(qid, *links[qid]) for qid in ids if qid in links]
