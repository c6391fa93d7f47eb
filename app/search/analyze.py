"""Index-time analysis: text → the tokens the search index stores, with Kiwi.

`build_search_doc` is pure and its result picklable, so the ingest loader can run it in worker
processes. Kiwi (~300 MB) is loaded lazily, once per process, and only where documents are
analysed (ingest workers, `kb search reindex`, the benchmark): never by the web process.

A document's tokens, per column, in text order:
- every term-dictionary match as its concept id, plus the broader concepts above it
  ("배치 정규화" → batch_normalization normalization);
- Korean nouns from Kiwi (NNG, NNP, SH, XR), with a prefix (비-) or a derivational suffix
  (-화, -성, -률 …) glued back on, and mapped through the dictionary when the whole noun is a
  variant (so a one-syllable variant like 뜻 still canonicalises);
- verbs and adjectives (VV, VA) in their dictionary form (막는 → 막다), except the light ones
  (하다, 있다, 같다 …), mapped through the dictionary too (다르다 → difference);
- English words and numbers as they are (lower case), minus one-digit numbers.

Kiwi analyses each eojeol on its own, once per process (`WordAnalyser`): a word's tokens never
depend on the text around it, and a corpus repeats most of its words.
"""

from __future__ import annotations

import re
import threading
import warnings
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache, partial

from app.search.lemma import MAX_WORD_CHARS, is_content_predicate, lemma
from app.search.terms import TermDictionary, TermMatch, default_dictionary
from app.search.text import display_text, normalise

MAX_TEXT_CHARS = 20_000  # per column; longer bodies are indexed and stored up to here
# Distinct eojeols whose tokens a process keeps (a few hundred bytes each): far more than the
# words a corpus uses often, so the cache holds the head of the Zipf curve and then some.
WORD_CACHE_SIZE = 50_000

NOUN_TAGS = frozenset({"NNG", "NNP", "SH", "XR"})
GLUED_SUFFIXES = frozenset("화성치률율기형층적량력도법식자점")

# Nouns that say nothing about the topic of a question. Applied at index and at query time.
STOPWORDS = frozenset(
    """
    이유 경우 질문 생각 정도 부분 내용 이해 설명 궁금 사용 말 얘기 이야기 때문 가지 문제 그것 이것 저것 여기 거기
    하나 자체 대해 관련 위 아래 다음 이전 결국 보통 일단 혹시 다른 모든 각각 경우 상황 그림 자료 참고 참조 링크
    예시 예제 예 방식 방법 과정 결과 통해 위해 대한 어느 정도 지금 요즘 이번 우리 저희 제가 누구 무엇 뭐 어떤 무슨
    때 후 전 중 시 번 쪽 점 등 수 것 거 데 뿐 듯 채 줄 만큼
    a an the of to in on for is are be and or with as by at it this that what why how
    """.split()
)

# Particles and copula endings an eojeol can start with when the word they attach to is set apart
# by a space: "$W$ 으로", "x 라는 값", "ReLU 를". Analysed alone, Kiwi reads their first syllable as
# a noun (으로 → 으/NNG, 라는 → 라/NNG), which would index 으 and 라. A closed class of Korean.
_LEADING_PARTICLE = re.compile(
    "^(?:으로서|으로써|으로|로서|로써|로|이라는|이라고|이라면|이라서|이란|라는|라고|라면|라서|란|이며|이고|이나|"
    "이랑|랑|에서|에게|에|을|를|은|는|이|가|와|과|의|도|만|보다|처럼|까지|부터)"
)
_ASCII_WORD = re.compile(r"[a-z0-9]+")
_KOREAN_OR_CJK = re.compile("[\uac00-\ud7a3\u2e81-\U0010ffff]")


@dataclass(frozen=True)
class Tokens:
    """One column's tokens: what the text says, and the broader concepts above its terms."""

    exact: list[str]
    broader: list[str]


