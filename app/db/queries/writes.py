"""Reads and small lookups of the writing area: accounts, tokens, votes, revisions, idempotency.

The writes themselves go through the ORM session inside app.services.posting's transaction."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from functools import cache

from sqlalchemy import (
    Connection,
    Row,
    Select,
    String,
    and_,
    bindparam,
    cast,
    func,
    or_,
    update,
)
from sqlalchemy import select as sa_select
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.orm.attributes import instance_dict
from sqlalchemy.orm.instrumentation import manager_of_class
from sqlmodel import Session, col, select

from app.db.models import (
    ORIGIN_POSTED,
    Answer,
    ApiToken,
    Collection,
    LoginSession,
    Question,
    Revision,
    User,
    Vote,
    Watch,
)
from app.db.queries.notifications import unread_count_of
from app.db.sql import greatest, run, stored_time


def user_by_username(session: Session, username: str) -> User | None:
    return session.exec(select(User).where(User.username == username)).first()


def user_and_login_session(session: Session, session_hash: str) -> tuple[User, LoginSession, int] | None:
    """A login session, its account and the account's unread notifications (the header shows them) in
    one statement: every signed-in page pays for it."""
    found = session.exec(
        select(User, LoginSession, unread_count_of(col(User.id)))
        .join(LoginSession, col(LoginSession.user_id) == User.id).where(LoginSession.id == session_hash)
    ).first()
    return None if found is None else (found[0], found[1], int(found[2] or 0))


@cache
def _token_account_statement() -> Select:
    return (sa_select(col(ApiToken.id).label("token_id"), col(ApiToken.last_used_at).label("token_used_at"),
                      *User.__table__.columns)  # type: ignore[attr-defined]
            .join_from(ApiToken, User, col(ApiToken.user_id) == col(User.id))
            .where(col(ApiToken.token_hash) == bindparam("token_hash"), col(ApiToken.revoked_at).is_(None)))


def api_token_account(conn: Connection, token_hash: str) -> tuple[User, int, datetime | None] | None:
    """An unrevoked token's account, its id and its last use, in one Core statement built once (typed
    columns): every API write pays for it. The account is detached and built as the ORM builds a row
    it loads (no model __init__, which sets every field through the instrumentation, several times the
    statement's cost): a write's commit does not expire it, and a service that changes it updates."""
    row = conn.execute(_token_account_statement(), {"token_hash": token_hash}).first()
    if row is None:
        return None
    values = row._mapping
    user = _USERS.new_instance()
    instance_dict(user).update({name: values[name] for name in _USER_COLUMNS})
    make_transient_to_detached(user)
    return user, row.token_id, row.token_used_at


_USERS = manager_of_class(User)
_USER_COLUMNS = tuple(User.__table__.columns.keys())  # type: ignore[attr-defined]


def note_token_use(conn: Connection, token_id: int, now: datetime) -> None:
    conn.execute(update(ApiToken).where(col(ApiToken.id) == token_id).values(last_used_at=now))


def api_tokens_of(session: Session, user_id: int) -> list[ApiToken]:
    return list(session.exec(select(ApiToken).where(ApiToken.user_id == user_id).order_by(ApiToken.id.desc())))


def collection_by_slug(session: Session, slug: str) -> Collection | None:
    return session.exec(select(Collection).where(Collection.slug == slug)).first()


def _lock_row(session: Session, table: str, row_id: int) -> None:
    """PostgreSQL: hold this row until commit, so writers that read-then-write under it take turns
    (SQLite's BEGIN IMMEDIATE already lets one writer in at a time)."""
    if session.get_bind().dialect.name != "sqlite":
        run(session.connection(), f"SELECT id FROM {table} WHERE id = ? FOR UPDATE", (row_id,))


def lock_idempotency_key(session: Session, key: str) -> None:
    """PostgreSQL: one transaction at a time per Idempotency-Key (a transaction-scoped advisory lock on
    its hash), so a retry sent while the first request runs waits and then replays the stored answer
    instead of failing on the key's primary key."""
    if session.get_bind().dialect.name != "sqlite":
        run(session.connection(), "SELECT pg_advisory_xact_lock(hashtextextended(?, 0))", (key,))


def collection_id_by_slug(session: Session, slug: str) -> int | None:
    return run(session.connection(), "SELECT id FROM collection WHERE slug = ?", (slug,)).scalar()


def insert_question(session: Session, *, collection_id: int, title: str, author: str, user_id: int, body_md: str,
                    body_html: str, position_base: int, now: datetime) -> int:
    """A posted question at the end of its collection, in one statement; its id. The collection's row
    is locked first on PostgreSQL: two posts must not take the same position."""
    _lock_row(session, "collection", collection_id)
    conn = session.connection()
    at = stored_time(conn, now)
    return run(conn,
        "INSERT INTO question (collection_id, title, body_md, body_html, author, user_id, position, origin,"
        " answer_count, reply_count, answered, plus_one_count, last_activity_at, created_at, updated_at)"
        f" VALUES (?, ?, ?, ?, ?, ?, {_next_position(conn, 'question', 'collection_id')}, ?, 0, 0, ?, 0, ?, ?, ?)"
        " RETURNING id",
        (collection_id, title, body_md, body_html, author, user_id, position_base, collection_id, ORIGIN_POSTED,
         False, at, at, at)).scalar_one()


def question_for_answer(session: Session, question_id: int) -> Row | None:
    """(deleted, closed, answered, user_id) of the question a new answer goes to, in one plain
    statement (the ORM would load and track the whole row); held until commit on PostgreSQL, where
    two answers must not take the same position."""
    # NO KEY UPDATE: the next poster waits, while a foreign key check on the row (the search indexer
    # writing the question's demo links while it holds the version sequence) does not deadlock with it.
    lock = "" if session.get_bind().dialect.name == "sqlite" else " FOR NO KEY UPDATE"
    return run(session.connection(),
        "SELECT deleted_at IS NOT NULL, closed_at IS NOT NULL, answered, user_id FROM question WHERE id = ?" + lock,
        (question_id,)).first()


def live_answer_ref(session: Session, answer_id: int) -> Row | None:
    """(question_id, user_id) of an answer that is neither deleted nor retired: what a reply to it needs."""
    return run(session.connection(),
        "SELECT question_id, user_id FROM answer WHERE id = ? AND deleted_at IS NULL AND retired_at IS NULL",
        (answer_id,)).first()


def _next_position(conn: Connection, table: str, parent: str) -> str:
    """The position after the last row of `table` under the same `parent`, and never below the base
    (its binds: the base, then the parent's id): posted rows sort after every ingested one."""
    return f"(SELECT {greatest(conn)}(?, coalesce(max(position), 0) + 1) FROM {table} WHERE {parent} = ?)"


# The inserts every post pays for are plain statements (no ORM unit of work, no Core tree), their times
# bound as the ORM binds them (stored_time), the next position computed in the same statement.
def insert_answer(session: Session, *, question_id: int, parent_id: int | None, author: str, user_id: int,
                  body_md: str, body_html: str, position_base: int, now: datetime) -> int:
    """A posted answer or reply, at the end of its question, in one statement; its id."""
    conn = session.connection()
    at = stored_time(conn, now)
    return run(conn,
        "INSERT INTO answer (question_id, parent_id, author, user_id, body_md, body_html, position, origin,"
        " vote_score, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?,"
        f" {_next_position(conn, 'answer', 'question_id')}, ?, 0, ?, ?) RETURNING id",
        (question_id, parent_id, author, user_id, body_md, body_html, position_base, question_id, ORIGIN_POSTED,
         at, at)).scalar_one()


def count_new_answer(session: Session, question_id: int, *, reply: bool, now: datetime) -> tuple[int, bool]:
    """The question's counters moved on by one new live answer or reply, from the counters themselves
    (every write keeps them as refresh_question_counters would count them, so a post's cost does not
    grow with its thread): (collection id, answered afterwards)."""
    conn = session.connection()
    row = run(conn,
        "UPDATE question SET answer_count = answer_count + 1, reply_count = reply_count + ?,"
        " answered = (answer_count + 1 > reply_count + ?),"
        f" last_activity_at = {greatest(conn)}(coalesce(last_activity_at, created_at), ?)"
        " WHERE id = ? RETURNING collection_id, answered",
        (int(reply), int(reply), stored_time(conn, now), question_id)).one()
    return row[0], bool(row[1])


def insert_revision(session: Session, *, user_id: int, body_md: str, now: datetime, answer_id: int | None = None,
                    question_id: int | None = None, title: str | None = None) -> None:
    conn = session.connection()
    run(conn, "INSERT INTO revision (question_id, answer_id, user_id, title, body_md, created_at)"
              " VALUES (?, ?, ?, ?, ?, ?)", (question_id, answer_id, user_id, title, body_md, stored_time(conn, now)))


def vote_of(session: Session, user_id: int, *, question_id: int | None = None,
            answer_id: int | None = None) -> Vote | None:
    query = select(Vote).where(Vote.user_id == user_id)
    query = query.where(Vote.question_id == question_id) if question_id else query.where(Vote.answer_id == answer_id)
    return session.exec(query).first()


def answer_vote_count(session: Session, answer_id: int) -> int:
    return session.exec(select(func.count()).select_from(Vote).where(Vote.answer_id == answer_id)).one()


def question_revisions(session: Session, question_id: int) -> Sequence[Revision]:
    return session.exec(select(Revision).where(Revision.question_id == question_id).order_by(Revision.id)).all()


def answer_revisions(session: Session, answer_id: int) -> Sequence[Revision]:
    return session.exec(select(Revision).where(Revision.answer_id == answer_id).order_by(Revision.id)).all()


def display_names(session: Session, user_ids: Iterable[int | None]) -> dict[int, str]:
    ids = {i for i in user_ids if i is not None}
    if not ids:
        return {}
    return {user.id: user.display_name for user in session.exec(select(User).where(User.id.in_(ids)))}


@cache
def _reader_statement() -> Select:
    watched = (sa_select(func.aggregate_strings(cast(col(Watch.question_id), String), ","))
               .where(col(Watch.user_id) == col(User.id)).scalar_subquery())
    return (sa_select(col(User.id), col(User.username), col(User.display_name), col(User.role),
                      col(User.suspended_until), col(LoginSession.csrf_token), col(LoginSession.expires_at),
                      unread_count_of(col(User.id)).label("unread_count"), watched.label("watched"))
            .join_from(LoginSession, User, col(LoginSession.user_id) == col(User.id))
            .where(col(LoginSession.id) == bindparam("session_hash")))


def reader_of_login_session(conn: Connection, session_hash: str) -> Row | None:
    """(id, username, display_name, role, suspended_until, csrf_token, expires_at, unread_count, watched)
    of a login session and its account (the header shows the unread notifications; `watched` is the
    ids of the questions it watches, comma-separated, or None), in one Core statement on a bare
    connection, built once: every signed-in page view after a commit pays for it, so no ORM objects
    and no statement construction."""
    return conn.execute(_reader_statement(), {"session_hash": session_hash}).first()


def reader_marks(conn: Connection, user_id: int, question_id: int) -> list[tuple[str, int]]:
    """What one reader owns, has voted for and watches on one question page, in one statement:
    ("own_question" | "own_answer" | "voted_question" | "voted_answer" | "watching", id) rows."""
    return list(run(conn,
        "SELECT 'own_question', id FROM question WHERE id = ? AND user_id = ?"
        " UNION ALL SELECT 'own_answer', id FROM answer WHERE question_id = ? AND user_id = ?"
        " UNION ALL SELECT 'voted_question', question_id FROM vote WHERE question_id = ? AND user_id = ?"
        " UNION ALL SELECT 'voted_answer', v.answer_id FROM vote AS v JOIN answer AS a ON a.id = v.answer_id"
        "   WHERE a.question_id = ? AND v.user_id = ?"
        " UNION ALL SELECT 'watching', question_id FROM watch WHERE question_id = ? AND user_id = ?",
        (question_id, user_id) * 5,
    ).all())


def user_by_display_key(session: Session, key: str) -> User | None:
    return session.exec(select(User).where(col(User.display_key) == key)).first()


def source_author_names(session: Session) -> set[str]:
    """Every name that signs an ingested question or answer (the people in content/)."""
    questions = select(col(Question.author)).where(col(Question.origin) == "ingested",
                                                    col(Question.author).is_not(None)).distinct()
    answers = select(col(Answer.author)).where(col(Answer.origin) == "ingested",
                                               col(Answer.author).is_not(None)).distinct()
    return {name for name in session.exec(questions).all() if name} | {
        name for name in session.exec(answers).all() if name}


def usernames(session: Session, user_ids: Iterable[int | None]) -> dict[int, str]:
    ids = {i for i in user_ids if i is not None}
    if not ids:
        return {}
    # A deleted account has no page to link to: its posts are signed DELETED_NAME and link nowhere.
    rows = session.exec(select(col(User.id), col(User.username))
                        .where(col(User.id).in_(ids), col(User.deleted_at).is_(None))).all()
    return {user_id: username for user_id, username in rows if user_id is not None}


def user_question_counts(session: Session, user_id: int, claimed: Sequence[str] = ()) -> tuple[int, int, int]:
    """(questions, answers and replies, accepted answers) an account posted that are still shown, with
    the source posts of the authors it claimed (content/authors.toml)."""
    def whose(table: type[Question] | type[Answer]):
        own = col(table.user_id) == user_id
        if not claimed:
            return own
        return or_(own, and_(col(table.author).in_(list(claimed)), col(table.origin) == "ingested",
                             col(table.retired_at).is_(None)))

    questions = session.exec(select(func.count(col(Question.id))).where(
        whose(Question), col(Question.deleted_at).is_(None))).one()
    answers = session.exec(select(func.count(col(Answer.id)))
                           .join(Question, col(Question.id) == col(Answer.question_id))
                           .where(whose(Answer), col(Answer.deleted_at).is_(None),
                                  col(Question.deleted_at).is_(None))).one()
    accepted = session.exec(select(func.count(col(Answer.id))).join(
        Question, col(Question.accepted_answer_id) == col(Answer.id))
        .where(whose(Answer), col(Answer.deleted_at).is_(None),
               col(Question.deleted_at).is_(None))).one()
    return int(questions), int(answers), int(accepted)


def posted_questions_after(session: Session, after_id: int, limit: int) -> list[tuple[int, str, str]]:
    """(id, body_md, body_html) of posted questions past `after_id`, in id order: a batch to re-render."""
    rows = session.exec(
        select(Question.id, Question.body_md, Question.body_html)
        .where(Question.origin == ORIGIN_POSTED, col(Question.id) > after_id).order_by(col(Question.id)).limit(limit)
    )
    return [(int(i or 0), md, html) for i, md, html in rows]


def posted_answers_after(session: Session, after_id: int, limit: int) -> list[tuple[int, int, str, str]]:
    """(id, question_id, body_md, body_html) of posted answers and replies past `after_id`, not deleted."""
    rows = session.exec(
        select(Answer.id, Answer.question_id, Answer.body_md, Answer.body_html)
        .where(Answer.origin == ORIGIN_POSTED, col(Answer.deleted_at).is_(None), col(Answer.id) > after_id)
        .order_by(col(Answer.id)).limit(limit)
    )
    return [(int(i or 0), int(q), md, html) for i, q, md, html in rows]


def set_body_html(session: Session, table: str, row_id: int, body_html: str) -> None:
    """Replace a stored rendering only; the Markdown, its author and its times stay as they are."""
    if table not in ("question", "answer"):
        raise ValueError(table)
    run(session.connection(), f"UPDATE {table} SET body_html = ? WHERE id = ?", (body_html, row_id))
