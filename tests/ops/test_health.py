"""/healthz answers while the process runs; /readyz only when the database answers at Alembic's head."""

from __future__ import annotations

import sqlite3

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine

from app.db.migrate import head_revisions
from app.main import create_app
from tests.conftest import BACKENDS


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
    with TestClient(create_app(settings)) as client:
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
    with TestClient(create_app(settings)) as client:
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
