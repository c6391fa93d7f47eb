"""/healthz answers while the process runs; /readyz only when the database answers at Alembic's head and
the configured Redis answers."""

from __future__ import annotations

import sqlite3
from contextlib import ExitStack

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine

from app.db.migrate import head_revisions
from tests.apps import new_app
from tests.conftest import BACKENDS
from tests.redis_server import binary as redis_binary
from tests.redis_server import redis_server


def test_healthz_answers_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


@pytest.mark.parametrize("backend", BACKENDS)
def test_readyz_is_ready_at_head(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ready" and body["database"] == "ok"
    assert {body["schema_revision"]} == set(head_revisions())


def test_readyz_refuses_a_schema_behind_the_code(settings):
    path = settings.database_url.removeprefix("sqlite:///")
    with TestClient(new_app(settings)) as client:
        connection = sqlite3.connect(path)
        connection.execute("UPDATE alembic_version SET version_num = '0001'")
        connection.commit()
        connection.close()
        response = client.get("/readyz")
        assert client.get("/healthz").status_code == 200  # alive, only not ready
    assert response.status_code == 503
    error = response.json()["error"]
    assert error["code"] == "not_ready" and "kb db upgrade" in error["message"]
    assert error["details"]["schema_revision"] == ["0001"]
    assert error["details"]["expected"] == sorted(head_revisions())


def test_readyz_refuses_an_unreachable_database(settings, tmp_path):
    with TestClient(new_app(settings)) as client:
        kept = client.app.state.engine
        client.app.state.engine = create_engine(f"sqlite:///{tmp_path / 'missing' / 'kb.sqlite3'}")
        try:
            response = client.get("/readyz")
        finally:
            client.app.state.engine.dispose()
            client.app.state.engine = kept
    assert response.status_code == 503
    error = response.json()["error"]
    assert error["code"] == "not_ready" and error["details"]["database"] == "unreachable"
    assert error["message"] == "데이터베이스에 연결할 수 없습니다."


def test_probes_are_in_the_openapi_document(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    ready = paths["/readyz"]["get"]
    assert ready["operationId"] == "readyz" and "/healthz" in paths
    assert ready["responses"]["503"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ErrorEnvelope"}
    assert "not_ready" in ready["responses"]["503"]["description"]


def test_readyz_says_the_redis_is_not_configured_without_one(client):
    assert client.get("/readyz").json()["redis"] == "not_configured"


@pytest.mark.skipif(redis_binary() is None, reason="redis-server missing (make test installs it)")
def test_readyz_checks_the_configured_redis_and_names_the_one_that_is_down(settings, tmp_path):
    missing = f"unix://{tmp_path / 'no-redis.sock'}"
    with ExitStack() as stack:
        with redis_server() as url:
            client = stack.enter_context(TestClient(new_app(settings.with_overrides(task_queue_url=url))))
            ready = client.get("/readyz")
            assert ready.status_code == 200 and ready.json()["redis"] == "ok"
            # The queue answers, the shared-state Redis (rate limits) does not: not ready, and which setting says so.
            with TestClient(new_app(settings.with_overrides(task_queue_url=url, redis_url=missing))) as other:
                refused = other.get("/readyz")
            assert refused.status_code == 503
            assert refused.json()["error"]["details"]["setting"] == "KB_REDIS_URL"
        # The first server, once its Redis has stopped: alive, not ready.
        down = client.get("/readyz")
        assert client.get("/healthz").status_code == 200
    assert down.status_code == 503
    error = down.json()["error"]
    assert error["code"] == "not_ready" and error["details"]["redis"] == "unreachable"
    assert error["details"]["setting"] == "KB_TASK_QUEUE_URL" and "Redis" in error["message"]
