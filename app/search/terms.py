"""The term dictionary (content/search/terms.tsv): every way of writing a concept → one id.

Indexing and querying both replace a matched variant by its concept id, so 드롭아웃, dropout and
drop-out are one token in the index. Matching is spacing-insensitive (it runs on the text with
separators removed) but keeps word boundaries where they matter: an English variant only matches
a whole word ("GD" not inside "SGD"), a two-syllable Korean variant only at the start of a word
("로그" not inside "블로그"), and a one-syllable variant only as a whole analysed token.
"""

from __future__ import annotations

import os
import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path

import ahocorasick

from app import clock
from app.config import PROJECT_ROOT, content_dir_from_env
from app.search.text import SEPARATORS, is_ascii_alnum, is_hangul, normalise

TERMS_FILE = Path("search") / "terms.tsv"
GENERAL_FLAG = "general"
_SEPARATOR = re.compile("[" + "".join(sorted(re.escape(ch) for ch in SEPARATORS)) + "]")


class TermDictionaryError(ValueError):
    def __init__(self, line: int, message: str) -> None:
        super().__init__(f"terms.tsv:{line}: {message}")
        self.line = line


@dataclass(frozen=True)
class Term:
    id: str
    label: str
    variants: tuple[str, ...]
    broader: tuple[str, ...] = ()
    general: bool = False  # everyday vocabulary (차이, 원리, 좋다): ranks like a plain word, not a topic


@dataclass(frozen=True)
class TermMatch:
    start: int  # offsets in the normalised text
    end: int
    term_id: str


@dataclass(frozen=True)
class _Key:
    term_id: str
    gaps: frozenset[int] = field(default_factory=frozenset)  # positions where a variant had a separator
    word_start: bool = False  # short Korean variant: must start a word


def compact(text: str) -> str:
    return "".join(ch for ch in text if ch not in SEPARATORS)


def _key_of(variant: str) -> tuple[str, frozenset[int]]:
    chars: list[str] = []
    gaps: set[int] = set()
    for ch in normalise(variant):
        if ch in SEPARATORS:
            if chars:
                gaps.add(len(chars))
        else:
            chars.append(ch)
    return "".join(chars), frozenset(gaps)


def _term_of_line(number: int, raw: str, seen_lines: dict[str, int]) -> Term:
    """One line of the dictionary: id, label, variants, `>broader` concepts and `@general`, tab-separated."""
    cells = [c.strip() for c in raw.split("\t") if c.strip()]
    if len(cells) < 2:
        raise TermDictionaryError(number, "id와 대표 표기가 탭으로 나뉘어 있어야 합니다")
    term_id = cells[0]
    if not term_id.replace("_", "").isalnum() or not term_id.isascii() or term_id != term_id.lower():
        raise TermDictionaryError(number, f"id '{term_id}'는 영문 소문자, 숫자, _만 쓸 수 있습니다")
    if term_id in seen_lines:
        raise TermDictionaryError(number, f"id '{term_id}'가 {seen_lines[term_id]}번째 줄에도 있습니다")
    broader = tuple(c[1:].strip() for c in cells[1:] if c.startswith(">"))
    flags = {c[1:].strip() for c in cells[1:] if c.startswith("@")}
    if flags - {GENERAL_FLAG}:
        raise TermDictionaryError(
            number, f"알 수 없는 표시 {sorted(flags - {GENERAL_FLAG})}: @{GENERAL_FLAG}만 쓸 수 있습니다")
    variants = [c for c in cells[1:] if not c.startswith((">", "@"))]
    if not variants:
        raise TermDictionaryError(number, "대표 표기가 없습니다")
    return Term(term_id, variants[0], tuple(variants[1:]), broader, GENERAL_FLAG in flags)


