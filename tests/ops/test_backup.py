"""`kb backup PATH` makes a copy that restores to the same site: the rows at backup time, the schema at
head (so /readyz is ready on it), nothing written afterwards. On both engines."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func
from sqlmodel import Session, select

from app.cli import main
from app.db.engine import make_engine
from app.db.models import Question, User
from app.db.queries.versions import database_identity
from app.services.health import readiness
from tests.apps import new_app
from tests.conftest import BACKENDS


def _add_user(database_url: str, username: str) -> None:
    engine = make_engine(database_url)
    with Session(engine) as session:
        session.add(User(username=username, display_name=username, password_hash="x"))
        session.commit()
    engine.dispose()


def _state(database_url: str) -> tuple[int, set[str]]:
    engine = make_engine(database_url)
    with Session(engine) as session:
        questions = session.exec(select(func.count()).select_from(Question)).one()
        users = set(session.exec(select(User.username)).all())
    engine.dispose()
    return questions, users


def _identity(database_url: str) -> str | None:
    engine = make_engine(database_url)
    with engine.connect() as connection:
        identity = database_identity(connection)
    engine.dispose()
    return identity


def _restore(request, backend: str, backup_path, tmp_path) -> str:
    """What an operator does with the file: open it as the database (SQLite) or pg_restore it."""
    if backend == "sqlite":
        restored = tmp_path / "restored.sqlite3"
        shutil.copy(backup_path, restored)
        return f"sqlite:///{restored}"
    cluster = request.getfixturevalue("pg_cluster")
    name = cluster.create_database()
    request.addfinalizer(lambda: cluster.drop_database(name))
    url = cluster.url(name)
    libpq = url.replace("postgresql+psycopg://", "postgresql://")
    subprocess.run([shutil.which("pg_restore") or "pg_restore", "--no-owner", f"--dbname={libpq}", str(backup_path)],
                   check=True, capture_output=True)
    return url


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_backup_restores_to_the_site_as_it_was(request, backend, tmp_path, monkeypatch, capsys):
    # The seeded content where ingest runs; PostgreSQL's ingest is being made to work (issue 13.1).
    settings = request.getfixturevalue("seeded_settings" if backend == "sqlite" else "settings")
    url = settings.database_url
    _add_user(url, "before_backup")
    expected = _state(url)
    assert expected[0] > 0 or backend != "sqlite"

    backup_path = tmp_path / "kb-backup.dump"
    monkeypatch.setenv("KB_DATABASE_URL", url)
    assert main(["backup", str(backup_path)]) == 0
    assert f"백업했습니다 ({backend}" in capsys.readouterr().out
    _add_user(url, "after_backup")  # the live site moves on

    restored = _restore(request, backend, backup_path, tmp_path)
    assert _state(restored) == expected
    engine = make_engine(restored)
    assert readiness(engine).status == "ready"  # the schema came back at head
    engine.dispose()
    # A restored copy is another database: its versions go on from the backup, so its ETags must
    # not match validators the original handed out (app.db.queries.versions, database_identity).
    assert _identity(restored) != _identity(url)
    if backend == "sqlite":
        with TestClient(new_app(settings.with_overrides(database_url=restored))) as client:
            assert client.get("/readyz").status_code == 200
            assert client.get("/api/v1/questions", params={"limit": 1}).json()["total"] == expected[0]


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_backup_never_overwrites_by_accident(backend, settings, tmp_path, monkeypatch, capsys):
    backup_path = tmp_path / "kb-backup.dump"
    backup_path.write_text("an earlier backup")
    monkeypatch.setenv("KB_DATABASE_URL", settings.database_url)
    assert main(["backup", str(backup_path)]) == 1
    assert "이미 있는 파일입니다" in capsys.readouterr().err
    assert backup_path.read_text() == "an earlier backup"
    assert main(["backup", str(backup_path), "--overwrite"]) == 0
    assert backup_path.stat().st_size > 1000
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".part")] == []


def test_a_sqlite_backup_is_one_self_contained_file(seeded_settings, tmp_path, monkeypatch):
    monkeypatch.setenv("KB_DATABASE_URL", seeded_settings.database_url)
    # A reader holding a transaction open does not stop the online backup.
    live = sqlite3.connect(seeded_settings.database_url.removeprefix("sqlite:///"))
    live.execute("BEGIN")
    live.execute("SELECT count(*) FROM question").fetchone()
    try:
        assert main(["backup", str(tmp_path / "copy.sqlite3")]) == 0
    finally:
        live.rollback()
        live.close()
    copy = sqlite3.connect(tmp_path / "copy.sqlite3")
    assert copy.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    copy.close()
