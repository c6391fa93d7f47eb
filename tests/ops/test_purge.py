"""Purge jobs delete what has outlived its use, and nothing else: expired sessions, idempotency records
past their window, cached repeats and failed runs past the retention, spent or expired password reset
links; computed runs and live reset links stay."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from app.cli import main
from app.clock import now_utc
from app.db.engine import make_engine
from app.db.models import DemoRun, IdempotencyKey, LoginSession, PasswordReset, User
from app.main import create_app
from app.services.purge import purge
from tests.conftest import BACKENDS

NOW = now_utc()
DAY = timedelta(days=1)


def _seed(engine) -> None:
    with Session(engine) as session:
        user = User(username="purged", display_name="purged", password_hash="x")
        session.add(user)
        session.flush()
        assert user.id is not None
        session.add_all([
            LoginSession(id="expired", user_id=user.id, csrf_token="c", expires_at=NOW - timedelta(minutes=1)),
            LoginSession(id="live", user_id=user.id, csrf_token="c", expires_at=NOW + DAY),
            IdempotencyKey(key="old", user_id=user.id, status_code=201, created_at=NOW - 2 * DAY),
            IdempotencyKey(key="recent", user_id=user.id, status_code=201, created_at=NOW - timedelta(hours=1)),
            PasswordReset(id="reset-expired", user_id=user.id, expires_at=NOW - timedelta(minutes=1)),
            PasswordReset(id="reset-used", user_id=user.id, expires_at=NOW + DAY, used_at=NOW - timedelta(minutes=1)),
            PasswordReset(id="reset-live", user_id=user.id, expires_at=NOW + DAY),
        ])

        def run(run_id: str, status: str, age_days: float, cached_from: str | None = None, finished: bool = True):
            at = NOW - timedelta(days=age_days)
            return DemoRun(id=run_id, demo_slug="s", cache_key="k", status=status, cached_from=cached_from,
                           created_at=at, finished_at=at if finished else None)

        session.add_all([
            run("computed-old", "succeeded", 90),
            run("copy-old", "succeeded", 40, cached_from="computed-old"),
            run("copy-recent", "succeeded", 2, cached_from="computed-old"),
            run("failed-old", "failed", 40),
            run("timed-out-old", "timed_out", 40),
            run("failed-recent", "failed", 2),
            run("queued-old", "queued", 40, finished=False),
        ])
        session.commit()


def _left(engine) -> dict[str, set[str]]:
    with Session(engine) as session:
        return {
            "sessions": set(session.exec(select(LoginSession.id)).all()),
            "keys": set(session.exec(select(IdempotencyKey.key)).all()),
            "runs": set(session.exec(select(DemoRun.id)).all()),
            "resets": set(session.exec(select(PasswordReset.id)).all()),
        }


@pytest.mark.parametrize("backend", BACKENDS)
def test_purge_deletes_only_what_has_outlived_its_use(settings):
    engine = make_engine(settings.database_url)
    try:
        _seed(engine)
        report = purge(engine, settings, now=NOW)
        assert report.to_dict() == {"sessions": 1, "idempotency_keys": 1, "runs": 3, "reset_links": 2}
        assert _left(engine) == {
            "sessions": {"live"}, "keys": {"recent"},
            "runs": {"computed-old", "copy-recent", "failed-recent", "queued-old"}, "resets": {"reset-live"},
        }
        assert purge(engine, settings, now=NOW).to_dict() == {"sessions": 0, "idempotency_keys": 0, "runs": 0,
                                                                   "reset_links": 0}
    finally:
        engine.dispose()


def test_retention_follows_the_settings(settings):
    engine = make_engine(settings.database_url)
    try:
        _seed(engine)
        shorter = settings.with_overrides(idempotency_retention_h=1, run_retention_days=1)
        report = purge(engine, shorter, now=NOW + timedelta(hours=2))
        assert report.idempotency_keys == 2 and report.runs == 5
        assert _left(engine)["runs"] == {"computed-old", "queued-old"}
    finally:
        engine.dispose()


def test_kb_purge_prints_what_it_deleted(settings, monkeypatch, capsys):
    engine = make_engine(settings.database_url)
    _seed(engine)
    monkeypatch.setenv("KB_DATABASE_URL", settings.database_url)
    assert main(["purge", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == {"sessions": 1, "idempotency_keys": 1, "runs": 3, "reset_links": 2}
    assert main(["purge"]) == 0
    assert capsys.readouterr().out.startswith("지웠습니다: 만료된 로그인 세션 0개")
    engine.dispose()


def test_the_server_purges_in_the_background(settings):
    engine = make_engine(settings.database_url)
    _seed(engine)
    with TestClient(create_app(settings.with_overrides(testing=False))) as client:
        purger = client.app.state.purger
        assert purger.first_pass.wait(timeout=120), "the first purge pass never finished"
        assert purger.last.to_dict() == {"sessions": 1, "idempotency_keys": 1, "runs": 3, "reset_links": 2}
    assert not purger.is_running()  # stopped with the app
    assert _left(engine)["sessions"] == {"live"}
    engine.dispose()


def test_tests_apps_start_no_purge(client):
    assert client.app.state.purger is None
