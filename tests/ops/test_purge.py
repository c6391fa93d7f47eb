"""Purge jobs delete what has outlived its use, and nothing else: expired sessions, idempotency records
past their window, cached repeats and failed runs past the retention, spent or expired password reset
links and old records of reset mail that failed, notifications read long ago; computed runs, live reset
links, recent records of failed reset mail and unread notifications stay."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from app.cli import main
from app.clock import now_utc
from app.db.engine import make_engine
from app.db.models import Collection, DemoRun, IdempotencyKey, LoginSession, Notification, PasswordReset, Question, User
from app.services.purge import purge
from tests.apps import new_app
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
            # its mail failed: kept past its expiry as the record /metrics counts, for as long as a read
            # notification (90 days by default), then purged
            PasswordReset(id="reset-mail-failed", user_id=user.id, expires_at=NOW - timedelta(minutes=1),
                          email_failed_at=NOW - timedelta(hours=2)),
            PasswordReset(id="reset-mail-failed-long-ago", user_id=user.id, expires_at=NOW - 99 * DAY,
                          email_failed_at=NOW - 100 * DAY),
        ])
        collection = Collection(slug="purged", title="purged", kind="general")
        session.add(collection)
        session.flush()
        assert collection.id is not None
        question = Question(collection_id=collection.id, title="알림이 가리키는 질문")
        session.add(question)
        session.flush()
        assert question.id is not None

        def notification(read_days_ago: float | None) -> Notification:
            read_at = NOW - timedelta(days=read_days_ago) if read_days_ago is not None else None
            return Notification(user_id=user.id, kind="answer", question_id=question.id,
                                created_at=NOW - 200 * DAY, read_at=read_at)

        # Read 100 days ago (purged at the default 90), read 10 days ago, and never read (stays).
        session.add_all([notification(100), notification(10), notification(None)])

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
            # (read, unread) notifications left
            "notifications": (len(session.exec(select(Notification.id).where(Notification.read_at != None)).all()),  # noqa: E711
                              len(session.exec(select(Notification.id).where(Notification.read_at == None)).all())),  # noqa: E711
        }


@pytest.mark.parametrize("backend", BACKENDS)
def test_purge_deletes_only_what_has_outlived_its_use(settings):
    engine = make_engine(settings.database_url)
    try:
        _seed(engine)
        report = purge(engine, settings, now=NOW)
        assert report.to_dict() == {"sessions": 1, "idempotency_keys": 1, "runs": 3, "reset_links": 3,
                                    "notifications": 1}
        assert _left(engine) == {
            "sessions": {"live"}, "keys": {"recent"},
            "runs": {"computed-old", "copy-recent", "failed-recent", "queued-old"},
            "resets": {"reset-live", "reset-mail-failed"},
            "notifications": (1, 1),
        }
        assert purge(engine, settings, now=NOW).to_dict() == {"sessions": 0, "idempotency_keys": 0, "runs": 0,
                                                                   "reset_links": 0, "notifications": 0}
    finally:
        engine.dispose()


def test_retention_follows_the_settings(settings):
    engine = make_engine(settings.database_url)
    try:
        _seed(engine)
        shorter = settings.with_overrides(idempotency_retention_h=1, run_retention_days=1,
                                          notification_retention_days=1)
        report = purge(engine, shorter, now=NOW + timedelta(hours=2))
        assert report.idempotency_keys == 2 and report.runs == 5 and report.notifications == 2
        assert _left(engine)["runs"] == {"computed-old", "queued-old"}
        assert _left(engine)["notifications"] == (0, 1)  # unread stays whatever its age
        assert _left(engine)["resets"] == {"reset-live", "reset-mail-failed"}
        assert purge(engine, shorter, now=NOW + timedelta(hours=23)).reset_links == 1  # failed a day ago
        assert _left(engine)["resets"] == {"reset-live"}
    finally:
        engine.dispose()


def test_kb_purge_prints_what_it_deleted(settings, monkeypatch, capsys):
    engine = make_engine(settings.database_url)
    _seed(engine)
    monkeypatch.setenv("KB_DATABASE_URL", settings.database_url)
    assert main(["purge", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == {"sessions": 1, "idempotency_keys": 1, "runs": 3,
                                                   "reset_links": 3, "notifications": 1}
    assert main(["purge"]) == 0
    printed = capsys.readouterr().out
    assert printed.startswith("지웠습니다: 만료된 로그인 세션 0개") and "읽은 지 90일 지난 알림 0개" in printed
    engine.dispose()


def test_the_server_purges_in_the_background(settings):
    engine = make_engine(settings.database_url)
    _seed(engine)
    with TestClient(new_app(settings.with_overrides(testing=False))) as client:
        purger = client.app.state.purger
        assert purger.first_pass.wait(timeout=120), "the first purge pass never finished"
        assert purger.last.to_dict() == {"sessions": 1, "idempotency_keys": 1, "runs": 3, "reset_links": 3,
                                         "notifications": 1}
    assert not purger.is_running()  # stopped with the app
    assert _left(engine)["sessions"] == {"live"}
    engine.dispose()


def test_tests_apps_start_no_purge(client):
    assert client.app.state.purger is None


def _failed_mail_metric(app) -> tuple[str, float]:
    """The failed-mail metric's TYPE line and its password_reset value."""
    text = app.state.metrics.exposition().decode()
    assert not re.search(r"^kb_emails_failed\{", text, re.M)  # the old name read as a running total
    kind = re.search(r"^# TYPE kb_emails_failed_on_record (\w+)$", text, re.M).group(1)
    value = float(re.search(r'^kb_emails_failed_on_record\{kind="password_reset"\} (\S+)$', text, re.M).group(1))
    return kind, value


def test_the_failed_mail_metric_is_a_gauge_of_the_records_kept(settings):
    """Failed mails are counted from their records, which purge deletes after the retention: the count
    drops then, which a counter may never do. So it is a gauge named for what it counts (the failures on
    record), and its help says a drop is the purge, not mail delivered."""
    engine = make_engine(settings.database_url)
    try:
        _seed(engine)
        app = new_app(settings)
        assert _failed_mail_metric(app) == ("gauge", 2.0)
        text = app.state.metrics.exposition().decode()
        help_line = re.search(r"^# HELP kb_emails_failed_on_record (.+)$", text, re.M).group(1)
        assert "지우면 줄어듭니다" in help_line and "누적" in help_line
        purge(engine, settings, now=NOW)  # the record of 100 days ago goes
        assert _failed_mail_metric(app) == ("gauge", 1.0)
    finally:
        engine.dispose()
