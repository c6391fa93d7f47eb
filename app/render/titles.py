"""How a question's title reads beside its label, on every page and in search results."""

from __future__ import annotations

import re

# "14-2. …", "3) …", "Q1) …" in front of a title: the writer's own numbering, which the label beside
# the title already shows (and which may disagree with it, when the file numbers differently).
_NUMBERING_DEBRIS = re.compile(r"\s*(?:Q\s?\d{1,3}|\d{1,3}(?:[-.]\d{1,3})*)\s*[.):：]\s+(?=\S)", re.IGNORECASE)


def display_title(title: str, label: str | None) -> str:
    """A labelled question's title without the numbering it starts with; the stored title keeps it (the
    source text, export and the API are unchanged). A question without a label keeps its title as written."""
    if not label:
        return title
    return _NUMBERING_DEBRIS.sub("", title, count=1) if _NUMBERING_DEBRIS.match(title) else title
