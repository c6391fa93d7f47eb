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

This middleware sits outside the auth middleware, so a hit or a 304 skips the session lookup too. A
request carrying a session cookie always has its page rendered (the auth middleware inside decides who
it is). Per-user content is never shared or revalidated: a page rendered for a signed-in user gets
`Cache-Control: private, no-store` and no validator — its forms carry one-time tokens (idempotency
keys) that must not come back from a cache, and it must never reach another user. An anonymous page
may hold a form (a question's "run this experiment" buttons) whose CSRF token is derived from the
reader's anonymous cookie: the cache keeps it with a placeholder in the token's place and each reader
gets their own token put back (minting the cookie for a first-time visitor, as the auth middleware
would). The anonymous cookie handed to a first-time visitor goes to that visitor only.
Every other HTML response of the app that sets no policy of its own gets `private, no-store` too.
Anonymous reading pages are `private, no-cache` (revalidate each time; the same URL looks different
once signed in); anonymous read API responses are `public, no-cache`.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import format_datetime, parsedate_to_datetime
from urllib.parse import unquote

from fastapi import FastAPI
from sqlalchemy.engine import Engine
from starlette.datastructures import Headers, MutableHeaders
from starlette.requests import cookie_parser
from starlette.routing import BaseRoute
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.auth.anonymous import anonymous_cookie, anonymous_id
from app.db.versions import ContentVersions, Key
from app.http.cacheable import cacheable_paths
from app.services.accounts import ANON_COOKIE, SESSION_COOKIE, anonymous_csrf

QUESTION_PATH = re.compile(r"^/(?:api/v1/)?questions/(\d+)$")
COLLECTION_PATH = re.compile(r"^/(?:api/v1/)?collections/([^/]+)$")
MAX_ENTRIES = 2048
MAX_BYTES = 64 * 1024 * 1024
MAX_BODY = 2 * 1024 * 1024  # a response bigger than this is served but not kept


def dependencies(versions: ContentVersions, path: str) -> tuple[Key, datetime]:
    """The content versions a reading response shows, from its path: a question's page depends on
    that question (and the links it shows), a collection's on that collection, the rest on the site."""
    if (found := QUESTION_PATH.match(path)) is not None:
        return versions.question(int(found.group(1)))
    if (found := COLLECTION_PATH.match(path)) is not None:
        return versions.collection(unquote(found.group(1)))
    return versions.site()


@dataclass
class Entry:
    status: int
    headers: list[tuple[bytes, bytes]]
    body: bytes


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
        self.max_entries, self.max_bytes = max_entries, max_bytes

    def get(self, versions: Key, key: str) -> Entry | None:
        with self._lock:
            kept = self._entries.get(key)
            if kept is None or kept[0] != versions:
                return None
            self._entries.move_to_end(key)
            return kept[1]

    def put(self, versions: Key, key: str, entry: Entry) -> None:
        with self._lock:
            kept = self._entries.get(key)
            if kept is not None:
                if not _newer(versions, kept[0]):
                    return
                self._bytes -= len(self._entries.pop(key)[1].body)
            self._entries[key] = (versions, entry)
            self._bytes += len(entry.body)
            while self._entries and (len(self._entries) > self.max_entries or self._bytes > self.max_bytes):
                _, (_, dropped) = self._entries.popitem(last=False)
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


NO_STORE = b"private, no-store"
NOT_MODIFIED = Entry(304, [], b"")
# Stands in a kept page for the reader's CSRF token: as long as the token (64 hex digits), so the
# Content-Length stays right, and random per process, so no page text can contain it by chance.
CSRF_PLACEHOLDER = ("csrf" + secrets.token_hex(30)).encode()


class ConditionalGet:
    """Pure ASGI middleware, the outermost of the app's own: a cache hit or a 304 costs no route, no
    session lookup and no per-request task (BaseHTTPMiddleware's), only the data version read."""

    def __init__(self, app: ASGIApp, versions: ContentVersions, cache: ResponseCache, secret_key: str,
                 routes: list[BaseRoute]) -> None:
        self.app, self.versions, self.cache, self.secret_key = app, versions, cache, secret_key
        self.nonce = secrets.token_hex(4)
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
        has_session = SESSION_COOKIE in cookie_parser(headers.get("cookie", ""))
        self.versions.refresh()
        versions, seen_at = dependencies(self.versions, path)
        etag = _etag(f"{self.nonce}.{versions}", path, scope["query_string"])
        personal = api and ("authorization" in headers or has_session)
        policy = b"private, no-cache" if (personal or not api) else b"public, no-cache"
        validators = [(b"etag", etag.encode()), (b"last-modified", format_datetime(seen_at, usegmt=True).encode()),
                      (b"cache-control", policy)] + ([] if api else [(b"vary", b"Cookie")])
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
            rendered = await self._render(scope, receive)
            entry = self._shareable(scope, rendered, api)
            if entry is None:
                await _send_entry(send, rendered, _replace(rendered.headers, [(b"cache-control", NO_STORE)]))
                return
            self.cache.put(versions, key, entry)
            validators += [(n, v) for n, v in rendered.headers if n.lower() == b"set-cookie"]  # this reader's own
            csrf = ((scope.get("state") or {}).get("csrf_token") or "").encode()
        elif CSRF_PLACEHOLDER in entry.body:
            csrf, cookie = self._anonymous_csrf(scope, headers)
            validators += cookie
        if if_none_match is not None and if_none_match.strip() == "*":  # "any current representation": there is one
            await _send_entry(send, NOT_MODIFIED, validators)
            return
        if CSRF_PLACEHOLDER in entry.body:
            entry = Entry(entry.status, entry.headers, entry.body.replace(CSRF_PLACEHOLDER, csrf))
        await _send_entry(send, entry, _replace(entry.headers, validators))

    def _anonymous_csrf(self, scope: Scope, headers: Headers) -> tuple[bytes, list[tuple[bytes, bytes]]]:
        """This reader's CSRF token, as the auth middleware derives it, and the Set-Cookie header that
        gives a first-time visitor their anonymous cookie (none when they have one)."""
        anon, new = anonymous_id(cookie_parser(headers.get("cookie", "")).get(ANON_COOKIE))
        cookie = [(b"set-cookie", anonymous_cookie(anon, https=scope.get("scheme") == "https").encode())] if new else []
        return anonymous_csrf(self.secret_key, anon).encode(), cookie

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

    def _shareable(self, scope: Scope, entry: Entry, api: bool) -> Entry | None:
        """The entry to keep for everyone, or None: only a plain 200, rendered for nobody in
        particular (no signed-in user, the requester's CSRF token replaced by a placeholder, no cookie
        but the anonymous one the auth middleware hands a first-time visitor, which stays theirs)."""
        if entry.status != 200 or len(entry.body) > MAX_BODY:
            return None
        state = scope.get("state") or {}
        if not api and state.get("user") is not None:
            return None
        body = entry.body
        csrf = state.get("csrf_token")
        if csrf and csrf.encode() in body:
            body = body.replace(csrf.encode(), CSRF_PLACEHOLDER)  # each reader gets their own back
        kept = []
        for name, value in entry.headers:
            lowered = name.lower()
            if lowered == b"cache-control":
                return None  # the route chose its own policy
            if lowered == b"set-cookie":
                if not value.startswith(ANON_COOKIE.encode() + b"="):
                    return None
                continue
            kept.append((name, value))
        return Entry(entry.status, kept, body)


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
    """Call after install_auth, so that this middleware runs first (outside it): a hit needs no session."""
    app.state.content_versions = ContentVersions(app.state.engine)
    app.state.response_cache = ResponseCache()
    app.add_middleware(ConditionalGet, versions=app.state.content_versions, cache=app.state.response_cache,
                       secret_key=app.state.settings.secret_key, routes=app.router.routes)
