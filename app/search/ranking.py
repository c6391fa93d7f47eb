"""Ranking that stays fast at 100,000 questions: bm25 only scores the documents a page can show.

FTS5 finds the documents matching an expression almost for free (tens of nanoseconds a row),
but bm25() costs about 6 µs per matching row, and an OR of a few common terms matches a fifth of
a large index. So results come in tiers, best first, and only the tiers a page reaches are scored:

1. Coverage. The query's terms become clauses ordered by importance (kind weight × idf: a
   technical term before a plain word, a rare word before a common one). The first tier holds
   the documents with the k most important clauses, k as large as still leaves POOL documents
   (on a small index that is often none: then the first tier is simply every match). Each next
   tier holds the documents with one clause fewer, the last one everything else.
2. Within a tier, bm25 orders the documents (title, body, answers and broader-concept columns
   weighted, answered questions boosted). A tier larger than WINDOW is taken in two parts, the
   documents with all of its clauses in the title first, and a part still larger than WINDOW in
   windows of WINDOW rows, newest first.

Tiers and parts are FTS5 expressions, counted without scoring; the order is deterministic, so
pages never overlap or skip a result. Counting uses each phrase once (a repeated phrase costs
another doclist scan); bm25 gets each typed token repeated by its kind's weight (bm25 sums over
the phrases of its expression), and a typed concept found in fewer than BROADER_BELOW_DF
documents also matches the concept above it, written once.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from app.db.queries import search as queries
from app.search.query import ParsedQuery, quote

WINDOW = 100  # documents scored by one bm25 query at most
POOL = 50  # the first tier holds at least this many documents when the index has them
FREQUENCY_CAP = 1000  # document frequencies are counted this far: enough to order terms by idf
MAX_CLAUSES = 6  # the least important terms beyond this are not searched for
BROADER_BELOW_DF = 20
TITLE_COLUMNS = "{title title_broader}"


@dataclass(frozen=True)
class Clause:
    """One thing the query asks for: a document holding any of its tokens holds the clause."""

    tokens: tuple[str, ...]  # quoted FTS5 phrases (with * for a prefix), the typed one first
    importance: float
    weight: int = 1  # how many times bm25 counts a typed token (a broader concept counts once)
    fallbacks: tuple[str, ...] = ()  # broader concepts
    documents: int | None = None  # how many documents hold it (exact below FREQUENCY_CAP)

    def expression(self) -> str:
        """What selects the clause (each phrase once: repeating a phrase costs a doclist scan)."""
        return "(" + " OR ".join(self.tokens + self.fallbacks) + ")"

    def scoring(self) -> str:
        """The same selection, each typed token written `weight` times: bm25 sums over phrases."""
        return "(" + " OR ".join(self.tokens * self.weight + self.fallbacks) + ")"

    def in_title(self) -> str:
        return f"{TITLE_COLUMNS} : {self.expression()}"


def _idf(df: int, documents: int) -> float:
    return math.log(1 + (documents - df + 0.5) / (df + 0.5))


def clauses_for(parsed: ParsedQuery, frequencies: dict[str, int], documents: int) -> list[Clause]:
    """The query's clauses, most important first; terms the index lacks are left out."""
    clauses: list[Clause] = []
    for term in parsed.terms:
        star = "*" if term.prefix else ""
        found = sum(frequencies.get(token, 0) for token in term.tokens)
        fallbacks: tuple[str, ...] = ()
        if term.broader and found < BROADER_BELOW_DF:
            fallbacks = tuple(quote(parent) for parent in term.broader if frequencies.get(parent))
        if not term.prefix and not found and not fallbacks:
            continue
        df = found if found and not term.prefix else max(1, documents // 20)
        tokens = tuple(quote(token) + star for token in term.tokens)
        exact = found if len(tokens) == 1 and not term.prefix and not fallbacks else None
        clauses.append(Clause(tokens, term.weight * _idf(df, documents), term.weight, fallbacks, exact))
    clauses.sort(key=lambda clause: -clause.importance)
    return clauses[:MAX_CLAUSES]


def token_clauses(weighted_tokens: Sequence[tuple[str, float, int]]) -> list[Clause]:
    """Clauses from index tokens the caller weighed: (token, importance, bm25 weight)."""
    return [Clause((quote(token),), importance, weight) for token, importance, weight in weighted_tokens]


def any_expression(clauses: Sequence[Clause], scoring: bool = False) -> str:
    return " OR ".join(clause.scoring() if scoring else clause.expression() for clause in clauses)


@dataclass(frozen=True)
class Tier:
    selection: str  # FTS5 expression of the documents in the tier (for counting)
    scoring: str  # the same documents, with the phrases bm25 should weigh
    clauses: tuple[Clause, ...]  # what every document of the tier holds


def _all(clauses: Sequence[Clause], scoring: bool = False) -> str:
    return " AND ".join(clause.scoring() if scoring else clause.expression() for clause in clauses)


def tiers(clauses: Sequence[Clause], first_level: int) -> Iterator[Tier]:
    """Tiers in rank order (see the module docstring); `first_level` 0: one tier, every match."""
    if first_level == 0:
        yield Tier(any_expression(clauses), any_expression(clauses, scoring=True), ())
        return
    for k in range(first_level, 0, -1):
        held = tuple(clauses[:k])
        if k == first_level:
            yield Tier(_all(held), _all(held, scoring=True), held)
        else:
            lacking = _all(clauses[:k + 1])
            yield Tier(f"({_all(held)}) NOT ({lacking})", f"({_all(held, scoring=True)}) NOT ({lacking})", held)
    rest = f"({any_expression(clauses[1:])}) NOT {clauses[0].expression()}" if len(clauses) > 1 else None
    if rest:
        yield Tier(rest, f"({any_expression(clauses[1:], scoring=True)}) NOT {clauses[0].expression()}", ())


class Counter:
    """Counts of FTS5 expressions for one ranking, capped (most decisions only need to know
    whether a count reaches a threshold) and each asked of SQLite once."""

    def __init__(self, conn, filters: queries.Filters) -> None:
        self.conn, self.filters = conn, filters
        self.known: dict[tuple[str, tuple[int, int] | None], tuple[int, int]] = {}

    def __call__(self, expression: str, at_most: int, rowids: tuple[int, int] | None = None) -> int:
        known = self.known.get((expression, rowids))
        if known is not None:
            value, cap = known
            if value < cap or at_most <= cap:  # exact, or already known to reach at_most
                return min(value, at_most)
        value = queries.count_matches(self.conn, expression, self.filters, at_most=at_most, rowids=rowids)
        self.known[(expression, rowids)] = (value, at_most)
        return value


def first_level(count: Counter, clauses: Sequence[Clause], needed: int) -> int:
    """How many of the most important clauses a document can be asked to hold while at least
    `needed` documents still do (0: fewer than `needed` hold even the first)."""
    for k in range(len(clauses), 0, -1):
        bounds = [c.documents for c in clauses[:k] if c.documents is not None]
        if bounds and min(bounds) < needed:  # the rarest clause alone has too few documents
            continue
        if count(_all(clauses[:k]), needed) >= needed:
            return k
    return 0


@dataclass(frozen=True)
class _Part:
    selection: str
    scoring: str
    count: int
    rowids: tuple[int, int] | None = None  # (low exclusive, high inclusive) for a window


def _windows(count: Counter, selection: str, scoring: str) -> Iterator[_Part]:
    """A large part in windows of WINDOW documents, newest first (ids found by cheap FTS5 scans)."""
    high = queries.rowid_at(count.conn, selection, count.filters, 0)
    position = 0
    while high is not None:
        position += WINDOW
        low = queries.rowid_at(count.conn, selection, count.filters, position)
        window = (low or 0, high)
        size = WINDOW if low is not None else count(selection, WINDOW + 1, window)
        yield _Part(selection, scoring, size, window)
        high = low


def _parts(count: Counter, tier: Tier, clauses: Sequence[Clause]) -> Iterator[_Part]:
    size = count(tier.selection, WINDOW + 1)
    if size <= WINDOW:
        if size:
            yield _Part(tier.selection, tier.scoring, size)
        return
    title_clauses = tier.clauses or tuple(clauses)
    all_in_title = " AND ".join(c.in_title() for c in title_clauses)
    for shape in (lambda e: f"({e}) AND ({all_in_title})", lambda e: f"({e}) NOT ({all_in_title})"):
        selection, scoring = shape(tier.selection), shape(tier.scoring)
        size = count(selection, WINDOW + 1)
        if size > WINDOW:
            yield from _windows(count, selection, scoring)
        elif size:
            yield _Part(selection, scoring, size)


def rank(conn, clauses: Sequence[Clause], *, filters: queries.Filters = queries.NO_FILTERS,
         limit: int = 20, offset: int = 0, count_up_to: int = 0) -> tuple[list[queries.Scored], int]:
    """One page of results for the clauses, and how many documents match any of them, counted
    up to `count_up_to` (0: not counted, -1 is returned)."""
    if not clauses:
        return [], 0
    counter = Counter(conn, filters)
    total = counter(any_expression(clauses), count_up_to) if count_up_to else -1
    if total == 0:
        return [], 0
    page: list[queries.Scored] = []
    skip = offset
    level = first_level(counter, clauses, POOL)  # never depends on the page: pages must not overlap
    for tier in tiers(clauses, level):
        for part in _parts(counter, tier, clauses):
            if skip >= part.count:
                skip -= part.count
                continue
            page.extend(queries.scored(conn, part.scoring, filters, limit=limit - len(page), offset=skip,
                                       rowids=part.rowids))
            skip = 0
            if len(page) >= limit:
                return page, total
    return page, total
