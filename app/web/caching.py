"""Conditional GET and a rendered-response cache for the reading pages and the read API, in one place.

Validators come from the content versions (app.db.versions): every write bumps, in its own
transaction, the versions of what it changed (its question, its collection, the site; the outline
when what links to a question changes), and this process catches up with one `PRAGMA data_version`
read per request (a few microseconds) plus, after a commit, one small query. So for every reading
request we can

  * answer `304 Not Modified` to a matching `If-None-Match` (or `If-Modified-Since`) without running
    the route at all, and
  * serve the bytes rendered for the same path and query at the same versions from memory. A post
    to one question leaves every other question's entry valid; a commit that changes no content (a
    login, a demo run's progress) leaves all of them valid. The home page, which any write anywhere
    changes, keeps the versions it was shown at for a few seconds (FreshnessWindow), so a burst of
    writes renders it once per window.

ETag = hash(the database's identity, the versions the response depends on, path, query): every web
server on one database gives the same ETag for the same content, so a revalidation is a 304 whichever
server it reaches; a new database (whose versions start again) has another identity, so an ETag from
the old one can never match. Last-Modified is when this process first saw the newest of those versions.

This middleware sits outside the auth middleware, so a hit or a 304 skips the session lookup too. A
page for a signed-in reader is kept once per content version for every signed-in reader, with the
reader's parts as slots (app.http.slots: CSRF token, one-time form ids, name, own posts and votes),
and filled per request from one lookup of the login session and the reader's marks (two statements,
no route, no template); it goes out `Cache-Control: private, no-store` with no validator. A cookie of
no live session has its page rendered for that request, as an anonymous one. A page rendered for
the anonymous readers is rendered for nobody: the auth middleware gives it no CSRF token and sets no
cookie, so the bytes are the same for every anonymous reader and any shared cache may keep them:
anonymous reading pages are
`public, max-age=PAGE_MAX_AGE, stale-while-revalidate=…` with `Vary: Cookie` (the same URL looks
different once signed in); read API responses are `public, no-cache` (`private` with credentials).
Each encoding is its own representation (app.http.compression): the ETag names the encoding the
request accepts, every kept response says `Vary: Accept-Encoding`, and an entry is rendered without
Accept-Encoding and compressed at the first request for each encoding, then sent from memory.
Every other HTML response of the app that sets no policy of its own gets `private, no-store`.
HEAD is answered for every GET route with the GET's headers and no body (AnswerHead). While one
request renders a page a write made stale, readers without credentials get the last kept one (stale
while revalidate inside the process), so a burst of readers after a write renders it once.
"""

from __future__ import annotations

import hashlib
import re
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email.utils import format_datetime, parsedate_to_datetime
from functools import partial
from urllib.parse import unquote

from fastapi import FastAPI
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers, MutableHeaders
from starlette.requests import cookie_parser
from starlette.routing import BaseRoute
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app import clock
from app.db.versions import ContentVersions, Key
from app.http.asgi import answer_head_as_get
from app.http.cacheable import cacheable_paths
from app.http.compression import (
    MIN_SIZE,
    THREAD_ABOVE,
    SlottedGzip,
    compress,
    compressible,
    encoded_etag,
    encoded_headers,
    request_encoding,
    without_accept_encoding,
)
from app.http.singleflight import SingleFlight
from app.http.slots import SHARED_RENDER, SharedRender, Slots, SlottedPage
from app.services.accounts import SESSION_COOKIE
from app.services.readers import Reader, SignedInReaders
from app.services.reading import ReaderMarks

QUESTION_PATH = re.compile(r"^/(?:api/v1/)?questions/(\d+)$")
COLLECTION_PATH = re.compile(r"^/(?:api/v1/)?collections/([^/]+)$")
MAX_ENTRIES = 2048
MAX_BYTES = 64 * 1024 * 1024
MAX_BODY = 2 * 1024 * 1024  # a response bigger than this is served but not kept


class FreshnessWindow:
    """The site versions the home page is shown at: the ones it was last shown at, until `seconds`
    have passed since it took them. Every write anywhere moves the site version, so under a burst of
    writes the home page would be rendered once per commit; here it is rendered at most once per
    window and is never more than `seconds` behind. A write after a quiet spell shows at once."""

    def __init__(self, seconds: float, clock: Callable[[], float]) -> None:
        self.seconds, self.clock = seconds, clock
        self._shown: tuple[Key, datetime] | None = None
        self._since = 0.0
        self._lock = threading.Lock()

    def __call__(self, current: tuple[Key, datetime]) -> tuple[Key, datetime]:
        if self.seconds <= 0:
            return current
        with self._lock:
            now = self.clock()
            if self._shown is None or (self._shown[0] != current[0] and now - self._since >= self.seconds):
                self._shown, self._since = current, now
            return self._shown


