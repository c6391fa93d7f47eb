"""WAL checkpoints on a thread of their own, not inside a writer's commit (SQLite file databases).

SQLite's automatic checkpoint runs in the commit that takes the write-ahead log past 1,000 pages:
that writer copies the pages back into the database file and waits for two fsyncs (12-24 ms here
for 300 pages). In the web process a short API write commits on the event loop
(app.auth.deps.ApiCall), so that commit held every reader and every other post for as long. The
web process's connections therefore leave checkpoints to WalCheckpointer: a daemon thread that
runs a PASSIVE checkpoint (it never waits for readers or writers, and SQLite releases the
interpreter lock while it copies and syncs) whenever a commit has happened since its last look.
Writers still checkpoint past FALLBACK_PAGES, so the log stays bounded if the thread falls behind
or stops. Other processes (`kb ingest`, `kb purge`) keep SQLite's default.
"""

from __future__ import annotations

import logging
import sqlite3
import threading

from sqlalchemy.engine import Engine

log = logging.getLogger("kb.db")

# A writer's own checkpoint where the background one has not kept up (pages of the log; about 40 MB).
FALLBACK_PAGES = 10_000


def database_file(engine: Engine) -> str | None:
    """The file of a SQLite file database; None in memory or on another engine."""
    url = engine.url
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    return url.database


class WalCheckpointer:
    """Checkpoints one SQLite file every `interval_s` seconds when something was committed since the
    last pass (PRAGMA data_version on its own connection tells; an idle database costs one pragma)."""

    def __init__(self, path: str, interval_s: float) -> None:
        self.path, self.interval_s = path, interval_s
        self.passes = 0
        self._connection: sqlite3.Connection | None = None
        self._seen_version: int | None = None
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="kb-wal-checkpoint", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def is_running(self) -> bool:
        return self._thread.is_alive()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=30)
        with self._lock:
            if self._connection is not None:
                self._connection.close()
                self._connection = None

    def checkpoint(self) -> tuple[int, int] | None:
        """One pass in the caller's thread: (pages in the log, pages of it now in the database file),
        or None when nothing was committed since the last pass."""
        with self._lock:
            if self._connection is None:
                self._connection = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
            version = self._connection.execute("PRAGMA data_version").fetchone()[0]
            if version == self._seen_version:
                return None
            self._seen_version = version
            _busy, log_pages, copied = self._connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
            self.passes += 1
            return log_pages, copied

    def _loop(self) -> None:
        while not self._stop.wait(self.interval_s):
            try:
                self.checkpoint()
            except sqlite3.Error:
                # A busy or missing file this time: writers still checkpoint past FALLBACK_PAGES.
                log.exception("WAL checkpoint failed; the next pass tries again")
