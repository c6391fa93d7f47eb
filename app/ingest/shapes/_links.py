"""Links, images and comment math found in Markdown text.

Link syntax has enough corner cases (nested brackets in titles, parentheses in URLs, autolinks,
trailing spaces) that markdown-it's own inline parser reads it, not a regular expression. It runs only
on lines that can hold a link, so cost stays proportional to the links in a file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from markdown_it import MarkdownIt
from markdown_it.token import Token

from app.ingest.document import ParsedDocument, ParsedImage
from app.ingest.shapes._lines import Line

_inline = MarkdownIt("commonmark")
# Keep URLs exactly as written (the default percent-encodes Hangul); rendering normalises them later.
_inline.normalizeLink = lambda url: url  # type: ignore[method-assign]

_HTML_IMG_SRC = re.compile(r"<img\b[^>]*?\bsrc\s*=\s*(?:\"([^\"]*)\"|'([^']*)'|([^\s>]+))", re.I)
_HTML_IMG_ALT = re.compile(r"\balt\s*=\s*(?:\"([^\"]*)\"|'([^']*)')", re.I)
_BARE_URL = re.compile(r"(?:https?|ftp)://[^\s<>()\[\]]+(?:\([^\s<>()]*\)[^\s<>()\[\]]*)*", re.I)
_COMMENT_MATH = re.compile(r"<!--+\s*(\${1,2})(.+?)\1\s*-*-->", re.S)


@dataclass(slots=True)
class Link:
    text: str
    url: str


def links_in(text: str) -> list[Link]:
    """Markdown links (inline and autolinks) in one line, with their visible text."""
    return read_inline(text)[1]


def read_inline(text: str) -> tuple[str, list[Link]]:
    """The line as a reader sees it (markup gone, link texts kept) and the links in it."""
    if "](" not in text and "<" not in text:
        return text, []
    found: list[Link] = []
    visible: list[str] = []
    current: list[str] | None = None
    href = ""
    for token in _inline.parseInline(text)[0].children or []:
        if token.type == "link_open":
            current, href = [], str(token.attrGet("href") or "")
        elif token.type == "link_close" and current is not None:
            found.append(Link("".join(current).strip(), href.strip()))
            current = None
        elif token.type in ("text", "code_inline", "image", "html_inline"):
            visible.append(token.content)
            if current is not None and token.type != "html_inline":
                current.append(token.content)
        elif token.type in ("softbreak", "hardbreak"):
            visible.append(" ")
    return "".join(visible), found


def bare_urls(text: str) -> list[str]:
    return [m.group(0).rstrip(".,;:") for m in _BARE_URL.finditer(text)]


def images_in(lines: list[Line]) -> list[ParsedImage]:
    """Every image a run of lines points at: Markdown images and HTML <img> tags (not in code)."""
    images: list[ParsedImage] = []
    for line in lines:
        text = line.text
        if line.in_fence or ("![" not in text and "<img" not in text.lower()):
            continue
        if "![" in text:
            for token in _inline.parseInline(text)[0].children or []:
                _collect_images(token, line.number, images)
        for match in _HTML_IMG_SRC.finditer(text):
            src = next(g for g in match.groups() if g is not None)
            tag = text[match.start(): text.find(">", match.end()) + 1 or len(text)]
            alt_match = _HTML_IMG_ALT.search(tag)
            alt = next((g for g in alt_match.groups() if g is not None), "") if alt_match else ""
            images.append(ParsedImage(src=src.strip(), alt=alt, line=line.number))
    return images


def _collect_images(token: Token, line_number: int, images: list[ParsedImage]) -> None:
    if token.type == "image":
        images.append(ParsedImage(src=str(token.attrGet("src") or "").strip(), alt=token.content, line=line_number))
    for child in token.children or []:
        _collect_images(child, line_number, images)


def comment_math(text: str) -> list[str]:
    """LaTeX written inside ``<!-- $…$ -->`` / ``<!-- $$…$$ -->`` comments (GitHub-era math)."""
    if "<!--" not in text:
        return []
    return [m.group(2).strip() for m in _COMMENT_MATH.finditer(text) if m.group(2).strip()]


def settle(document: ParsedDocument) -> ParsedDocument:
    """Last step of every parser: unplaced lines in file order, no images from boilerplate lines."""
    document.unplaced.sort(key=lambda item: item.line)
    boilerplate = {item.line for item in document.unplaced if "boilerplate" in item.reason}
    if boilerplate:
        document.images = [image for image in document.images if image.line not in boilerplate]
    return document
