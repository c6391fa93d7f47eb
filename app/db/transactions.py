"""write_transaction: one write transaction; on SQLite started with BEGIN IMMEDIATE.

Used by every writer (posting, voting, accounts, the demo engine), so it lives below all of them.

Waiting for the write lock: SQLite's busy handler sleeps between tries for up to 100 ms, so a
writer waiting on another process that commits back to back (`kb ingest --force`, one transaction
per file) may never find the lock free and fail after the busy timeout. Here the lock is tried every
few milliseconds instead (ingest leaves it free for a moment now and then: app/ingest/loader.py),
for at most WRITE_BUDGET_S; past that the write is refused with a 503 and Retry-After, never a 500.

Work on the event loop (app.auth.deps.ApiCall: a short write on SQLite) must never wait: inside
writes_without_waiting() a write transaction that would wait for the lock raises WouldWait instead,
having written nothing, and the caller does the whole work again on a worker thread, where waiting is
fine.

PostgreSQL: writers run side by side (no process-wide lock: a writer waiting on one would hold its
pooled connection, and sixty of them exhaust the pool). What must take turns takes a row or advisory
lock inside the transaction (app.db.queries.writes, app.db.queries.versions), waited for at most
WRITE_BUDGET_S (lock_timeout); a lock not had in time or a deadlock is the same 503.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import cast

from sqlalchemy.engine import Connection
from sqlmodel import Session

from app.db.engine import BUSY_TIMEOUT_MS
from app.errors import AppError

_WRITE_LOCK = threading.Lock()
WRITE_BUDGET_S = 10.0
RETRY_AFTER_S = 2
_POLL_S = (0.001, 0.002, 0.004)


class WouldWait(Exception):  # noqa: N818 (a signal to the caller, not an error it reports)
    """A write inside writes_without_waiting() found the write lock taken; it wrote nothing."""


@dataclass
class _NoWait:
    committed: bool = False


_NO_WAIT: ContextVar[_NoWait | None] = ContextVar("kb_writes_without_waiting", default=None)


@contextmanager
def writes_without_waiting() -> Iterator[None]:
    """SQLite writes inside raise WouldWait where they would wait for the write lock, until one of
    them has committed: after that the work cannot be started again elsewhere, so the next one waits
    as usual (every API write is one transaction, so that wait never comes up there)."""
    token = _NO_WAIT.set(_NoWait())
    try:
        yield
    finally:
        _NO_WAIT.reset(token)


def is_lock_error(exc: BaseException) -> bool:
    """SQLite's "database is locked" / "database is busy", or PostgreSQL's lock timeout or deadlock,
    however SQLAlchemy wrapped it."""
    error = getattr(exc, "orig", exc)
    if isinstance(error, sqlite3.OperationalError):
        return "locked" in str(error) or "busy" in str(error)
    # SQLSTATE 55P03 lock_not_available, 40P01 deadlock_detected (psycopg sets .sqlstate).
    return getattr(error, "sqlstate", None) in ("55P03", "40P01")


def busy_error() -> AppError:
    message = f"지금은 데이터를 정리하는 중이라 저장하지 못했습니다. {RETRY_AFTER_S}초 뒤에 다시 보내 주세요."
    return AppError(503, message, code="busy", retry_after=RETRY_AFTER_S)


@contextmanager
def write_transaction(session: Session) -> Iterator[Connection]:
    """BEGIN IMMEDIATE ... COMMIT on the session's connection; rollback on any error.

    SQLite: writers in this process queue on a lock (woken at once) rather than on SQLite's busy
    handler; the lock against other processes is polled (above). PostgreSQL: see the module docstring.
    AppError(503) when it cannot be had.
    """
    if session.get_bind().dialect.name != "sqlite":
        yield from _write_transaction(session, WRITE_BUDGET_S)
        return
    no_wait = _NO_WAIT.get()
    if no_wait is None or no_wait.committed:
        with _WRITE_LOCK:
            yield from _write_transaction(session, WRITE_BUDGET_S)
        return
    if not _WRITE_LOCK.acquire(blocking=False):
        raise WouldWait
    try:
        yield from _write_transaction(session, 0.0, would_wait=True)
        no_wait.committed = True
    finally:
        _WRITE_LOCK.release()


def write_if_free(session: Session, write: Callable[[Connection], None]) -> bool:
    """Run ``write`` in a write transaction only if the lock is free right now; False if it was not.
    For bookkeeping a request must never wait for (an API token's last use)."""
    sqlite = session.get_bind().dialect.name == "sqlite"
    if sqlite and not _WRITE_LOCK.acquire(blocking=False):
        return False
    try:
        with contextmanager(_write_transaction)(session, 0.0) as connection:
            write(connection)
        return True
    except AppError:
        return False
    finally:
        if sqlite:
            _WRITE_LOCK.release()


def _write_transaction(session: Session, budget_s: float, would_wait: bool = False) -> Iterator[Connection]:
    connection = session.connection()
    if connection.dialect.name == "sqlite":
        raw = cast(sqlite3.Connection, connection.connection.dbapi_connection)
        if raw.in_transaction:
            session.commit()
            connection = session.connection()
        _begin_immediate(connection, budget_s, would_wait)
    else:
        # lock_timeout 0 means "wait forever" to PostgreSQL: a write that must not wait asks for 1 ms.
        connection.exec_driver_sql(f"SET LOCAL lock_timeout = '{max(1, int(budget_s * 1000))}ms'")
    try:
        yield connection
        session.commit()
    except BaseException as exc:
        session.rollback()
        if connection.dialect.name != "sqlite" and is_lock_error(exc):
            raise busy_error() from None
        raise


def _begin_immediate(connection: Connection, budget_s: float, would_wait: bool = False) -> None:
    # On the DB-API connection itself: every write pays for these three statements, and SQLAlchemy's
    # execution path costs several times SQLite's own work for them (SQLAlchemy does not track BEGIN).
    raw = cast(sqlite3.Connection, connection.connection.dbapi_connection)
    deadline = time.monotonic() + budget_s
    tries = 0
    raw.execute("PRAGMA busy_timeout=0")
    try:
        while True:
            try:
                raw.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as exc:
                if not is_lock_error(exc):
                    raise
                if would_wait:
                    raise WouldWait from None
                if time.monotonic() >= deadline:
                    raise busy_error() from None
                time.sleep(_POLL_S[min(tries, len(_POLL_S) - 1)])
                tries += 1
    finally:
        raw.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
