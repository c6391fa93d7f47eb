"""What an account does to itself: change its password or display name, reset a forgotten password
with a one-time link, delete itself.

Credentials are ended "all but the one in use": a password change keeps the session (or API token)
that made it and ends every other session and token, so whoever else held one is out. A reset and a
deletion end them all. A deleted account's row stays as a tombstone: its username is never free again
(no one can sign up as it and be taken for its writer), its posts keep their user_id and are signed
DELETED_NAME everywhere, and it can no longer log in.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlmodel import Session

from app import urls
from app.clock import now_utc
from app.db.models import DisplayNameChange, PasswordReset, User
from app.db.queries import accounts as queries
from app.db.queries import versions
from app.db.transactions import write_transaction
from app.errors import AppError
from app.schemas.accounts import AccountPublic, CredentialsEnded, NameChange
from app.schemas.names import DELETED_NAME
from app.services.accounts import (
    check_display_name,
    check_password,
    clean_display_name,
    password_hasher,
    sha256,
)

RESET_HOURS = 24  # long enough for an admin to pass the link on by chat; used once, then dead
# Live links an account may hold at once: room for a double click, a second tab and a retry, while a
# flood of requests still leaves a bounded number of rows and of working links.
RESET_LIVE_LINKS = 3


@dataclass(frozen=True)
class Credential:
    """The credential a request came with, kept when the others end: a login session id or an API
    token's hash (both sha256 of what the client holds)."""

    session_id: str | None = None
    token_hash: str | None = None


@dataclass(frozen=True)
class Ended:
    sessions: int
    tokens: int

    def public(self) -> CredentialsEnded:
        return CredentialsEnded(sessions_ended=self.sessions, tokens_revoked=self.tokens)


def _fresh(session: Session, user: User) -> User:
    row = session.get(User, user.id)
    if row is None or row.deleted_at is not None:
        raise AppError(401, "탈퇴한 계정입니다.", code="unauthorized")
    return row


def _verify(user: User, password: str, testing: bool, field: str) -> None:
    if not password_hasher(testing).verify(password or "", user.password_hash):
        raise AppError(403, "비밀번호가 맞지 않습니다.", code="wrong_password", details=[{"field": field}])


def _end_others(session: Session, user_id: int, keep: Credential | None) -> Ended:
    keep = keep or Credential()
    return Ended(sessions=queries.end_login_sessions(session, user_id, keep=keep.session_id),
                 tokens=queries.revoke_api_tokens(session, user_id, now_utc(), keep=keep.token_hash))


def change_password(session: Session, user: User, *, current: str, new: str, keep: Credential,
                    testing: bool) -> Ended:
    """The current password is required (a borrowed session must not lock the owner out); the new one
    follows the sign-up rules. Every other session and API token ends, and so does every unused reset
    link: one mailed before the change must not set the password back behind the owner."""
    row = _fresh(session, user)
    _verify(row, current, testing, "current_password")
    check_password(new or "", row.username)
    new_hash = password_hasher(testing).hash(new)  # outside the lock: argon2 is the slow part
    with write_transaction(session):
        row = _fresh(session, user)
        row.password_hash = new_hash
        session.add(row)
        ended = _end_others(session, row.id, keep)  # type: ignore[arg-type]
        queries.drop_password_resets(session, row.id)  # type: ignore[arg-type]
    return ended


def change_display_name(session: Session, user: User, raw_name: str) -> User:
    """Same rules as at sign-up (reads back as an author, no other account's, no source author's but
    one this account has claimed); the old name goes to the history and every post of the account is
    signed with the new one."""
    name = clean_display_name(raw_name or "")
    if not name:
        raise AppError(422, "표시 이름을 입력해 주세요.", details=[{"field": "display_name"}])
    with write_transaction(session):
        row = _fresh(session, user)
        if name == row.display_name:
            return row
        key = check_display_name(session, name, user=row)
        session.add(DisplayNameChange(user_id=row.id, old_name=row.display_name, new_name=name,  # type: ignore[arg-type]
                                      changed_at=now_utc()))
        row.display_name, row.display_key = name, key
        session.add(row)
        _resign(session, row.id, name)  # type: ignore[arg-type]
    session.refresh(row)
    return row


def _resign(session: Session, user_id: int, name: str) -> None:
    """Every post of the account signed `name`, and the pages that show them changed for the caches."""
    session.flush()
    question_ids = queries.sign_posts(session, user_id, name)
    conn = session.connection()
    ids, collections = versions.question_scopes(conn, question_ids)
    versions.bump(conn, questions=ids, collections=collections, outline=bool(ids))
    session.expire_all()  # the posts were rewritten by SQL behind the ORM's back


