"""Reads and bulk updates of moderation: flags, hidden posts, closed questions, the moderation log.

The single-row writes (hiding a post, suspending an account, a log line) go through the ORM session
inside app.services.moderation's transaction."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import func, update
from sqlmodel import Session, col, select

from app.db.models import Answer, Flag, ModerationAction, Question, User
from app.db.queries.content import LINK_COLUMNS


def open_flag_by(session: Session, user_id: int, *, question_id: int | None = None,
                 answer_id: int | None = None) -> Flag | None:
    """This member's flag on this post that no moderator has dealt with yet."""
    query = select(Flag).where(col(Flag.user_id) == user_id, col(Flag.resolved_at).is_(None))
    if question_id is not None:
        query = query.where(col(Flag.question_id) == question_id)
    else:
        query = query.where(col(Flag.answer_id) == answer_id)
    return session.exec(query).first()


def _open_on_shown_posts(query):
    """Unresolved flags on posts still shown: a flag on a post its author deleted has nothing left to act on."""
    return (query.outerjoin(Question, col(Question.id) == col(Flag.question_id))
            .outerjoin(Answer, col(Answer.id) == col(Flag.answer_id))
            .where(col(Flag.resolved_at).is_(None), col(Question.deleted_at).is_(None),
                   col(Answer.deleted_at).is_(None)))


def open_flags(session: Session, limit: int) -> Sequence[Flag]:
    """Unresolved flags, oldest first (the queue is worked from its oldest report)."""
    return session.exec(_open_on_shown_posts(select(Flag)).order_by(col(Flag.created_at), col(Flag.id))
                        .limit(limit)).all()


def open_flag_count(session: Session) -> int:
    return int(session.exec(_open_on_shown_posts(select(func.count(col(Flag.id))).select_from(Flag))).one())


def resolve_flags(session: Session, *, question_id: int | None = None, answer_id: int | None = None,
                  resolution: str, now: datetime) -> int:
    """Close every open flag on one post; how many there were."""
    statement = update(Flag).where(col(Flag.resolved_at).is_(None)).values(resolved_at=now, resolution=resolution)
    if question_id is not None:
        statement = statement.where(col(Flag.question_id) == question_id)
    else:
        statement = statement.where(col(Flag.answer_id) == answer_id)
    return int(session.execute(statement).rowcount or 0)  # type: ignore[attr-defined]


def questions_by_id(session: Session, ids: Iterable[int | None]) -> dict[int, Question]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    return {q.id: q for q in session.exec(select(Question).where(col(Question.id).in_(wanted))) if q.id is not None}


def answers_by_id(session: Session, ids: Iterable[int | None]) -> dict[int, Answer]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    return {a.id: a for a in session.exec(select(Answer).where(col(Answer.id).in_(wanted))) if a.id is not None}


def users_by_id(session: Session, ids: Iterable[int | None]) -> dict[int, User]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    return {u.id: u for u in session.exec(select(User).where(col(User.id).in_(wanted))) if u.id is not None}


def hidden_questions(session: Session, limit: int) -> Sequence[Question]:
    return session.exec(select(Question).where(col(Question.hidden_at).is_not(None))
                        .order_by(col(Question.hidden_at).desc()).limit(limit)).all()


def hidden_answers(session: Session, limit: int, *, question_id: int | None = None,
                   user_id: int | None = None) -> Sequence[Answer]:
    """Hidden answers and replies, newest hide first; on one question and by one account if given."""
    query = select(Answer).where(col(Answer.hidden_at).is_not(None))
    if question_id is not None:
        query = query.where(col(Answer.question_id) == question_id)
    if user_id is not None:
        query = query.where(col(Answer.user_id) == user_id)
    return session.exec(query.order_by(col(Answer.hidden_at).desc()).limit(limit)).all()


def duplicates_of(session: Session, question_id: int) -> Sequence:
    """Rows of content.LINK_COLUMNS: the visible questions closed as duplicates of this one."""
    return session.exec(
        select(*LINK_COLUMNS).where(col(Question.duplicate_of_id) == question_id, col(Question.deleted_at).is_(None),
                                    col(Question.retired_at).is_(None)).order_by(col(Question.id))
    ).all()


def log_page(session: Session, *, limit: int, offset: int) -> tuple[list[ModerationAction], int]:
    total = session.exec(select(func.count(col(ModerationAction.id)))).one()
    rows = session.exec(select(ModerationAction).order_by(col(ModerationAction.id).desc())
                        .limit(limit).offset(offset)).all()
    return list(rows), int(total)


def suspended_users(session: Session, now: datetime) -> Sequence[User]:
    return session.exec(select(User).where(col(User.suspended_until) > now)
                        .order_by(col(User.suspended_until))).all()
