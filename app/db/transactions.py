"""write_transaction: one SQLite write transaction, started with BEGIN IMMEDIATE.

Used by every writer (posting, voting, accounts, the demo engine), so it lives below all of them.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import cast

from sqlalchemy.engine import Connection
from sqlmodel import Session

_WRITE_LOCK = threading.Lock()


@contextmanager
def write_transaction(session: Session) -> Iterator[Connection]:
    """BEGIN IMMEDIATE ... COMMIT on the session's connection; rollback on any error.

    Writers in this process queue on a lock (woken at once) rather than on SQLite's busy handler
    (which polls with growing sleeps); other processes (ingest) still meet the busy timeout.
    """
    with _WRITE_LOCK:
        yield from _write_transaction(session)


def _write_transaction(session: Session) -> Iterator[Connection]:
    connection = session.connection()
    if connection.dialect.name == "sqlite":
        raw = cast(sqlite3.Connection, connection.connection.dbapi_connection)
        if raw.in_transaction:
            session.commit()
            connection = session.connection()
        connection.exec_driver_sql("BEGIN IMMEDIATE")
    try:
        yield connection
        session.commit()
    except BaseException:
        session.rollback()
        raise
