"""Each password reset request's link stands on its own: a mail that failed costs only its own link, a
newer request leaves an older link that went out working (the newest RESET_LIVE_LINKS of an account,
within their lifetime), spent, expired and failed links do not pile up, and finishing a reset ends the
account's other links. The clock is moved by replacing the services' now_utc, never by waiting."""

from __future__ import annotations

import logging
import re
from contextlib import contextmanager
from datetime import timedelta

import pytest
from sqlmodel import Session, select

from app.clock import now_utc
from app.db.models import PasswordReset, User
from app.errors import AppError
from app.services import account_settings
from app.services.account_settings import RESET_HOURS, RESET_LIVE_LINKS, ResetLink, reset_account, start_reset
from app.services.mail import RESET_JOB, ResetMailNotSent, gave_up, try_failed
from app.services.metrics import failed_email_counts
from app.services.purge import purge
from tests.conftest import BACKENDS, clients_of
from tests.notify.smtp_sink import smtp_sink
from tests.notify.test_email import ask_for_email
from tests.redis_server import binary, redis_server
from tests.writes.helpers import Account, csrf_from

QUICK = (0.01, 0.02, 0.04)  # the mail thread's retry schedule, shortened (timers, not sleeps in the test)
NEW_PASSWORD = "violet kettle orbit 42"


# --- the rules, on the services, on both databases ------------------------------------------------


def _account(engine, username: str = "alice") -> int:
    with Session(engine) as session:
        user = User(username=username, display_name=username, password_hash="x", email=f"{username}@example.org")
        session.add(user)
        session.commit()
        assert user.id is not None
        return user.id


def _issue(engine, username: str = "alice", **options) -> ResetLink:
    with Session(engine) as session:
        return start_reset(session, username, "https://kb.test", **options)


def _opens(engine, link: ResetLink) -> bool:
    with Session(engine) as session:
        try:
            reset_account(session, _token(link))
        except AppError as exc:
            assert exc.code == "reset_invalid"
            return False
    return True


def _token(link: ResetLink) -> str:
    return link.url.split("token=", 1)[1]


def _rows(engine) -> dict[str, bool]:
    """Every stored link: id -> whether it is a record of mail that failed."""
    with Session(engine) as session:
        return {row.id: row.email_failed_at is not None for row in session.exec(select(PasswordReset)).all()}


def _clock(monkeypatch, at) -> None:
    monkeypatch.setattr(account_settings, "now_utc", lambda: at)


@pytest.mark.parametrize("backend", BACKENDS)
def test_giving_up_stamps_only_the_link_of_the_failed_try(engine):
    user_id = _account(engine)
    mailed, failed = _issue(engine), _issue(engine)  # two requests; the second one's mail never goes out
    gave_up(engine, RESET_JOB, user_id, 4, ResetMailNotSent(failed.id, OSError("451 try again later")))
    assert _opens(engine, mailed)
    assert not _opens(engine, failed)
    assert _rows(engine) == {mailed.id: False, failed.id: True}
    assert failed_email_counts(engine)["password_reset"] == 1


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_failed_try_drops_its_own_link_and_no_other(engine):
    _account(engine)
    mailed, retried = _issue(engine), _issue(engine)
    try_failed(engine, ResetMailNotSent(retried.id, OSError("451 try again later")))
    assert _rows(engine) == {mailed.id: False}  # nobody ever had the retried try's link
    assert _opens(engine, mailed)
    assert failed_email_counts(engine)["password_reset"] == 0  # a try that will be retried is no failure


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_newer_link_leaves_the_older_ones_working_up_to_the_cap(engine):
    _account(engine)
    links = [_issue(engine) for _ in range(RESET_LIVE_LINKS)]
    assert all(_opens(engine, link) for link in links)  # two tabs, a double click: every mail works
    newest = _issue(engine)
    assert not _opens(engine, links[0])  # past the cap, the oldest goes
    assert [_opens(engine, link) for link in [*links[1:], newest]] == [True] * RESET_LIVE_LINKS
    assert len(_rows(engine)) == RESET_LIVE_LINKS
    _account(engine, "bob")
    _issue(engine, "bob")
    assert _opens(engine, newest)  # another account's links count for that account only


