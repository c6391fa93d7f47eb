"""A request body is read once, at the door, before anything else looks at it.

RequestBody reads the body of every request that may carry one (not GET, HEAD or OPTIONS) and hands it
on from memory, refusing in the common error envelope:

- 408 when a chunk does not come within `timeout_s`: a client that opens a POST and sends its body
  slowly (or never finishes a chunked upload) would otherwise hold a connection and a task for as long
  as it likes; the connection is then dropped;
- 413 when the body is over `max_bytes`: Content-Length alone cannot be trusted (a chunked upload has
  none), so the body is read up to the limit and nothing past it is ever read;
- 422 when a JSON body holds a number JSON does not have (NaN, Infinity, 1e999: app.http.finite).

One pass for the three (they were three middlewares, each reading or wrapping the body again): every
post pays for it. Nobody has been looked up yet when a refusal is sent (the auth middleware runs
inside), so its page shows no account.
"""

from __future__ import annotations

import asyncio

from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from app.http.asgi import replaying
from app.http.errors import error_response
from app.http.finite import FINITE_MESSAGE, is_json, non_finite_paths
from app.schemas.limits import MAX_REQUEST_BYTES

BODY_READ_TIMEOUT_S = 15.0
WITHOUT_BODY = frozenset({"GET", "HEAD", "OPTIONS"})


class RequestBody:
    def __init__(self, app: ASGIApp, max_bytes: int = MAX_REQUEST_BYTES,
                 timeout_s: float = BODY_READ_TIMEOUT_S) -> None:
        self.app, self.max_bytes, self.timeout_s = app, max_bytes, timeout_s

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in WITHOUT_BODY:
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        length = headers.get("content-length")
        if length is not None and (not length.isdigit() or int(length) > self.max_bytes):
            await self._too_large(scope, receive, send)
            return
        chunks, size = [], 0
        while True:
            try:
                async with asyncio.timeout(self.timeout_s):  # no task per chunk, as wait_for made
                    message = await receive()
            except TimeoutError:
                await self._refuse(scope, receive, send, 408, "request_timeout",
                                   f"요청 본문이 {self.timeout_s:g}초 안에 오지 않았습니다.",
                                   headers={"Connection": "close"})
                return
            if message["type"] != "http.request":  # the client went away: nothing to answer
                return
            chunks.append(message.get("body", b""))
            size += len(chunks[-1])
            if size > self.max_bytes:
                await self._too_large(scope, receive, send)
                return
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        if is_json(headers) and (paths := non_finite_paths(body)):
            details = [{"field": path or None, "message": FINITE_MESSAGE, "type": "finite_number"} for path in paths]
            fields = ", ".join(path for path in paths if path)
            said = "입력값이 올바르지 않습니다" + (f" ({fields})" if fields else "") + ": " + FINITE_MESSAGE
            await self._refuse(scope, receive, send, 422, "validation_error", said, details=details)
            return
        await self.app(scope, replaying(body, receive), send)

    async def _too_large(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self._refuse(scope, receive, send, 413, "payload_too_large",
                           f"요청 본문은 {self.max_bytes // 1024}KiB 이하여야 합니다.")

    @staticmethod
    async def _refuse(scope: Scope, receive: Receive, send: Send, status: int, code: str, message: str,
                      details: list | None = None, headers: dict[str, str] | None = None) -> None:
        request = Request(scope)
        request.state.user = None  # the error page's header reads it; nobody was looked up
        request.state.csrf_token = None
        await error_response(request, status, code, message, details, headers)(scope, receive, send)
