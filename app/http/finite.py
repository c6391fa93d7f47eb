"""JSON has no NaN or infinity, yet Python's parser accepts `NaN`, `Infinity`, `-Infinity` and turns
`1e999` into inf. Such a number passes type checks, fails every range check, and then the error body
that echoes it cannot be encoded. RejectNonFiniteJSON answers any JSON body that holds one with a
422 in the error envelope, naming where it was, before a route sees it.
"""

from __future__ import annotations

import json
import math
from typing import Any

from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from app.http.asgi import replaying
from app.http.errors import error_response

FINITE_MESSAGE = "유한한 수여야 합니다 (NaN, Infinity, 1e999처럼 표현할 수 없는 수는 받지 않습니다)."


class _NonFinite:
    """Stands where the parser met a non-finite number, so its path can be reported."""


_MARK = _NonFinite()


def _parse_float(text: str) -> Any:
    value = float(text)
    return value if math.isfinite(value) else _MARK


def non_finite_paths(body: bytes) -> list[str] | None:
    """Dotted paths ("params.learning_rate", "values.0") of every non-finite number in a JSON body;
    None when the body is not JSON at all (the route's own parser answers that)."""
    try:
        parsed = json.loads(body, parse_constant=lambda _: _MARK, parse_float=_parse_float)
    except (ValueError, RecursionError):
        return None
    found: list[str] = []
    stack: list[tuple[str, Any]] = [("", parsed)]
    while stack:
        path, value = stack.pop()
        if value is _MARK:
            found.append(path)
        elif isinstance(value, dict):
            stack.extend((f"{path}.{key}" if path else str(key), item) for key, item in value.items())
        elif isinstance(value, list):
            stack.extend((f"{path}.{index}" if path else str(index), item) for index, item in enumerate(value))
    return sorted(found)


def _is_json(headers: Headers) -> bool:
    kind = headers.get("content-type", "").split(";", 1)[0].strip().lower()
    return kind == "application/json" or kind.endswith("+json")


class RejectNonFiniteJSON:
    """Reads a JSON request body (already capped by RequestSizeLimit, which runs outside this), checks it
    and hands it on from memory."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS") \
                or not _is_json(Headers(scope=scope)):
            await self.app(scope, receive, send)
            return
        chunks = []
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        paths = non_finite_paths(body)
        if paths:
            details = [{"field": path or None, "message": FINITE_MESSAGE, "type": "finite_number"} for path in paths]
            fields = ", ".join(path for path in paths if path)
            said = "입력값이 올바르지 않습니다" + (f" ({fields})" if fields else "") + ": " + FINITE_MESSAGE
            response = error_response(Request(scope), 422, "validation_error", said, details)
            await response(scope, receive, send)
            return
        await self.app(scope, replaying(body, receive), send)

