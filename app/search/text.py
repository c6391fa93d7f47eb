"""Text normalisation shared by indexing, querying and highlighting."""

from __future__ import annotations

import re
import unicodedata

from app.render.text import math_source

_SPACE = re.compile(r"\s+")
# Control characters become spaces; format characters (zero-width space, BOM, soft hyphen) and
# lone surrogates vanish, so "드롭\u200b아웃" is one word and nothing unencodable goes further.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_INVISIBLE = re.compile(r"[\u00ad\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff\ud800-\udfff]")


def clean(text: str) -> str:
    """User text without control characters, invisible format characters and lone surrogates."""
    return _INVISIBLE.sub("", _CONTROL.sub(" ", text))


def normalise(text: str) -> str:
    """NFKC (full-width → ASCII, NFD jamo → syllables), lower case, one space between words.

    Length can change (NFKC composes), so offsets into the result refer to the result only. A search
    document's formulas (marked by extract_text(..., math="both")) are read as their LaTeX source.
    """
    return _SPACE.sub(" ", unicodedata.normalize("NFKC", clean(math_source(text)))).strip().lower()


def display_text(text: str) -> str:
    """What snippets show: NFC, whitespace collapsed, case and width kept (formulas keep their marks:
    the snippet shows them drawn, Highlighter.snippet)."""
    return _SPACE.sub(" ", unicodedata.normalize("NFC", text)).strip()


def is_hangul(ch: str) -> bool:
    return "\uac00" <= ch <= "\ud7a3"


def is_ascii_alnum(ch: str) -> bool:
    return ch.isascii() and ch.isalnum()


# Characters a term may be written with or without: "fine-tuning" = "fine tuning" = "finetuning".
SEPARATORS = frozenset(" \t\n-_/+.·")
