"""A SQLite file database's pool holds every worker thread's connection and one more: a short API write
takes its connection on the event loop (app.auth.deps.ApiCall), which must never wait for a thread
to give one back."""

from __future__ import annotations

import threading

import anyio
import anyio.from_thread
import anyio.to_thread

from app.db.engine import make_engine
from tests.loops import run_in_own_loop


def test_every_worker_thread_and_the_loop_hold_a_connection_at_once(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'kb.sqlite3'}")
    held, lock, release = [], threading.Lock(), threading.Event()

    async def fill_the_thread_pool() -> int:
        threads = int(anyio.to_thread.current_default_thread_limiter().total_tokens)
        all_held = anyio.Event()

        def hold() -> None:
            conn = engine.connect()
            with lock:
                held.append(conn)
                last = len(held) == threads
            if last:
                anyio.from_thread.run_sync(all_held.set)
            release.wait()

        async with anyio.create_task_group() as group:
            for _ in range(threads):
                group.start_soon(anyio.to_thread.run_sync, hold)
            await all_held.wait()
            engine.pool._timeout = 0  # type: ignore[attr-defined]  # the loop's connection comes at once or fails
            try:
                with engine.connect() as conn:
                    assert conn.exec_driver_sql("SELECT 1").scalar_one() == 1
            finally:
                release.set()
        return threads

    try:
        assert run_in_own_loop(fill_the_thread_pool) == 40
    finally:
        release.set()
        for conn in held:
            conn.close()
        engine.dispose()
