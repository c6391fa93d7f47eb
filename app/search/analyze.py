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
"""

from __future__ import annotations

import re
import threading
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from app.search.lemma import is_content_predicate, lemma
from app.search.terms import TermDictionary, TermMatch, default_dictionary
from app.search.text import display_text, normalise

MAX_TEXT_CHARS = 20_000  # per column; longer bodies are indexed and stored up to here

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
    def from_tokens(cls, title: Tokens, body: Tokens, answers: Tokens, texts: tuple[str, str, str]) -> "SearchDoc":
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


def analyse(text: str, dictionary: TermDictionary | None = None, kiwi_tokens=None) -> Tokens:
    """Index tokens of one column of text (normalised here)."""
    dictionary = dictionary or default_dictionary()
    norm = normalise(text)
    if not norm:
        return Tokens([], [])
    matches = dictionary.find(norm)
    if kiwi_tokens is None:
        kiwi_tokens = []  # Kiwi's nouns and predicates are Korean: other text needs only the dictionary
        if _KOREAN_OR_CJK.search(norm):
            pretokenized = [(m.start, m.end, "NNP") for m in matches]
            kiwi_tokens = _kiwi().tokenize(norm, z_coda=False, pretokenized=pretokenized)
    return _tokens_from(norm, matches, kiwi_tokens, dictionary)


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


def _tokens_from(norm: str, matches: Sequence[TermMatch], kiwi_tokens, dictionary: TermDictionary) -> Tokens:
    found: list[tuple[int, str]] = [(match.start, match.term_id) for match in matches]
    covered = [(m.start, m.end) for m in matches]
    mask = bytearray(len(norm) + 1)  # 1 where a dictionary match covers the character
    for start, end in covered:
        mask[start:end] = b"\x01" * (end - start)

    def inside(start: int, end: int) -> bool:
        return mask.find(1, start, end) != -1

    cursor = 0
    for start, end in covered + [(len(norm), len(norm))]:
        _ascii_tokens(norm, cursor, start, found)
        cursor = end
    for start, end, form in _glue_nouns(kiwi_tokens):
        if inside(start, end) or not _KOREAN_OR_CJK.search(form):
            continue
        found.append((start, dictionary.lookup(form) or form))
    for token in kiwi_tokens:
        if not is_content_predicate(token.form, token.tag) or inside(token.start, token.start + token.len):
            continue
        form = lemma(token.form)
        found.append((token.start, dictionary.lookup(form) or form))
    return split_concepts(found, dictionary)


def _clip(text: str) -> str:
    return text[:MAX_TEXT_CHARS]


def build_search_doc(title: str, body_text: str, answers_text: str) -> SearchDoc:
    """The search document of one question from its plain texts. Pure; runs in worker processes."""
    texts = (_clip(title or ""), _clip(body_text or ""), _clip(answers_text or ""))
    title_tokens = analyse(texts[0])
    # Interview and lecture questions are their title: analyse the same text once.
    body_tokens = title_tokens if normalise(texts[1]) == normalise(texts[0]) else analyse(texts[1])
    return SearchDoc.from_tokens(title_tokens, body_tokens, analyse(texts[2]), texts=texts)


def build_search_docs(items: Iterable[tuple[str, str, str]], workers: int = 0) -> list[SearchDoc]:
    """Many documents at once; Kiwi spreads the analysis over `workers` threads (0: one thread)."""
    items = [(_clip(t or ""), _clip(b or ""), _clip(a or "")) for t, b, a in items]
    if workers <= 1:
        return [build_search_doc(*item) for item in items]
    from kiwipiepy import Kiwi

    dictionary = default_dictionary()
    texts: list[str] = []
    matches: list[list[TermMatch]] = []
    for item in items:
        for column in item:
            norm = normalise(column)
            texts.append(norm)
            matches.append(dictionary.find(norm))
    kiwi = getattr(_local, "pool_kiwi", None)
    if kiwi is None or kiwi.num_workers != workers:
        kiwi = Kiwi(num_workers=workers, load_typo_dict=False, load_multi_dict=False)
        _local.pool_kiwi = kiwi
    pretokenized = [[(m.start, m.end, "NNP") for m in ms] for ms in matches]
    analysed = kiwi.tokenize(
        texts, z_coda=False, pretokenized=lambda text, _it=iter(pretokenized): next(_it)
    )
    columns = [
        _tokens_from(norm, ms, tokens, dictionary) if norm else Tokens([], [])
        for norm, ms, tokens in zip(texts, matches, analysed)
    ]
    return [SearchDoc.from_tokens(*columns[3 * i:3 * i + 3], texts=item) for i, item in enumerate(items)]
