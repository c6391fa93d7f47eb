"""A failed notification e-mail is tried again with a growing wait (a timer of the web process, or
RQ's Retry on the task queue), a bounded number of times; the last failure is logged as an error and
stamped on its notifications, which /metrics counts. A password reset link's mail goes the same way
and is counted under its own kind. The aiosmtpd sink turns the first tries away."""

from __future__ import annotations

import logging
import re
from contextlib import contextmanager

import pytest
from sqlmodel import Session, select

from app.db.models import Notification, PasswordReset
from app.services.mail import RETRY_DELAYS_S
from tests.conftest import clients_of
from tests.notify.smtp_sink import smtp_sink
from tests.notify.test_email import ask_for_email
from tests.notify.test_inbox import inbox
from tests.redis_server import binary, redis_server
from tests.writes.helpers import Account

QUICK = (0.01, 0.02, 0.04)  # the same schedule, shortened so the test does not wait minutes


def mail_settings(settings, port: int, **extra):
    return settings.with_overrides(smtp_host="127.0.0.1", smtp_port=port, smtp_security="none",
                                   base_url="https://kb.test", **extra)


def answered_question(make) -> tuple[Account, int]:
    """Alice, who asked for e-mail, and the id of the notification bob's answer gave her."""
    alice, bob = Account(make, "alice"), Account(make, "bob")
    ask_for_email(alice, "alice@example.com")
    question = alice.ask(title="메일 서버가 바쁘면 어떻게 되나요?")
    bob.answer(question["id"], body="잠시 뒤에 다시 보냅니다.")
    return alice, inbox(alice)["items"][0]["id"]


def stored(app, notification_id: int) -> Notification:
    with Session(app.state.engine) as session:
        return session.get(Notification, notification_id)


def failed_metric(app, kind: str = "notification") -> float:
    text = app.state.metrics.exposition().decode()
    return float(re.search(rf'^kb_emails_failed_on_record{{kind="{kind}"}} (\S+)$', text, re.M).group(1))


def test_the_schedule_is_bounded_and_grows():
    assert 1 <= len(RETRY_DELAYS_S) <= 5 and list(RETRY_DELAYS_S) == sorted(RETRY_DELAYS_S)


def test_a_refused_email_is_sent_on_a_later_try(settings):
    from tests.apps import new_app

    with smtp_sink() as (port, received):
        received.refuse = 2  # the first two tries are turned away
        app = new_app(mail_settings(settings, port))
        app.state.mailer.retry_delays_s = QUICK
        with contextmanager(clients_of)(app) as make:
            _, notification_id = answered_question(make)
            app.state.mailer.wait()
        assert received.refused == 2 and [mail["To"] for mail in received.messages] == ["alice@example.com"]
        row = stored(app, notification_id)
        assert row.emailed_at is not None and row.email_failed_at is None
        assert failed_metric(app) == 0


def test_the_last_failure_is_logged_stamped_and_counted(settings, caplog):
    from tests.apps import new_app

    with smtp_sink() as (port, received):
        received.refuse = 100
        app = new_app(mail_settings(settings, port))
        app.state.mailer.retry_delays_s = QUICK
        with caplog.at_level(logging.WARNING, logger="app.mail"), contextmanager(clients_of)(app) as make:
            alice, notification_id = answered_question(make)
            app.state.mailer.wait()
        assert received.refused == len(QUICK) + 1 and received.messages == []  # bounded: 4 tries, no more
        row = stored(app, notification_id)
        assert row.email_failed_at is not None and row.emailed_at is None
        assert failed_metric(app) == 1
        errors = [r for r in caplog.records if r.levelno == logging.ERROR]
        assert len(errors) == 1 and "given up after 4 tries" in errors[0].getMessage()
        assert inbox(alice)["unread_count"] == 1  # the notification itself is untouched
        assert failed_metric(app, "password_reset") == 0


def test_a_reset_link_whose_mail_failed_is_counted_and_a_new_request_still_works(settings, caplog):
    from app.main import create_app

    with smtp_sink() as (port, received):
        received.refuse = len(QUICK) + 1  # every try of the first request
        app = create_app(mail_settings(settings, port))
        app.state.mailer.retry_delays_s = QUICK
        with caplog.at_level(logging.WARNING, logger="app.mail"), contextmanager(clients_of)(app) as make:
            alice = Account(make, "alice")
            ask_for_email(alice, "alice@example.com", wanted=False)
            stranger = make()
            assert stranger.post("/api/v1/password-reset/request", json={"login": "alice"}).status_code == 202
            app.state.mailer.wait()
            assert received.refused == len(QUICK) + 1 and received.messages == []
            errors = [r for r in caplog.records if r.levelno == logging.ERROR]
            assert len(errors) == 1 and "given up after 4 tries (deliver_reset_queued)" in errors[0].getMessage()
            assert failed_metric(app, "password_reset") == 1 and failed_metric(app) == 0

            # The mail server is back: a new request mails a link that opens the form, and the failure
            # stays counted (the failed link is kept as its record, not dropped with the earlier links).
            assert stranger.post("/api/v1/password-reset/request", json={"login": "alice"}).status_code == 202
            app.state.mailer.wait()
            assert [mail["To"] for mail in received.messages] == ["alice@example.com"]
            link = re.search(r"https://kb\.test(/reset-password\?token=[\w-]+)", received.messages[0].get_content())
            assert stranger.get(link.group(1)).status_code == 200
        with Session(app.state.engine) as session:
            links = session.exec(select(PasswordReset).order_by(PasswordReset.created_at)).all()
        assert [row.email_failed_at is not None for row in links] == [True, False]
        assert failed_metric(app, "password_reset") == 1


@pytest.mark.slow  # a real redis-server
@pytest.mark.skipif(binary() is None, reason="redis-server missing (make test installs it)")
@pytest.mark.parametrize("refuse", [1, 100])
def test_on_the_task_queue_rq_retries_and_the_worker_records_the_last_failure(settings, monkeypatch, refuse):
    """RQ's Retry puts the job back (immediately here: zero waits need no scheduler); its failure
    callback stamps the notification once no retry is left."""
    from rq import Queue, SimpleWorker

    from app.demos.queue import TASK_QUEUE, connect
    from tests.apps import new_app

    with smtp_sink() as (port, received), redis_server() as url:
        received.refuse = refuse
        app = new_app(mail_settings(settings, port, task_queue_url=url))
        app.state.mailer.retry_delays_s = (0.0, 0.0)
        with contextmanager(clients_of)(app) as make:
            _, notification_id = answered_question(make)
        for name, value in {"KB_DATABASE_URL": settings.database_url, "KB_SMTP_HOST": "127.0.0.1",
                            "KB_SMTP_PORT": str(port), "KB_SMTP_SECURITY": "none"}.items():
            monkeypatch.setenv(name, value)
        queue = Queue(TASK_QUEUE, connection=connect(url))
        SimpleWorker([queue], connection=queue.connection).work(burst=True)
        row = stored(app, notification_id)
        if refuse == 1:
            assert received.refused == 1 and [mail["To"] for mail in received.messages] == ["alice@example.com"]
            assert row.emailed_at is not None and row.email_failed_at is None
        else:
            assert received.refused == 3 and received.messages == []  # a first try and two retries
            assert row.email_failed_at is not None and row.emailed_at is None
            assert failed_metric(app) == 1
