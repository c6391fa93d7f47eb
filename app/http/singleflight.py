"""One run of an awaitable per key at a time; whoever asks for the same key meanwhile gets its result.

After a write, every signed-in reader of a busy question asks for the page's new version at once: the
first renders it, the others wait for that render instead of each rendering the same bytes (Go's
singleflight). Results travel in a concurrent.futures.Future, so a waiter on another event loop (each
TestClient runs its own) or thread is answered too.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable, Hashable
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass
class _Flight:
    result: Future = field(default_factory=Future)
    waiters: int = 0


class SingleFlight(Generic[T]):
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._running: dict[Hashable, _Flight] = {}

    async def run(self, key: Hashable, make: Callable[[], Awaitable[T]]) -> T | None:
        """make()'s result, from this call or from the one already running for `key`. None to a
        waiter when that run failed: the waiter's own request decides what to do (run it again)."""
        with self._lock:
            flight = self._running.get(key)
            if flight is None:
                flight = self._running[key] = _Flight()
                mine = True
            else:
                flight.waiters += 1
                mine = False
        if not mine:
            return await asyncio.wrap_future(flight.result)
        result = None
        try:
            result = await make()
            return result
        finally:
            # Answered before it leaves the table: a caller in between gets this result, not a new run.
            # A failed run answers None: the waiters try for themselves, the error is this request's.
            flight.result.set_result(result)
            with self._lock:
                del self._running[key]

    def waiting(self) -> int:
        """How many callers wait for a run in progress."""
        with self._lock:
            return sum(flight.waiters for flight in self._running.values())
