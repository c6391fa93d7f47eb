"""Where an API write runs (app.auth.deps.ApiCall): on SQLite a short one on the event loop, a long one
or one that would wait for the write lock on a worker thread; a write moved to a thread after it
found the lock taken is done once, and counted once by the rate limit."""

from __future__ import annotations

import asyncio
import sqlite3

import pytest

from app.auth.deps import INLINE_TEXT_CHARS, writes_on_loop
from app.db import transactions
from app.errors import AppError
from app.services import posting
from tests.writes.helpers import Account, indexed, lock_held


def where() -> str:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return "thread"
    return "loop"


@pytest.fixture
def places(monkeypatch) -> list[str]:
    """Where each call of posting.create_question ran."""
    seen: list[str] = []
    real = posting.create_question

    def recorded(*args, **kwargs):
        seen.append(where())
        return real(*args, **kwargs)

    monkeypatch.setattr(posting, "create_question", recorded)
    return seen


def titles(database: str, title: str) -> int:
    with sqlite3.connect(database) as conn:
        return conn.execute("SELECT count(*) FROM question WHERE title = ?", (title,)).fetchone()[0]


def test_a_short_post_is_written_on_the_event_loop(alice, places):
    # The sign-up's search indexing runs on a thread a moment later and takes the write lock; on a loaded
    # machine the post met it there and rightly moved to a thread. Drained first, the lock is free.
    indexed(alice.client)
    alice.ask(title="루프에서 쓰는 질문", body="짧은 글은 스레드로 넘기지 않습니다.")
    assert places == ["loop"]


def test_a_long_post_is_written_on_a_worker_thread(alice, places):
    alice.ask(title="스레드에서 쓰는 질문", body="긴 글 " * (INLINE_TEXT_CHARS // 3 + 1))
    assert places == ["thread"]


def test_a_post_that_would_wait_for_the_lock_moves_to_a_thread_and_is_counted_once(settings, places, monkeypatch):
    from tests.apps import new_app
    from tests.conftest import clients_of

    monkeypatch.setattr(transactions, "WRITE_BUDGET_S", 0.3)
    factory = clients_of(new_app(settings.with_overrides(rate_limit_posts_per_minute=2)))
    alice = Account(next(factory), "alice")
    database = settings.database_url.removeprefix("sqlite:///")
    body = {"title": "잠긴 동안 올린 질문", "body": "루프에서는 기다리지 않습니다."}
    with lock_held(database):
        refused = alice.client.post("/api/v1/questions", json=body, headers=alice.headers)
    assert refused.status_code == 503  # the thread waited its budget; the loop never did
    assert places == ["loop", "thread"] and titles(database, body["title"]) == 0
    assert alice.client.post("/api/v1/questions", json=body, headers=alice.headers).status_code == 201
    assert titles(database, body["title"]) == 1
    # Two posts counted (the refused one once, although it ran twice), so the third is over the limit.
    assert alice.client.post("/api/v1/questions", json=body, headers=alice.headers).status_code == 429
    factory.close()


def test_after_a_commit_without_waiting_a_later_write_waits_as_usual(engine, settings, monkeypatch):
    """The first transaction of the work committed, so the work cannot be started again elsewhere: a
    second one that finds the lock taken is refused after its budget (503), never a WouldWait."""
    from sqlmodel import Session

    monkeypatch.setattr(transactions, "WRITE_BUDGET_S", 0.05)
    database = settings.database_url.removeprefix("sqlite:///")
    with Session(engine) as session, transactions.writes_without_waiting():
        with lock_held(database), pytest.raises(transactions.WouldWait), transactions.write_transaction(session):
            pass
        with transactions.write_transaction(session) as conn:
            conn.exec_driver_sql("CREATE TABLE scratch (n INTEGER)")
        with lock_held(database), pytest.raises(AppError) as refused, transactions.write_transaction(session):
            pass
    assert refused.value.status_code == 503


def test_writes_stay_off_the_loop_where_they_would_reach_redis(settings):
    """With Redis the rate limit and the mail hand-off are network round trips (held on the loop,
    every reader would wait for them); the app is only built here, nothing connects."""
    from tests.apps import new_app

    assert writes_on_loop(new_app(settings))
    assert not writes_on_loop(new_app(settings.with_overrides(redis_url="redis://127.0.0.1:6399/0")))
    assert not writes_on_loop(new_app(settings.with_overrides(task_queue_url="redis://127.0.0.1:6399/1")))
