"""Notifications, watches and the Atom feeds' question lists.

The writes run inside the posting transaction (app.services.posting), so each is one statement: a
watch is an insert that ignores an existing row, an inbox's mark-read is one update.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ScalarSelect, and_, func, insert, or_
from sqlmodel import Session, col, select

from app.db.models import NOTIFY_MENTION, NOTIFY_MODERATION, Answer, Collection, Notification, Question, User, Watch
from app.db.sql import run


def insert_notifications(session: Session, rows: list[dict[str, Any]]) -> list[int]:
    """Many notifications in one statement (the ORM's unit of work costs far more per row); their ids."""
    return list(session.execute(insert(Notification).returning(col(Notification.id)), rows).scalars())


def notify_watchers(session: Session, *, question_id: int, answer_id: int | None, kind: str, actor_id: int,
                    now: datetime) -> tuple[list[int], set[int]]:
    """A notification for every watcher of the question but the actor, in one INSERT … SELECT: the new
    rows' ids and their recipients."""
    rows = run(session.connection(),
               "INSERT INTO notification (user_id, kind, question_id, answer_id, actor_id, created_at)"
               " SELECT user_id, ?, question_id, ?, ?, ? FROM watch WHERE question_id = ? AND user_id <> ?"
               " RETURNING id, user_id",
               (kind, answer_id, actor_id, now, question_id, actor_id)).all()
    return [row[0] for row in rows], {row[1] for row in rows}


def watch(session: Session, user_id: int, question_id: int, now: datetime) -> None:
    # ON CONFLICT DO NOTHING is the same words on SQLite (3.24+) and PostgreSQL.
    run(session.connection(),
        "INSERT INTO watch (user_id, question_id, created_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
        (user_id, question_id, now))


def unwatch(session: Session, user_id: int, question_id: int) -> None:
    run(session.connection(), "DELETE FROM watch WHERE user_id = ? AND question_id = ?", (user_id, question_id))


def is_watching(session: Session, user_id: int, question_id: int) -> bool:
    return session.get(Watch, (user_id, question_id)) is not None


def user_ids_by_username(session: Session, usernames: Iterable[str]) -> dict[str, int]:
    names = sorted(set(usernames))
    if not names:
        return {}
    rows = session.exec(select(User.username, User.id).where(col(User.username).in_(names),
                                                             col(User.deleted_at).is_(None))).all()
    return {name: user_id for name, user_id in rows if user_id is not None}


def mentioned_in(session: Session, user_ids: Iterable[int], *, question_id: int, answer_id: int | None) -> set[int]:
    """Those among these accounts already notified of a mention in this post (the question's body when
    answer_id is None)."""
    ids = sorted(set(user_ids))
    if not ids:
        return set()
    post = (col(Notification.answer_id).is_(None) if answer_id is None else col(Notification.answer_id) == answer_id)
    return set(session.exec(select(Notification.user_id).where(
        col(Notification.user_id).in_(ids), Notification.kind == NOTIFY_MENTION,
        Notification.question_id == question_id, post)).all())


def accounts_named(session: Session, usernames: Iterable[str]) -> list[tuple[str, str]]:
    """(username, display name) of the live accounts among these usernames (a deleted one is nobody)."""
    names = sorted(set(usernames))
    if not names:
        return []
    return [(name, shown) for name, shown in session.exec(
        select(User.username, User.display_name).where(col(User.username).in_(names), col(User.deleted_at).is_(None))
    ).all()]


def unread_count_of(user_id: Any) -> ScalarSelect[int]:
    """How many of the account's notifications are unread, as a scalar subquery (the session lookup
    folds it into its one statement): a count over the (user_id, read_at) index, leaving out those
    the inbox does not list (about a deleted or hidden post)."""
    return (_shown(select(func.count()).select_from(Notification))
            .where(Notification.user_id == user_id, col(Notification.read_at).is_(None))
            .scalar_subquery())


def _shown(query):
    """Only notifications about posts still shown: their question, and their answer if they have one.
    A moderator's action on one's own post is shown whatever became of the post: hiding one is what it
    tells, and its author still sees the hidden post with the reason."""
    return (query.join(Question, col(Question.id) == Notification.question_id)
            .outerjoin(Answer, col(Answer.id) == Notification.answer_id)
            .where(or_(col(Notification.kind).in_(NOTIFY_MODERATION),
                       and_(col(Question.deleted_at).is_(None), col(Answer.deleted_at).is_(None)))))


def unread_count(session: Session, user_id: int) -> int:
    return int(session.exec(select(unread_count_of(user_id))).one() or 0)


def _inbox_rows(user_id: int):
    actor = User.__table__.alias("actor")  # type: ignore[attr-defined]
    return (
        _shown(select(Notification, Question.title, actor.c.display_name, actor.c.username))
        .outerjoin(actor, actor.c.id == Notification.actor_id)
        .where(Notification.user_id == user_id)
    )


def inbox_page(session: Session, user_id: int, *, offset: int, limit: int, unread_only: bool = False):
    """(Notification, question title, actor's display name, actor's username) rows, newest first, and
    how many there are in all."""
    query = _inbox_rows(user_id)
    if unread_only:
        query = query.where(col(Notification.read_at).is_(None))
    total = session.exec(select(func.count()).select_from(query.subquery())).one()
    rows = session.exec(query.order_by(col(Notification.id).desc()).offset(offset).limit(limit)).all()
    return list(rows), int(total)


def inbox_item(session: Session, user_id: int, notification_id: int):
    return session.exec(_inbox_rows(user_id).where(Notification.id == notification_id)).first()


def mark_read(session: Session, user_id: int, now: datetime, notification_id: int | None = None) -> int:
    """Marks one notification (or all of them) read; how many were unread."""
    sql = "UPDATE notification SET read_at = ? WHERE user_id = ? AND read_at IS NULL"
    params: tuple = (now, user_id)
    if notification_id is not None:
        sql += " AND id = ?"
        params += (notification_id,)
    return run(session.connection(), sql, params).rowcount


def to_email(session: Session, notification_ids: Sequence[int]):
    """The notifications among these ids that still wait to be e-mailed, with their recipient's address:
    (Notification, question title, actor's display name, recipient's address) rows."""
    if not notification_ids:
        return []
    actor = User.__table__.alias("actor")  # type: ignore[attr-defined]
    recipient = User.__table__.alias("recipient")  # type: ignore[attr-defined]
    return list(session.exec(
        _shown(select(Notification, Question.title, actor.c.display_name, recipient.c.email))
        .join(recipient, recipient.c.id == Notification.user_id)
        .outerjoin(actor, actor.c.id == Notification.actor_id)
        .where(col(Notification.id).in_(list(notification_ids)), col(Notification.emailed_at).is_(None),
               recipient.c.email.is_not(None), recipient.c.email_notifications.is_(True),
               recipient.c.deleted_at.is_(None))
        .order_by(col(Notification.id))
    ).all())


def mark_emailed(session: Session, notification_ids: Sequence[int], now: datetime) -> None:
    if notification_ids:
        run(session.connection(),
            f"UPDATE notification SET emailed_at = ? WHERE id IN ({','.join('?' * len(notification_ids))})",
            (now, *notification_ids))


def mark_email_failed(session: Session, notification_ids: Sequence[int], now: datetime) -> int:
    """Stamps those of these notifications whose e-mail never went out; how many."""
    if not notification_ids:
        return 0
    return run(session.connection(),
               f"UPDATE notification SET email_failed_at = ? WHERE emailed_at IS NULL"
               f" AND id IN ({','.join('?' * len(notification_ids))})", (now, *notification_ids)).rowcount


def failed_email_count(session: Session) -> int:
    """Notifications whose e-mail the job gave up on (and that never went out later)."""
    return int(session.exec(select(func.count()).select_from(Notification).where(
        col(Notification.email_failed_at).is_not(None), col(Notification.emailed_at).is_(None))).one())


def answer_owner(session: Session, answer_id: int) -> int | None:
    answer = session.get(Answer, answer_id)
    return None if answer is None else answer.user_id


def latest_questions(session: Session, *, collection_id: int | None, limit: int):
    """(Question, collection slug) of the newest visible questions, for the Atom feeds."""
    query = (select(Question, Collection.slug).join(Collection, col(Collection.id) == Question.collection_id)
             .where(col(Question.deleted_at).is_(None), col(Question.retired_at).is_(None)))
    if collection_id is not None:
        query = query.where(Question.collection_id == collection_id)
    return list(session.exec(query.order_by(col(Question.created_at).desc(), col(Question.id).desc())
                             .limit(limit)).all())
