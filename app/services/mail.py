"""Notification e-mail and password reset links, sent by a background job and never inside the request.

After a request whose writes made notifications (app.services.notifications leaves their ids on the
session), the session dependency hands the ids to the app's `Mailer`. With KB_TASK_QUEUE_URL the
job goes to the Redis task queue and a `kb worker` sends it (app.demos.queue.enqueue_task); without
one, a thread of this process sends it. Either way the job reads the rows again, sends to the
recipients who asked for e-mail and have an address, and stamps `emailed_at`, so a repeated job
sends nothing twice. A job the mail server refused is tried again after each of RETRY_DELAYS_S (a
timer here, RQ's Retry on the queue); after the last try it is logged as an error and its
notifications (or its reset link) are stamped `email_failed_at`, which /metrics counts. A reset job
makes a fresh link on each try (the token never travels through the queue), so a failed try deletes
its own link, and only the last try's link is stamped: never the account's other links, which other
requests may have mailed. Without KB_SMTP_HOST there is
no Mailer: nothing is sent and nothing fails.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from email.message import EmailMessage
from email.utils import formataddr
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session

from app import urls
from app.clock import now_utc
from app.config import SMTP_DEFAULT_PORTS, Settings
from app.db.models import User
from app.db.queries import accounts as account_queries
from app.db.queries import notifications as queries
from app.db.transactions import write_transaction
from app.services.account_settings import RESET_HOURS, start_reset
from app.services.notifications import message, other_url

log = logging.getLogger("app.mail")
SMTP_TIMEOUT_S = 30
JOB = "app.services.mail.deliver_queued"  # the dotted path `kb worker` imports
FAILED_TRY = "app.services.mail.failed_try"  # RQ calls it after each failed try of a mail job
# A job the mail server refused (or that could not reach it) is tried again after each of these waits,
# then given up: its notifications or reset link are stamped email_failed_at (kb_emails_failed_on_record).
RETRY_DELAYS_S = (30.0, 120.0, 600.0)


def sender(settings: Settings) -> str:
    return settings.smtp_from or formataddr(("질문창고", f"noreply@{settings.smtp_host}"))


def _compose(settings: Settings, row) -> EmailMessage:
    item, title, actor_name, address = row
    text = message(item.kind, actor_name, title, item.detail)
    link = settings.base_url.rstrip("/") + (
        urls.answer(item.question_id, item.answer_id) if item.answer_id else urls.question(item.question_id))
    if (other := other_url(item)) is not None:
        link += f"\n원래 질문: {settings.base_url.rstrip('/')}{other}"
    mail = EmailMessage()
    mail["Subject"] = f"[질문창고] {text}"
    mail["From"] = sender(settings)
    mail["To"] = address
    mail.set_content(f"{text}\n\n{link}\n\n받은 알림 전체: {settings.base_url.rstrip('/')}/inbox\n"
                     f"전자우편을 그만 받으려면: {settings.base_url.rstrip('/')}/settings/notifications\n")
    return mail


def _connect(settings: Settings) -> smtplib.SMTP:
    port = settings.smtp_port or SMTP_DEFAULT_PORTS[settings.smtp_security]
    host = settings.smtp_host or ""
    smtp: smtplib.SMTP
    if settings.smtp_security == "tls":
        smtp = smtplib.SMTP_SSL(host, port, timeout=SMTP_TIMEOUT_S, context=ssl.create_default_context())
    else:
        smtp = smtplib.SMTP(host, port, timeout=SMTP_TIMEOUT_S)
        if settings.smtp_security == "starttls":
            smtp.starttls(context=ssl.create_default_context())
    if settings.smtp_username:
        smtp.login(settings.smtp_username, settings.smtp_password or "")
    return smtp


def deliver(engine: Engine, settings: Settings, notification_ids: Sequence[int]) -> int:
    """Sends the e-mail these notifications still owe (one SMTP connection for all); how many went out.
    Each sent one is stamped at once, so a failure part-way leaves only the unsent ones to a retry."""
    if not settings.email_enabled:
        return 0
    with Session(engine) as session:
        rows = queries.to_email(session, notification_ids)
        if not rows:
            return 0
        sent = 0
        with _connect(settings) as smtp:
            for row in rows:
                smtp.send_message(_compose(settings, row))
                with write_transaction(session):
                    queries.mark_emailed(session, [row[0].id], now_utc())
                sent += 1
    return sent


def gave_up(engine: Engine, job: str, argument: Any, tries: int, exc: BaseException | None) -> None:
    """The last try of a mail job failed: say so in the log, and stamp the notifications whose e-mail
    never went out, or the reset link of that last try (the account's other links are other requests'
    and may well have arrived; the account may ask for another)."""
    log.error("e-mail given up after %d tries (%s): %s", tries, job.rsplit(".", 1)[-1], exc)
    with Session(engine) as session, write_transaction(session):
        if job == JOB:
            queries.mark_email_failed(session, [int(i) for i in argument], now_utc())
        elif isinstance(exc, ResetMailNotSent):
            account_queries.mark_reset_email_failed(session, exc.link_id, now_utc())


def try_failed(engine: Engine, exc: BaseException | None) -> None:
    """A try that will be tried again: the reset link it made never reached anyone, so it goes now
    (the next try makes its own); a notification needs nothing."""
    if not isinstance(exc, ResetMailNotSent):
        return
    try:
        with Session(engine) as session, write_transaction(session):
            account_queries.drop_unsent_reset(session, exc.link_id)
    except Exception:  # the retry matters more: a link left behind reached no one and expires unused
        log.warning("reset link of a failed try not dropped", exc_info=True)


def _in_worker(send: Callable[[Engine, Settings, Any], int], argument: Any) -> int:
    """A task-queue job, in a `kb worker` horse: the same settings and database as the web side."""
    from app.db.engine import make_engine

    settings = Settings.from_env()
    engine = make_engine(settings.database_url)
    try:
        return send(engine, settings, argument)
    finally:
        engine.dispose()


def deliver_queued(notification_ids: list[int]) -> int:
    return _in_worker(deliver, notification_ids)


def failed_try(job, connection, exc_type, exc, traceback) -> None:
    """RQ's failure callback, in the `kb worker` horse, after every failed try of a mail job: while RQ
    still has a retry for it, only the reset link of this try goes (try_failed); after the last one,
    gave_up."""
    retried = job.should_retry
    if retried:
        log.warning("e-mail not sent, RQ tries again later (%d tries left): %s", job.retries_left, exc)
        if not isinstance(exc, ResetMailNotSent):
            return

    def record(engine: Engine, settings: Settings, argument: Any) -> int:
        if retried:
            try_failed(engine, exc)
        else:
            gave_up(engine, job.func_name, argument, (job.number_of_retries or 0) + 1, exc)
        return 0

    _in_worker(record, job.args[0])


# --- password reset links -----------------------------------------------------------------------

RESET_JOB = "app.services.mail.deliver_reset_queued"


class ResetMailNotSent(smtplib.SMTPException):
    """A reset link's mail did not go out on this try: which link, so that only it is dropped (before a
    retry) or stamped failed (after the last), never the account's other links."""

    def __init__(self, link_id: str, cause: BaseException) -> None:
        super().__init__(str(cause))
        self.link_id = link_id


def _reset_mail(settings: Settings, address: str, username: str, link: str) -> EmailMessage:
    mail = EmailMessage()
    mail["Subject"] = "[질문창고] 비밀번호 재설정 링크"
    mail["From"] = sender(settings)
    mail["To"] = address
    mail.set_content(f"@{username} 계정의 비밀번호를 다시 정하려면 아래 링크를 여세요. 한 번만 쓸 수 있고 "
                     f"{RESET_HOURS}시간 뒤 만료됩니다.\n\n{link}\n\n"
                     "요청하지 않았다면 이 메일은 무시하셔도 됩니다: 비밀번호는 그대로입니다.\n")
    return mail


def deliver_reset(engine: Engine, settings: Settings, user_id: int) -> int:
    """Make a reset link for the account and mail it to its address; 0 when it has none (or is gone)."""
    if not settings.email_enabled:
        return 0
    with Session(engine) as session:
        user = session.get(User, user_id)
        if user is None or user.deleted_at is not None or not user.email:
            return 0
        username, address = user.username, user.email
        link = start_reset(session, username, settings.base_url)
    try:
        smtp = _connect(settings)
        try:
            smtp.send_message(_reset_mail(settings, address, username, link.url))
        except BaseException:
            smtp.close()
            raise
    except Exception as exc:  # whatever failed (the server, composing the mail), this try's link went nowhere
        raise ResetMailNotSent(link.id, exc) from exc
    # The server took the mail: the link is out, so a failure to hang up must not have a retry drop it.
    try:
        smtp.quit()
    except (OSError, smtplib.SMTPException) as exc:
        log.warning("reset mail sent, but the mail server did not close cleanly: %s", exc)
        smtp.close()
    return 1


