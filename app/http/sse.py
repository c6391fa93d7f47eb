"""Server-sent events: a run's events (app/demos/service.run_events) in the text/event-stream format."""

from __future__ import annotations

import json
from collections.abc import AsyncIterable, AsyncIterator

from app.demos.service import RunEvent

RETRY_MS = 2000  # how long a browser waits before it reconnects a dropped stream
KEEPALIVE_EVERY = 15  # `waiting` events between comments that keep proxies from closing an idle stream


def message(event: str, data: dict | str) -> str:
    payload = data if isinstance(data, str) else json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return f"event: {event}\ndata: {payload}\n\n"


async def event_stream(events: AsyncIterable[RunEvent]) -> AsyncIterator[str]:
    waited = 0
    started = False
    async for event in events:
        if not started:
            yield f"retry: {RETRY_MS}\n\n"
            started = True
        if event.name != "waiting":
            yield message(event.name, event.data if event.data is not None else {})
            continue
        waited += 1
        if waited % KEEPALIVE_EVERY == 0:
            yield ": keepalive\n\n"