@dataclass(frozen=True)
class SearchDoc:
    """What the index stores for one question: token strings per column, and the display text.

    Broader concepts get columns of their own (ranked lower): "정규화" should find a question
    about batch normalization, but below one that is about normalization itself.
    """

    title_terms: str
    body_terms: str
    answers_terms: str
    title_text: str
    body_text: str
    answers_text: str
    title_broader_terms: str = ""
    text_broader_terms: str = ""

    @classmethod
    def from_tokens(cls, title: Tokens, body: Tokens, answers: Tokens, texts: tuple[str, str, str]) -> SearchDoc:
        return cls(
            title_terms=" ".join(title.exact),
            body_terms=" ".join(body.exact),
            answers_terms=" ".join(answers.exact),
            title_text=display_text(texts[0]),
            body_text=display_text(texts[1]),
            answers_text=display_text(texts[2]),
            title_broader_terms=" ".join(title.broader),
            text_broader_terms=" ".join(body.broader + answers.broader),
        )


_local = threading.local()


def _kiwi():
    kiwi = getattr(_local, "kiwi", None)
    if kiwi is None:
        from kiwipiepy import Kiwi

        with warnings.catch_warnings():  # num_workers=0 means one thread since 0.21 and says so
            warnings.simplefilter("ignore", DeprecationWarning)
            kiwi = Kiwi(num_workers=0, load_typo_dict=False, load_multi_dict=False)
        _local.kiwi = kiwi
    return kiwi


def kiwi_loaded() -> bool:
    return getattr(_local, "kiwi", None) is not None


def _ascii_tokens(text: str, start: int, end: int, out: list[tuple[int, str]]) -> None:
    for match in _ASCII_WORD.finditer(text, start, end):
        word = match.group()
        if len(word) == 1 and word.isdigit():
            continue
        out.append((match.start(), word))


def _glue_nouns(tokens) -> list[tuple[int, int, str]]:
    """(start, end, form) of nouns, with 비-/재- prefixes and -화/-성/… suffixes glued on."""
    nouns: list[list] = []
    pending_prefix = None
    for token in tokens:
        tag = token.tag
        if tag == "XPN":
            pending_prefix = token
            continue
        if tag in NOUN_TAGS:
            start, form = token.start, token.form
            if pending_prefix is not None and pending_prefix.start + pending_prefix.len == token.start:
                start, form = pending_prefix.start, pending_prefix.form + form
            nouns.append([start, token.start + token.len, form])
        elif tag == "XSN" and nouns and token.form in GLUED_SUFFIXES and nouns[-1][1] == token.start:
            nouns[-1][1] = token.start + token.len
            nouns[-1][2] += token.form
        pending_prefix = None
    return [tuple(n) for n in nouns]


WordKey = tuple[str, tuple[tuple[int, int], ...]]  # an eojeol and the dictionary matches inside it


