"""Glossary links: the first mention of each concept in a post links to its concept page.

A markdown-it core rule, run on the token stream so that only prose is touched: never text inside a
link (a term must not nest a link in a link), code, math, headings or raw HTML. What counts as a
concept, and where its page is, come from the caller as `env["glossary"]` (the term dictionary
lives in app.search, above this layer): a function from a text to its (start, end, href, title)
matches. Each concept is linked once per rendered text, at its first mention, so an answer reads
as prose with a few quiet links rather than a page of them.
"""

from __future__ import annotations

from collections.abc import Callable

from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.token import Token

GLOSSARY_KEY = "glossary"
LINKED_KEY = "glossary_linked"
LINK_CLASS = "glossary-link"
# (start, end, href, title) of each mention in a text, in order.
Glossary = Callable[[str], list[tuple[int, int, str, str]]]


def _link_mentions(state: StateCore) -> None:
    glossary: Glossary | None = state.env.get(GLOSSARY_KEY)
    if glossary is not None:
        link_prose(state, glossary, LINK_CLASS, state.env.setdefault(LINKED_KEY, set()))


def link_prose(state: StateCore, find: Glossary, css_class: str, linked: set[str]) -> None:
    """Turn what `find` finds in the prose of a text into links of `css_class`, each href once (the
    ones in `linked` not at all): never inside a link, code, math, a heading or raw HTML. Also used
    for @mentions (app.render.mentions)."""
    in_heading = False
    for block in state.tokens:
        if block.type == "heading_open":
            in_heading = True
        elif block.type == "heading_close":
            in_heading = False
        elif block.type == "inline" and not in_heading and block.children:
            block.children = _linked_children(block.children, find, css_class, linked)


def _linked_children(children: list[Token], find: Glossary, css_class: str, linked: set[str]) -> list[Token]:
    out: list[Token] = []
    link_depth = 0
    for token in children:
        if token.type == "link_open":
            link_depth += 1
        elif token.type == "link_close":
            link_depth -= 1
        if token.type != "text" or link_depth or not token.content.strip():
            out.append(token)
            continue
        out.extend(_split(token, find(token.content), css_class, linked))
    return out


def _split(token: Token, mentions: list[tuple[int, int, str, str]], css_class: str, linked: set[str]) -> list[Token]:
    text, parts, done = token.content, [], 0
    for start, end, href, title in mentions:
        if href in linked or start < done:
            continue
        linked.add(href)
        if start > done:
            parts.append(_text(text[done:start]))
        opening = Token("link_open", "a", 1)
        opening.attrs = {"href": href, "class": css_class, "title": title}
        parts.extend([opening, _text(text[start:end]), Token("link_close", "a", -1)])
        done = end
    if not parts:
        return [token]
    if done < len(text):
        parts.append(_text(text[done:]))
    return parts


def _text(content: str) -> Token:
    token = Token("text", "", 0)
    token.content = content
    return token


def glossary_plugin(md: MarkdownIt) -> None:
    # After linkify, so that a bare URL is already a link and its text is left alone.
    md.core.ruler.push("glossary_links", _link_mentions)
