"""Deletes of rows whose use has passed: expired login sessions, old idempotency records, old runs,
spent or expired password reset links and old records of reset mail that failed, notifications read
long ago."""

from __future__ import annotations

from datetime import datetime
from typing import cast

from sqlalchemy import CursorResult, Delete, and_, delete, or_
from sqlmodel import Session, col

from app.db.models import DemoRun, IdempotencyKey, LoginSession, Notification, PasswordReset

# Runs that will never change again and whose result someone could want back from another row.
PURGEABLE_RUN_FAILURES = ("failed", "timed_out")


def _deleted(session: Session, statement: Delete) -> int:
    return cast(CursorResult, session.execute(statement)).rowcount


def delete_expired_sessions(session: Session, now: datetime) -> int:
    return _deleted(session, delete(LoginSession).where(col(LoginSession.expires_at) < now))


def delete_dead_reset_links(session: Session, now: datetime, failed_before: datetime) -> int:
    """Spent or expired links, and records of mail that failed before `failed_before` (kept until then
    as what /metrics counts; such a link never opened the form)."""
    return _deleted(session, delete(PasswordReset).where(or_(
        and_(or_(col(PasswordReset.expires_at) < now, col(PasswordReset.used_at).is_not(None)),
             col(PasswordReset.email_failed_at).is_(None)),
        col(PasswordReset.email_failed_at) < failed_before)))


def delete_idempotency_keys_before(session: Session, cutoff: datetime) -> int:
    return _deleted(session, delete(IdempotencyKey).where(col(IdempotencyKey.created_at) < cutoff))


def delete_old_runs(session: Session, cutoff: datetime) -> int:
    """Cached repeats (a copy of a result another row keeps) and failed runs, finished before cutoff.

    A run that computed its result is kept whatever its age: it is the cache later repeats are copied from.
    """
    return _deleted(session, delete(DemoRun).where(
        col(DemoRun.finished_at) < cutoff,
        or_(col(DemoRun.cached_from).is_not(None), col(DemoRun.status).in_(PURGEABLE_RUN_FAILURES)),
    ))


def delete_notifications_read_before(session: Session, cutoff: datetime) -> int:
    """Notifications their reader marked read before cutoff; unread ones stay whatever their age."""
    return _deleted(session, delete(Notification).where(col(Notification.read_at) < cutoff))
