"""Account settings: ending sessions and tokens, renaming an account's posts, name history, password
reset tokens, and content/authors.toml's claims. The caller holds the write transaction."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import delete, func, update
from sqlmodel import Session, col, select

from app.db.models import (
    Answer,
    ApiToken,
    AuthorClaim,
    DisplayNameChange,
    IdempotencyKey,
    LoginSession,
    Notification,
    PasswordReset,
    Question,
    User,
    Watch,
)


def end_login_sessions(session: Session, user_id: int, *, keep: str | None = None) -> int:
    """Delete the account's login sessions but `keep` (a session id); how many ended."""
    statement = delete(LoginSession).where(col(LoginSession.user_id) == user_id)
    if keep is not None:
        statement = statement.where(col(LoginSession.id) != keep)
    return int(session.exec(statement).rowcount or 0)


def revoke_api_tokens(session: Session, user_id: int, now: datetime, *, keep: str | None = None) -> int:
    """Revoke the account's live API tokens but `keep` (a token hash); how many were live."""
    statement = (update(ApiToken).where(col(ApiToken.user_id) == user_id, col(ApiToken.revoked_at).is_(None))
                 .values(revoked_at=now))
    if keep is not None:
        statement = statement.where(col(ApiToken.token_hash) != keep)
    return int(session.exec(statement).rowcount or 0)


def forget_credentials(session: Session, user_id: int) -> None:
    """A deleted account: no token, reset link, remembered request, inbox or watch of it stays behind."""
    for table in (ApiToken, PasswordReset, IdempotencyKey, Notification, Watch):
        session.exec(delete(table).where(col(table.user_id) == user_id))


def sign_posts(session: Session, user_id: int, name: str) -> list[int]:
    """Sign every question and answer the account posted with `name`; the ids of the questions whose
    pages show one of them."""
    session.exec(update(Question).where(col(Question.user_id) == user_id)
                 .values(author=name))
    session.exec(update(Answer).where(col(Answer.user_id) == user_id)
                 .values(author=name))
    asked = session.exec(select(col(Question.id)).where(col(Question.user_id) == user_id)).all()
    answered = session.exec(select(col(Answer.question_id)).where(col(Answer.user_id) == user_id).distinct()).all()
    return sorted({int(i) for i in asked if i is not None} | {int(i) for i in answered})


def display_name_changes(session: Session, user_id: int) -> Sequence[DisplayNameChange]:
    return session.exec(select(DisplayNameChange).where(col(DisplayNameChange.user_id) == user_id)
                        .order_by(col(DisplayNameChange.changed_at).desc(), col(DisplayNameChange.id).desc())).all()


def drop_password_resets(session: Session, user_id: int, *, keep: str | None = None) -> int:
    """The account's unused links but `keep` (a link id) stop working; how many. Records of mail that
    failed stay (/metrics counts them), and so do spent links (a second submit of one is told so)."""
    statement = delete(PasswordReset).where(col(PasswordReset.user_id) == user_id,
                                            col(PasswordReset.used_at).is_(None),
                                            col(PasswordReset.email_failed_at).is_(None))
    if keep is not None:
        statement = statement.where(col(PasswordReset.id) != keep)
    return int(session.exec(statement).rowcount or 0)


def make_room_for_reset(session: Session, user_id: int, now: datetime, live: int) -> int:
    """Before the account gets a new link: its spent and expired links go, and of its live ones only the
    newest `live` stay (an older link mailed a moment ago keeps working); how many went. Records of
    mail that failed are left to the purge job."""
    newest = (select(col(PasswordReset.id))
              .where(col(PasswordReset.user_id) == user_id, col(PasswordReset.used_at).is_(None),
                     col(PasswordReset.email_failed_at).is_(None), col(PasswordReset.expires_at) >= now)
              .order_by(col(PasswordReset.created_at).desc(), col(PasswordReset.id).desc()).limit(live))
    return int(session.exec(delete(PasswordReset).where(
        col(PasswordReset.user_id) == user_id, col(PasswordReset.email_failed_at).is_(None),
        col(PasswordReset.id).not_in(newest))).rowcount or 0)


def drop_unsent_reset(session: Session, link_id: str) -> int:
    """A link whose mail did not go out on this try: no one has it, and the next try makes its own."""
    return int(session.exec(delete(PasswordReset).where(
        col(PasswordReset.id) == link_id, col(PasswordReset.used_at).is_(None))).rowcount or 0)


def mark_reset_email_failed(session: Session, link_id: str, now: datetime) -> int:
    """Stamps the link whose mail the job gave up on (that one only: the account's other links may
    have been mailed by other requests); how many."""
    return int(session.exec(update(PasswordReset).where(
        col(PasswordReset.id) == link_id, col(PasswordReset.used_at).is_(None),
        col(PasswordReset.email_failed_at).is_(None)).values(email_failed_at=now)).rowcount or 0)


def failed_reset_email_count(session: Session) -> int:
    return int(session.exec(select(func.count()).select_from(PasswordReset).where(
        col(PasswordReset.email_failed_at).is_not(None))).one())


# --- content/authors.toml -------------------------------------------------------------------------


def users_by_username(session: Session, usernames: Iterable[str]) -> dict[str, User]:
    names = set(usernames)
    if not names:
        return {}
    return {u.username: u for u in session.exec(select(User).where(col(User.username).in_(names))).all()}


def replace_author_claims(session: Session, claims: dict[str, int]) -> None:
    """The claims table becomes exactly {author: user id}."""
    session.exec(delete(AuthorClaim))
    for author, user_id in claims.items():
        session.add(AuthorClaim(author=author, user_id=user_id))


def claimed_authors(session: Session, user_id: int) -> list[str]:
    return sorted(session.exec(select(col(AuthorClaim.author)).where(col(AuthorClaim.user_id) == user_id)).all())


def claiming_account(session: Session, author: str) -> User | None:
    """The live account an editor linked to this source author, if any."""
    return session.exec(select(User).join(AuthorClaim, col(AuthorClaim.user_id) == col(User.id))
                        .where(col(AuthorClaim.author) == author, col(User.deleted_at).is_(None))).first()


def accounts_to_reset(session: Session, login: str) -> list[int]:
    """The live accounts a "forgot password" form names: by username, or every one with that e-mail
    address (compared case-insensitively)."""
    if "@" in login:
        found = select(col(User.id)).where(func.lower(col(User.email)) == login.lower())
    else:
        found = select(col(User.id)).where(col(User.username) == login.lower())
    return [int(i) for i in session.exec(found.where(col(User.deleted_at).is_(None))).all() if i is not None]
