"""Running a coroutine from a synchronous test.

Playwright's sync API (browser tests in the same xdist worker) leaves an event loop running in the
main thread, and asyncio.run / anyio.run refuse to start inside one: the coroutine gets a thread
and a loop of its own instead.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

import anyio

T = TypeVar("T")


def run_in_own_loop(coroutine_function: Callable[[], Awaitable[T]]) -> T:
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(anyio.run, coroutine_function).result()
