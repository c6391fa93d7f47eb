"""Images in rendered HTML: served local files, lazy external ones, a placeholder for the rest.

A reader never sees a broken-image icon: a local file that does not exist (or a scheme we do not
serve, such as data:) becomes a Korean placeholder that carries the alt text.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from urllib.parse import unquote

from app.render.math import latex_to_html, math_image_latex

ImageResolver = Callable[[str], "str | None"]

MISSING_LABEL = "이미지 없음"
MEDIA_PREFIX = "/media/"  # where local images are served (app/web/media.py)
# github.com/<owner>/<repo>/blob/<ref>/<path> is GitHub's HTML page about a file, never the image.
_GITHUB_BLOB = re.compile(r"^https?://(?:www\.)?github\.com/[^/]+/[^/]+/blob/[^/]+/(?P<path>[^?#]+)", re.IGNORECASE)


def is_external(src: str) -> bool:
    return src.strip().lower().startswith(("http://", "https://", "//"))


def _has_scheme(src: str) -> bool:
    head = src.split("/", 1)[0]
    return ":" in head


def _file_name(src: str) -> str:
    name = src.split("#", 1)[0].split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1]
    return unquote(name)[:120] if not src.lower().startswith("data:") else ""


def missing_image_html(alt: str, src: str = "") -> str:
    alt = " ".join(alt.split())
    # Without alt text the file name is the only hint of what the picture showed (shown, but
    # kept out of the search text: "2021-05-01-16-15-42.png" is no word anyone searches for).
    shown, css_class = (alt, "image-missing-alt") if alt else (_file_name(src), "image-missing-file")
    label = f"{MISSING_LABEL}: {shown}" if shown else MISSING_LABEL
    detail = f' <span class="{css_class}">{html.escape(shown)}</span>' if shown else ""
    return (
        f'<span class="image-missing" role="img" aria-label="{html.escape(label)}">'
        f'<span class="image-missing-label">{MISSING_LABEL}</span>{detail}</span>'
    )


def github_blob_path(src: str) -> str | None:
    """The repository path of a GitHub ``blob/`` link ("images/heath/relu.png"), else None."""
    match = _GITHUB_BLOB.match(src.strip())
    return unquote(match["path"]) if match else None


def _img_tag(src: str, alt: str, extra: dict[str, str]) -> str:
    attrs = [f'src="{html.escape(src)}"', f'alt="{html.escape(alt)}"']
    attrs += [f'{name}="{html.escape(value)}"' for name, value in extra.items() if value]
    attrs += ['loading="lazy"', 'decoding="async"']
    return "<img " + " ".join(attrs) + ">"


def image_html(src: str, alt: str, resolve_image: ImageResolver | None,
               extra: dict[str, str] | None = None) -> str:
    """The HTML for one image as written (Markdown or raw <img>); `extra` carries title/width/height."""
    src = (src or "").strip()
    extra = extra or {}
    blob_path = github_blob_path(src)
    if blob_path is not None:
        # Shown only when the file is vendored under content/ at the repository's path; otherwise the
        # link would draw a broken icon, so the reader gets the placeholder with the alt text.
        url = resolve_image("/" + blob_path) if resolve_image is not None else None
        return _img_tag(url, alt, extra) if url else missing_image_html(alt, src)
    if is_external(src):
        latex = math_image_latex(src)
        if latex:  # a formula drawn by a rendering service: show the formula itself
            return latex_to_html(latex, False)
        return _img_tag(src, alt, extra)
    if not src or _has_scheme(src) or resolve_image is None:
        return missing_image_html(alt, src)
    url = resolve_image(src)
    if url is None:
        return missing_image_html(alt, src)
    return _img_tag(url, alt, extra)
