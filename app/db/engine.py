"""Engine and session dependency. SQLite in WAL mode with foreign keys and a busy timeout, or
PostgreSQL through psycopg 3 (`postgresql+psycopg://…`); the SQLite settings apply to SQLite only."""

from __future__ import annotations

from functools import partial
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine, make_url
from sqlmodel import create_engine

from app.db.checkpoint import FALLBACK_PAGES

BUSY_TIMEOUT_MS = 10_000


def _set_sqlite_pragmas(dbapi_connection, _record, *, checkpoint_pages: int | None = None) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    # WAL + NORMAL is durable against application crashes, and much faster than FULL.
    cursor.execute("PRAGMA synchronous=NORMAL")
    if checkpoint_pages is not None:
        cursor.execute(f"PRAGMA wal_autocheckpoint={checkpoint_pages}")
    cursor.close()


def is_sqlite(engine_or_connection: Engine | Connection) -> bool:
    return engine_or_connection.dialect.name == "sqlite"


def normalized_url(database_url: str) -> str:
    """`postgresql://…` (what operators and libpq write) means psycopg 3, not SQLAlchemy's psycopg2 default."""
    url = make_url(database_url)
    if url.drivername in ("postgresql", "postgres"):
        return url.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    return database_url


SQLITE_OVERFLOW = 60


def make_engine(database_url: str, *, background_checkpoints: bool = False) -> Engine:
    """`background_checkpoints`: a SQLite file's writers leave WAL checkpoints to a WalCheckpointer
    (app.db.checkpoint) up to its fallback size, instead of checkpointing in their commits."""
    database_url = normalized_url(database_url)
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite":
        # A stale pooled connection (server restart, idle timeout) is replaced instead of failing a request;
        # up to 40 connections, one per thread of the server's thread pool (anyio's default limit).
        return create_engine(database_url, pool_pre_ping=True, pool_size=5, max_overflow=35)
    in_memory = url.database in (None, "", ":memory:")
    if url.database and not in_memory:
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
    # A file database's pool has room for every thread of the server's pool (anyio's default: 40) and
    # the background threads at once: a short API write takes its connection on the event loop
    # (app.auth.deps.ApiCall), and a full pool would make the loop itself wait for one while the
    # requests that would give one back need that loop to finish. Past pool_size a connection is
    # closed when given back. (In memory, SQLAlchemy keeps one connection per thread.)
    pool = {} if in_memory else {"pool_size": 5, "max_overflow": SQLITE_OVERFLOW}
    engine = create_engine(
        database_url,
        connect_args={"check_same_thread": False, "timeout": BUSY_TIMEOUT_MS / 1000},
        **pool,
    )
    pages = FALLBACK_PAGES if background_checkpoints and not in_memory else None
    event.listen(engine, "connect", partial(_set_sqlite_pragmas, checkpoint_pages=pages))
    return engine
