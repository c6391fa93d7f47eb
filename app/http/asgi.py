"""Small ASGI pieces that more than one middleware needs."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send


async def answer_head_as_get(app: ASGIApp, scope: Scope, receive: Receive, send: Send) -> None:
    """Run a HEAD request as its GET and send the GET's status and headers without the body."""

    async def without_body(message: Message) -> None:
        if message["type"] == "http.response.body":
            if message.get("more_body", False):
                return
            message = {"type": "http.response.body", "body": b"", "more_body": False}
        await send(message)

    await app({**scope, "method": "GET"}, receive, without_body)


def replaying(body: bytes, receive: Receive) -> Receive:
    """A receive that hands out an already-read request body once, then defers to the real one
    (for a disconnect)."""
    replayed = False

    async def replay() -> Message:
        nonlocal replayed
        if not replayed:
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay
