"""Notification e-mail, sent by a background job and never inside the request.

After a request whose writes made notifications (app.services.notifications leaves their ids on the
session), the session dependency hands the ids to the app's `Mailer`. With KB_TASK_QUEUE_URL the
job goes to the Redis task queue and a `kb worker` sends it (app.demos.queue.enqueue_task); without
one, a thread of this process sends it. Either way the job reads the rows again, sends to the
recipients who asked for e-mail and have an address, and stamps `emailed_at`, so a repeated job
sends nothing twice. Without KB_SMTP_HOST there is no Mailer: nothing is sent and nothing fails.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
import threading
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from email.message import EmailMessage
from email.utils import formataddr

from sqlalchemy import Engine
from sqlmodel import Session

from app import urls
from app.clock import now_utc
from app.config import SMTP_DEFAULT_PORTS, Settings
from app.db.queries import notifications as queries
from app.db.transactions import write_transaction
from app.services.notifications import message

log = logging.getLogger("app.mail")
SMTP_TIMEOUT_S = 30
JOB = "app.services.mail.deliver_queued"  # the dotted path `kb worker` imports


def sender(settings: Settings) -> str:
    return settings.smtp_from or formataddr(("질문창고", f"noreply@{settings.smtp_host}"))


def _compose(settings: Settings, row) -> EmailMessage:
    item, title, actor_name, address = row
    text = message(item.kind, actor_name, title)
    link = settings.base_url.rstrip("/") + (
        urls.answer(item.question_id, item.answer_id) if item.answer_id else urls.question(item.question_id))
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


def deliver_queued(notification_ids: list[int]) -> int:
    """The task-queue job, in a `kb worker` horse: the same settings and database as the web side."""
    from app.db.engine import make_engine

    settings = Settings.from_env()
    engine = make_engine(settings.database_url)
    try:
        return deliver(engine, settings, notification_ids)
    finally:
        engine.dispose()


class Mailer:
    """Where the web side hands notification ids after a request: the task queue, or one thread here."""

    def __init__(self, settings: Settings, engine: Engine) -> None:
        self._settings, self._engine = settings, engine
        self._executor: ThreadPoolExecutor | None = None
        self._pending: set[Future[int]] = set()
        self._lock = threading.Lock()

    @classmethod
    def for_settings(cls, settings: Settings, engine: Engine) -> Mailer | None:
        return cls(settings, engine) if settings.email_enabled else None

    def submit(self, notification_ids: Sequence[int]) -> None:
        ids = [int(i) for i in notification_ids]
        if not ids:
            return
        if self._settings.task_queue_url is not None:
            from app.demos.queue import enqueue_task
            from app.demos.runner import RunnerUnavailable

            try:
                enqueue_task(self._settings.task_queue_url, JOB, ids)
            except RunnerUnavailable as exc:  # the post is saved; its e-mail is what is lost
                log.warning("notification e-mail not queued: %s", exc)
            return
        with self._lock:
            if self._executor is None:
                self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="kb-mail")
            future = self._executor.submit(self._deliver, ids)
            self._pending.add(future)
        future.add_done_callback(self._done)

    def _deliver(self, ids: list[int]) -> int:
        try:
            return deliver(self._engine, self._settings, ids)
        except (OSError, smtplib.SMTPException) as exc:
            log.warning("notification e-mail not sent: %s", exc)
            return 0

    def _done(self, future: Future[int]) -> None:
        with self._lock:
            self._pending.discard(future)

    def wait(self) -> None:
        """Until every job handed to this process's thread so far has ended (tests, shutdown)."""
        with self._lock:
            pending = list(self._pending)
        for future in pending:
            future.result()

    def shutdown(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True)
