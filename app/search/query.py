"""Query-time analysis: what the user typed → terms the index knows → a safe FTS5 expression.

No Kiwi here (the web process stays light). Instead the analysis is guided by the index's own
vocabulary, which Kiwi built: for each word we try the word, then the word with a particle or
ending stripped (정규화가 → 정규화, 테스트할 → 테스트, 동작해 → 동작), longest stem first, and
keep the first one the index (or the term dictionary) knows. A word the index does not know at
all cannot match anything, so dropping it loses nothing; it is kept aside for "did you mean".

User text never reaches MATCH: the expression is built only from tokens that are quoted and
escaped here, joined by OR; FTS5 operators typed by the user are just words.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache

from app.search.analyze import STOPWORDS, Tokens, split_concepts
from app.search.lemma import MAX_WORD_CHARS, lemma_candidates
from app.search.terms import TermDictionary, TermMatch
from app.search.text import is_hangul, normalise

MAX_QUERY_CHARS = 300  # longer input is cut here (a 1,000-character paste still searches)
MAX_TERMS = 16
MIN_PREFIX = 2
# Distinct words whose forms a process keeps (each at most MAX_WORD_CHARS long, a few hundred bytes
# with its forms): the head of the Zipf curve of what is posted and searched.
FORMS_CACHE_SIZE = 50_000

# How much each kind of query term counts. bm25 sums over the phrases of the query, so a token
# written twice in the MATCH expression counts twice: that is how terms get weights. A technical
# term (dictionary concept, English word) says what the question is about; a plain Korean word or
# an everyday concept (차이, 원리) says less; a concept one level above a typed term ("GPU" for
# "GPU 사용률") finds near misses without outranking real matches.
WEIGHT_TOPIC = 2
WEIGHT_PLAIN = 1
WEIGHT_BROADER = 1

# Words that make a sentence a question but say nothing about its topic.
QUESTION_WORDS = frozenset(
    """
    왜 어떻게 무엇 무엇인가 무엇인가요 무엇인지 뭐 뭔가 뭔가요 뭘까 뭘까요 뭐지 뭐야 뭐예요 뭔지
    어떤 어떠한 무슨 언제 어디 누가
    얼마나 정말 진짜 그냥 좀 잘 더 가장 많이 너무 혹시 그리고 그러면 근데 그런데 하지만 또 또는 및 등 대해 대해서 대한
    있나요 있는지 있을까 있을까요 없나요 되나요 하나요 할까요 인가요 일까요 건가요 걸까요 맞나요 알려주세요 궁금합니다
    """.split()
)

# Particles and endings that may follow a noun in a query, longest first.
_SUFFIXES = sorted(
    set(
        """
        이 가 은 는 을 를 의 에 에서 에게 한테 께 로 으로 와 과 도 만 까지 부터 보다 처럼 마다 이나 나
        이란 란 이라는 라는 이라고 라고 이랑 랑 에는 에서는 으로는 로는 에도 에서도 으로도 로도
        에서의 으로의 로의 와의 과의 에의 이라 라 이며 며
        이고 인 인가 인가요 인지 일까 일까요 이야 야 이에요 예요 입니다 이다 들 들이 들을 들은 들의 뿐 밖에 대로 요 이요
        이란게 란게 이란건 란건 이라서 라서 이면 면 이랑은 에선 에서만 만으로 으로서 로서 으로써 로써 같은 같이
        """.split()
    ),
    key=len,
    reverse=True,
)
_SUFFIX_SET = frozenset(_SUFFIXES)
# Where a 하다/되다/시키다 verb or an adjective ending starts after its noun.
_VERBAL_STARTS = ("하", "한", "할", "함", "해", "했", "합", "되", "된", "될", "됨", "돼", "됐", "시키", "시킨", "시켜",
                  "스럽", "스러운", "적인", "적으로", "적")

_WORD = re.compile(r"[가-힣]+|[a-z0-9]+")


@dataclass(frozen=True)
class QueryTerm:
    """One thing the user asked about. A document matches it if it holds any of `tokens`."""

    tokens: tuple[str, ...]
    surface: str  # the words as typed (normalised), for highlighting and "did you mean"
    concept: str | None = None  # term-dictionary id
    prefix: bool = False  # the word still being typed: tokens are prefixes
    weight: int = WEIGHT_PLAIN
    broader: tuple[str, ...] = ()  # the concepts directly above `concept`: a fallback match


@dataclass(frozen=True)
class ParsedQuery:
    text: str
    terms: tuple[QueryTerm, ...]
    unknown: tuple[str, ...]  # words that the index and the dictionary do not know

    @property
    def empty(self) -> bool:
        return not self.terms

    def match_expression(self) -> str | None:
        """FTS5 MATCH text: quoted tokens joined by OR, each repeated `weight` times (None when
        there is nothing to search)."""
        weights: dict[tuple[str, bool], int] = {}
        for term in self.terms:
            for token, weight in [(t, term.weight) for t in term.tokens] + [(t, WEIGHT_BROADER) for t in term.broader]:
                key = (token, term.prefix)
                weights[key] = max(weights.get(key, 0), weight)
        parts = [quote(token) + ("*" if prefix else "") for (token, prefix), weight in weights.items()
                 for _ in range(weight)]
        return " OR ".join(parts) if parts else None

    def tokens(self) -> list[str]:
        return [token for term in self.terms for token in term.tokens]


def quote(token: str) -> str:
    """An FTS5 string literal: the token in double quotes, inner quotes doubled."""
    return '"' + token.replace('"', '""') + '"'


def _stems(word: str) -> list[str]:
    """The word and its plausible noun stems, longest first."""
    stems = [word]
    for cut in range(len(word) - 1, 0, -1):
        stem, rest = word[:cut], word[cut:]
        if rest in _SUFFIX_SET or rest.startswith(_VERBAL_STARTS):
            stems.append(stem)
    return stems


def _splits(stem: str) -> list[tuple[str, str]]:
    """Two-noun readings of a compound typed without its space (학습시간 → 학습 + 시간)."""
    return [(stem[:cut], stem[cut:]) for cut in range(2, len(stem) - 1)]


def parse_query(
    text: str,
    dictionary: TermDictionary,
    known: Callable[[Iterable[str]], set[str]],
    *,
    prefix_last: bool = False,
) -> ParsedQuery:
    """Analyse a query. `known(tokens)` returns the subset of tokens present in the index.

    The stages, shared with analyse_light where they mean the same: dictionary matches, the words
    outside them (_query_words), each word's forms (_forms, _plan), one `known` call for all of
    them, then each word's terms (_prefix_terms for the word still being typed, _word_terms)."""
    raw = (text or "")[:MAX_QUERY_CHARS]
    norm = normalise(raw)
    typing = prefix_last and bool(raw) and not raw[-1].isspace()
    matches = dictionary.find(norm)
    terms = [_concept_term(match.term_id, norm[match.start:match.end], dictionary) for match in matches]
    words = _query_words(norm, matches)
    plans = [plan for plan in (_plan(word, dictionary) for word in words) if plan is not None]
    candidates = {candidate for plan in plans for candidate in plan.candidates()}
    present = known(sorted(candidates)) if candidates else set()

    unknown: list[str] = []
    last_start = words[-1].start if words else -1
    for plan in plans:
        word = plan.word.text
        if typing and plan.word.start == last_start and norm.endswith(word) and len(word) >= MIN_PREFIX:
            terms += _prefix_terms(plan, present, dictionary)
            continue
        found = _word_terms(plan, present, dictionary)
        begun = _begun_concepts(plan, found, dictionary)
        if found or begun:
            terms += found + begun
        else:
            unknown.append(word)

    terms = [
        replace(term, broader=dictionary.parents(term.concept)) if term.concept and not term.prefix else term
        for term in _unique(terms)[:MAX_TERMS]
    ]
    return ParsedQuery(norm, tuple(terms), tuple(unknown))


@dataclass(frozen=True)
class _Word:
    """A run of Hangul or of ASCII letters and digits outside the dictionary's matches."""

    start: int
    text: str
    glued: bool  # right after a dictionary term or an ASCII word, where a particle or ending may follow


@dataclass(frozen=True)
class _Forms:
    """What a word may stand for in the index: itself and its noun stems, longest first, and the
    dictionary forms of the verb or adjective it may conjugate."""

    stems: tuple[str, ...]
    lemmas: tuple[str, ...]


@dataclass(frozen=True)
class _Plan:
    """A query word with the forms it is looked up by."""

    word: _Word
    stems: Sequence[str]
    lemmas: Sequence[str]
    splits: list[tuple[str, str]]  # two-noun readings of a compound typed without its space

    def candidates(self) -> Iterable[str]:
        yield from self.stems
        yield from self.lemmas
        for pair in self.splits:
            yield from pair


@lru_cache(maxsize=FORMS_CACHE_SIZE)
def _forms(word: str) -> _Forms:
    """Pure in the word, and words repeat (Zipf): each is taken apart once per process, not once per post."""
    if is_hangul(word[0]):
        return _Forms(tuple(_stems(word)), tuple(lemma_candidates(word)))
    return _Forms((word,), ())


def _says_nothing(word: str) -> bool:
    """A stopword or a lone digit: neither a query nor a document is about it."""
    return word in STOPWORDS or (len(word) == 1 and word.isdigit())


