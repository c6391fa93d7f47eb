"""A fingerprint of the renderer: its own source and the versions of the libraries it drives.

HTML is rendered once at ingest and stored; the loader skips a file whose bytes did not change.
Mixing this fingerprint into that check means a renderer change (a fix here, a new nh3 or
latex2mathml) re-renders every file on the next `kb ingest`, with no version number to forget.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

_LIBRARIES = ("markdown-it-py", "mdit-py-plugins", "linkify-it-py", "latex2mathml", "pygments", "nh3")


@lru_cache(maxsize=1)
def renderer_fingerprint() -> str:
    digest = hashlib.sha256()
    for path in sorted(Path(__file__).parent.glob("*.py")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    for name in _LIBRARIES:
        try:
            digest.update(f"{name}=={version(name)}\0".encode())
        except PackageNotFoundError:
            digest.update(f"{name}==?\0".encode())
    return digest.hexdigest()[:16]
