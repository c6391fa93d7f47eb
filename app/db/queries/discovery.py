"""Reads for search engines and link previews: what the sitemap lists and when it last changed."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, col, select

from app.db.models import Collection, Question


def sitemap_questions(session: Session) -> list[tuple[int, datetime]]:
    """Every question a reader can open, with its last activity (an answer counts)."""
    rows = session.exec(
        select(col(Question.id), col(Question.last_activity_at))
        .where(col(Question.deleted_at).is_(None), col(Question.retired_at).is_(None))
        .order_by(col(Question.id))
    ).all()
    return [(question_id, changed) for question_id, changed in rows]


def sitemap_collections(session: Session) -> list[tuple[str, datetime | None]]:
    """Every collection with the newest activity among its visible questions (None when it has none)."""
    newest = (
        select(col(Question.collection_id), func.max(col(Question.last_activity_at)).label("changed"))
        .where(col(Question.deleted_at).is_(None), col(Question.retired_at).is_(None))
        .group_by(col(Question.collection_id))
        .subquery()
    )
    rows = session.exec(
        select(col(Collection.slug), newest.c.changed)
        .join(newest, newest.c.collection_id == col(Collection.id), isouter=True)
        .order_by(col(Collection.slug))
    ).all()
    return [(slug, changed) for slug, changed in rows]
