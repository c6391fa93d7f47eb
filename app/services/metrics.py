"""What /metrics reports about experiment runs and notification e-mail, read from the database at scrape
time, so every web server (and a `kb worker` elsewhere) agrees on the numbers."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine
from sqlmodel import Session

from app.db.queries import accounts as account_queries
from app.db.queries import metrics as queries
from app.db.queries import notifications as notification_queries

RUN_STATUSES = ("queued", "running", "succeeded", "failed", "timed_out")


@dataclass(frozen=True)
class RunCounts:
    by_status: dict[str, int]
    reused: int


def run_counts(engine: Engine) -> RunCounts:
    with Session(engine) as session:
        by_status, reused = queries.run_counts(session)
    return RunCounts({status: by_status.get(status, 0) for status in (*RUN_STATUSES, *by_status)}, reused)


def failed_email_counts(engine: Engine) -> dict[str, int]:
    """E-mails the job gave up on after its retries (whichever process sent them), by kind."""
    with Session(engine) as session:
        return {"notification": notification_queries.failed_email_count(session),
                "password_reset": account_queries.failed_reset_email_count(session)}
