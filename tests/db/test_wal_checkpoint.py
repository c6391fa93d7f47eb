"""The web process's writers leave WAL checkpoints to a thread of their own (app.db.checkpoint): a
checkpoint inside a commit on the event loop held every request for its two fsyncs."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from app.db.checkpoint import FALLBACK_PAGES, WalCheckpointer, database_file
from app.db.engine import make_engine
from app.main import create_app

PAGES = 1_300  # past SQLite's automatic checkpoint at 1,000 pages of log


def write_pages(engine, pages: int, commits: int = 13) -> None:
    """About `pages` pages of log in `commits` commits, through the engine's own connections."""
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE IF NOT EXISTS filler (data BLOB)")
    for _ in range(commits):
        with engine.begin() as conn:
            conn.exec_driver_sql("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)"
                                 " INSERT INTO filler (data) SELECT randomblob(3500) FROM n", (pages // commits,))


def test_writers_leave_the_log_to_the_checkpointer_which_copies_all_of_it(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'kb.sqlite3'}", background_checkpoints=True)
    checkpointer = WalCheckpointer(database_file(engine), interval_s=60)
    try:
        with engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar_one() == FALLBACK_PAGES
        write_pages(engine, PAGES)
        log_pages, copied = checkpointer.checkpoint()
        assert log_pages >= PAGES  # no commit checkpointed and restarted the log on the way
        assert copied == log_pages  # every page of it is in the database file now
        assert checkpointer.checkpoint() is None  # nothing committed since: no second pass
        write_pages(engine, 100, commits=1)
        log_pages, copied = checkpointer.checkpoint()
        assert copied == log_pages > 0
        assert checkpointer.passes == 2
        with engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT count(*) FROM filler").scalar_one() == PAGES // 13 * 13 + 100
    finally:
        checkpointer.stop()
        engine.dispose()


def test_other_processes_keep_sqlites_checkpoint_in_the_commit(tmp_path):
    """`kb ingest` and the other commands run no checkpointer: their writers checkpoint as SQLite does."""
    engine = make_engine(f"sqlite:///{tmp_path / 'kb.sqlite3'}")
    checkpointer = WalCheckpointer(database_file(engine), interval_s=60)
    try:
        with engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar_one() == 1000
        write_pages(engine, PAGES)
        log_pages, _ = checkpointer.checkpoint()
        assert log_pages < PAGES  # a writer checkpointed past 1,000 pages and the log started over
    finally:
        checkpointer.stop()
        engine.dispose()


def test_the_app_runs_its_checkpointer_while_it_serves(settings):
    if not settings.database_url.startswith("sqlite:///"):
        pytest.skip("SQLite file databases only")
    app = create_app(settings)
    with TestClient(app) as client:
        assert client.get("/healthz").status_code == 200
        checkpointer = app.state.checkpointer
        assert checkpointer.is_running()
    assert not checkpointer.is_running()

    off = create_app(settings.with_overrides(wal_checkpoint_s=0))
    with TestClient(off):
        assert off.state.checkpointer is None
        with off.state.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar_one() == 1000