class WordAnalyser:
    """Kiwi's part of the index tokens, one eojeol (space-separated word) at a time, memoised.

    Korean eojeols follow Zipf's law: most words of a new document were seen before, so each
    distinct (eojeol, dictionary spans inside it) is analysed once per process and its tokens are
    kept in an LRU. Dictionary matching still runs on the whole text first (multi-word terms such
    as "배치 정규화" span eojeols); a word's part of those matches is part of its key.

    Analysing a word alone (not inside its sentence) is also what makes the cache correct: the
    tokens of a word never depend on its neighbours, so a question gets the same tokens whichever
    documents were analysed before it. Kiwi's context would reach across any separator: words
    joined by newlines into one call are analysed differently depending on their neighbours.
    """

    def __init__(self, dictionary: TermDictionary, size: int = WORD_CACHE_SIZE) -> None:
        self.dictionary = dictionary
        self.size = size
        self.hits = 0
        self.misses = 0
        self._cache: OrderedDict[WordKey, tuple[tuple[int, str], ...]] = OrderedDict()

    def column(self, norm: str, matches: Sequence[TermMatch]) -> Tokens:
        """Index tokens of one column of normalised text and its dictionary matches."""
        found: list[tuple[int, str]] = [(match.start, match.term_id) for match in matches]
        for start, key in _word_keys(norm, matches):
            tokens = self._tokens(key)
            if tokens:
                found.extend([(start + offset, token) for offset, token in tokens])
        return split_concepts(found, self.dictionary)

    def prime(self, keys: Iterable[WordKey], tokenize_many) -> None:
        """Analyse the keys not cached yet in one go: tokenize_many(words, pretokenized) gives
        Kiwi's tokens for each word, analysed alone (e.g. by a multi-threaded Kiwi)."""
        todo = list(dict.fromkeys(key for key in keys if key not in self._cache and _needs_kiwi(*key)))
        if not todo:
            return
        analysed = tokenize_many([word for word, _ in todo], [_pretokenized(covered) for _, covered in todo])
        for key, kiwi_tokens in zip(todo, analysed, strict=True):
            self._store(key, self._analyse(*key, kiwi_tokens))

    def _tokens(self, key: WordKey) -> tuple[tuple[int, str], ...]:
        cache = self._cache
        tokens = cache.get(key)
        if tokens is not None:
            try:  # noqa: SIM105 - contextlib.suppress would cost a context manager on every cache hit
                cache.move_to_end(key)
            except KeyError:  # another thread (a web worker re-indexing a post) evicted it just now
                pass
            self.hits += 1
            return tokens
        self.misses += 1
        tokens = self._analyse(*key)
        self._store(key, tokens)
        return tokens

    def _store(self, key: WordKey, tokens: tuple[tuple[int, str], ...]) -> None:
        self._cache[key] = tokens
        if len(self._cache) > self.size:
            self._cache.popitem(last=False)

    def _analyse(self, word: str, covered: tuple[tuple[int, int], ...],
                 kiwi_tokens=None) -> tuple[tuple[int, str], ...]:
        """(offset in the word, token) pairs: English words and numbers outside the matches, then
        Kiwi's nouns and predicates outside them."""
        found: list[tuple[int, str]] = []
        cursor = 0
        for start, end in covered:
            _ascii_tokens(word, cursor, start, found)
            cursor = end
        _ascii_tokens(word, cursor, len(word), found)
        if kiwi_tokens is None:
            if not _needs_kiwi(word, covered):
                return tuple(found)
            kiwi_tokens = _kiwi().tokenize(word, z_coda=False, pretokenized=_pretokenized(covered))
        lookup = self.dictionary.lookup

        def inside(start: int, end: int) -> bool:
            return end > start and any(s < end and start < e for s, e in covered)

        particle = _LEADING_PARTICLE.match(word)
        particle_end = particle.end() if particle else 0
        for start, end, form in _glue_nouns(kiwi_tokens):
            if inside(start, end) or not _KOREAN_OR_CJK.search(form) or end <= particle_end:
                continue
            found.append((start, lookup(form) or form))
        for token in kiwi_tokens:
            if not is_content_predicate(token.form, token.tag) or inside(token.start, token.start + token.len):
                continue
            form = lemma(token.form)
            found.append((token.start, lookup(form) or form))
        return tuple(found)


def _word_keys(norm: str, matches: Sequence[TermMatch]):
    """(start, (eojeol, spans of the matches inside it)) for each space-separated word of `norm`
    (normalise() leaves exactly one space between words)."""
    first = 0  # the first match that may still reach the current word (matches are in text order)
    start = 0
    for word in norm.split(" "):
        end = start + len(word)
        while first < len(matches) and matches[first].end <= start:
            first += 1
        covered: tuple[tuple[int, int], ...] = ()
        index = first
        while index < len(matches) and matches[index].start < end:
            match = matches[index]
            covered += ((max(match.start, start) - start, min(match.end, end) - start),)
            index += 1
        yield start, (word, covered)
        start = end + 1


def _needs_kiwi(word: str, covered: tuple[tuple[int, int], ...]) -> bool:
    """Kiwi's nouns and predicates are Korean (or CJK): text outside the matches needs some. A run
    longer than any word (MAX_WORD_CHARS) is not analysed: Kiwi takes seconds over 20,000 syllables."""
    if len(word) > MAX_WORD_CHARS:
        return False
    if not covered:
        return _KOREAN_OR_CJK.search(word) is not None
    cursor = 0
    for start, end in covered:
        if _KOREAN_OR_CJK.search(word, cursor, start):
            return True
        cursor = end
    return _KOREAN_OR_CJK.search(word, cursor) is not None


