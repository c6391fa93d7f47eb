"""Plain text of rendered HTML, for the search index.

Works on what render_markdown produced (sanitised, well-formed), so a few exact patterns are
enough: formulas read as their LaTeX source, the placeholder's fixed label and file name are left
out (the label would make every page with a missing image match "이미지"), block boundaries become spaces and inline
tags vanish without splitting words ("<strong>딥</strong>러닝" -> "딥러닝").
"""

from __future__ import annotations

import html
import re

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


def _math_text(match: re.Match[str]) -> str:
    annotation = _ANNOTATION.search(match.group(1))
    source = annotation.group(1) if annotation else _TAG.sub(" ", match.group(1))
    return f" {source} "


def extract_text(html_text: str) -> str:
    if not html_text:
        return ""
    text = _COMMENT.sub(" ", html_text)
    if "<math" in text:
        text = _MATH.sub(_math_text, text)
    if "image-missing-label" in text:
        text = _MISSING_LABEL.sub("", text)
    text = _BLOCK_TAG.sub(" ", text)
    text = _TAG.sub("", text)
    return _SPACE.sub(" ", html.unescape(text)).strip()