def account_view(session: Session, user: User) -> AccountPublic:
    """The settings page and GET /api/v1/me: who the account is, its former names, its claimed authors."""
    row = _fresh(session, user)
    user_id: int = row.id  # type: ignore[assignment]
    return AccountPublic(
        id=user_id, username=row.username, display_name=row.display_name, created_at=row.created_at,
        url=urls.user(row.username),
        name_history=[NameChange(old_name=c.old_name, new_name=c.new_name, changed_at=c.changed_at)
                      for c in queries.display_name_changes(session, user_id)],
        claimed_authors=queries.claimed_authors(session, user_id),
    )


# --- password reset --------------------------------------------------------------------------------


@dataclass(frozen=True)
class ResetLink:
    id: str  # what the database keeps: the sha256 of the token
    url: str


def start_reset(session: Session, username: str, base_url: str, *, replace: bool = False) -> ResetLink:
    """A one-time reset link for an account (an admin passes it on, or it is mailed). Each link stands
    on its own: a newer one leaves the account's other live links working, up to the newest
    RESET_LIVE_LINKS (two requests a moment apart must not kill the mail that already went out), unless
    `replace` (an admin handing over a new link) ends them all. Spent and expired links of the account
    are cleared on the way."""
    from app.db.queries import writes as writes_queries

    user = writes_queries.user_by_username(session, (username or "").strip().lower())
    if user is None or user.deleted_at is not None:
        raise AppError(404, f"'{username}' 계정을 찾을 수 없습니다.")
    token = secrets.token_urlsafe(32)
    now = now_utc()
    link = ResetLink(id=sha256(token), url=base_url.rstrip("/") + urls.reset_password(token))
    with write_transaction(session):
        queries.make_room_for_reset(session, user.id, now, 0 if replace else RESET_LIVE_LINKS - 1)  # type: ignore[arg-type]
        session.add(PasswordReset(id=link.id, user_id=user.id, created_at=now,  # type: ignore[arg-type]
                                  expires_at=now + timedelta(hours=RESET_HOURS)))
    return link


def reset_account(session: Session, token: str) -> User:
    """The account a reset token is for, while the token is unused, unexpired and was not a mail that
    failed; 404 otherwise."""
    row = session.get(PasswordReset, sha256(token or "")) if token and len(token) <= 200 else None
    if row is None or row.used_at is not None or row.email_failed_at is not None or row.expires_at < now_utc():
        raise AppError(404, "비밀번호 재설정 링크가 없거나, 이미 쓰였거나, 만료되었습니다. "
                            "관리자에게 새 링크를 받아 주세요.", code="reset_invalid")
    user = session.get(User, row.user_id)
    if user is None or user.deleted_at is not None:
        raise AppError(404, "비밀번호 재설정 링크의 계정이 없습니다.", code="reset_invalid")
    return user


def finish_reset(session: Session, token: str, new: str, *, testing: bool) -> User:
    """Set the new password (sign-up rules), spend the token, end every session and API token."""
    user = reset_account(session, token)
    check_password(new or "", user.username)
    new_hash = password_hasher(testing).hash(new)
    with write_transaction(session):
        row = session.get(PasswordReset, sha256(token))
        if row is None or row.used_at is not None:  # the same link submitted twice at once
            raise AppError(404, "비밀번호 재설정 링크가 이미 쓰였습니다.", code="reset_invalid")
        row.used_at = now_utc()
        session.add(row)
        # The password is reset: the account's other links would reset it again behind the owner's back.
        queries.drop_password_resets(session, row.user_id, keep=row.id)
        user = _fresh(session, user)
        user.password_hash = new_hash
        session.add(user)
        _end_others(session, user.id, None)  # type: ignore[arg-type]
    return user


# --- deleting an account ---------------------------------------------------------------------------


def delete_account(session: Session, user: User, *, password: str, testing: bool) -> None:
    """Password confirmed; the posts stay, signed DELETED_NAME; sessions, tokens, reset links, the
    e-mail address, the inbox and the watches go; the username stays taken."""
    row = _fresh(session, user)
    _verify(row, password, testing, "password")
    with write_transaction(session):
        row = _fresh(session, user)
        user_id: int = row.id  # type: ignore[assignment]
        queries.end_login_sessions(session, user_id)
        queries.forget_credentials(session, user_id)
        row.deleted_at = now_utc()
        row.display_name, row.display_key = DELETED_NAME, None
        row.password_hash = "!"  # no hash: nothing verifies against it (authenticate refuses first)
        row.email, row.email_notifications = None, False  # nothing is mailed to a deleted account
        session.add(row)
        _resign(session, user_id, DELETED_NAME)


def accounts_to_reset(session: Session, login: str) -> list[int]:
    """Who a "forgot password" request is for (by username or e-mail address); the caller mails each
    a link if it has an address, and says the same whoever it was, so no one learns who has an account."""
    login = (login or "").strip()
    if not login or len(login) > 300:
        raise AppError(422, "아이디나 전자우편 주소를 적어 주세요.", details=[{"field": "login"}])
    return queries.accounts_to_reset(session, login)
