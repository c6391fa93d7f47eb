"""LaTeX -> MathML on the server, so formulas show without any client script.

A formula latex2mathml cannot convert (or converts into nonsense: an unknown command, unbalanced
braces) is shown as its LaTeX source in `<code class="math-source">` instead: the reader still
sees what the author wrote, and rendering never fails because of one formula.
"""

from __future__ import annotations

import html
import re
from functools import lru_cache
from urllib.parse import parse_qs, unquote, urlsplit

from latex2mathml.converter import convert

MAX_LATEX_CHARS = 4000  # longer "formulas" are almost surely not math; keep conversion time bounded
_LEFTOVER_COMMAND = re.compile(r">\\[A-Za-z]+<")  # latex2mathml prints unknown commands as text
_MATH_OPEN = re.compile(r"^<math\b[^>]*>")


def _braces_balanced(latex: str) -> bool:
    depth = 0
    escaped = False
    for char in latex:
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth < 0:
                return False
    return depth == 0


def math_source_html(latex: str, display: bool) -> str:
    """The visible fallback: the LaTeX itself, marked so CSS and extract_text can find it."""
    code = f'<code class="math-source">{html.escape(latex, quote=False)}</code>'
    return f'<span class="math-display">{code}</span>' if display else code


@lru_cache(maxsize=4096)
def latex_to_html(latex: str, display: bool = False) -> str:
    """MathML for `latex` (with the LaTeX kept as an annotation for search), or the source fallback.

    Cached: the same small formulas ($n$, $G_t$, $p$) recur across many files and answers.
    """
    latex = latex.strip()
    if not latex:
        return ""
    if len(latex) > MAX_LATEX_CHARS or not _braces_balanced(latex):
        return math_source_html(latex, display)
    try:
        mathml = convert(latex, display="block" if display else "inline")
    except Exception:  # latex2mathml raises many kinds (and IndexError, RecursionError) on bad input
        return math_source_html(latex, display)
    if _LEFTOVER_COMMAND.search(mathml):
        return math_source_html(latex, display)
    opening = _MATH_OPEN.match(mathml)
    if opening is None or not mathml.endswith("</math>"):
        return math_source_html(latex, display)
    # <semantics> shows its first child and keeps the LaTeX as an annotation: copy-paste and
    # search get the source, browsers draw the MathML.
    inner = mathml[opening.end():-len("</math>")]
    display_attr = "block" if display else "inline"
    return (
        f'<math display="{display_attr}"><semantics>{inner}'
        f'<annotation encoding="application/x-tex">{html.escape(latex, quote=False)}</annotation>'
        "</semantics></math>"
    )


# --- images that were rendered formulas -------------------------------------------------------
# Markdown written for GitHub often shows a formula as an image from a LaTeX-rendering service.
# Several of those services are gone (render.githubusercontent.com/render/math), so the image is
# dead; when the LaTeX is known we show MathML instead.


_CODECOGS_OPTIONS = re.compile(r"^(?:\s*\\(?:dpi\{\d+\}|bg_\w+|bg\{\w+\}|inline|fn_\w+))+")


def _query_param(query: str, name: str) -> str | None:
    values = parse_qs(query, keep_blank_values=True).get(name)
    return values[0] if values else None


def math_image_latex(src: str) -> str | None:
    """The LaTeX behind a formula-image URL, "" for such a URL without readable LaTeX, None otherwise."""
    src = src.strip()
    if not src.lower().startswith(("http://", "https://", "//")):
        return None
    parts = urlsplit(src if not src.startswith("//") else "https:" + src)
    host = (parts.hostname or "").lower()
    if host == "render.githubusercontent.com" and parts.path.startswith("/render/math"):
        return _query_param(parts.query, "math") or ""
    if host in ("latex.codecogs.com", "www.codecogs.com") or host.endswith(".codecogs.com"):
        # https://latex.codecogs.com/svg.latex?\dpi{110}&space;x^2: raw LaTeX after rendering options
        latex = unquote(parts.query).replace("&space;", " ")
        return _CODECOGS_OPTIONS.sub("", latex).strip()
    if (host == "chart.googleapis.com" and parts.path.startswith("/chart")
            and (_query_param(parts.query, "cht") or "").lower() == "tx"):
        return _query_param(parts.query, "chl") or ""
    return None


def is_math_image(src: str) -> bool:
    return math_image_latex(src) is not None
