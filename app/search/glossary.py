"""Which words of a post are glossary terms: the renderer's `glossary` (app/render/glossary.py).

A mention is a term-dictionary match of a specific concept: not everyday vocabulary (차이, 원리) and
not an umbrella at the top of the dictionary (딥러닝, 학습), the same rule as the home page's concepts,
so that links go where a reader learns something. Its link is the concept's page.
"""

from __future__ import annotations

import unicodedata

from app import urls
from app.render.glossary import Glossary
from app.search.terms import TermDictionary, default_dictionary


def concept_glossary(dictionary: TermDictionary | None = None) -> Glossary:
    found_in = dictionary or default_dictionary()

    def mentions(text: str) -> list[tuple[int, int, str, str]]:
        # find() wants normalised text; this keeps every offset (one character for one), and a text
        # whose normal form would change length (compatibility characters) is left unlinked.
        probe = "".join(" " if ch.isspace() else ch for ch in unicodedata.normalize("NFC", text)).lower()
        if len(probe) != len(text):
            return []
        out = []
        for match in found_in.find(probe):
            term = found_in.terms.get(match.term_id)
            if term is None or term.general or not term.broader:
                continue
            out.append((match.start, match.end, urls.concept(term.id), term.label))
        return out

    return mentions
