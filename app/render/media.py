"""Image files inside the content folder, as served under /media/.

One rule for both sides: the loader only links what the route will serve, and the route only
serves a regular file with an image suffix that resolves (symlinks followed) inside content_dir.

SVG is not served: an SVG opened directly from our origin can run script, and there is none in
the content to make that risk worth managing.
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath
from urllib.parse import quote, unquote

from app.render.images import MEDIA_PREFIX

MEDIA_TYPES = {
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
}


def _inside(path: Path, content_dir: Path) -> Path | None:
    try:
        resolved = path.resolve()
        resolved.relative_to(content_dir.resolve())
    except (OSError, ValueError, RuntimeError):  # RuntimeError: a symlink loop
        return None
    if resolved.suffix.lower() not in MEDIA_TYPES or not resolved.is_file():
        return None
    return resolved


def find_media_file(content_dir: Path, relative_path: str) -> Path | None:
    """The file a /media/<relative_path> request names, or None when it must not be served."""
    if not relative_path or "\x00" in relative_path or PurePosixPath(relative_path).is_absolute():
        return None
    return _inside(Path(content_dir) / relative_path, Path(content_dir))


def media_url(content_dir: Path, file_path: Path) -> str:
    relative = file_path.relative_to(Path(content_dir).resolve()).as_posix()
    return MEDIA_PREFIX + quote(relative)


def image_resolver(document_path: Path, content_dir: Path):
    """resolve_image for a content file: its local image srcs -> /media/ URLs of existing files.

    "/images/x.png" is taken from the content root, anything else relative to the file's folder;
    a src that leaves the content folder counts as missing.
    """
    content_dir = Path(content_dir)

    def resolve(src: str) -> str | None:
        target = unquote(src.split("#", 1)[0].split("?", 1)[0].strip())
        if not target or "\x00" in target:
            return None
        candidate = content_dir / target.lstrip("/") if target.startswith("/") else document_path.parent / target
        found = _inside(candidate, content_dir)
        return None if found is None else media_url(content_dir, found)

    return resolve
