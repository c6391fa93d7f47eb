"""Shared fixtures: every test gets its own temporary SQLite database built by Alembic.

Ingesting the seeds once per session and copying the file keeps tests fast and isolated.
"""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app.config import PROJECT_ROOT, Settings
from app.db.engine import make_engine
from app.db.migrate import upgrade

CONTENT_DIR = PROJECT_ROOT / "content"
SAMPLES_DIR = Path(__file__).parent / "samples"


def _settings_for(db_path: Path, content_dir: Path = CONTENT_DIR) -> Settings:
    return Settings(
        database_url=f"sqlite:///{db_path}", content_dir=content_dir, testing=True,
        secret_key="test-secret", demo_time_limit_s=30.0, demo_precompute=False,
    )


def _checkpoint(db_path: Path) -> None:
    connection = sqlite3.connect(db_path)
    connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    connection.close()


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("template") / "empty.sqlite3"
    upgrade(f"sqlite:///{path}")
    _checkpoint(path)
    return path


@pytest.fixture(scope="session")
def seeded_template(tmp_path_factory, migrated_template) -> Path:
    from app.ingest.loader import ingest_directory

    path = tmp_path_factory.mktemp("seeded") / "seeded.sqlite3"
    shutil.copy(migrated_template, path)
    engine = make_engine(f"sqlite:///{path}")
    summary = ingest_directory(engine, CONTENT_DIR, workers=1)
    engine.dispose()
    assert not summary.failed, summary.to_dict()
    _checkpoint(path)
    return path


@pytest.fixture
def settings(tmp_path, migrated_template) -> Settings:
    db_path = tmp_path / "kb.sqlite3"
    shutil.copy(migrated_template, db_path)
    return _settings_for(db_path)


@pytest.fixture
def seeded_settings(tmp_path, seeded_template) -> Settings:
    db_path = tmp_path / "kb.sqlite3"
    shutil.copy(seeded_template, db_path)
    return _settings_for(db_path)


@pytest.fixture
def engine(settings):
    engine = make_engine(settings.database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def seeded_engine(seeded_settings):
    engine = make_engine(seeded_settings.database_url)
    yield engine
    engine.dispose()


def clients_of(app):
    """A factory of TestClients on one app (each its own cookie jar: a different person), all
    closed at the end; use as `yield from clients_of(app)` in a fixture."""
    clients = []

    def make():
        client = TestClient(app)
        client.__enter__()
        clients.append(client)
        return client

    yield make
    for client in reversed(clients):
        client.__exit__(None, None, None)


def _client(settings: Settings):
    from app.main import create_app

    with TestClient(create_app(settings)) as client:
        yield client


@pytest.fixture
def client(settings):
    yield from _client(settings)


@pytest.fixture
def seeded_client(seeded_settings):
    yield from _client(seeded_settings)
