"""A diff whose cost is near-linear in its input, whatever the input: patience diff with a work budget.

difflib's SequenceMatcher(autojunk=False) is quadratic on inputs with many repeated elements (blank
lines, the same word again and again), and anyone who can post and edit chooses the input. Here:

1. the common head and tail are matched directly;
2. the elements that occur exactly once on each side are matched in order (longest increasing
   subsequence, O(k log k)), and the stretches between those anchors are diffed the same way;
3. a stretch with no such anchor is handed to difflib only when it is small (SMALL_CELLS), otherwise
   it is left as one replacement;
4. every element looked at is charged to a budget proportional to the input; once it is spent, the
   stretches not yet diffed are left as replacements. The result is always a correct diff (applying
   it gives the new text), only less minimal past the budget.

``Diff`` is a SequenceMatcher whose matching blocks come from this, so get_opcodes(),
get_grouped_opcodes() and ratio() work as the standard library documents them.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Hashable, Sequence
from difflib import Match, SequenceMatcher

# A stretch without unique anchors is diffed by difflib only below this many cells (len(a) * len(b)).
SMALL_CELLS = 4096
# Elements looked at per element of input (plus a constant): the most any diff may spend.
BUDGET_PER_ELEMENT = 16
BUDGET_BASE = 10_000


class Work:
    """Elements looked at, summed over diffs: what tests and bench/revisions.py count instead of time."""

    def __init__(self) -> None:
        self.units = 0


def _budget(a: Sequence, b: Sequence) -> int:
    return BUDGET_BASE + BUDGET_PER_ELEMENT * (len(a) + len(b))


def _occurrences(seq: Sequence, lo: int, hi: int) -> tuple[dict[Hashable, int], dict[Hashable, int]]:
    """How often each element occurs in seq[lo:hi], and where it last does."""
    count: dict[Hashable, int] = {}
    where: dict[Hashable, int] = {}
    for index in range(lo, hi):
        item = seq[index]
        count[item] = count.get(item, 0) + 1
        where[item] = index
    return count, where


def _anchors(a: Sequence, alo: int, ahi: int, b: Sequence, blo: int, bhi: int) -> list[tuple[int, int]]:
    """Pairs (i, j) of elements unique on both sides, the longest run of them in the same order."""
    count_a, where_a = _occurrences(a, alo, ahi)
    count_b, where_b = _occurrences(b, blo, bhi)
    pairs = sorted((where_a[item], where_b[item]) for item, n in count_b.items()
                   if n == 1 and count_a.get(item) == 1)
    # Longest increasing subsequence of the b positions (patience sorting).
    tops: list[int] = []  # the smallest b position ending a run of each length
    top_index: list[int] = []
    back: list[int] = []
    for index, (_, j) in enumerate(pairs):
        length = bisect_left(tops, j)
        if length == len(tops):
            tops.append(j)
            top_index.append(index)
        else:
            tops[length] = j
            top_index[length] = index
        back.append(top_index[length - 1] if length else -1)
    run: list[tuple[int, int]] = []
    index = top_index[-1] if top_index else -1
    while index >= 0:
        run.append(pairs[index])
        index = back[index]
    run.reverse()
    return run


def matching_blocks(a: Sequence, b: Sequence, work: Work | None = None) -> list[Match]:
    """Blocks (i, j, n) with a[i:i+n] == b[j:j+n], increasing in i and j, ending with (len(a), len(b), 0)."""
    budget = _budget(a, b)
    spent = 0
    matches: list[tuple[int, int]] = []  # matched element pairs
    stack = [(0, len(a), 0, len(b))]
    while stack:
        alo, ahi, blo, bhi = stack.pop()
        while alo < ahi and blo < bhi and a[alo] == b[blo]:  # common head
            matches.append((alo, blo))
            alo, blo = alo + 1, blo + 1
        tail = []
        while alo < ahi and blo < bhi and a[ahi - 1] == b[bhi - 1]:  # common tail
            ahi, bhi = ahi - 1, bhi - 1
            tail.append((ahi, bhi))
        matches.extend(tail)
        spent += 1
        if alo == ahi or blo == bhi:
            continue
        size = (ahi - alo) + (bhi - blo)
        if spent + size > budget:
            continue  # left as one replacement
        if (ahi - alo) * (bhi - blo) <= SMALL_CELLS:
            spent += (ahi - alo) * (bhi - blo)
            matcher = SequenceMatcher(None, a[alo:ahi], b[blo:bhi], autojunk=False)
            matches.extend((alo + i + k, blo + j + k) for i, j, n in matcher.get_matching_blocks() for k in range(n))
            continue
        spent += size
        anchors = _anchors(a, alo, ahi, b, blo, bhi)
        if not anchors:
            continue
        previous_i, previous_j = alo, blo
        for i, j in anchors:
            matches.append((i, j))
            stack.append((previous_i, i, previous_j, j))
            previous_i, previous_j = i + 1, j + 1
        stack.append((previous_i, ahi, previous_j, bhi))
    if work is not None:
        work.units += spent + len(matches)
    matches.sort()
    blocks: list[Match] = []
    for i, j in matches:
        if blocks and blocks[-1].a + blocks[-1].size == i and blocks[-1].b + blocks[-1].size == j:
            last = blocks[-1]
            blocks[-1] = Match(last.a, last.b, last.size + 1)
        else:
            blocks.append(Match(i, j, 1))
    blocks.append(Match(len(a), len(b), 0))
    return blocks


class Diff(SequenceMatcher):
    """SequenceMatcher's opcodes and ratio over the budgeted matching blocks above. The parent's
    constructor is not called: it indexes ``b`` for its own (quadratic) matching, which is never used."""

    def __init__(self, a: Sequence, b: Sequence, work: Work | None = None) -> None:
        self.a, self.b = a, b
        self.matching_blocks = matching_blocks(a, b, work)
        self.opcodes = None

    def get_matching_blocks(self) -> list[Match]:
        return self.matching_blocks