def _after_ascii(norm: str, start: int) -> bool:
    return start > 0 and norm[start - 1].isascii() and norm[start - 1].isalnum()


def _is_ending(word: str) -> bool:
    """A particle or a verbal ending, which says nothing of its own after a term: 드롭아웃[은]."""
    return word in _SUFFIX_SET or word.startswith(_VERBAL_STARTS)


@dataclass(frozen=True)
class _Span:
    """A run of Hangul or of ASCII letters and digits, with the dictionary matches over it."""

    start: int
    end: int
    covers: Sequence[TermMatch]  # the matches overlapping the run, in text order


def _spans(norm: str, matches: Sequence[TermMatch]) -> Iterator[_Span]:
    """The runs of the text with the matches over each, in one sweep: runs and matches are both in
    text order and matches do not overlap, so the text is read once however long it is."""
    first = 0  # the first match that may still overlap the current run
    for hit in _WORD.finditer(norm):
        start, end = hit.span()
        while first < len(matches) and matches[first].end <= start:
            first += 1
        last = first
        while last < len(matches) and matches[last].start < end:
            last += 1
        yield _Span(start, end, matches[first:last])


def _query_words(norm: str, matches: Sequence[TermMatch]) -> list[_Word]:
    """The words of a query around its dictionary matches: a run is cut where a match covers it,
    and an ending glued to a term is dropped."""
    match_ends = {match.end for match in matches}
    words: list[_Word] = []
    for span in _spans(norm, matches):
        for start, end in _uncovered(span):
            word = _Word(start, norm[start:end], start in match_ends or _after_ascii(norm, start))
            if not (word.glued and _is_ending(word.text)):
                words.append(word)
    return words


def _uncovered(span: _Span) -> Iterator[tuple[int, int]]:
    """The pieces of a run that no match covers, in text order."""
    at = span.start
    for match in span.covers:
        if at < match.start:
            yield at, match.start
        at = max(at, match.end)
    if at < span.end:
        yield at, span.end


def _light_words(norm: str, matches: Sequence[TermMatch]) -> list[_Word]:
    """The words of a document around its dictionary matches: the part of a run after its last
    match (glued to it), and no run longer than MAX_WORD_CHARS (its stems and conjugations would
    cost the square of its length)."""
    words: list[_Word] = []
    for span in _spans(norm, matches):
        start = max(span.start, span.covers[-1].end) if span.covers else span.start
        if start < span.end and span.end - start <= MAX_WORD_CHARS:
            words.append(_Word(start, norm[start:span.end], bool(span.covers) or _after_ascii(norm, start)))
    return words


def _plan(word: _Word, dictionary: TermDictionary) -> _Plan | None:
    """The forms a query word is looked up by (None: a question word, stopword or lone digit)."""
    text = word.text
    if text in QUESTION_WORDS or _says_nothing(text):
        return None
    forms = _forms(text)
    if not is_hangul(text[0]):
        return _Plan(word, forms.stems, forms.lemmas, [])
    stems = [s for s in forms.stems if len(s) >= 2 or dictionary.lookup(s)]
    return _Plan(word, stems, forms.lemmas, [pair for s in stems for pair in _splits(s)])


