"""Markdown -> safe HTML: CommonMark plus tables, strikethrough, footnotes, task lists, bare URLs,
Pygments code blocks, `$…$`/`$$…$$` and comment-hidden LaTeX as MathML, checked images.

One MarkdownIt instance per process (building it costs more than rendering a post); it holds no
per-call state, so threads may share it: what differs per call travels in `env`.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from functools import lru_cache

from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.rules_core import StateCore
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict
from mdit_py_plugins.dollarmath import dollarmath_plugin
from mdit_py_plugins.footnote import footnote_plugin

from app.render.glossary import GLOSSARY_KEY, Glossary, glossary_plugin
from app.render.highlight import code_block_html
from app.render.images import ImageResolver, image_html
from app.render.korean_emphasis import korean_emphasis_plugin
from app.render.math import latex_to_html
from app.render.mentions import MENTIONS_KEY, mentions_plugin
from app.render.rawhtml import transform_block, transform_inline
from app.render.sanitize import sanitize_html
from app.render.tasklists import tasklists_plugin

_RESOLVER_KEY = "resolve_image"
CONTAINER_CLASS = "rendered"
# ASCII characters that can open Markdown (a block, emphasis, code, a link, an entity, HTML, math, a
# table cell, a bare URL) in CommonMark or in an extension enabled below, and control characters.
_MARKUP_CHARS = r"""\x00-\x1f#$&*+\-/:;<=>@\[\\\]^_`{|}~\x7f"""
# A printable line without them, starting with no digit or space (no list item, no indented code)
# and ending with no space, is one paragraph of plain text. Half of all answers are such lines:
# their HTML is known without running the parser (tests/render compare the two).
_PLAIN_LINE = re.compile(rf"[^0-9 {_MARKUP_CHARS}](?:[^{_MARKUP_CHARS}]*[^ {_MARKUP_CHARS}])?")


def is_plain_line(markdown: str) -> bool:
    return _PLAIN_LINE.fullmatch(markdown) is not None and markdown.isprintable()


def _raw_html_and_tables(state: StateCore) -> None:
    """After inline parsing: shape raw HTML (comment LaTeX, images) and table alignment."""
    resolve_image = state.env.get(_RESOLVER_KEY)
    for token in state.tokens:
        if token.type == "html_block":
            token.content = transform_block(token.content, resolve_image)
        elif token.type == "inline" and token.children:
            transform_inline(token.children, resolve_image)
        elif token.type in ("th_open", "td_open"):
            # markdown-it aligns columns with style="text-align:…"; style is never allowed
            # through the sanitiser, the align attribute is.
            style = token.attrGet("style")
            if isinstance(style, str) and style.startswith("text-align:"):
                token.attrs.pop("style")
                token.attrSet("align", style.split(":", 1)[1])


def _render_image(self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
    token = tokens[idx]
    alt = self.renderInlineAsText(token.children or [], options, env)
    extra = {"title": str(token.attrGet("title") or "")}
    return image_html(str(token.attrGet("src") or ""), alt, env.get(_RESOLVER_KEY), extra)


def _render_fence(self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
    token = tokens[idx]
    return code_block_html(token.content, token.info)


def _render_math_inline(self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
    return latex_to_html(tokens[idx].content, False)


def _render_math_inline_double(self, tokens: Sequence[Token], idx: int, options: OptionsDict,
                               env: EnvType) -> str:
    # Still inside a paragraph: <math display="block"> is phrasing content, a <div> would not be.
    return latex_to_html(tokens[idx].content, True)


def _render_math_block(self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
    return f'<div class="math-block">{latex_to_html(tokens[idx].content, True)}</div>\n'


@lru_cache(maxsize=1)
def markdown_parser() -> MarkdownIt:
    md = (
        MarkdownIt("commonmark", {"linkify": True, "typographer": False})
        .enable(["table", "strikethrough", "linkify"])
        .use(footnote_plugin)
        .use(tasklists_plugin)  # checkboxes stay disabled: a page is not a form
        # No space inside the dollars and no digit right after the closing one (as GitHub and
        # pandoc): "$5 and $10" stays text.
        .use(dollarmath_plugin, allow_space=False, allow_digits=False, double_inline=True, allow_labels=False)
    )
    korean_emphasis_plugin(md)
    mentions_plugin(md)
    glossary_plugin(md)
    # Only URLs with a scheme are linkified: "main.py" or "torch.nn" must stay text.
    assert md.linkify is not None  # loaded by the "linkify": True option above
    md.linkify.set({"fuzzy_link": False})
    md.core.ruler.push("raw_html_and_tables", _raw_html_and_tables)
    md.add_render_rule("image", _render_image)
    md.add_render_rule("fence", _render_fence)
    md.add_render_rule("math_inline", _render_math_inline)
    md.add_render_rule("math_inline_double", _render_math_inline_double)
    md.add_render_rule("math_block", _render_math_block)
    return md


def render_markdown(markdown: str, *, resolve_image: ImageResolver | None = None,
                    glossary: Glossary | None = None, mentions: Glossary | None = None) -> str:
    """Safe HTML for `markdown`.

    resolve_image(src) gets a local image's src as written and returns the public URL of the
    existing file, or None when it is missing. Without a resolver every local image is missing
    (posted Markdown cannot point at server files). External images stay, lazy-loaded.
    glossary(text) gives the concept mentions in a text: the first of each concept becomes a link.
    mentions(text) gives the @username mentions of accounts in a text (app.render.mentions).
    """
    if not markdown or not markdown.strip():
        return ""
    if is_plain_line(markdown) and glossary is None:
        html = f"<p>{escapeHtml(markdown)}</p>\n"
    else:
        html = parse_and_render(markdown, resolve_image, glossary, mentions)
    body = sanitize_html(html)
    # A known container, so render.css can style tables/images/code without touching the page.
    return f'<div class="{CONTAINER_CLASS}">\n{body}</div>\n' if body.strip() else ""


def parse_and_render(markdown: str, resolve_image: ImageResolver | None = None,
                     glossary: Glossary | None = None, mentions: Glossary | None = None) -> str:
    """markdown-it's HTML for `markdown`, before sanitising."""
    env = {
        _RESOLVER_KEY: resolve_image,
        GLOSSARY_KEY: glossary,
        MENTIONS_KEY: mentions,
        # Footnote ids unique per text, so two rendered bodies on one page do not share "fn-1".
        "docId": hashlib.blake2s(markdown.encode("utf-8", "surrogatepass"), digest_size=4).hexdigest(),
    }
    return markdown_parser().render(markdown, env)
