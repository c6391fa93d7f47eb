"""Reading fixtures: an app over a migrated database holding tests/reading/sample.py's collection; a test
marked read_only gets a reader on one app per process over a copy of it (tests/conftest.py read_only_apps)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app.db.engine import make_engine
from tests.conftest import _checkpoint, clients_of, read_only
from tests.reading.sample import SampleIds, insert_sample


@pytest.fixture(scope="session")
def sample_template(tmp_path_factory, migrated_template) -> tuple[Path, SampleIds]:
    path = tmp_path_factory.mktemp("reading-sample") / "sample.sqlite3"
    shutil.copy(migrated_template, path)
    engine = make_engine(f"sqlite:///{path}")
    try:
        ids = insert_sample(engine)
    finally:
        engine.dispose()
    _checkpoint(path)
    return path, ids


# Each takes `backend` (unused when read_only) so that a module parametrising it reaches them.
@pytest.fixture
def sample(request, backend) -> SampleIds:
    if read_only(request):
        return request.getfixturevalue("sample_template")[1]
    engine = make_engine(request.getfixturevalue("settings").database_url)
    try:
        return insert_sample(engine)
    finally:
        engine.dispose()


@pytest.fixture
def app(request, backend, sample):
    from tests.apps import new_app

    if read_only(request):
        return request.getfixturevalue("reader").app
    return new_app(request.getfixturevalue("settings"))


@pytest.fixture
def reader(request, backend):
    if read_only(request):
        yield request.getfixturevalue("read_only_apps")(request, request.getfixturevalue("sample_template")[0])
        return
    with TestClient(request.getfixturevalue("app")) as client:
        yield client


@pytest.fixture
def client_factory(app):
    """More clients on the same app (separate cookie jars: different people)."""
    yield from clients_of(app)


@pytest.fixture
def seeded_factory(seeded_settings):
    """Clients on one app over the ingested seeds (post limits raised: some tests post a lot)."""
    from tests.apps import new_app

    settings = seeded_settings.with_overrides(rate_limit_posts_per_minute=10_000, rate_limit_ip_posts_per_minute=10_000)
    yield from clients_of(new_app(settings))