@pytest.mark.parametrize("backend", BACKENDS)
def test_finishing_a_reset_ends_the_accounts_other_links(engine):
    _account(engine)
    first, second = _issue(engine), _issue(engine)
    with Session(engine) as session:
        account_settings.finish_reset(session, _token(second), NEW_PASSWORD, testing=True)
    assert not _opens(engine, first) and not _opens(engine, second)


@pytest.mark.parametrize("backend", BACKENDS)
def test_changing_the_password_ends_every_unused_link(engine):
    user_id = _account(engine)
    links = [_issue(engine), _issue(engine)]
    with Session(engine) as session:
        user = session.get(User, user_id)
        user.password_hash = account_settings.password_hasher(True).hash("plum garden tiger 17")
        session.add(user)
        session.commit()
        account_settings.change_password(session, user, current="plum garden tiger 17", new=NEW_PASSWORD,
                                         keep=account_settings.Credential(), testing=True)
    assert not any(_opens(engine, link) for link in links)


@pytest.mark.parametrize("backend", BACKENDS)
def test_an_admins_printed_link_replaces_the_earlier_ones(engine):
    _account(engine)
    mailed = _issue(engine)
    printed = _issue(engine, replace=True)
    assert not _opens(engine, mailed) and _opens(engine, printed)


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_link_lives_its_lifetime_and_a_new_one_clears_the_dead(engine, monkeypatch):
    user_id = _account(engine)
    start = now_utc()
    _clock(monkeypatch, start)
    first = _issue(engine)
    _clock(monkeypatch, start + timedelta(hours=RESET_HOURS - 1))
    second = _issue(engine)
    assert _opens(engine, first) and _opens(engine, second)  # the newer request did not end the older link

    _clock(monkeypatch, start + timedelta(hours=RESET_HOURS, minutes=1))
    assert not _opens(engine, first) and _opens(engine, second)  # expired, whatever came after it
    third = _issue(engine)
    assert set(_rows(engine)) == {second.id, third.id}  # issuing cleared the account's expired link

    with Session(engine) as session:
        account_settings.finish_reset(session, _token(second), NEW_PASSWORD, testing=True)
    assert _rows(engine) == {second.id: False}  # spent (kept until the next issue or purge); third ended
    failed = _issue(engine)
    gave_up(engine, RESET_JOB, user_id, 4, ResetMailNotSent(failed.id, OSError("down")))
    fourth = _issue(engine)
    # The spent link went with the next issue; the record of the failed mail stays for /metrics.
    assert _rows(engine) == {failed.id: True, fourth.id: False}
    assert _opens(engine, fourth)


@pytest.mark.parametrize("backend", BACKENDS)
def test_the_purge_clears_expired_links_and_old_failure_records(engine, settings):
    user_id = _account(engine)
    start = now_utc()
    expired, failed, live = _issue(engine), _issue(engine), _issue(engine)
    gave_up(engine, RESET_JOB, user_id, 4, ResetMailNotSent(failed.id, OSError("down")))
    with Session(engine) as session:
        row = session.get(PasswordReset, expired.id)
        row.expires_at = start - timedelta(minutes=1)
        session.add(row)
        session.commit()

    assert purge(engine, settings, now=start).reset_links == 1
    assert _rows(engine) == {failed.id: True, live.id: False}
    assert failed_email_counts(engine)["password_reset"] == 1

    kept = timedelta(days=settings.notification_retention_days)
    assert purge(engine, settings, now=start + kept - timedelta(hours=1)).reset_links == 1  # the live one expired
    assert _rows(engine) == {failed.id: True}
    assert purge(engine, settings, now=start + kept + timedelta(hours=1)).reset_links == 1
    assert _rows(engine) == {}
    assert failed_email_counts(engine)["password_reset"] == 0


