"""A request body must arrive in time: a client that opens a POST and sends its body slowly (or
never finishes a chunked upload) would otherwise hold a connection and a task for as long as it
likes. Each body chunk must come within BodyReadTimeout's limit; past it the request is answered
408 and dropped. After the last chunk, receive() is left alone (it then only reports a disconnect).
"""

from __future__ import annotations

import asyncio

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.http.errors import error_response

BODY_READ_TIMEOUT_S = 15.0


class _BodyTooSlow(Exception):
    pass


class BodyReadTimeout:
    def __init__(self, app: ASGIApp, timeout_s: float = BODY_READ_TIMEOUT_S) -> None:
        self.app, self.timeout_s = app, timeout_s

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        body_done = False
        responded = False

        async def timed_receive() -> Message:
            nonlocal body_done
            if body_done:
                return await receive()
            try:
                async with asyncio.timeout(self.timeout_s):  # no task per chunk, as wait_for made
                    message = await receive()
            except TimeoutError:
                raise _BodyTooSlow from None
            if message["type"] != "http.request" or not message.get("more_body", False):
                body_done = True
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal responded
            responded = True
            await send(message)

        try:
            await self.app(scope, timed_receive, tracking_send)
        except _BodyTooSlow:
            if responded:
                return
            request = Request(scope)
            request.state.user = None  # the error page's header reads it; nobody was looked up
            request.state.csrf_token = None
            response = error_response(request, 408, "request_timeout",
                                      f"요청 본문이 {self.timeout_s:g}초 안에 오지 않았습니다.",
                                      headers={"Connection": "close"})
            await response(scope, receive, send)
