"""Static files under content-hashed names, kept forever by browsers, compressed once per process.

`static/css/app.css` is linked as `/static/css/app.3f2a9c1d.css` (the first 8 hex digits of the
BLAKE2b of its bytes), which never changes meaning, so it goes out `Cache-Control: public,
max-age=31536000, immutable`: a browser asks for it once, and a changed file gets a new name. Every
template links static files through one helper, the Jinja global `static('css/app.css')` (Assets.url).
Names are computed once, when the app is built. The plain name keeps working (an old page in a
cache, a bookmark) with a short max-age and an ETag.

A stylesheet's `url(...)` to another static file (render.css's math font) is rewritten to that
file's hashed name before the stylesheet is hashed, so a new font gives the stylesheet a new name too.

Text files are compressed (brotli and gzip, at a higher setting than pages: app.http.compression)
the first time a client asks for an encoding, on a worker thread, and the bytes are kept for the
life of the process; fonts and images are sent as they are.
"""

from __future__ import annotations

import hashlib
import mimetypes
import posixpath
import re
import threading
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.types import Receive, Scope, Send

from app.http.compression import COMPRESSIBLE, MIN_SIZE, compress, encoded_etag, request_encoding

PREFIX = "/static"
IMMUTABLE = b"public, max-age=31536000, immutable"
PLAIN = b"public, max-age=300"  # the unhashed name: an old link still works, and soon sees a new file
DIGITS = 8
CSS_URL = re.compile(r"""url\(\s*(['"]?)([^'")]+)\1\s*\)""")
# A hashed name whose digest is not the file's any more ("css/app.1a2b3c4d.css"): a page rendered before a
# deploy, kept a minute by a shared cache (stale-while-revalidate) or open in a tab, still names it.
SUPERSEDED = re.compile(rf"^(?P<stem>.+)\.[0-9a-f]{{{DIGITS}}}(?P<suffix>\.[^./]+)?$")


@dataclass
class Asset:
    path: str  # under static/: "css/app.css"
    hashed: str  # "css/app.3f2a9c1d.css"
    digest: str
    media_type: str
    body: bytes  # what is served under both names (a stylesheet with its url()s rewritten)
    encoded: dict[str, bytes] = field(default_factory=dict)

    @property
    def compressible(self) -> bool:
        return self.media_type in COMPRESSIBLE and len(self.body) >= MIN_SIZE


def hashed_name(path: str, digest: str) -> str:
    stem, dot, suffix = path.rpartition(".")
    return f"{stem}.{digest}.{suffix}" if dot and "/" not in suffix else f"{path}.{digest}"


