"""The allow-list sanitiser every rendered HTML passes through (nh3, i.e. Rust's ammonia).

Whatever the Markdown or its raw HTML held, what leaves here has only the tags, attributes, classes
and URL schemes listed below: no script, style, iframe, object, embed or form, no event handler,
no javascript:/vbscript:/data: URL. It runs last; nothing after it but adding rel to outbound links.
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath
from urllib.parse import unquote, urlsplit

import nh3
from pygments.token import STANDARD_TYPES

from app.render.images import MEDIA_PREFIX
from app.render.media import MEDIA_TYPES

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
    "a": {"footnote-backref", "glossary-link", "mention"},
    "hr": {"footnotes-sep"},
    "section": {"footnotes"},
}
# Removed together with everything inside them (the rest of the disallowed tags keep their text).
CLEAN_CONTENT_TAGS = {
    "script", "style", "iframe", "object", "embed", "template", "noscript", "textarea", "select",
    "title", "xmp", "noembed", "noframes", "plaintext", "svg", "applet", "frameset", "frame",
}
_FOOTNOTE_ID = re.compile(r"fn(?:ref)?-[0-9a-f]{1,16}-\d{1,6}(?::\d{1,6})?")


# Browsers drop tabs and newlines anywhere in a URL and read a backslash as "/": a value holding any of these
# may not mean what it spells, so it is refused rather than guessed at.
_UNCLEAR_URL = re.compile(r"[\x00-\x20\x7f\\]")


def _dot_segment(segment: str) -> bool:
    return unquote(segment) in (".", "..")  # "%2e%2e" is ".." to a browser too


def media_src(value: str) -> str | None:
    """A /media/ URL as app.render.media.media_url writes it, or None: quoted path segments without
    dot segments (literal or percent-encoded) or encoded slashes, no query or fragment, an image suffix.
    "/media/../api/v1/me" would make every reader's browser fetch an API page of this site."""
    if not value.startswith(MEDIA_PREFIX) or _UNCLEAR_URL.search(value) or "?" in value or "#" in value:
        return None
    segments = value[len(MEDIA_PREFIX):].split("/")
    if any(not segment or _dot_segment(segment) or "/" in unquote(segment) or "\\" in unquote(segment)
           for segment in segments):
        return None
    return value if PurePosixPath(unquote(segments[-1])).suffix.lower() in MEDIA_TYPES else None


def image_src(value: str) -> str | None:
    """What an <img> may load: an http(s) URL with a host, or a real /media/ file; nothing else on this site."""
    value = value.strip()
    if value.startswith(MEDIA_PREFIX):
        return media_src(value)
    if _UNCLEAR_URL.search(value):
        return None
    parts = urlsplit(value)
    if parts.scheme.lower() in ("http", "https") and parts.netloc or not parts.scheme and value.startswith("//") \
            and parts.netloc and not value.startswith("///"):
        return value
    return None


def _remove_dot_segments(path: str) -> str:
    """RFC 3986 section 5.2.4 on a site path, so a link says where it really goes."""
    out: list[str] = []
    segments = path.split("/")
    for index, segment in enumerate(segments):
        last = index == len(segments) - 1
        if _dot_segment(segment):
            if unquote(segment) == ".." and len(out) > 1:
                out.pop()
            if last:
                out.append("")
        else:
            out.append(segment)
    return "/".join(out) if out and out[0] == "" else "/" + "/".join(out)


def link_href(value: str) -> str | None:
    """A link target with its dot segments resolved; None for one a browser would read differently."""
    value = value.strip()
    if _UNCLEAR_URL.search(value):
        return None
    parts = urlsplit(value)
    if parts.scheme or parts.netloc or not parts.path.startswith("/"):
        return value  # nh3 checks the scheme; "#fn-1" and "?page=2" have no path to resolve
    path = _remove_dot_segments(parts.path)
    return path + (f"?{parts.query}" if parts.query else "") + (f"#{parts.fragment}" if parts.fragment else "")


def _filter_attribute(tag: str, attribute: str, value: str) -> str | None:
    """Runs inside nh3 on every attribute of every element it keeps, after parsing: a tag spelt
    <image> has become <img> by then, so the URL rules hold whatever the input called it."""
    if attribute == "id":
        # Ids only as the footnote plugin writes them: no clobbering of the page's own ids.
        return value if _FOOTNOTE_ID.fullmatch(value) else None
    if attribute == "src":
        # Images come from the web or from our /media/ route (the renderer resolved them); any other
        # src would be a broken image or a request to an arbitrary path of this site.
        return image_src(value)
    if attribute == "href":
        return link_href(value)
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
