"""Conditional GET and a rendered-response cache for the reading pages and the read API, in one place.

The validator is the database version this process sees: SQLite's `PRAGMA data_version`, read on one
long-lived connection that never writes, moves on every commit by any other connection (the app's
own pool, a `kb ingest` in another process). Reading it costs a few microseconds, so for every
reading request we can

  * answer `304 Not Modified` to a matching `If-None-Match` (or `If-Modified-Since`) without running
    the route at all, and
  * serve the bytes rendered for the same path and query at the same database version from memory
    (a question page renders ~15 queries and a template; nothing it shows can change without a commit).

ETag = hash(process nonce, data version, path, query). The nonce is there because the counter starts
again in a new process: an ETag from before a restart, or from another worker, simply misses (one full
response), it can never match stale content. Last-Modified is when this process first saw the version.

Per-user content is never shared or revalidated: a page rendered for a signed-in user, or one that
embeds the request's CSRF token, gets `Cache-Control: private, no-store` and no validator — its forms
carry one-time tokens (idempotency keys) that must not come back from a cache, and it must never reach
another user. Every other HTML response of the app that sets no policy of its own gets the same.
Anonymous reading pages are `private, no-cache` (revalidate each time; the same URL looks different
once signed in); anonymous read API responses are `public, no-cache`.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import sqlite3
import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import format_datetime, parsedate_to_datetime

from fastapi import FastAPI
from sqlalchemy.engine import Engine
from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.db.queries.content import data_version

# The reading routes whose response depends only on the database, the path and the query (and on who
# is asking, handled below). Anything else is passed through untouched.
CACHEABLE = re.compile(
    r"^/(?:"
    r"|collections/[^/]+|questions|questions/\d+|unanswered|authors|authors/[^/]+|search"
    r"|api/v1/(?:collections|collections/[^/]+|questions|questions/\d+|authors|authors/[^/]+|search)"
    r")$"
)
MAX_ENTRIES = 2048
MAX_BYTES = 64 * 1024 * 1024
MAX_BODY = 2 * 1024 * 1024  # a response bigger than this is served but not kept


class DataVersion:
    """Which state of the database this process sees, as (token, first seen at)."""

    def __init__(self, engine: Engine) -> None:
        database = engine.url.database if engine.url.get_backend_name() == "sqlite" else None
        self._connection = (
            sqlite3.connect(database, check_same_thread=False, isolation_level=None)
            if database not in (None, "", ":memory:") else None
        )
        self._nonce = secrets.token_hex(4)
        self._lock = threading.Lock()
        self._version: int | None = None
        self._seen_at = datetime.now(timezone.utc).replace(microsecond=0)

    @property
    def enabled(self) -> bool:
        return self._connection is not None

    def current(self) -> tuple[str, datetime]:
        with self._lock:
            version = data_version(self._connection)
            if version != self._version:
                self._version = version
                self._seen_at = datetime.now(timezone.utc).replace(microsecond=0)
            return f"{self._nonce}.{version}", self._seen_at

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None


@dataclass
class Entry:
    status: int
    headers: list[tuple[bytes, bytes]]
    body: bytes


class ResponseCache:
    """Responses of one database version, least recently used dropped first; a new version empties it."""

    def __init__(self, max_entries: int = MAX_ENTRIES, max_bytes: int = MAX_BYTES) -> None:
        self._entries: OrderedDict[str, Entry] = OrderedDict()
        self._token: str | None = None
        self._bytes = 0
        self._lock = threading.Lock()
        self.max_entries, self.max_bytes = max_entries, max_bytes

    def get(self, token: str, key: str) -> Entry | None:
        with self._lock:
            if token != self._token:
                return None
            entry = self._entries.get(key)
            if entry is not None:
                self._entries.move_to_end(key)
            return entry

    def put(self, token: str, key: str, entry: Entry) -> None:
        with self._lock:
            if token != self._token:
                self._entries.clear()
                self._bytes, self._token = 0, token
            if key in self._entries:
                self._bytes -= len(self._entries.pop(key).body)
            self._entries[key] = entry
            self._bytes += len(entry.body)
            while self._entries and (len(self._entries) > self.max_entries or self._bytes > self.max_bytes):
                _, dropped = self._entries.popitem(last=False)
                self._bytes -= len(dropped.body)


def _etag(token: str, path: str, query: bytes) -> str:
    digest = hashlib.blake2b(f"{token}\n{path}\n".encode() + query, digest_size=12).hexdigest()
    return f'"{digest}"'


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


def _is_signed_in(scope: Scope) -> bool:
    state = scope.get("state") or {}
    return state.get("user") is not None


def _csrf_token(scope: Scope) -> str | None:
    return (scope.get("state") or {}).get("csrf_token")


NO_STORE = b"private, no-store"
NOT_MODIFIED = Entry(304, [], b"")


class ConditionalGet:
    """Pure ASGI middleware (no per-request task or stream, unlike BaseHTTPMiddleware)."""

    def __init__(self, app: ASGIApp, versions: DataVersion, cache: ResponseCache) -> None:
        self.app, self.versions, self.cache = app, versions, cache

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        headers = Headers(scope=scope)
        if (scope["method"] != "GET" or not self.versions.enabled or not CACHEABLE.match(path)
                or (not path.startswith("/api/") and _is_signed_in(scope))):
            await self.app(scope, receive, _default_no_store(send))
            return

        api = path.startswith("/api/")
        token, seen_at = self.versions.current()
        etag = _etag(token, path, scope["query_string"])
        personal = api and ("authorization" in headers or _is_signed_in(scope))
        policy = b"private, no-cache" if (personal or not api) else b"public, no-cache"
        validators = [(b"etag", etag.encode()), (b"last-modified", format_datetime(seen_at, usegmt=True).encode()),
                      (b"cache-control", policy)] + ([] if api else [(b"vary", b"Cookie")])

        if_none_match = headers.get("if-none-match")
        if (if_none_match is not None and _etag_matches(if_none_match, etag)) or (
                if_none_match is None and "if-modified-since" in headers
                and _not_modified_since(headers["if-modified-since"], seen_at)):
            await _send_entry(send, NOT_MODIFIED, validators)
            return

        key = f"{path}?{scope['query_string'].decode('latin-1')}"
        entry = self.cache.get(token, key)
        if entry is None:
            entry = await self._render(scope, receive)
            if not self._shareable(scope, entry):
                await _send_entry(send, entry, _replace(entry.headers, [(b"cache-control", NO_STORE)]))
                return
            self.cache.put(token, key, entry)
        if if_none_match is not None and if_none_match.strip() == "*":  # "any current representation": there is one
            await _send_entry(send, NOT_MODIFIED, validators)
            return
        await _send_entry(send, entry, _replace(entry.headers, validators))

    async def _render(self, scope: Scope, receive: Receive) -> Entry:
        start: Message | None = None
        chunks: list[bytes] = []

        async def collect(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        await self.app(scope, receive, collect)
        assert start is not None
        return Entry(start["status"], list(start.get("headers", [])), b"".join(chunks))

    def _shareable(self, scope: Scope, entry: Entry) -> bool:
        """A plain 200 with no cookie of its own and no trace of the requester's CSRF token."""
        if entry.status != 200 or len(entry.body) > MAX_BODY:
            return False
        if any(name.lower() in (b"set-cookie", b"cache-control") for name, _ in entry.headers):
            return False
        csrf = _csrf_token(scope)
        return not csrf or csrf.encode() not in entry.body


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


def install_conditional_get(app: FastAPI) -> None:
    """Call before install_auth: the auth middleware must run first (outside) to tell who is asking."""
    app.state.data_version = DataVersion(app.state.engine)
    app.state.response_cache = ResponseCache()
    app.add_middleware(ConditionalGet, versions=app.state.data_version, cache=app.state.response_cache)
