"""What this process knows of the content versions (app.db.queries.versions), kept current cheaply.

One long-lived read-only SQLite connection per process. Each read first asks `PRAGMA data_version`
(a few microseconds; it moves when any other connection commits), and only when it moved fetches
the content_version rows bumped since the last sequence number seen: a commit that changed no
content (a login, a demo run's progress) costs one small query and invalidates nothing.

On PostgreSQL there is no data_version: one long-lived autocommit connection asks for the rows above
the last sequence number seen each time (an index range scan that finds nothing, one round trip), so
a write through any web server or worker is seen by every other one at its next request.

Which database this is (database_identity) is read once with the first versions: validators built
from versions are only comparable within one database.

Versions only ever grow, and a version is read here only after its commit, so a page built from
the database after reading a version shows that version or a newer one: a cache entry kept under
a version is never older than the version says.
"""

from __future__ import annotations

import secrets
import sqlite3
import threading
from datetime import datetime

from sqlalchemy.engine import Connection, Engine

from app.clock import now_utc
from app.db.queries.content import data_version
from app.db.queries.versions import (
    ALL,
    COLLECTION,
    OUTLINE,
    QUESTION,
    SITE,
    THREAD,
    changed_since,
    collection_ids_by_slug,
    database_identity,
)

Key = tuple[int, ...]


def _now() -> datetime:
    return now_utc().replace(microsecond=0)


class ContentVersions:
    def __init__(self, engine: Engine) -> None:
        self._connection: sqlite3.Connection | Connection | None = None
        if engine.url.get_backend_name() != "sqlite":
            self._connection = engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        elif engine.url.database not in (None, "", ":memory:"):
            self._connection = sqlite3.connect(engine.url.database, check_same_thread=False, isolation_level=None)
        self._lock = threading.Lock()
        self._data_version: int | None = None
        self._seen = 0
        self._versions: dict[tuple[str, int], int] = {}
        self._seen_at: dict[tuple[str, int], datetime] = {}
        self._started = _now()
        self._slugs: dict[str, int] | None = None
        self._identity: str | None = None

    @property
    def enabled(self) -> bool:
        return self._connection is not None

    @property
    def identity(self) -> str:
        """The database's identity, read by the first refresh(). A database from before migration 0013
        has none: this process then makes one up, so its validators match nobody else's (safe, not shared)."""
        if self._identity is None:
            self._identity = secrets.token_hex(8)
        return self._identity

    def commits(self) -> int | None:
        """SQLite's data_version as of the last refresh(): it moves with every commit to the file by
        any connection but this read-only one, content or not (a login, a logout, a vote). None on
        PostgreSQL, which has no such counter."""
        return self._data_version if isinstance(self._connection, sqlite3.Connection) else None

    def refresh(self) -> None:
        """Catch up with every commit made so far (by any connection, in any process)."""
        if self._connection is None:
            return
        with self._lock:
            if self._identity is None:
                self._identity = database_identity(self._connection)
            if isinstance(self._connection, sqlite3.Connection):
                current = data_version(self._connection)
                if current == self._data_version:
                    return
                self._data_version = current
            rows = changed_since(self._connection, self._seen)
            if not rows:
                return
            now = _now()
            for scope, key, version in rows:
                self._versions[(scope, key)] = version
                self._seen_at[(scope, key)] = now
                if scope in (ALL, OUTLINE) or (scope == COLLECTION and key not in (self._slugs or {}).values()):
                    self._slugs = None  # a collection may have been added (the first post to it) or renamed
            self._seen = max(self._seen, rows[-1][2])

    def _parts(self, *scopes: tuple[str, int]) -> tuple[Key, datetime]:
        versions = self._versions
        key = tuple(versions.get(scope, 0) for scope in scopes)
        seen = max((self._seen_at.get(scope, self._started) for scope in scopes), default=self._started)
        return key, seen

    def site(self) -> tuple[Key, datetime]:
        """What lists, the home page, authors and search show: any write anywhere."""
        return self._parts((ALL, 0), (SITE, 0))

    def question(self, question_id: int) -> tuple[Key, datetime]:
        """A question's page: the question and its thread, and the links it shows to others."""
        return self._parts((ALL, 0), (OUTLINE, 0), (QUESTION, question_id), (THREAD, question_id))

    def question_frame(self, question_id: int) -> Key:
        """What a question's page shows besides its thread (links to other questions, the demo panel,
        references, concepts): a new answer or vote leaves it as it was."""
        return self._parts((ALL, 0), (OUTLINE, 0), (QUESTION, question_id))[0]

    def collection(self, slug: str) -> tuple[Key, datetime]:
        """A collection's page: its own questions (their titles, counts, order) and the ingest."""
        if self._slugs is None and self._connection is not None:
            with self._lock:
                self._slugs = collection_ids_by_slug(self._connection)
        collection_id = (self._slugs or {}).get(slug)
        if collection_id is None:
            return self._parts((ALL, 0), (OUTLINE, 0))  # a question posted to a new collection bumps it
        return self._parts((ALL, 0), (COLLECTION, collection_id))

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None
