"""Counts read when Prometheus scrapes /metrics: one grouped query over indexed columns."""

from __future__ import annotations

from sqlalchemy import func
from sqlmodel import Session, col, select

from app.db.models import DemoRun


def run_counts(session: Session) -> tuple[dict[str, int], int]:
    """Runs per status, and how many of them reused a stored result instead of computing."""
    by_status = {status: count for status, count in session.exec(
        select(DemoRun.status, func.count()).group_by(col(DemoRun.status))).all()}
    reused = session.exec(select(func.count()).select_from(DemoRun).where(col(DemoRun.cached_from).is_not(None))).one()
    return by_status, reused