def _prefix_terms(plan: _Plan, present: set[str], dictionary: TermDictionary) -> list[QueryTerm]:
    """The word still being typed: its best stem as a prefix, and every concept it begins."""
    word = plan.word.text
    stem = next((s for s in plan.stems if s in present), plan.stems[-1] if plan.stems else word)
    return [QueryTerm((stem,), word, prefix=True),
            *(_concept_term(concept, word, dictionary) for concept in dictionary.concepts_starting_with(word))]


def _begun_concepts(plan: _Plan, found: list[QueryTerm], dictionary: TermDictionary) -> list[QueryTerm]:
    """A finished Hangul word that is no concept but begins some (드롭 of 드롭아웃, 과적 of 과적합): the
    reader wrote part of a term, so the term is asked for too, at the weight of a plain word (the
    word's own documents still count, and a whole word found as typed ranks no lower)."""
    word = plan.word.text
    if not is_hangul(word[0]) or len(word) < MIN_PREFIX or any(term.concept for term in found):
        return []
    return [replace(_concept_term(concept, word, dictionary), weight=WEIGHT_PLAIN)
            for concept in dictionary.concepts_starting_with(word)]


def _word_terms(plan: _Plan, present: set[str], dictionary: TermDictionary) -> list[QueryTerm]:
    """A finished word's term: its longest known stem or concept, else the verb it conjugates, else
    the two nouns of a compound (empty: the index does not know it)."""
    word = plan.word.text
    for stem in plan.stems:
        concept = dictionary.lookup(stem)
        if concept is not None:
            return [_concept_term(concept, word, dictionary)]
        if stem in present and stem not in STOPWORDS and stem not in QUESTION_WORDS:
            return [QueryTerm((stem,), word, weight=WEIGHT_TOPIC if stem.isascii() else WEIGHT_PLAIN)]
    predicate = _predicate(word, plan.lemmas, present, dictionary)
    if predicate is not None:
        return [predicate]
    pair = next(((a, b) for a, b in plan.splits if _usable(a, present, dictionary) and _usable(b, present, dictionary)),
                None)
    if pair is None:
        return []
    terms = []
    for piece in pair:
        concept = dictionary.lookup(piece)
        terms.append(_concept_term(concept, piece, dictionary) if concept else QueryTerm((piece,), piece))
    return terms


def _unique(terms: list[QueryTerm]) -> list[QueryTerm]:
    """One term per (tokens, prefix), the first seen."""
    unique: dict[tuple[tuple[str, ...], bool], QueryTerm] = {}
    for term in terms:
        unique.setdefault((term.tokens, term.prefix), term)
    return list(unique.values())


def _concept_term(concept: str, surface: str, dictionary: TermDictionary) -> QueryTerm:
    weight = WEIGHT_PLAIN if dictionary.is_general(concept) else WEIGHT_TOPIC
    return QueryTerm((concept,), surface, concept, weight=weight)


def _predicate(word: str, lemmas: Sequence[str], present: set[str], dictionary: TermDictionary) -> QueryTerm | None:
    """The verb or adjective the word conjugates, if the index (or the dictionary) knows it."""
    for form in lemmas:
        concept = dictionary.lookup(form)
        if concept is not None:
            return _concept_term(concept, word, dictionary)
        if form in present:
            return QueryTerm((form,), word)
    return None


def _usable(piece: str, present: set[str], dictionary: TermDictionary) -> bool:
    if piece in STOPWORDS or piece in QUESTION_WORDS:
        return False
    return piece in present or dictionary.lookup(piece) is not None


def corrected_query(parsed: ParsedQuery, dictionary: TermDictionary) -> str | None:
    """The query with each unknown word respelled as the dictionary term it most likely meant."""
    text = parsed.text
    changed = False
    for word in parsed.unknown:
        stems = _stems(word) if is_hangul(word[0]) else [word]
        for stem in stems:
            if len(stem) < (2 if is_hangul(stem[0]) else 4):
                continue
            term = dictionary.nearest(stem)
            if term is not None:
                text = text.replace(stem, term.label, 1)
                changed = True
                break
    return text if changed else None


_VERBAL_ENDINGS = ("다", "요", "고", "는데", "지만", "면", "서", "게", "지", "죠", "니다", "네", "까",
                   "음", "함", "됨", "임")