class TermDictionary:
    def __init__(self, terms: list[Term]) -> None:
        self.terms: dict[str, Term] = {}
        self._exact: dict[str, str] = {}
        self._surface: dict[str, _Key] = {}
        for term in terms:
            self.terms[term.id] = term
        for term in terms:
            for variant in (term.label, *term.variants):
                key, gaps = _key_of(variant)
                if not key:
                    continue
                owner = self._exact.setdefault(key, term.id)
                if owner != term.id:
                    raise ValueError(f"'{variant}' belongs to both '{owner}' and '{term.id}'")
                if len(key) == 1 and is_hangul(key):
                    continue  # one syllable: whole analysed tokens only
                previous = self._surface.get(key)
                gaps = gaps | previous.gaps if previous else gaps
                word_start = len(key) <= 2 and all(is_hangul(ch) for ch in key)
                self._surface[key] = _Key(term.id, gaps, word_start)
        # Every whole-word key in order: the keys that begin with a word lie together from its bisect point.
        self._sorted_keys = sorted(self._exact)
        # Aho-Corasick over every surface key: one pass over a text finds all their occurrences.
        self._automaton = ahocorasick.Automaton()
        for key, info in self._surface.items():
            self._automaton.add_word(key, (key, info))
        self._automaton.make_automaton()
        self._expanded: dict[str, tuple[str, ...]] = {}

    # --- loading --------------------------------------------------------------------------

    @classmethod
    def parse(cls, text: str) -> TermDictionary:
        terms: list[Term] = []
        seen_lines: dict[str, int] = {}
        owners: dict[str, tuple[str, int]] = {}
        for number, raw in enumerate(text.splitlines(), start=1):
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            term = _term_of_line(number, raw, seen_lines)
            seen_lines[term.id] = number
            for variant in (term.label, *term.variants):
                key, _ = _key_of(variant)
                owner = owners.setdefault(key, (term.id, number))
                if owner[0] != term.id:
                    raise TermDictionaryError(
                        number, f"표기 '{variant}'가 {owner[1]}번째 줄 '{owner[0]}'에도 있습니다"
                    )
            terms.append(term)
        for term in terms:
            for parent in term.broader:
                if parent not in seen_lines:
                    raise TermDictionaryError(seen_lines[term.id], f"상위 개념 '{parent}'가 사전에 없습니다")
        try:
            dictionary = cls(terms)
        except ValueError as exc:
            raise TermDictionaryError(0, str(exc)) from exc
        for term in terms:
            dictionary.expand(term.id)  # rejects cycles early
        return dictionary

    @classmethod
    def load(cls, path: Path) -> TermDictionary:
        return cls.parse(Path(path).read_text(encoding="utf-8"))

    # --- lookups --------------------------------------------------------------------------

    def lookup(self, word: str) -> str | None:
        """The concept id of a whole word (already normalised), or None."""
        return self._exact.get(compact(word))

    def is_general(self, term_id: str) -> bool:
        term = self.terms.get(term_id)
        return term is not None and term.general

    def parents(self, term_id: str) -> tuple[str, ...]:
        """The concepts directly above this one."""
        term = self.terms.get(term_id)
        return () if term is None else term.broader

    def label(self, term_id: str) -> str:
        term = self.terms.get(term_id)
        return term.label if term else term_id

    def expand(self, term_id: str) -> tuple[str, ...]:
        """The id and every broader concept above it (what the index stores for a match)."""
        cached = self._expanded.get(term_id)
        if cached is not None:
            return cached
        result: list[str] = []
        stack, path = [term_id], set()
        while stack:
            current = stack.pop()
            if current in result:
                continue
            result.append(current)
            term = self.terms.get(current)
            if term is None:
                continue
            if len(result) > 32 or current in path:
                raise TermDictionaryError(0, f"상위 개념이 순환합니다: {term_id}")
            path.add(current)
            stack.extend(reversed(term.broader))
        self._expanded[term_id] = tuple(result)
        return self._expanded[term_id]

    def concepts_starting_with(self, word: str, limit: int = 5) -> list[str]:
        """Concepts with a variant that starts with `word` (the word being typed)."""
        key = compact(normalise(word))
        if len(key) < 2:
            return []
        found: list[str] = []
        keys = self._sorted_keys
        for index in range(bisect_left(keys, key), len(keys)):
            candidate = keys[index]
            if not candidate.startswith(key):
                break  # the keys that start with `key` sit together from where it would be inserted
            term_id = self._exact[candidate]
            if term_id not in found:
                found.append(term_id)
                if len(found) == limit:
                    break
        return found

    def surfaces(self, term_id: str) -> list[str]:
        term = self.terms.get(term_id)
        return [] if term is None else [term.label, *term.variants]

    def find(self, text: str) -> list[TermMatch]:
        """Leftmost-longest variant matches in `text` (which must come from normalise())."""
        if not self._surface:
            return []
        # Matching runs on the text without separators ("squeezed"). `breaks` holds, for each
        # separator in text order, the squeezed index of the character after it, so a squeezed
        # index i sits at i + bisect_right(breaks, i) in `text`.
        breaks = [at - count for count, at in enumerate(match.start() for match in _SEPARATOR.finditer(text))]
        squeezed = _SEPARATOR.sub("", text) if breaks else text
        # Every occurrence of every variant, by start and then longest first: at each start the
        # longest variant whose word boundaries hold wins, and the scan goes on after it.
        found = sorted(((end + 1 - len(key), key, info) for end, (key, info) in self._automaton.iter(squeezed)),
                       key=lambda item: (item[0], -len(item[1])))
        matches: list[TermMatch] = []
        resume = 0
        for i, key, info in found:
            if i < resume:
                continue
            start = i + bisect_right(breaks, i)
            stop = i + len(key) + bisect_right(breaks, i + len(key) - 1)
            if self._accept(info, key, text, start, stop, breaks, i):
                matches.append(TermMatch(start, stop, info.term_id))
                resume = i + len(key)
        return matches

    @staticmethod
    def _accept(info: _Key, key: str, text: str, start: int, stop: int, breaks: list[int], i: int) -> bool:
        before = text[start - 1] if start > 0 else ""
        after = text[stop] if stop < len(text) else ""
        if before and is_ascii_alnum(key[0]) and is_ascii_alnum(before):
            return False
        if before and info.word_start and is_hangul(before):
            return False
        if after and is_ascii_alnum(key[-1]) and is_ascii_alnum(after):
            return False
        if stop - start != len(key):  # separators inside the match
            for at in breaks[bisect_right(breaks, i):bisect_left(breaks, i + len(key))]:
                j = at - i
                if j not in info.gaps and is_ascii_alnum(key[j - 1]) and is_ascii_alnum(key[j]):
                    return False  # "in it" is not "init"
        return True

    # --- "did you mean" -------------------------------------------------------------------

    def nearest(self, word: str) -> Term | None:
        """The concept whose variant is within a small edit distance of `word` (jamo level)."""
        key = compact(normalise(word))
        if len(key) < 2 or key in self._exact:
            return None
        target = _jamo(key)
        limit = 1 if len(target) <= 6 else 2
        spelled, by_deletion = self._spelled
        candidates = {index for deleted in _deletions(target, limit) for index in by_deletion.get(deleted, ())}
        best: tuple[int, int, str] | None = None
        for index in sorted(candidates):
            variant, term_id = spelled[index]
            distance = _levenshtein(target, variant, limit)
            if distance <= limit and (best is None or (distance, -len(variant)) < best[:2]):
                best = (distance, -len(variant), term_id)
        return self.terms[best[2]] if best else None

    def prepare_suggestions(self) -> None:
        """Build the "did you mean" index now (~0.2 s, ~30 MB) rather than in the first request
        whose query finds nothing."""
        self._spelled  # noqa: B018 - a cached_property: reading it builds it

    @cached_property
    def _spelled(self) -> tuple[list[tuple[str, str]], dict[str, list[int]]]:
        """Every variant in jamo, and an index from each string left after deleting up to two
        jamo to the variants it came from: two strings within edit distance k leave a common
        string after at most k deletions each, so a typo finds its candidates by lookup."""
        spelled = [(_jamo(candidate), term_id) for candidate, term_id in sorted(self._exact.items())]
        by_deletion: dict[str, list[int]] = {}
        for index, (variant, _) in enumerate(spelled):
            for deleted in _deletions(variant, 2):
                by_deletion.setdefault(deleted, []).append(index)
        return spelled, by_deletion


