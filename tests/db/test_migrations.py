"""Alembic owns the schema: upgrading an empty database must give exactly the models' tables, on
SQLite and on PostgreSQL."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text
from sqlmodel import SQLModel

from app.db import models  # noqa: F401  (registers the tables)
from app.db.engine import make_engine
from app.db.migrate import include_object, upgrade
from tests.conftest import BACKENDS


@pytest.fixture
def empty_url(request, tmp_path, backend) -> str:
    """A database no migration has touched yet."""
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'fresh.sqlite3'}"
    cluster = request.getfixturevalue("pg_cluster")
    name = cluster.create_database()
    request.addfinalizer(lambda: cluster.drop_database(name))
    return cluster.url(name)


@pytest.mark.parametrize("backend", BACKENDS)
def test_upgrade_head_on_empty_database_matches_models(empty_url):
    url = empty_url
    upgrade(url)
    engine = make_engine(url)
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"include_object": include_object, "compare_type": True}
        )
        differences = compare_metadata(context, SQLModel.metadata)
    engine.dispose()
    assert differences == []


def test_database_runs_in_wal_mode_with_foreign_keys(engine):
    with engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert connection.execute(text("PRAGMA busy_timeout")).scalar() >= 1000


@pytest.mark.parametrize("backend", BACKENDS)
def test_upgrade_is_repeatable(empty_url):
    url = empty_url
    upgrade(url)
    upgrade(url)  # a second `kb db upgrade` is a no-op, not an error
    engine = make_engine(url)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    engine.dispose()


def test_one_open_flag_migration_keeps_the_earliest_of_raced_duplicates(tmp_path):
    """0019 drops the open duplicates a race let in before the unique indexes, keeping the earliest
    flag, and leaves resolved flags and other members' flags alone."""
    import sqlite3

    path = tmp_path / "flags.sqlite3"
    upgrade(f"sqlite:///{path}", "0018")
    db = sqlite3.connect(path)  # foreign keys off: the flags need no posts for this
    db.executemany("INSERT INTO flag (question_id, answer_id, user_id, reason, created_at, resolved_at)"
                   " VALUES (?, ?, ?, ?, '2026-01-01', ?)",
                   [(1, None, 1, "first", None), (1, None, 1, "raced", None), (1, None, 2, "other member", None),
                    (None, 5, 1, "dealt with", "2026-01-02"), (None, 5, 1, "again", None),
                    (None, 5, 1, "again raced", None)])
    db.commit()
    db.close()
    upgrade(f"sqlite:///{path}")
    db = sqlite3.connect(path)
    assert [row[0] for row in db.execute("SELECT reason FROM flag ORDER BY id")] == [
        "first", "other member", "dealt with", "again"]
    with pytest.raises(sqlite3.IntegrityError):
        db.execute("INSERT INTO flag (question_id, user_id, reason, created_at) VALUES (1, 1, 'x', '2026-01-03')")
    db.close()