def analyse_light(text: str, dictionary: TermDictionary, known: Callable[[Iterable[str]], set[str]]) -> Tokens:
    """Index tokens without Kiwi, for documents written in the web process.

    Dictionary terms (with their broader concepts), English words, and for each Korean word the
    longest stem the index already knows, else the word minus its particle. Less precise than
    Kiwi; `kb search reindex` replaces these documents.

    The stages of parse_query, in a document's variant: dictionary matches, the words outside them
    (_light_words, linear in the text), each word's forms (_forms), one `known` call for all of them,
    then each word's token (_light_token).
    """
    return analyse_light_many([text], dictionary, known)[0]


def analyse_light_many(texts: Sequence[str], dictionary: TermDictionary,
                       known: Callable[[Iterable[str]], set[str]]) -> list[Tokens]:
    """analyse_light of several texts with one `known` call for all of them: a vocabulary lookup
    costs a statement and tens of microseconds per token, the same for one text as for thirty."""
    drafts = [_LightDraft.of(text, dictionary) for text in texts]
    candidates = {form for draft in drafts for form in draft.candidates()}
    present = known(candidates) if candidates else set()
    return [draft.tokens(present, dictionary) for draft in drafts]


@dataclass(frozen=True)
class _LightDraft:
    """A text's analysis up to the vocabulary lookup: its dictionary matches and its other words."""

    matches: Sequence[TermMatch]
    words: Sequence[_Word]
    forms_of: dict[str, _Forms]  # a word repeats: its forms once

    @classmethod
    def of(cls, text: str, dictionary: TermDictionary) -> _LightDraft:
        norm = normalise(text)
        if not norm:
            return cls((), (), {})
        matches = dictionary.find(norm)
        words = _light_words(norm, matches)
        return cls(matches, words, {word: _forms(word) for word in {word.text for word in words}})

    def candidates(self) -> Iterator[str]:
        """The forms whose presence in the index decides a word's token."""
        for forms in self.forms_of.values():
            yield from (stem for stem in forms.stems if len(stem) >= 2)
            yield from forms.lemmas

    def tokens(self, present: set[str], dictionary: TermDictionary) -> Tokens:
        found = [(match.start, match.term_id) for match in self.matches]
        tokens_of: dict[tuple[str, bool], str | None] = {}  # a word repeats: decide it once
        for word in self.words:
            key = (word.text, word.glued)
            if key not in tokens_of:
                tokens_of[key] = _light_token(word, self.forms_of[word.text], present, dictionary)
            token = tokens_of[key]
            if token is not None:
                found.append((word.start, token))
        return split_concepts(found, dictionary)


def _light_token(the_word: _Word, forms: _Forms, present: set[str], dictionary: TermDictionary) -> str | None:
    """The index token of one word outside the dictionary matches (None: nothing to index): an
    English word as it is, a Korean word by its longest known stem, else the verb it conjugates,
    else the word without its particle."""
    word = the_word.text
    if _says_nothing(word):
        return None
    if not is_hangul(word[0]):
        return dictionary.lookup(word) or word
    if the_word.glued and _is_ending(word):
        return None
    token = _known_stem(forms.stems, present, dictionary)
    if token is None:
        predicate = _predicate(word, forms.lemmas, present, dictionary)
        token = predicate.tokens[0] if predicate else _without_particle(word)
    if token is None or token in STOPWORDS or token in QUESTION_WORDS:
        return None
    return token


def _known_stem(stems: Sequence[str], present: set[str], dictionary: TermDictionary) -> str | None:
    """The longest stem that is a concept (its id) or a word of two or more syllables in the index."""
    for stem in stems:
        concept = dictionary.lookup(stem)
        if concept or (stem in present and len(stem) >= 2):
            return concept or stem
    return None


def _without_particle(word: str) -> str | None:
    """A word the index does not know: minus its particle, else as it is unless it ends like a verb."""
    josa = next((s for s in _SUFFIXES if word.endswith(s) and len(word) - len(s) >= 2), None)
    if josa is not None:
        return word[: -len(josa)]
    if not word.endswith(_VERBAL_ENDINGS) and len(word) >= 2:
        return word
    return None
