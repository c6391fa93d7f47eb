"""Korean particles as a reader writes them after a word: the pair's form for a final consonant or
for none (드롭아웃으로, 기울기로; 민규는, 김산은), not the form letter's "은(는)". Pure, for every layer."""

from __future__ import annotations

# How each digit is read (영, 일, 이, 삼, …): its final consonant's index (0: none; 8: ㄹ).
_DIGIT_FINALS = {"0": 21, "1": 8, "2": 0, "3": 16, "4": 0, "5": 0, "6": 1, "7": 8, "8": 0, "9": 0}
_RIEUL = 8
# particle with a final consonant -> without one
_PAIRS = {"은": "는", "이": "가", "을": "를", "과": "와", "으로": "로"}


def _final(word: str) -> int | None:
    """The final consonant's index of the word's last syllable (0: none), None where the page cannot
    know how the word is read (a Latin letter, a symbol)."""
    last = word.rstrip()[-1:] if word and word.strip() else ""
    if "\uac00" <= last <= "\ud7a3":
        return (ord(last) - 0xAC00) % 28
    return _DIGIT_FINALS.get(last)


def particle(word: str, with_final: str) -> str:
    """`with_final` ("은", "이", "을", "과" or "으로") in the form that follows `word`; both forms, as
    "은(는)", where the reading is unknown. 으로 takes 로 after ㄹ too (모델로, 7로)."""
    without = _PAIRS[with_final]
    final = _final(word)
    if final is None:
        return "(으)로" if with_final == "으로" else f"{with_final}({without})"
    if with_final == "으로":
        return "으로" if final and final != _RIEUL else "로"
    return with_final if final else without