def deliver_reset_queued(user_id: int) -> int:
    return _in_worker(deliver_reset, user_id)


class Mailer:
    """Where the web side hands notification ids after a request: the task queue, or one thread here."""

    def __init__(self, settings: Settings, engine: Engine) -> None:
        self._settings, self._engine = settings, engine
        self._executor: ThreadPoolExecutor | None = None
        self._pending: set[Future[int]] = set()
        self._timers: set[threading.Timer] = set()
        self._closed = False
        self._lock = threading.Lock()
        self.retry_delays_s: tuple[float, ...] = RETRY_DELAYS_S

    @classmethod
    def for_settings(cls, settings: Settings, engine: Engine) -> Mailer | None:
        return cls(settings, engine) if settings.email_enabled else None

    def submit(self, notification_ids: Sequence[int]) -> None:
        ids = [int(i) for i in notification_ids]
        if ids:
            self._dispatch(JOB, deliver, ids)

    def send_reset(self, user_id: int) -> None:
        """A password reset link for this account, made and mailed by the job: the token never travels
        through the queue, and the request that asked for it never waits on the mail server."""
        self._dispatch(RESET_JOB, deliver_reset, int(user_id))

    def _dispatch(self, job: str, here: Callable[[Engine, Settings, Any], int], argument: Any) -> None:
        """To the task queue as `job` (a `kb worker` runs it), or to this process's mail thread."""
        if self._settings.task_queue_url is not None:
            from app.demos.queue import enqueue_task
            from app.demos.runner import RunnerUnavailable

            try:
                enqueue_task(self._settings.task_queue_url, job, argument, retry_delays_s=self.retry_delays_s,
                             on_failure=FAILED_TRY)
            except RunnerUnavailable as exc:  # the write is saved; its e-mail is what is lost
                log.warning("e-mail not queued: %s", exc)
            return
        self._submit(job, here, argument, 1)

    def _submit(self, job: str, here: Callable[[Engine, Settings, Any], int], argument: Any, attempt: int) -> None:
        with self._lock:
            if self._executor is None:
                self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="kb-mail")
            future = self._executor.submit(self._deliver, job, here, argument, attempt)
            self._pending.add(future)
        future.add_done_callback(self._done)

    def _deliver(self, job: str, here: Callable[[Engine, Settings, Any], int], argument: Any, attempt: int) -> int:
        try:
            return here(self._engine, self._settings, argument)
        except (OSError, smtplib.SMTPException) as exc:
            if attempt > len(self.retry_delays_s):
                gave_up(self._engine, job, argument, attempt, exc)
                return 0
            try_failed(self._engine, exc)
            delay = self.retry_delays_s[attempt - 1]
            log.warning("e-mail not sent (try %d), trying again in %g s: %s", attempt, delay, exc)
            # A timer, not a sleep: the mail thread goes on with other jobs meanwhile.
            timer = threading.Timer(delay, self._retry, (job, here, argument, attempt + 1))
            timer.daemon = True
            with self._lock:
                self._timers.add(timer)
            timer.start()
            return 0

    def _retry(self, job: str, here: Callable[[Engine, Settings, Any], int], argument: Any, attempt: int) -> None:
        timer = threading.current_thread()
        if not self._closed:
            self._submit(job, here, argument, attempt)  # pending before the timer leaves, for wait()
        with self._lock:
            self._timers.discard(timer)

    def _done(self, future: Future[int]) -> None:
        with self._lock:
            self._pending.discard(future)

    def wait(self) -> None:
        """Until every job handed to this process's thread so far has ended, its retries included (tests)."""
        while True:
            with self._lock:
                pending, timers = list(self._pending), list(self._timers)
            if not pending and not timers:
                return
            for future in pending:
                future.result()
            for timer in timers:
                timer.join()

    def shutdown(self) -> None:
        self._closed = True
        with self._lock:
            timers = list(self._timers)
        for timer in timers:  # a retry still waiting is dropped: its notifications stay unsent, not lost
            timer.cancel()
        with self._lock:
            self._timers.clear()
        if self._executor is not None:
            self._executor.shutdown(wait=True)
