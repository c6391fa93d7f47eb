"""Every request gets an id, one structured access-log line and a latency observation.

The id is the proxy's `X-Request-ID` when it looks like one (so a line in nginx's log and ours share it),
else a new one; it is echoed in the response and attached to every log record written while the
request runs (logging filter below), so an error's traceback can be found from the id a user reports.
"""

from __future__ import annotations

import contextvars
import logging
import re
import time
import uuid
from collections.abc import Iterator
from typing import Any

from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.http.metrics import Metrics

REQUEST_ID_HEADER = b"x-request-id"
_ACCEPTED_ID = re.compile(rb"[A-Za-z0-9._:-]{1,128}")
request_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)
access_log = logging.getLogger("kb.access")


class RequestIdFilter(logging.Filter):
    """Adds `request_id` to every record (None outside a request) for the JSON formatter."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = request_id_var.get()
        return True


class ObserveRequests:
    def __init__(self, app: ASGIApp, router_app, metrics: Metrics) -> None:
        self.app, self.router_app, self.metrics = app, router_app, metrics
        self._templates: dict[tuple[str, str], str] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = _incoming_id(scope) or uuid.uuid4().hex
        route = self.route_template(scope)  # before the app runs: a Mount rewrites root_path in the scope
        token = request_id_var.set(request_id)
        started = time.perf_counter()
        status = 500  # what the client gets if the app raises before answering

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", []), (REQUEST_ID_HEADER, request_id.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            elapsed = time.perf_counter() - started
            self.metrics.request_latency.labels(scope["method"], route, f"{status // 100}xx").observe(elapsed)
            client = scope.get("client")
            access_log.info("%s %s %d", scope["method"], scope["path"], status, extra={
                "method": scope["method"], "path": scope["path"], "route": route, "status": status,
                "duration_ms": round(elapsed * 1000, 2), "client": client[0] if client else None,
                "request_id": request_id,
            })
            request_id_var.reset(token)

    def route_template(self, scope: Scope) -> str:
        """The route's path template (`/questions/{question_id}`), so the histogram has one series per
        route, not per URL; cached answers never reach the router, hence the match here."""
        key = (scope["method"], scope["path"])
        found = self._templates.get(key)
        if found is None:
            found = "unmatched"
            for route in _flat(self.router_app.router.routes):
                match, _ = route.matches(scope)
                if match != Match.NONE:
                    found = getattr(route, "path", "unmatched")
                    if match == Match.FULL:
                        break
            if len(self._templates) < 10_000:  # URLs are unbounded (ids, scanners); the memo is not
                self._templates[key] = found
        return found


def _flat(routes) -> Iterator[Any]:
    """Routes with their full paths: FastAPI keeps an included router as one entry whose route contexts
    carry the prefixed path (`/api/v1/questions/{question_id}`)."""
    for route in routes:
        contexts = getattr(route, "effective_route_contexts", None)
        if contexts is not None:
            yield from contexts()
        else:
            yield route


def _incoming_id(scope: Scope) -> str | None:
    for name, value in scope["headers"]:
        if name == REQUEST_ID_HEADER:
            return value.decode() if _ACCEPTED_ID.fullmatch(value) else None
    return None
