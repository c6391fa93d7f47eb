"""Related questions for a question page: the same demo first, then the most similar terms.

Ranked when a question is ingested, posted or edited and stored (app.db.queries.related); a page
view only reads the stored list, with the linked questions' titles as they are now.

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
from dataclasses import dataclass

from sqlalchemy.engine import Connection
from sqlmodel import Session

from app import urls
from app.db.queries import related as related_store
from app.db.queries import search as queries
from app.db.queries.related import Entry
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


class IndexReads:
    """The index reads of one ranking pass over several questions, each token's frequency and each
    question's stored tokens asked once: ranking the questions around a posted one weighs the same
    tokens and candidates again and again. Only for a pass that writes nothing meanwhile."""

    def __init__(self, conn) -> None:
        self.conn = conn
        self._frequencies: dict[str, int] = {}
        self._terms: dict[int, dict[str, str] | None] = {}

    def document_frequencies(self, tokens) -> dict[str, int]:
        """As queries.document_frequencies: the tokens the index knows → how many documents hold them."""
        tokens = set(tokens)
        missing = [token for token in tokens if token not in self._frequencies]
        if missing:
            found = queries.document_frequencies(self.conn, missing)
            self._frequencies.update((token, found.get(token, 0)) for token in missing)
        return {token: self._frequencies[token] for token in tokens if self._frequencies[token]}

    def indexed_terms_of(self, question_ids) -> dict[int, dict[str, str]]:
        missing = [qid for qid in set(question_ids) if qid not in self._terms]
        if missing:
            found = queries.indexed_terms_of(self.conn, missing)
            self._terms.update((qid, found.get(qid)) for qid in missing)
        return {qid: terms for qid in question_ids if (terms := self._terms[qid]) is not None}

    def indexed_terms(self, question_id: int) -> dict[str, str] | None:
        return self.indexed_terms_of([question_id]).get(question_id)


def related_tokens(
    conn, question_id: int, column_weights: dict[str, float] = QUESTION_WEIGHTS, reads: IndexReads | None = None
) -> list[tuple[str, float, int]]:
    """The question's most telling index tokens: (token, importance, kind weight), importance being
    how much the question uses it, times its kind weight, over how many documents hold it."""
    reads = reads or IndexReads(conn)
    stored = reads.indexed_terms(question_id)
    if stored is None:
        return []
    weights: defaultdict[str, float] = defaultdict(float)
    for column, weight in column_weights.items():
        for token in stored[column].split():
            weights[token] += weight
    if not weights:
        return []
    frequencies = reads.document_frequencies(weights)
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


LIMIT = 5  # related questions a page shows


@dataclass(frozen=True)
class Ranked:
    """One question's related list, and the concept overlap of every candidate it weighed (whose
    lists this question may enter: the overlap is symmetric)."""

    entries: list[Entry]  # (question id, overlap; None for an editors' same-experiment link), in order
    overlaps: dict[int, float]


def rank_related(conn: Connection, question_id: int, limit: int = LIMIT, reads: IndexReads | None = None) -> Ranked:
    """Editors' same-experiment questions first; then the search's candidates that share a topic
    concept with this question, the largest concept overlap first (search rank breaks ties)."""
    reads = reads or IndexReads(conn)
    entries: list[Entry] = [(qid, None) for qid in queries.same_demo_question_ids(conn, question_id, limit)]
    overlaps: dict[int, float] = {}
    if len(entries) < limit:
        pinned = {qid for qid, _ in entries}
        dictionary = default_dictionary()
        stored = reads.indexed_terms(question_id)
        mine = concept_weights(stored, dictionary) if stored else {}
        candidates: list[int] = []
        for column_weights in (QUESTION_WEIGHTS, WITH_ANSWERS_WEIGHTS):
            clauses = token_clauses(related_tokens(conn, question_id, column_weights, reads))
            hits, _ = rank(conn, clauses, limit=CANDIDATES)
            candidates.extend(hit.question_id for hit in hits
                              if hit.question_id not in candidates and hit.question_id not in pinned
                              and hit.question_id != question_id)
        if mine and candidates:
            theirs = {qid: concept_weights(columns, dictionary)
                      for qid, columns in reads.indexed_terms_of(candidates).items()}
            frequencies = reads.document_frequencies(set(mine).union(*theirs.values()))
            documents = queries.document_count(conn)
            overlaps = {qid: concept_overlap(mine, theirs[qid], frequencies, documents)
                        for qid in candidates if qid in theirs}
            scored = [(overlaps[qid], -order, qid) for order, qid in enumerate(candidates) if qid in theirs]
            entries.extend((qid, score) for score, _, qid in sorted(scored, reverse=True) if score >= MIN_OVERLAP)
    return Ranked(entries[:limit], overlaps)


def related_questions(session: Session, question_id: int, limit: int = LIMIT) -> list[QuestionLink]:
    """The related list ranked now, as links (what the stored list would become)."""
    conn = session.connection()
    ids = [qid for qid, _ in rank_related(conn, question_id, limit).entries]
    links = queries.question_links(conn, ids)
    return [_link(qid, *links[qid]) for qid in ids if qid in links]


def stored_related(conn: Connection, question_id: int) -> list[QuestionLink]:
    """What a question page shows: the list stored at ingest, post or edit, with today's titles."""
    return [_link(*row) for row in related_store.related_links(conn, question_id)]


def rank_all(conn: Connection) -> dict[int, list[Entry]]:
    """Every visible question's list, for an ingest or a reindex (reads only: stored by the caller)."""
    lists: dict[int, list[Entry]] = {}
    after = 0
    while ids := queries.visible_question_ids(conn, after, 200):
        for question_id in ids:
            lists[question_id] = rank_related(conn, question_id).entries
        after = ids[-1]
    return lists


def store_all(conn: Connection) -> int:
    """rank_all stored in place of every list; returns how many questions were ranked."""
    lists = rank_all(conn)
    related_store.replace_all(conn, lists)
    return len(lists)


def rerank_around(conn: Connection, changed: list[int]) -> dict[int, list[Entry]]:
    """After these questions' documents were made again (posted, edited): their own lists, and the
    lists of the other questions they now enter or leave, ranked again; no other list (reads only).

    Leaving: the lists that name a changed question are ranked again. Entering: the overlap is
    symmetric, so a list may take a changed question only if it is among that question's own
    candidates with an overlap above the weakest entry of the list (or the list has room)."""
    lists: dict[int, list[Entry]] = {}
    reads = IndexReads(conn)
    maybe: set[int] = set(related_store.naming(conn, changed))
    for question_id in changed:
        ranked = rank_related(conn, question_id, LIMIT, reads)
        lists[question_id] = ranked.entries
        weighed = {qid: score for qid, score in ranked.overlaps.items() if score >= MIN_OVERLAP}
        stored = related_store.stored_entries(conn, weighed)
        for qid, score in weighed.items():
            scores = [s for _, s in stored.get(qid, []) if s is not None]
            if len(stored.get(qid, [])) < LIMIT or (scores and score >= min(scores)):
                maybe.add(qid)
    maybe.difference_update(changed)
    before = related_store.stored_entries(conn, maybe)
    for question_id in sorted(maybe):
        entries = rank_related(conn, question_id, LIMIT, reads).entries
        old = {qid for qid, _ in before.get(question_id, [])}
        new = {qid for qid, _ in entries}
        if any((qid in old) != (qid in new) for qid in changed):
            lists[question_id] = entries
    return lists
