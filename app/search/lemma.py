"""Verbs and adjectives: the index stores their dictionary form (막다, 좋다, 늘어나다), and a query
word in any conjugation (막는, 좋아, 늘어날까, 달라, 쉬워) is traced back to it without Kiwi.

Korean questions often differ only in the predicate ("GPU를 쓰면 좋은 이유" / "GPU를 두 개 쓰는
방법"), so nouns alone cannot tell them apart. Kiwi gives the stem at index time; at query time
`lemma_candidates` undoes the common contractions and irregular stems and the caller keeps the
candidate the index knows, so a wrong guess costs nothing.
"""

from __future__ import annotations

from app.search.text import is_hangul

# Predicates that occur in almost every question and say nothing about its topic, plus 하다/되다,
# whose nouns (학습하다 → 학습) are indexed already.
LIGHT_VERBS = frozenset(
    """
    하 되 있 없 이 아니 같 않 싶 보 주 오 가 알 모르 그렇 어떻 이렇 저렇 그러 이러 저러 대하 위하 통하 말 받 드리 시키
    생각하 궁금하 나 내 생기 가지 보이 지 놓 두 버리 지나
    """.split()
)
PREDICATE_TAGS = frozenset({"VV", "VA"})

_BASE = 0xAC00
_JUNG_COUNT, _JONG_COUNT = 21, 28
# vowel (jungseong index) → the stem vowel it contracts from, when an ending 아/어 was merged into it
_UNCONTRACT = {6: (20,), 9: (8,), 14: (13,), 10: (11,), 4: (18,), 0: (18,)}  # ㅕ→ㅣ ㅘ→ㅗ ㅝ→ㅜ ㅙ→ㅚ ㅓ→ㅡ ㅏ→ㅡ
_JONG_L, _JONG_B, _JONG_N, _JONG_M, _JONG_SS = 8, 17, 4, 16, 20
# First syllables of endings: after an unchanged stem the rest of the word must start with one
# (막는 → 막 + 는), which keeps 막대그래프 from being read as 막다.
# No Korean word is this long; a run of syllables without spaces beyond it (a 20,000-character post
# of one "word") is not conjugated, and trying every cut of it costs time quadratic in its length.
MAX_WORD_CHARS = 64
ENDING_STARTS = frozenset("아어았었여였고게겠지는은을면며다니나냐도서기음요자든던더려러라래세시셨습으야죠네군구길")


def lemma(stem: str) -> str:
    """The dictionary form the index stores for a Kiwi stem: 막 → 막다."""
    return stem + "다"


def is_content_predicate(form: str, tag: str) -> bool:
    return tag.split("-")[0] in PREDICATE_TAGS and form not in LIGHT_VERBS and all(is_hangul(ch) for ch in form)


def _parts(syllable: str) -> tuple[int, int, int]:
    code = ord(syllable) - _BASE
    return code // (_JUNG_COUNT * _JONG_COUNT), (code // _JONG_COUNT) % _JUNG_COUNT, code % _JONG_COUNT


def _compose(cho: int, jung: int, jong: int = 0) -> str:
    return chr(_BASE + (cho * _JUNG_COUNT + jung) * _JONG_COUNT + jong)


def _stem_variants(head: str) -> list[str]:
    """Stems `head` may be a conjugated surface of (head itself first)."""
    variants = [head]
    rest, last = head[:-1], head[-1]
    cho, jung, jong = _parts(last)
    if jong == _JONG_SS:  # past tense: 했 → 해, 졌 → 져, 썼 → 써
        last, jong = _compose(cho, jung), 0
        variants.append(rest + last)
    if jong in (_JONG_N, _JONG_L, _JONG_M):  # adnominal / nominal endings: 느린 → 느리, 할 → 하, 함 → 하
        variants.append(rest + _compose(cho, jung))
    if jong == 0:
        if cho == 18 and jung == 1:  # 해 → 하
            variants.append(rest + "하")
        for stem_vowel in _UNCONTRACT.get(jung, ()):
            variants.append(rest + _compose(cho, stem_vowel))
    if rest and is_hangul(rest[-1]):
        p_cho, p_jung, p_jong = _parts(rest[-1])
        if last in ("라", "러") and p_jong == _JONG_L:  # 르 irregular: 달라 → 다르, 몰라 → 모르
            variants.append(rest[:-1] + _compose(p_cho, p_jung) + "르")
        if last in ("워", "와", "우", "운", "울", "웠") and p_jong == 0:  # ㅂ irregular: 쉬워 → 쉽
            variants.append(rest[:-1] + _compose(p_cho, p_jung, _JONG_B))
    seen: list[str] = []
    for variant in variants:
        if variant not in seen:
            seen.append(variant)
    return seen


def lemma_candidates(word: str) -> list[str]:
    """Dictionary forms a Korean word may be a conjugation of, longest stem first."""
    if not word or len(word) > MAX_WORD_CHARS or not all(is_hangul(ch) for ch in word):
        return []
    candidates: list[str] = []
    if len(word) >= 2 and word.endswith("다"):
        candidates.append(word)
    for cut in range(len(word), 0, -1):
        rest = word[cut:]
        for stem in _stem_variants(word[:cut]):
            if stem == word[:cut] and rest and rest[0] not in ENDING_STARTS:
                continue
            form = lemma(stem)
            if stem not in LIGHT_VERBS and form not in candidates:
                candidates.append(form)
    return candidates
