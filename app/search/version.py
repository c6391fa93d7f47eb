"""A fingerprint of index-time analysis: its source, the term dictionary and Kiwi's version.

The loader mixes it into its "unchanged file" check (as it does the renderer's), so after an
editor extends content/search/terms.tsv, or the analysis changes, the next `kb ingest` analyses
every file again and the index follows, with no version number to forget. Questions posted
through the site are not files: `kb search reindex` redoes those.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from app.search.terms import terms_path

_SOURCES = ("analyze.py", "lemma.py", "terms.py", "text.py")
_LIBRARIES = ("kiwipiepy", "kiwipiepy_model")


def analyzer_fingerprint() -> str:
    path = terms_path()
    return _fingerprint(str(path), path.stat().st_mtime_ns)


@lru_cache(maxsize=4)
def _fingerprint(terms_file: str, terms_mtime_ns: int) -> str:
    digest = hashlib.sha256()
    here = Path(__file__).parent
    for name in _SOURCES:
        digest.update(name.encode() + b"\0" + (here / name).read_bytes() + b"\0")
    digest.update(Path(terms_file).read_bytes() + b"\0")
    for library in _LIBRARIES:
        try:
            digest.update(f"{library}=={version(library)}\0".encode())
        except PackageNotFoundError:
            digest.update(f"{library}==?\0".encode())
    return digest.hexdigest()[:16]
