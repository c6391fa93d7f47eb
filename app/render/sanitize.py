"""The allow-list sanitiser every rendered HTML passes through (nh3, i.e. Rust's ammonia).

Whatever the Markdown or its raw HTML held, what leaves here has only the tags, attributes, classes
and URL schemes listed below: no script, style, iframe, object, embed or form, no event handler,
no javascript:/vbscript:/data: URL. It runs last; nothing after it but adding rel to outbound links.
"""

from __future__ import annotations

import re

import nh3
from pygments.token import STANDARD_TYPES

from app.render.images import MEDIA_PREFIX

HTML_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "caption", "code", "dd", "del", "details", "div", "dl", "dt",
    "em", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "input", "ins", "kbd", "li", "mark",
    "ol", "p", "pre", "q", "s", "samp", "section", "small", "span", "strike", "strong", "sub", "summary",
    "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "u", "ul", "var",
}
# MathML as latex2mathml writes it, plus <semantics>/<annotation> for the LaTeX source.
# No <annotation-xml> (an HTML integration point), no <maction>, and no href on any of them.
MATHML_TAGS = {
    "math", "semantics", "annotation", "mrow", "mi", "mn", "mo", "ms", "mtext", "mspace", "msub", "msup",
    "msubsup", "mfrac", "msqrt", "mroot", "mstyle", "merror", "mpadded", "mphantom", "mfenced", "menclose",
    "mtable", "mtr", "mtd", "mlabeledtr", "munder", "mover", "munderover", "mmultiscripts", "mprescripts",
    "none",
}
_MATHML_ATTRS = {
    "accent", "accentunder", "align", "columnalign", "columnlines", "columnspacing", "columnspan", "depth",
    "display", "displaystyle", "fence", "form", "frame", "height", "largeop", "linebreak", "linethickness",
    "lspace", "mathcolor", "mathsize", "mathvariant", "maxsize", "minsize", "movablelimits", "notation",
    "rowalign", "rowlines", "rowspacing", "rowspan", "rspace", "scriptlevel", "separator", "separators",
    "stretchy", "symmetric", "voffset", "width", "open", "close",
}
ATTRIBUTES: dict[str, set[str]] = {
    "*": {"title", "lang", "dir"},
    "a": {"href", "id"},
    "img": {"src", "alt", "width", "height", "align", "loading", "decoding"},
    "div": {"align"},
    "p": {"align"},
    "td": {"align", "colspan", "rowspan"},
    "th": {"align", "colspan", "rowspan", "scope"},
    "ol": {"start", "reversed"},
    "li": {"value", "id"},
    "details": {"open"},
    "input": {"checked"},
    "span": {"role", "aria-label"},
    "annotation": {"encoding"},
    **{tag: set(_MATHML_ATTRS) for tag in MATHML_TAGS if tag != "annotation"},
}
ALLOWED_CLASSES: dict[str, set[str]] = {
    # Pygments token classes (short names) inside highlighted code.
    "span": {name for name in STANDARD_TYPES.values() if name}
    | {"image-missing", "image-missing-label", "image-missing-alt", "image-missing-file", "math-display"},
    "div": {"highlight", "math-block"},
    "code": {"math-source"},
    "p": {"math-line"},
    "ul": {"contains-task-list"},
    "ol": {"footnotes-list"},
    "li": {"task-list-item", "footnote-item"},
    "input": {"task-list-item-checkbox"},
    "sup": {"footnote-ref"},
    "a": {"footnote-backref"},
    "hr": {"footnotes-sep"},
    "section": {"footnotes"},
}
# Removed together with everything inside them (the rest of the disallowed tags keep their text).
CLEAN_CONTENT_TAGS = {
    "script", "style", "iframe", "object", "embed", "template", "noscript", "textarea", "select",
    "title", "xmp", "noembed", "noframes", "plaintext", "svg", "applet", "frameset", "frame",
}
_FOOTNOTE_ID = re.compile(r"fn(?:ref)?-[0-9a-f]{1,16}-\d{1,6}(?::\d{1,6})?")


def _filter_attribute(tag: str, attribute: str, value: str) -> str | None:
    if attribute == "id":
        # Ids only as the footnote plugin writes them: no clobbering of the page's own ids.
        return value if _FOOTNOTE_ID.fullmatch(value) else None
    if attribute == "src" and tag == "img":
        # Images come from the web or from our /media/ route (the renderer resolved them);
        # any other relative src (markup the renderer did not see as an image) would be a
        # broken image or a request to an arbitrary path of this site.
        lowered = value.strip().lower()
        return value if lowered.startswith(("http://", "https://", "//", MEDIA_PREFIX)) else None
    return value


_CLEANER = nh3.Cleaner(
    tags=HTML_TAGS | MATHML_TAGS,
    clean_content_tags=CLEAN_CONTENT_TAGS,
    attributes=ATTRIBUTES,
    allowed_classes=ALLOWED_CLASSES,
    attribute_filter=_filter_attribute,
    # Any <input> that survives is a disabled checkbox (task lists); never a text field or button.
    set_tag_attribute_values={"input": {"type": "checkbox", "disabled": "disabled"}},
    url_schemes={"http", "https", "mailto"},
    link_rel=None,  # added below, to outbound links only
    strip_comments=True,
)

# Runs on ammonia's own serialisation, where every attribute value is double-quoted and
# contains no raw `"`: matching its <a ...> start tags is exact, not a guess at arbitrary HTML.
_A_START = re.compile(r'<a((?:\s+[^\s=>]+(?:="[^"]*")?)*)>')
_HREF = re.compile(r'\shref="([^"]*)"')


def _with_rel(match: re.Match[str]) -> str:
    href = _HREF.search(match.group(1))
    if href is None:
        return match.group(0)
    target = href.group(1).lower()
    if target.startswith(("http:", "https:", "//", "mailto:")):
        return f'<a{match.group(1)} rel="noopener nofollow">'
    return match.group(0)


def sanitize_html(html: str) -> str:
    cleaned = _CLEANER.clean(html)
    return _A_START.sub(_with_rel, cleaned) if "<a " in cleaned else cleaned
