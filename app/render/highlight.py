"""Code blocks highlighted by Pygments with CSS classes only (static/css/pygments.css)."""

from __future__ import annotations

import html
from functools import lru_cache

import pygments
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexer import Lexer
from pygments.lexers import get_lexer_by_name
from pygments.util import ClassNotFound

CSS_CLASS = "highlight"
_FORMATTER = HtmlFormatter(cssclass=CSS_CLASS, nowrap=False)
_PLAIN = {"", "text", "plain", "txt", "plaintext", "none", "output"}


@lru_cache(maxsize=256)
def _lexer(language: str) -> Lexer | None:
    if language in _PLAIN:
        return None
    try:
        return get_lexer_by_name(language, stripnl=False, ensurenl=True)
    except ClassNotFound:
        return None


def code_block_html(code: str, info: str) -> str:
    """A fenced block: highlighted when its language is known, plain escaped text otherwise.

    No guessing for unlabeled blocks: guess_lexer is slow and often wrong on short snippets.
    """
    language = info.strip().split(maxsplit=1)[0].lower() if info.strip() else ""
    lexer = _lexer(language[:40])
    if lexer is None:
        return f"<pre><code>{html.escape(code, quote=False)}</code></pre>\n"
    return highlight(code, lexer, _FORMATTER)


STYLE = "default"  # a light theme for a white page
DARK_STYLE = "github-dark"  # for readers whose system asks for a dark page (static/css/dark.css)


def _rules(style: str) -> list[str]:
    formatter = HtmlFormatter(style=style, cssclass=CSS_CLASS)
    selector = f".{CSS_CLASS}"
    # Background and token rules only: no line numbers are rendered, and Pygments' bare
    # `pre { ... }` rule would restyle every <pre> on the page.
    return formatter.get_background_style_defs(selector) + formatter.get_token_style_defs(selector)


def stylesheet() -> str:
    """The text of static/css/pygments.css (regenerate with `python -m app.render.highlight`)."""
    header = (
        f"/* Pygments {pygments.__version__}, styles \"{STYLE}\" and, for a dark system theme, \"{DARK_STYLE}\",\n"
        "   for code blocks rendered by app/render. Generated, do not edit: regenerate with\n"
        "   .venv/bin/python -m app.render.highlight > static/css/pygments.css */\n"
    )
    dark = "\n".join("  " + rule for rule in _rules(DARK_STYLE))
    return header + "\n".join(_rules(STYLE)) + "\n\n@media (prefers-color-scheme: dark) {\n" + dark + "\n}\n"


if __name__ == "__main__":
    print(stylesheet(), end="")