def _deletions(text: str, depth: int) -> set[str]:
    found, frontier = {text}, {text}
    for _ in range(depth):
        frontier = {item[:i] + item[i + 1:] for item in frontier for i in range(len(item))}
        found |= frontier
    return found


def _jamo(text: str) -> str:
    out = []
    for ch in text:
        code = ord(ch) - 0xAC00
        if 0 <= code < 11172:
            out.append(chr(0x1100 + code // 588))
            out.append(chr(0x1161 + (code % 588) // 28))
            if code % 28:
                out.append(chr(0x11A7 + code % 28))
        else:
            out.append(ch)
    return "".join(out)


def _levenshtein(a: str, b: str, limit: int) -> int:
    """Edit distance of a and b, or limit + 1 once it must exceed limit (only the diagonal band
    |i - j| <= limit can hold a smaller distance, so only that band is computed)."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    far = limit + 1
    previous = {j: j for j in range(0, min(len(b), limit) + 1)}
    for i, ca in enumerate(a, start=1):
        current = {i - limit - 1: far} if i - limit - 1 >= 0 else {}
        if i <= limit:
            current[0] = i
        for j in range(max(1, i - limit), min(len(b), i + limit) + 1):
            current[j] = min(previous.get(j, far) + 1, current.get(j - 1, far) + 1,
                             previous.get(j - 1, far) + (ca != b[j - 1]))
        if min(current.values()) > limit:
            return far
        previous = current
    return min(previous.get(len(b), far), far)


def terms_path() -> Path:
    """The content folder's term dictionary (KB_CONTENT_DIR, read by Settings), else the shipped one."""
    found = content_dir_from_env() / TERMS_FILE
    return found if found.is_file() else PROJECT_ROOT / "content" / TERMS_FILE


@lru_cache(maxsize=4)
def _load_cached(path: str, mtime_ns: int) -> TermDictionary:
    return TermDictionary.load(Path(path))


# How long the dictionary in use stands before the file is looked at again (two stats and a path). A
# post renders and analyses with it, and that look on every call was 3-4% of a post's work on the
# event loop; an edited terms.tsv reaches a running server within this, and `kb ingest` looks at once.
RECHECK_S = 1.0


@dataclass(frozen=True)
class _InUse:
    content_dir: str | None  # KB_CONTENT_DIR when it was looked up
    dictionary: TermDictionary
    checked_at: float


_in_use: _InUse | None = None


def default_dictionary() -> TermDictionary:
    """The dictionary file, loaded once per process, and again once the file has changed (looked at
    RECHECK_S after the last look, or at once after recheck_dictionary() or a change of KB_CONTENT_DIR)."""
    global _in_use
    in_use, content_dir, now = _in_use, os.environ.get("KB_CONTENT_DIR"), clock.monotonic()
    if in_use is not None and in_use.content_dir == content_dir and now - in_use.checked_at < RECHECK_S:
        return in_use.dictionary
    path = terms_path()
    dictionary = _load_cached(str(path), path.stat().st_mtime_ns)
    _in_use = _InUse(content_dir, dictionary, now)
    return dictionary


def recheck_dictionary() -> None:
    """The next default_dictionary() looks at the file, whenever it last did (before an ingest: an
    editor may have just extended it)."""
    global _in_use
    _in_use = None
