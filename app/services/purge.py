"""Purge jobs: `kb purge` once, and a background pass every KB_PURGE_INTERVAL_MIN inside `kb serve`.

Without them the tables only grow: every login leaves a session row after it expires, every replayable
write an idempotency record, every cached repeat of an experiment a copy of its result, and every
password reset link a row once it is used or expired (or, when its mail failed, a record of that),
and every notification a row in its reader's inbox long after it was read. Read notifications and
failed reset mail go KB_PURGE_NOTIFICATIONS_DAYS after (unread notifications stay).
"""

from __future__ import annotations

import logging
import threading
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine
from sqlmodel import Session

from app.clock import now_utc
from app.config import Settings
from app.db.queries import purge as queries
from app.db.transactions import write_transaction

log = logging.getLogger("kb.purge")


@dataclass(frozen=True)
class PurgeReport:
    sessions: int
    idempotency_keys: int
    runs: int
    reset_links: int
    notifications: int

    def to_dict(self) -> dict[str, int]:
        return asdict(self)


def purge(engine: Engine, settings: Settings, now: datetime | None = None) -> PurgeReport:
    """One pass, in one write transaction: what it deleted, per kind."""
    now = now or now_utc()
    # A failed notification e-mail stays on record as long as its read notification does; a failed reset
    # mail's record is kept as long, so kb_emails_failed_on_record's two kinds count over the same window.
    mail_records_before = now - timedelta(days=settings.notification_retention_days)
    with Session(engine) as session, write_transaction(session):
        return PurgeReport(
            sessions=queries.delete_expired_sessions(session, now),
            idempotency_keys=queries.delete_idempotency_keys_before(
                session, now - timedelta(hours=settings.idempotency_retention_h)),
            runs=queries.delete_old_runs(session, now - timedelta(days=settings.run_retention_days)),
            reset_links=queries.delete_dead_reset_links(session, now, failed_before=mail_records_before),
            notifications=queries.delete_notifications_read_before(session, mail_records_before),
        )


class PeriodicPurge:
    """A daemon thread: one pass at start, then one every interval until stop(); a failed pass is logged
    and the next one tries again (a busy database must not end the job for the life of the process)."""

    def __init__(self, engine: Engine, settings: Settings) -> None:
        self.engine, self.settings = engine, settings
        self.passes = 0
        self.last: PurgeReport | None = None
        self.first_pass = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="kb-purge", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def is_running(self) -> bool:
        return self._thread.is_alive()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=30)

    def _loop(self) -> None:
        interval_s = self.settings.purge_interval_min * 60
        while True:
            try:
                self.last = purge(self.engine, self.settings)
                self.passes += 1
                if any(self.last.to_dict().values()):
                    log.info("purged", extra={"purged": self.last.to_dict()})
            except Exception:
                log.exception("purge pass failed")
            self.first_pass.set()
            if self._stop.wait(interval_s):
                return
