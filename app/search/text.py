"""Text normalisation shared by indexing, querying and highlighting."""

from __future__ import annotations

import re
import unicodedata

_SPACE = re.compile(r"\s+")


def normalise(text: str) -> str:
    """NFKC (full-width → ASCII, NFD jamo → syllables), lower case, one space between words.

    Length can change (NFKC composes), so offsets into the result refer to the result only.
    """
    return _SPACE.sub(" ", unicodedata.normalize("NFKC", text)).strip().lower()


def display_text(text: str) -> str:
    """What snippets show: NFC, whitespace collapsed, case and width kept."""
    return _SPACE.sub(" ", unicodedata.normalize("NFC", text)).strip()


def is_hangul(ch: str) -> bool:
    return "\uac00" <= ch <= "\ud7a3"


def is_ascii_alnum(ch: str) -> bool:
    return ch.isascii() and ch.isalnum()


# Characters a term may be written with or without: "fine-tuning" = "fine tuning" = "finetuning".
SEPARATORS = frozenset(" \t\n-_/+.·")
