"""Plain text of rendered HTML, for the search index and for excerpts.

Works on what render_markdown produced (sanitised, well-formed), so a few exact patterns are
enough: formulas read as their LaTeX source (what the index wants: `\\sigma` finds σ) or as the
page draws them (what a reader of an excerpt wants: σ, not `\\sigma`), or both, marked, for the
search document, whose analysis reads the source and whose snippets show the drawing. The
placeholder's fixed label and file name are left out (the label would make every page with a
missing image match "이미지"), block boundaries become spaces and inline tags vanish without
splitting words ("<strong>딥</strong>러닝" -> "딥러닝").
"""

from __future__ import annotations

import html
import re
import unicodedata
from typing import Literal
from xml.etree import ElementTree

_MATH = re.compile(r"<math\b[^>]*>(.*?)</math>", re.S)
_ANNOTATION = re.compile(r'<annotation encoding="application/x-tex">(.*?)</annotation>', re.S)
_MISSING_LABEL = re.compile(r'<span class="image-missing-(?:label|file)">[^<]*</span>')
_COMMENT = re.compile(r"<!--.*?-->", re.S)
_BLOCK_TAG = re.compile(
    r"</?(?:p|div|br|hr|li|ul|ol|dl|dt|dd|tr|td|th|table|thead|tbody|tfoot|caption|h[1-6]|pre|blockquote"
    r"|section|details|summary|img)\b[^>]*>",
    re.I,
)
_TAG = re.compile(r"<[^>]*>")
_SPACE = re.compile(r"\s+")


MathText = Literal["source", "shown", "both"]
# "both" writes each formula as MATH_OPEN source MATH_SHOWN drawing MATH_CLOSE (private-use characters,
# which no rendered text keeps: they are taken out of the rest of the text first).
MATH_OPEN, MATH_SHOWN, MATH_CLOSE = "\ue000", "\ue001", "\ue002"
_MARKS = re.compile("[\ue000-\ue002]")
# A formula of "both" text; the closing mark may be missing where the text was cut inside the formula.
_MARKED = re.compile("\ue000([^\ue000-\ue002]*)(?:\ue001([^\ue000-\ue002]*))?(?:\ue002|$)")