class Assets:
    """The static directory as served: `url()` for templates, and the ASGI app mounted at /static."""

    def __init__(self, directory: Path, development: bool = False) -> None:
        self.directory = directory
        # A developer editing a stylesheet under a running server (KB_DEV=1) sees it at the next request:
        # every link and file is then looked up in the directory as it is now (a stat per file per request).
        self.development = development
        self._by_path: dict[str, Asset] = {}
        self._by_name: dict[str, tuple[Asset, bool]] = {}  # served name -> (asset, under its hashed name)
        self._lock = threading.Lock()
        files = sorted(p for p in directory.rglob("*") if p.is_file())
        # Stylesheets last: they name the other files by their hashed names.
        for file in sorted(files, key=lambda p: p.suffix == ".css"):
            path = file.relative_to(directory).as_posix()
            body = file.read_bytes()
            if file.suffix == ".css":
                body = self._rewrite_css(path, body)
            digest = hashlib.blake2b(body, digest_size=DIGITS // 2).hexdigest()
            media_type = mimetypes.guess_type(path)[0] or "application/octet-stream"
            asset = Asset(path, hashed_name(path, digest), digest, media_type, body)
            self._by_path[path] = asset
            self._by_name[path] = (asset, False)
            self._by_name[asset.hashed] = (asset, True)

    @classmethod
    def load(cls, directory: Path, development: bool = False) -> Assets:
        """The directory's assets, read and hashed once per process while no file in it changes
        (every app built in a test process shares them: hashing ~2.6 MB took ~20 ms an app)."""
        return cls(directory, development=True) if development else _load(directory, _signature(directory))

    def _now(self) -> Assets:
        return _load(self.directory, _signature(self.directory)) if self.development else self

    def url(self, path: str) -> str:
        """The address of static/<path> under its hashed name; an unknown file is an error, found by
        the first render of the template that names it."""
        asset = self._now()._by_path.get(path)
        if asset is None:
            raise LookupError(f"no static file {path!r}")
        return f"{PREFIX}/{asset.hashed}"

    def _superseded(self, name: str) -> tuple[Asset, bool] | None:
        """The file an old hashed name stood for, served as under its plain name (kept 5 minutes, not
        forever): such a page got its stylesheet back as a 404 and showed unstyled until it was reloaded."""
        old = SUPERSEDED.match(name)
        if old is None:
            return None
        found = self._by_name.get(old["stem"] + (old["suffix"] or ""))
        return (found[0], False) if found is not None else None

    def _rewrite_css(self, path: str, body: bytes) -> bytes:
        def hashed(found: re.Match[str]) -> str:
            quote, reference = found.group(1), found.group(2)
            target = re.split(r"[?#]", reference, maxsplit=1)[0]
            rest = reference[len(target):]  # a query or fragment (a font's #iefix) stays as it was
            if ":" in target or target.startswith(("/", "#")):  # data:, another site, an absolute path
                return found.group(0)
            asset = self._by_path.get(posixpath.normpath(posixpath.join(posixpath.dirname(path), target)))
            if asset is None:
                return found.group(0)
            name = posixpath.join(posixpath.dirname(target), posixpath.basename(asset.hashed))
            return f"url({quote}{name}{rest}{quote})"

        return CSS_URL.sub(hashed, body.decode("utf-8")).encode("utf-8")

    def _encoded(self, asset: Asset, encoding: str) -> bytes:
        with self._lock:  # one compression per file and encoding, whoever asks first
            if encoding not in asset.encoded:
                asset.encoded[encoding] = compress(asset.body, encoding, best=True)
            return asset.encoded[encoding]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["method"] not in ("GET", "HEAD"):
            raise HTTPException(405, headers={"Allow": "GET, HEAD"})
        name = scope["path"][len(scope.get("root_path", "")):].lstrip("/")
        assets = self._now()
        found = assets._by_name.get(name)
        if found is None:
            found = assets._superseded(name)
        if found is None:
            raise HTTPException(404)
        asset, hashed = found
        encoding = request_encoding(scope) if asset.compressible else None
        etag = encoded_etag(f'"{asset.digest}"', encoding).encode()
        headers = [(b"content-type", asset.media_type.encode() + (b"; charset=utf-8" if asset.media_type.startswith(
                       "text/") else b"")),
                   (b"cache-control", IMMUTABLE if hashed else PLAIN), (b"etag", etag)]
        if asset.compressible:
            headers.append((b"vary", b"Accept-Encoding"))
        if_none_match = Headers(scope=scope).get("if-none-match")
        if if_none_match is not None and any(
                candidate.strip().removeprefix("W/").encode() == etag for candidate in if_none_match.split(",")):
            await send({"type": "http.response.start", "status": 304, "headers": headers})
            await send({"type": "http.response.body", "body": b""})
            return
        body = asset.body
        if encoding is not None:
            kept = asset.encoded.get(encoding)
            body = kept if kept is not None else await run_in_threadpool(self._encoded, asset, encoding)
            headers.append((b"content-encoding", encoding.encode()))
        headers.append((b"content-length", str(len(body)).encode()))
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": body if scope["method"] == "GET" else b""})


@lru_cache(maxsize=4)
def _load(directory: Path, signature: tuple[tuple[str, int, int], ...]) -> Assets:
    return Assets(directory)


def _signature(directory: Path) -> tuple[tuple[str, int, int], ...]:
    """Every file's path, modification time and size: a change to any gives another signature."""
    return tuple((str(p), (stat := p.stat()).st_mtime_ns, stat.st_size)
                 for p in sorted(directory.rglob("*")) if p.is_file())
