"""@mentions: `@username` in a post's prose links to that account's page (/users/{username}).

Which names are accounts is the caller's to say (the accounts live in the database, above this
layer): `env["mentions"]` is a function from a text to its (start, end, href, title) matches, built
by app.services.notifications from one lookup of the names a post holds. Like glossary links, only
prose is touched: `@torch.no_grad()` in code, or an address in a link, never becomes a mention.
"""

from __future__ import annotations

import re

from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore

from app.render.glossary import Glossary, link_prose

MENTIONS_KEY = "mentions"
MENTIONED_KEY = "mentions_linked"
MENTION_CLASS = "mention"
# A username as sign-up allows it (app.services.accounts.USERNAME_RE), after an @ that does not
# continue a word or an e-mail address ("me@example.com" mentions nobody).
MENTION_RE = re.compile(r"(?<![\w.+@-])@([A-Za-z0-9_][A-Za-z0-9_.-]{2,31})")
# The user pages the rendered links point at; app.services.notifications reads mentions back from
# stored HTML with this.
MENTION_LINK_RE = re.compile(r'<a\b[^>]*\bclass="mention"[^>]*>')
MENTION_HREF_RE = re.compile(r'\bhref="/users/([^"/?#]+)"')


def mention_names(text: str) -> list[tuple[int, int, str]]:
    """(start, end, lower-cased username) of each @name in a text; a sentence's full stop after the
    name is not part of it."""
    found = []
    for match in MENTION_RE.finditer(text):
        name = match.group(1).rstrip(".-")
        if len(name) >= 3:
            found.append((match.start(), match.start() + 1 + len(name), name.lower()))
    return found


def _link_mentions(state: StateCore) -> None:
    mentions: Glossary | None = state.env.get(MENTIONS_KEY)
    if mentions is not None:
        link_prose(state, mentions, MENTION_CLASS, state.env.setdefault(MENTIONED_KEY, set()))


def mentions_plugin(md: MarkdownIt) -> None:
    # After linkify (an address stays one link) and before glossary links (a username that happens to
    # be a concept's name is the person).
    md.core.ruler.push("mention_links", _link_mentions)
