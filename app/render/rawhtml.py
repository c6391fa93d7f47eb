"""Raw HTML inside Markdown: LaTeX hidden in comments, dead formula images, and <img> tags.

The interview shape writes a formula twice: the LaTeX in an HTML comment and, next to it, an image
from a rendering service that no longer answers:

    <!-- $x_{min}$ --> <img src="https://render.githubusercontent.com/render/math?math=x_%7Bmin%7D">

The comment becomes MathML and the image next to it (only whitespace between) is dropped. Other
comments vanish. Every other <img> goes through `image_html` (served, lazy, or a placeholder).

This pass only shapes presentation; safety comes from the sanitiser that runs on the whole output.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

from markdown_it.token import Token

from app.render.images import ImageResolver, image_html
from app.render.math import is_math_image, latex_to_html

_PIECE_START = re.compile(r"<!--|<img\b", re.I)
# Possessive: each try is linear; the window below keeps many unclosed "<img" linear overall.
_IMG_TAG = re.compile(r"""<img\b(?:[^>"']++|"[^"]*+"|'[^']*+')*+>""", re.I)
MAX_IMG_TAG_CHARS = 8192
_COMMENT_MATH = re.compile(r"\s*(?:\$\$(?P<display>.+?)\$\$|\$(?P<inline>[^$]+?)\$)\s*", re.S)
_ATTR = re.compile(r"""([^\s"'<>/=]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?""")
_KEPT_IMG_ATTRS = ("title", "width", "height", "align")


@dataclass
class _Piece:
    kind: str  # "text" | "math" | "comment" | "img" | "other"
    html: str
    src: str = ""
    alt: str = ""
    extra: dict[str, str] | None = None

    @property
    def blank(self) -> bool:
        return self.kind == "text" and not self.html.strip()


def img_attrs(tag: str) -> dict[str, str]:
    """Attributes of one raw <img ...> tag, entity-decoded; the first of a repeated name wins."""
    attrs: dict[str, str] = {}
    for match in _ATTR.finditer(tag, 4):  # skip "<img"
        name = match.group(1).lower()
        value = next((g for g in match.groups()[1:] if g is not None), "")
        attrs.setdefault(name, html.unescape(value))
    return attrs


def _comment_piece(body: str) -> _Piece:
    match = _COMMENT_MATH.fullmatch(body)
    if match is None:
        return _Piece("comment", "")
    if match.group("display") is not None:
        return _Piece("math", latex_to_html(match.group("display"), True))
    return _Piece("math", latex_to_html(match.group("inline"), False))


def _img_piece(tag: str, resolve_image: ImageResolver | None) -> _Piece:
    attrs = img_attrs(tag)
    src = attrs.get("src", "")
    extra = {name: attrs[name] for name in _KEPT_IMG_ATTRS if attrs.get(name)}
    alt = attrs.get("alt", "")
    # A formula image waits for _settle_math_images: its comment may be right after it.
    shown = "" if is_math_image(src) else image_html(src, alt, resolve_image, extra)
    return _Piece("img", shown, src, alt, extra)


def _neighbour_is_math(pieces: list[_Piece], index: int, step: int) -> list[int] | None:
    """Indexes of the blank text between pieces[index] and a math comment in direction `step`."""
    between: list[int] = []
    i = index + step
    while 0 <= i < len(pieces):
        piece = pieces[i]
        if piece.kind == "math":
            return between
        if not piece.blank:
            return None
        between.append(i)
        i += step
    return None


def _settle_math_images(pieces: list[_Piece], resolve_image: ImageResolver | None) -> None:
    """Drop each formula image that sits next to its comment; a lone one shows its own formula."""
    for index, piece in enumerate(pieces):
        if piece.kind != "img" or not is_math_image(piece.src):
            continue
        between = _neighbour_is_math(pieces, index, -1)
        if between is None:
            between = _neighbour_is_math(pieces, index, +1)
        if between is not None:
            piece.html = ""
            for i in between:
                pieces[i].html = ""
        else:
            piece.html = image_html(piece.src, piece.alt, resolve_image, piece.extra)


def transform_block(fragment: str, resolve_image: ImageResolver | None) -> str:
    """An html_block's raw HTML, with comments, formula images and <img> tags handled."""
    if "<!--" not in fragment and "<img" not in fragment.lower():
        return fragment
    pieces: list[_Piece] = []
    position = 0
    for start in _PIECE_START.finditer(fragment):
        at = start.start()
        if at < position:
            continue  # inside a comment or tag already taken
        if start.group(0) == "<!--":
            end = fragment.find("-->", at + 4)
            if end == -1:
                break  # an unclosed comment hides the rest; the sanitiser drops it
            piece, stop = _comment_piece(fragment[at + 4:end]), end + 3
        else:
            tag = _IMG_TAG.match(fragment[at:at + MAX_IMG_TAG_CHARS])
            if tag is None:
                continue  # not a complete tag: left to the sanitiser
            piece, stop = _img_piece(tag.group(0), resolve_image), at + tag.end()
        if at > position:
            pieces.append(_Piece("text", fragment[position:at]))
        pieces.append(piece)
        position = stop
    if position < len(fragment):
        pieces.append(_Piece("text", fragment[position:]))
    _settle_math_images(pieces, resolve_image)
    out = "".join(piece.html for piece in pieces)
    only_math = any(p.kind == "math" for p in pieces) and all(
        p.kind in ("math", "comment") or p.blank or (p.kind == "img" and not p.html) for p in pieces)
    # A formula that stood alone on its line reads as a paragraph, as the author saw it on GitHub.
    return f"<p>{out.strip()}</p>\n" if only_math else out


def transform_inline(children: list[Token], resolve_image: ImageResolver | None) -> None:
    """The same treatment for an inline token's children: each raw tag is its own html_inline token."""
    if not any(child.type == "html_inline" for child in children):
        return
    pieces: list[_Piece] = []
    owners: list[Token] = []
    for child in children:
        if child.type == "html_inline":
            content = child.content
            if content.startswith("<!--"):
                piece = _comment_piece(content[4:-3] if content.endswith("-->") else "")
            elif content[:4].lower() == "<img":
                piece = _img_piece(content, resolve_image)
            else:
                piece = _Piece("other", content)
        elif child.type in ("text", "softbreak"):
            piece = _Piece("text", child.content if child.type == "text" else "\n")
        else:
            piece = _Piece("other", "")
        pieces.append(piece)
        owners.append(child)
    _settle_math_images(pieces, resolve_image)
    for piece, child in zip(pieces, owners, strict=True):
        if piece.kind in ("math", "comment", "img"):
            child.content = piece.html
        elif piece.kind == "text" and piece.html == "" and child.content:
            # whitespace between a formula and its dropped image
            child.type, child.content = "text", ""