def _pretokenized(covered: tuple[tuple[int, int], ...]) -> list[tuple[int, int, str]]:
    return [(start, end, "NNP") for start, end in covered]


@lru_cache(maxsize=4)
def word_analyser(dictionary: TermDictionary) -> WordAnalyser:
    """One memoising analyser per dictionary and process (its tokens depend on the dictionary)."""
    return WordAnalyser(dictionary)


def analyse(text: str, dictionary: TermDictionary | None = None) -> Tokens:
    """Index tokens of one column of text (normalised here)."""
    return _analyse_normalised(normalise(text), dictionary or default_dictionary())


def _analyse_normalised(norm: str, dictionary: TermDictionary) -> Tokens:
    if not norm:
        return Tokens([], [])
    return word_analyser(dictionary).column(norm, dictionary.find(norm))


def split_concepts(found: list[tuple[int, str]], dictionary: TermDictionary) -> Tokens:
    """(position, token) pairs in any order → exact tokens in text order, and broader concepts."""
    found.sort(key=lambda item: item[0])
    exact: list[str] = []
    broader: list[str] = []
    for _, token in found:
        if token in STOPWORDS:
            continue
        exact.append(token)
        if token in dictionary.terms:
            broader.extend(dictionary.expand(token)[1:])
    return Tokens(exact, broader)


def _clip(text: str) -> str:
    return text[:MAX_TEXT_CHARS]


def build_search_doc(title: str, body_text: str, answers_text: str,
                     dictionary: TermDictionary | None = None) -> SearchDoc:
    """The search document of one question from its plain texts. Pure; runs in worker processes."""
    dictionary = dictionary or default_dictionary()
    texts = (_clip(title or ""), _clip(body_text or ""), _clip(answers_text or ""))
    norms = [normalise(text) for text in texts]
    title_tokens = _analyse_normalised(norms[0], dictionary)
    # Interview and lecture questions are their title: analyse the same text once.
    body_tokens = title_tokens if norms[1] == norms[0] else _analyse_normalised(norms[1], dictionary)
    return SearchDoc.from_tokens(title_tokens, body_tokens, _analyse_normalised(norms[2], dictionary), texts=texts)


def search_doc_builder() -> Callable[[str, str, str], SearchDoc]:
    """build_search_doc with the term dictionary as it is now, looked up once (for one file's
    questions) instead of once per question."""
    return partial(build_search_doc, dictionary=default_dictionary())


def _in_turn(items: Iterable[object]) -> Callable[[str], object]:
    """Kiwi's `pretokenized` callback for a batch: called once per word, in order, it hands out the next
    word's spans."""
    it = iter(items)
    return lambda _text: next(it)


def build_search_docs(items: Iterable[tuple[str, str, str]], workers: int = 0) -> list[SearchDoc]:
    """Many documents at once; Kiwi spreads the new words over `workers` threads (0: one thread)."""
    items = [(_clip(t or ""), _clip(b or ""), _clip(a or "")) for t, b, a in items]
    if workers <= 1:
        return [build_search_doc(*item) for item in items]
    dictionary = default_dictionary()
    analyser = word_analyser(dictionary)
    columns = []
    for item in items:
        for column in item:
            norm = normalise(column)
            columns.append((norm, dictionary.find(norm)))
    analyser.prime((key for norm, matches in columns for _, key in _word_keys(norm, matches)),
                   lambda words, pretokenized: _pool_kiwi(workers).tokenize(
                       words, z_coda=False, pretokenized=_in_turn(pretokenized)))
    tokens = [analyser.column(norm, matches) if norm else Tokens([], []) for norm, matches in columns]
    return [SearchDoc.from_tokens(tokens[3 * i], tokens[3 * i + 1], tokens[3 * i + 2], texts=item)
            for i, item in enumerate(items)]


def _pool_kiwi(workers: int):
    kiwi = getattr(_local, "pool_kiwi", None)
    if kiwi is None or kiwi.num_workers != workers:
        from kiwipiepy import Kiwi

        kiwi = Kiwi(num_workers=workers, load_typo_dict=False, load_multi_dict=False)
        _local.pool_kiwi = kiwi
    return kiwi
