"""Emphasis that closes before a Korean particle: ``**ReLU(렐루)**는``, ``__BN__은``.

CommonMark decides whether ``*``/``_`` runs may open or close by what stands on either side. A
closing ``**`` after punctuation must be followed by a space or punctuation, so the particle that
Korean attaches straight to a word (``**검증 손실(val loss)**이``) leaves literal asterisks, and
``_`` never closes inside a word (``__BN__은``). The CJK-friendly amendment to CommonMark
(github.com/tats-u/markdown-cjk-friendly) fixes this by letting a CJK character next to the run count
like punctuation in the flanking rules; this applies that rule for Hangul only. Soft line breaks are
left alone: unlike Chinese and Japanese, Korean separates words with spaces.
"""

from __future__ import annotations

from types import MethodType

from markdown_it import MarkdownIt
from markdown_it.common.utils import isMdAsciiPunct, isPunctChar, isWhiteSpace
from markdown_it.rules_inline.state_inline import Scanned, StateInline


def is_hangul(char: str) -> bool:
    code = ord(char)
    return (
        0xAC00 <= code <= 0xD7A3  # syllables
        or 0x1100 <= code <= 0x11FF  # jamo
        or 0x3130 <= code <= 0x318F  # compatibility jamo
    )


def scan_delims(state: StateInline, start: int, can_split_word: bool) -> Scanned:
    """StateInline.scanDelims with a Hangul neighbour counted as punctuation-or-space."""
    src, maximum = state.src, state.posMax
    marker = src[start]
    pos = start
    while pos < maximum and src[pos] == marker:
        pos += 1
    last = src[start - 1] if start > 0 else " "
    after = src[pos] if pos < maximum else " "

    last_punct = isMdAsciiPunct(ord(last)) or isPunctChar(last)
    next_punct = isMdAsciiPunct(ord(after)) or isPunctChar(after)
    last_space, next_space = isWhiteSpace(ord(last)), isWhiteSpace(ord(after))
    last_hangul, next_hangul = is_hangul(last), is_hangul(after)

    left_flanking = not (next_space or (next_punct and not (last_space or last_punct or last_hangul)))
    right_flanking = not (last_space or (last_punct and not (next_space or next_punct or next_hangul)))
    can_open = left_flanking and (can_split_word or not right_flanking or last_punct or last_hangul)
    can_close = right_flanking and (can_split_word or not left_flanking or next_punct or next_hangul)
    return Scanned(can_open, can_close, pos - start)


def _use_korean_flanking(state: StateInline, silent: bool) -> bool:
    # markdown-it builds a fresh StateInline per inline run and offers no hook for its class, so the
    # first rule of the chain gives this state the Korean-aware scanner; emphasis and
    # strikethrough then call it through ``state.scanDelims``. It never consumes input.
    if "scanDelims" not in state.__dict__:
        state.scanDelims = MethodType(scan_delims, state)  # type: ignore[method-assign]
    return False


def korean_emphasis_plugin(md: MarkdownIt) -> None:
    md.inline.ruler.before("text", "korean_flanking", _use_korean_flanking)