# --- end to end: the forgot-password form's requests, the mail thread and its retries (SQLite) ----


def _mail_app(settings, port: int):
    from tests.apps import new_app

    app = new_app(settings.with_overrides(smtp_host="127.0.0.1", smtp_port=port, smtp_security="none",
                                          base_url="https://kb.test"))
    app.state.mailer.retry_delays_s = QUICK
    return app


def _links_in(received) -> list[str]:
    return [re.search(r"https://kb\.test(/reset-password\?token=[\w-]+)", mail.get_content()).group(1)
            for mail in received.messages]


def _ask(client, login: str = "alice") -> None:
    assert client.post("/api/v1/password-reset/request", json={"login": login}).status_code == 202


def _failed_metric(app) -> float:
    text = app.state.metrics.exposition().decode()
    return float(re.search(r'^kb_emails_failed_on_record\{kind="password_reset"\} (\S+)$', text, re.M).group(1))


def test_a_request_whose_mail_fails_leaves_the_mailed_link_working(settings, caplog):
    with smtp_sink() as (port, received):
        app = _mail_app(settings, port)
        with caplog.at_level(logging.WARNING, logger="app.mail"), contextmanager(clients_of)(app) as make:
            ask_for_email(Account(make, "alice"), "alice@example.org", wanted=False)
            stranger = make()
            _ask(stranger)
            app.state.mailer.wait()
            [mailed] = _links_in(received)
            received.refuse = received.refused + len(QUICK) + 1  # the mail server turns every try of the next away
            _ask(stranger)
            app.state.mailer.wait()
            assert len(received.messages) == 1
            assert stranger.get(mailed).status_code == 200  # neither a retry nor giving up ended it
            errors = [r for r in caplog.records if r.levelno == logging.ERROR]
            assert len(errors) == 1 and "given up after 4 tries" in errors[0].getMessage()
        assert _failed_metric(app) == 1
        # The failed request left one record, not one link per try.
        assert sorted(_rows(app.state.engine).values()) == [False, True]


def test_two_requests_a_moment_apart_both_mail_working_links(settings):
    with smtp_sink() as (port, received):
        app = _mail_app(settings, port)
        received.refuse = 1  # the first request's first try is turned away: its retry comes after the second
        with contextmanager(clients_of)(app) as make:
            alice = Account(make, "alice")
            ask_for_email(alice, "alice@example.org", wanted=False)
            stranger = make()
            page = stranger.get("/forgot-password")
            for _ in range(2):  # a double click on the form
                done = stranger.post("/forgot-password", data={"login": "alice", "csrf_token": csrf_from(page.text)})
                assert done.status_code == 200
            app.state.mailer.wait()
            links = _links_in(received)
            assert len(links) == 2 and received.refused == 1
            assert [stranger.get(link).status_code for link in links] == [200, 200]
            assert len(_rows(app.state.engine)) == 2  # the refused try's link is gone
            assert _failed_metric(app) == 0

            page = stranger.get(links[1])
            token = links[1].split("token=", 1)[1]
            finished = stranger.post("/reset-password", data={"token": token, "new_password": NEW_PASSWORD,
                                                              "csrf_token": csrf_from(page.text)},
                                     follow_redirects=False)
            assert finished.status_code == 303
            assert [stranger.get(link).status_code for link in links] == [404, 404]


def test_a_mail_the_server_took_counts_as_sent_even_if_hanging_up_fails(settings, engine):
    """A link that went out is never dropped as a failed try: an error after the server took the mail
    (its answer to QUIT) is only logged."""
    from app.services.mail import deliver_reset

    user_id = _account(engine)
    with smtp_sink() as (port, received):
        async def refuse_quit(server, session, envelope):
            return "421 closing"

        received.handle_QUIT = refuse_quit  # read by aiosmtpd when each connection starts
        sent = deliver_reset(engine, settings.with_overrides(smtp_host="127.0.0.1", smtp_port=port,
                                                             smtp_security="none", base_url="https://kb.test"),
                             user_id)
        assert sent == 1 and len(received.messages) == 1
    [link] = _links_in(received)
    assert list(_rows(engine).values()) == [False]
    with Session(engine) as session:
        assert reset_account(session, link.split("token=", 1)[1]).id == user_id


