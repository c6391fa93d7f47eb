"""Reading fixtures: an app over a migrated database holding tests/reading/sample.py's collection."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from app.db.engine import make_engine
from tests.conftest import clients_of
from tests.reading.sample import SampleIds, insert_sample


@pytest.fixture
def sample(settings) -> SampleIds:
    engine = make_engine(settings.database_url)
    try:
        return insert_sample(engine)
    finally:
        engine.dispose()


@pytest.fixture
def app(settings, sample):
    from app.main import create_app

    return create_app(settings)


@pytest.fixture
def reader(app):
    with TestClient(app) as client:
        yield client


@pytest.fixture
def client_factory(app):
    """More clients on the same app (separate cookie jars: different people)."""
    yield from clients_of(app)


@pytest.fixture
def seeded_factory(seeded_settings):
    """Clients on one app over the ingested seeds (post limits raised: some tests post a lot)."""
    from app.main import create_app

    settings = seeded_settings.with_overrides(rate_limit_posts_per_minute=10_000, rate_limit_ip_posts_per_minute=10_000)
    yield from clients_of(create_app(settings))