# Scripts a reader sees raised or lowered: x², xₙ. A script with any other character is written x^(…).
_SUPERSCRIPTS = str.maketrans("0123456789+-−=()ni", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁻⁼⁽⁾ⁿⁱ")
_SUBSCRIPTS = str.maketrans("0123456789+-−=()aehijklmnoprstuvx", "₀₁₂₃₄₅₆₇₈₉₊₋₋₌₍₎ₐₑₕᵢⱼₖₗₘₙₒₚᵣₛₜᵤᵥₓ")
_ACCENTS = {"^": "\u0302", "ˆ": "\u0302", "¯": "\u0304", "‾": "\u0305", "~": "\u0303", "˜": "\u0303",
            "˙": "\u0307", "¨": "\u0308", "→": "\u20d7", "⃗": "\u20d7"}
_INVISIBLE_OPERATORS = str.maketrans("", "", "\u2061\u2062\u2063\u2064")
_SPACED_OPERATORS = frozenset("=+−-±×·<>≤≥≈≠≡→∈")
_LOOSE = re.compile(r"[\s+\-−=±×·,<>≤≥]")


def _script(text: str, table: dict[int, int], sign: str) -> str:
    text = text.replace(" ", "")
    scripted = text.translate(table)
    if all(a != b for a, b in zip(text, scripted, strict=True)):
        return scripted
    return f"{sign}({text})" if len(text) > 1 else f"{sign}{text}"


def _grouped(text: str) -> str:
    return f"({text})" if _LOOSE.search(text) else text


def _drawn(element: ElementTree.Element) -> str:
    """A MathML element as one line of the characters the browser draws: ∂L/∂w, σ², x̂, √(x+1)."""
    tag = element.tag.rsplit("}", 1)[-1]
    parts = [_drawn(child) for child in element]
    if tag in ("mi", "mn", "mo", "mtext", "ms"):
        text = (element.text or "").translate(_INVISIBLE_OPERATORS)
        if tag == "mo" and text in _SPACED_OPERATORS:
            return f" {text} "  # the space a browser draws around a relation or a binary operator
        return text + " " if tag == "mo" and text == "," else text
    if tag in ("annotation", "annotation-xml"):
        return ""
    if tag == "semantics":
        return parts[0] if parts else ""
    if tag == "mspace":
        return " "
    if tag == "mfrac" and len(parts) == 2:
        return f"{_grouped(parts[0])}/{_grouped(parts[1])}"
    if tag == "msqrt":
        return "√" + _grouped("".join(parts)) if len(parts) == 1 and len(parts[0]) == 1 else f"√({''.join(parts)})"
    if tag == "mroot" and len(parts) == 2:
        return f"{_script(parts[1], _SUPERSCRIPTS, '^')}√({parts[0]})"
    if tag in ("msup", "mover") and len(parts) == 2:
        accent = _ACCENTS.get(parts[1]) if tag == "mover" else None
        if accent and len(parts[0]) == 1:
            return parts[0] + accent
        return parts[0] + _script(parts[1], _SUPERSCRIPTS, "^")
    if tag in ("msub", "munder") and len(parts) == 2:
        return parts[0] + _script(parts[1], _SUBSCRIPTS, "_")
    if tag in ("msubsup", "munderover") and len(parts) == 3:
        return parts[0] + _script(parts[1], _SUBSCRIPTS, "_") + _script(parts[2], _SUPERSCRIPTS, "^")
    if tag == "mtable":
        return "; ".join(parts)
    if tag == "mtr":
        return " ".join(parts)
    return "".join(parts)


def _shown_math(mathml: str) -> str:
    """The formula as the page draws it, as text (its tags left out where it is not well-formed XML)."""
    try:
        element = ElementTree.fromstring(mathml)
    except ElementTree.ParseError:
        return _SPACE.sub(" ", html.unescape(_TAG.sub(" ", _ANNOTATION.sub("", mathml)))).strip()
    return unicodedata.normalize("NFC", _SPACE.sub(" ", _drawn(element)).strip())  # y + ̂ -> ŷ


def _math_text(match: re.Match[str], math: MathText) -> str:
    # The drawing is escaped: it is decoded with the text around it, after the tags are gone.
    shown = html.escape(_shown_math(match.group(0)), quote=False) if math != "source" else ""
    if math == "shown":
        return shown  # inline, as the page draws it: γ로, not γ 로
    annotation = _ANNOTATION.search(match.group(1))
    source = annotation.group(1) if annotation else _TAG.sub(" ", match.group(1))
    if math == "source":
        return f" {source} "
    # The source keeps spaces apart from the words around it (the analyser must not read \\gamma로
    # as one word); the drawing sits inline.
    return f"{MATH_OPEN} {source} {MATH_SHOWN}{shown}{MATH_CLOSE}"


def math_source(text: str) -> str:
    """Text of extract_text(..., math="both") with each formula as its LaTeX source."""
    return _MARKED.sub(lambda m: m.group(1), text) if MATH_OPEN in text else text


def math_shown(text: str) -> str:
    """Text of extract_text(..., math="both") with each formula as the page draws it."""
    return _MARKED.sub(lambda m: m.group(2) or "", text) if MATH_OPEN in text else text


def extract_text(html_text: str, *, math: MathText = "source") -> str:
    """The text of rendered HTML, each formula as its LaTeX `source`, as `shown` on the page, or
    `both` (marked, for the search document: math_source and math_shown choose)."""
    if not html_text:
        return ""
    text = _COMMENT.sub(" ", html_text)
    if math == "both":
        text = _MARKS.sub("", text)
    if "<math" in text:
        text = _MATH.sub(lambda match: _math_text(match, math), text)
    if "image-missing-label" in text:
        text = _MISSING_LABEL.sub("", text)
    text = _BLOCK_TAG.sub(" ", text)
    text = _TAG.sub("", text)
    return _SPACE.sub(" ", html.unescape(text)).strip()