def test_a_reset_mail_that_cannot_be_composed_fails_its_own_try(settings, engine, monkeypatch):
    """Not only the mail server's errors: whatever stops this try's mail is this try's link's failure,
    so the retries and the failure count see it."""
    from app.services import mail

    user_id = _account(engine)

    def broken(*args, **kwargs):
        raise ValueError("bad header")

    monkeypatch.setattr(mail, "_reset_mail", broken)
    with smtp_sink() as (port, received):
        with pytest.raises(ResetMailNotSent) as caught:
            mail.deliver_reset(engine, settings.with_overrides(smtp_host="127.0.0.1", smtp_port=port,
                                                               smtp_security="none", base_url="https://kb.test"),
                               user_id)
        assert received.messages == []
    gave_up(engine, RESET_JOB, user_id, 4, caught.value)
    assert _rows(engine) == {caught.value.link_id: True}
    assert failed_email_counts(engine)["password_reset"] == 1


def test_requests_stay_rate_limited(settings):
    with smtp_sink() as (port, received):
        app = _mail_app(settings, port)
        with contextmanager(clients_of)(app) as make:
            ask_for_email(Account(make, "alice"), "alice@example.org", wanted=False)
            app.state.settings = app.state.settings.with_overrides(rate_limit_logins_per_minute=3)
            stranger = make()
            codes = [stranger.post("/api/v1/password-reset/request", json={"login": "alice"}).status_code
                     for _ in range(4)]
            app.state.mailer.wait()
        # The address's window also holds the sign-up, so the refusals start at the third request or sooner.
        allowed = codes.index(429)
        assert 1 <= allowed <= 3 and codes == [202] * allowed + [429] * (4 - allowed)
        assert len(received.messages) == allowed


@pytest.mark.slow  # a real redis-server
@pytest.mark.skipif(binary() is None, reason="redis-server missing (make test installs it)")
def test_on_the_task_queue_a_given_up_request_costs_only_its_own_link(settings, monkeypatch):
    """RQ retries the job in a `kb worker` (here a SimpleWorker in this process): each try's link goes
    with its try, the last one's is the record, and a link mailed by an earlier request keeps working."""
    from rq import Queue, SimpleWorker

    from app.demos.queue import TASK_QUEUE, connect

    with smtp_sink() as (port, received), redis_server() as url:
        received.refuse = 100
        app = _mail_app(settings.with_overrides(task_queue_url=url), port)
        app.state.mailer.retry_delays_s = (0.0, 0.0)  # zero waits: RQ puts the job back at once, no scheduler
        with contextmanager(clients_of)(app) as make:
            ask_for_email(Account(make, "alice"), "alice@example.org", wanted=False)
            mailed = _issue(app.state.engine)  # what an earlier request mailed
            _ask(make())
        for name, value in {"KB_DATABASE_URL": settings.database_url, "KB_SMTP_HOST": "127.0.0.1",
                            "KB_SMTP_PORT": str(port), "KB_SMTP_SECURITY": "none"}.items():
            monkeypatch.setenv(name, value)
        queue = Queue(TASK_QUEUE, connection=connect(url))
        SimpleWorker([queue], connection=queue.connection).work(burst=True)
        assert received.refused == 3 and received.messages == []  # a first try and two retries
        rows = _rows(app.state.engine)
        assert rows.pop(mailed.id) is False and list(rows.values()) == [True]
        assert _opens(app.state.engine, mailed)
        assert _failed_metric(app) == 1
