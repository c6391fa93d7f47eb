"""Reading fixtures: an app over a migrated database holding tests/reading/sample.py's collection."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from app.db.engine import make_engine
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
    clients = []

    def make():
        client = TestClient(app)
        client.__enter__()
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.__exit__(None, None, None)