def dependencies(versions: ContentVersions, path: str, home: FreshnessWindow | None = None) -> tuple[Key, datetime]:
    """The content versions a reading response shows, from its path: a question's page depends on
    that question (and the links it shows), a collection's on that collection, the rest on the site
    (the home page through its freshness window, when given)."""
    if (found := QUESTION_PATH.match(path)) is not None:
        return versions.question(int(found.group(1)))
    if (found := COLLECTION_PATH.match(path)) is not None:
        return versions.collection(unquote(found.group(1)))
    if path == "/" and home is not None:
        return home(versions.site())
    return versions.site()


@dataclass
class Entry:
    status: int
    headers: list[tuple[bytes, bytes]]
    body: bytes
    slotted: SlottedPage | None = None  # a page for every signed-in reader, filled per request
    # The body in each encoding a reader asked for, compressed at the first such request (gzip of a
    # slotted page: per layout, in `spliced`); kept with the entry, so a hit never compresses.
    encoded: dict[str, bytes] = field(default_factory=dict)
    spliced: SlottedGzip | None = None
    kept_bytes: int = 0  # what the cache counts for this entry (set by put, grown by charge)

    @property
    def size(self) -> int:
        return len(self.body) if self.slotted is None else self.slotted.size

    @property
    def compressible(self) -> bool:
        return self.status == 200 and len(self.body) >= MIN_SIZE and compressible(Headers(raw=self.headers))


def _newer(candidate: Key, kept: Key) -> bool:
    """Versions only grow: a key is at least as new as another when no part of it is older."""
    return len(candidate) != len(kept) or all(c >= k for c, k in zip(candidate, kept))


class ResponseCache:
    """The response of each path and query at the content versions it was built for, least
    recently used dropped first. A write elsewhere leaves an entry valid; a response built for
    older versions (a slow request begun before a commit) never replaces a newer one."""

    def __init__(self, max_entries: int = MAX_ENTRIES, max_bytes: int = MAX_BYTES) -> None:
        self._entries: OrderedDict[str, tuple[Key, Entry]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self._rendering: set[str] = set()
        self.max_entries, self.max_bytes = max_entries, max_bytes
        self.hits = self.misses = 0  # read by /metrics (cache hit ratio); counted under the lock

    def claim(self, key: str) -> tuple[bool, tuple[Key, Entry] | None]:
        """Whether the caller is now the one renderer of `key` (release() when done), and else the
        entry kept for older versions, which readers get while that one render runs."""
        with self._lock:
            if key not in self._rendering:
                self._rendering.add(key)
                return True, None
            return False, self._entries.get(key)

    def release(self, key: str) -> None:
        with self._lock:
            self._rendering.discard(key)

    def get(self, versions: Key, key: str) -> Entry | None:
        with self._lock:
            kept = self._entries.get(key)
            if kept is None or kept[0] != versions:
                self.misses += 1
                return None
            self.hits += 1
            self._entries.move_to_end(key)
            return kept[1]

    def put(self, versions: Key, key: str, entry: Entry) -> None:
        with self._lock:
            kept = self._entries.get(key)
            if kept is not None:
                if not _newer(versions, kept[0]):
                    return
                self._bytes -= self._entries.pop(key)[1].kept_bytes
            self._entries[key] = (versions, entry)
            entry.kept_bytes = entry.size
            self._bytes += entry.kept_bytes
            self._evict()

    def charge(self, key: str, entry: Entry, extra: int) -> None:
        """Count `extra` bytes kept with an entry after it was put (a compressed body), if it is still kept."""
        if extra == 0:
            return
        with self._lock:
            kept = self._entries.get(key)
            if kept is None or kept[1] is not entry:
                return
            entry.kept_bytes += extra
            self._bytes += extra
            self._evict()

    def _evict(self) -> None:
        while self._entries and (len(self._entries) > self.max_entries or self._bytes > self.max_bytes):
            _, (_, dropped) = self._entries.popitem(last=False)
            self._bytes -= dropped.kept_bytes


def _etag(token: str, path: str, query: bytes, encoding: str | None) -> str:
    digest = hashlib.blake2b(f"{token}\n{path}\n".encode() + query, digest_size=12).hexdigest()
    return encoded_etag(f'"{digest}"', encoding)


def _etag_matches(header: str, etag: str) -> bool:
    return any(candidate.strip().removeprefix("W/") == etag for candidate in header.split(","))


def _not_modified_since(header: str, seen_at: datetime) -> bool:
    try:
        since = parsedate_to_datetime(header)
    except (TypeError, ValueError, IndexError):
        return False
    if since is None:
        return False
    if since.tzinfo is None:
        since = since.replace(tzinfo=timezone.utc)
    return seen_at <= since


# A login session's token, the question page's id and its content versions -> the reader and their
# marks on it, or None for no such (unexpired) session: app.services.readers.SignedInReaders.
ReaderLookup = Callable[[str, int | None, Key], tuple[Reader, ReaderMarks] | None]

NO_STORE = b"private, no-store"
# Kept where the page for every signed-in reader would be, when the page is not one (app.http.slots).
PERSONAL = Entry(0, [], b"")
NOT_MODIFIED = Entry(304, [], b"")
# Anonymous pages: fresh for a few seconds in a browser or a shared cache in front (nginx, a CDN),
# then served stale for up to a minute while the cache revalidates (a 304 costs no render here).
PAGE_MAX_AGE = 5
PAGE_STALE_WHILE_REVALIDATE = 60
PUBLIC_PAGE = f"public, max-age={PAGE_MAX_AGE}, stale-while-revalidate={PAGE_STALE_WHILE_REVALIDATE}".encode()


class ConditionalGet:
    """Pure ASGI middleware, outside auth: a cache hit or a 304 costs no route, no session lookup
    and no per-request task (BaseHTTPMiddleware's), only the content versions' check."""

    def __init__(self, app: ASGIApp, versions: ContentVersions, cache: ResponseCache,
                 routes: list[BaseRoute], readers: ReaderLookup, lookup_inline: bool = False,
                 home: FreshnessWindow | None = None) -> None:
        self.app, self.versions, self.cache, self.readers, self.home = app, versions, cache, readers, home
        # On SQLite the reader lookup (two indexed reads of a local file, like the versions check before
        # it) runs on the event loop: handing it to a worker thread and back cost more than the reads.
        self.lookup_inline = lookup_inline
        self.slots = Slots()
        self.shared_renders: SingleFlight[Entry] = SingleFlight()
        # The routes marked @cacheable (app/http/cacheable.py); anything else passes through untouched.
        # Read at the first request: the routers are included after this middleware is added.
        self._routes = routes
        self._cacheable: re.Pattern[str] | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        if self._cacheable is None:
            self._cacheable = cacheable_paths(self._routes)
        if scope["method"] != "GET" or not self.versions.enabled or not self._cacheable.match(path):
            await self.app(scope, receive, _default_no_store(send))
            return

        headers = Headers(scope=scope)
        api = path.startswith("/api/")
        session_token = cookie_parser(headers.get("cookie", "")).get(SESSION_COOKIE)
        has_session = session_token is not None
        self.versions.refresh()
        versions, seen_at = dependencies(self.versions, path, self.home)
        if session_token is not None and not api and await self._serve_signed_in(
                scope, receive, send, session_token, versions):
            return
        encoding = request_encoding(scope)
        etag = _etag(f"{self.versions.identity}.{versions}", path, scope["query_string"], encoding)
        if api:
            personal = "authorization" in headers or has_session
            policy = b"private, no-cache" if personal else b"public, no-cache"
        else:
            policy = PUBLIC_PAGE
        validators = [(b"etag", etag.encode()), (b"last-modified", format_datetime(seen_at, usegmt=True).encode()),
                      (b"cache-control", policy), (b"vary", b"Accept-Encoding" if api else b"Cookie, Accept-Encoding")]
        # A page for someone who may be signed in is rendered for them (the auth middleware inside says).
        reusable = api or not has_session

        if_none_match = headers.get("if-none-match")
        if reusable and ((if_none_match is not None and _etag_matches(if_none_match, etag)) or (
                if_none_match is None and "if-modified-since" in headers
                and _not_modified_since(headers["if-modified-since"], seen_at))):
            await _send_entry(send, NOT_MODIFIED, validators)
            return

        key = f"{path}?{scope['query_string'].decode('latin-1')}"
        entry = self.cache.get(versions, key) if reusable else None
        if entry is None:
            # Stale while revalidating: while one request renders a page a write made stale, other
            # readers without credentials get the page as it was a moment ago (with its own ETag),
            # so a burst of readers after a write renders it once, not once each.
            owner, stale = self.cache.claim(key) if reusable else (False, None)
            if stale is not None and not ("authorization" in headers or has_session):
                old_etag = _etag(f"{self.versions.identity}.{stale[0]}", path, scope["query_string"], encoding).encode()
                await self._send(send, stale[1], _replace(stale[1].headers, [
                    (n, old_etag if n == b"etag" else v) for n, v in validators if n != b"last-modified"]),
                    encoding, key)
                return
            if reusable:
                scope.setdefault("state", {})[SHARED_RENDER] = SharedRender()
            try:
                rendered = await self._render(scope, receive)
                entry = self._shareable(scope, rendered, api) if reusable else None
                if entry is not None:
                    self.cache.put(versions, key, entry)
            finally:
                if owner:
                    self.cache.release(key)
            if entry is None:
                await self._send(send, rendered, _replace(rendered.headers, [(b"cache-control", NO_STORE)]), encoding)
                return
        if if_none_match is not None and if_none_match.strip() == "*":  # "any current representation": there is one
            await _send_entry(send, NOT_MODIFIED, validators)
            return
        await self._send(send, entry, _replace(entry.headers, validators), encoding, key)

    async def _send(self, send: Send, entry: Entry, headers: list[tuple[bytes, bytes]], encoding: str | None,
                    key: str | None = None) -> None:
        """The entry's body in `encoding` when it is worth compressing: compressed at its first such
        request and kept with it (and counted by the cache when the entry is kept under `key`)."""
        body = entry.body
        if encoding is not None and entry.compressible:
            encoded = entry.encoded.get(encoding)
            if encoded is None:
                encoded = entry.encoded[encoding] = await _compressed(body, encoding)
                if key is not None:
                    self.cache.charge(key, entry, len(encoded))
            body, headers = encoded, encoded_headers(headers, encoding, len(encoded), retag=False)
        await send({"type": "http.response.start", "status": entry.status, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    async def _serve_signed_in(self, scope: Scope, receive: Receive, send: Send, session_token: str,
                               versions: Key) -> bool:
        """A signed-in reader's page: the page kept for every signed-in reader at these versions
        (rendered once per version, with slots), filled with this reader's token, name and marks
        from one lookup (app.http.slots). False when the session is unknown or expired: that
        request is rendered as before (for an anonymous reader with a stale cookie)."""
        path = scope["path"]
        found = QUESTION_PATH.match(path)
        question_id = int(found.group(1)) if found is not None else None
        if self.lookup_inline:
            looked_up = self.readers(session_token, question_id, versions)
        else:
            looked_up = await run_in_threadpool(self.readers, session_token, question_id, versions)
        if looked_up is None:
            return False
        reader, marks = looked_up
        if not reader.shares_pages:  # a moderator's tools, a suspended account's notice: rendered for them
            return False
        key = f"signed-in {path}?{scope['query_string'].decode('latin-1')}"
        entry = self.cache.get(versions, key)
        while entry is None:
            # After a write every signed-in reader of the question misses at once: one renders the
            # new version, the others wait for it (None: that render failed, so try again).
            entry = await self.shared_renders.run((key, versions), partial(
                self._render_for_members, scope, receive, versions, key))
        if entry.slotted is None:
            return False
        headers = _replace(entry.headers, [(b"cache-control", NO_STORE)])
        if entry.spliced is not None and request_encoding(scope, ("gzip",)) is not None:
            kept = entry.spliced.size
            body = entry.spliced.body(csrf_token=reader.csrf_token, reader=reader, marks=marks)
            self.cache.charge(key, entry, entry.spliced.size - kept)
            headers = encoded_headers(headers, "gzip", len(body))
        else:
            body = entry.slotted.fill(csrf_token=reader.csrf_token, reader=reader, marks=marks)
            if entry.spliced is not None and request_encoding(scope, ("br",)) is not None:
                # A client that takes brotli but not gzip (no browser; a proxy or a script may): a
                # brotli stream cannot be spliced (app.http.compression), so this reader's page is
                # compressed for this request alone.
                body = await _compressed(body, "br")
                headers = encoded_headers(headers, "br", len(body))
            else:
                headers = _replace(headers, [(b"content-length", str(len(body)).encode())])
        await send({"type": "http.response.start", "status": entry.status, "headers": headers})
        await send({"type": "http.response.body", "body": body})
        return True

    async def _render_for_members(self, scope: Scope, receive: Receive, versions: Key, key: str) -> Entry:
        """The page for every signed-in reader at these versions, kept (PERSONAL when it shows
        something of its reader that no slot covers: then each is rendered for its reader alone)."""
        state = scope.setdefault("state", {})
        shared = state[SHARED_RENDER] = SharedRender(self.slots)
        rendered = await self._render(scope, receive)
        del state[SHARED_RENDER]
        if shared.refused:
            self.cache.put(versions, key, PERSONAL)
            return PERSONAL
        page = self.slots.parse(rendered.body, shared)
        entry = Entry(rendered.status, rendered.headers, page.body, page)
        if entry.compressible:
            entry.spliced = SlottedGzip(page)
        if rendered.status == 200 and page.size <= MAX_BODY and not any(
                name.lower() in (b"cache-control", b"set-cookie") for name, _ in rendered.headers):
            self.cache.put(versions, key, entry)
        return entry

    async def _render(self, scope: Scope, receive: Receive) -> Entry:
        start: Message | None = None
        chunks: list[bytes] = []

        async def collect(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        scope.setdefault("state", {})  # shared with the copy: the route's state is read here afterwards
        await self.app(without_accept_encoding(scope), receive, collect)
        assert start is not None
        return Entry(start["status"], list(start.get("headers", [])), b"".join(chunks))

    @staticmethod
    def _shareable(scope: Scope, entry: Entry, api: bool) -> Entry | None:
        """The entry to keep for everyone, or None: only a plain 200 rendered for nobody in
        particular (no signed-in user, no cookie, no caching policy of the route's own)."""
        if entry.status != 200 or len(entry.body) > MAX_BODY:
            return None
        if not api and (scope.get("state") or {}).get("user") is not None:
            return None
        if any(name.lower() in (b"cache-control", b"set-cookie") for name, _ in entry.headers):
            return None
        return entry


async def _compressed(body: bytes, encoding: str) -> bytes:
    """`body` in `encoding`; a big one on a worker thread, not on the event loop."""
    if len(body) > THREAD_ABOVE:
        return await run_in_threadpool(compress, body, encoding)
    return compress(body, encoding)


def _replace(headers: list[tuple[bytes, bytes]], extra: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    names = {name for name, _ in extra}
    return [(n, v) for n, v in headers if n.lower() not in names] + extra


async def _send_entry(send: Send, entry: Entry, headers: list[tuple[bytes, bytes]]) -> None:
    await send({"type": "http.response.start", "status": entry.status, "headers": headers})
    await send({"type": "http.response.body", "body": entry.body})


def _default_no_store(send: Send) -> Send:
    """HTML that sets no caching policy of its own gets `private, no-store` (forms, per-user pages)."""

    async def wrapped(message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = MutableHeaders(raw=message.setdefault("headers", []))
            if "cache-control" not in headers and headers.get("content-type", "").startswith("text/html"):
                headers["cache-control"] = NO_STORE.decode()
        await send(message)

    return wrapped


class AnswerHead:
    """HEAD for every GET route (Starlette's routes answer 405): the GET runs, its status and
    headers (Content-Length included) go out, its body does not. Outermost, so a cached GET's
    HEAD is as cheap as the GET."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        await answer_head_as_get(self.app, scope, receive, send)


def install_conditional_get(app: FastAPI) -> None:
    """Call after install_auth, so that this middleware runs first (outside it): a hit needs no session."""
    app.state.content_versions = ContentVersions(app.state.engine)
    app.state.response_cache = ResponseCache()
    readers = SignedInReaders(app.state.engine, app.state.content_versions.commits)
    home = FreshnessWindow(app.state.settings.home_fresh_s, clock.monotonic)
    app.add_middleware(ConditionalGet, versions=app.state.content_versions, cache=app.state.response_cache,
                       routes=app.router.routes, readers=readers,
                       lookup_inline=app.state.engine.dialect.name == "sqlite", home=home)
    app.add_middleware(AnswerHead)
