"""Accounts: sign up, log in, log out, server-side sessions, API tokens.

Passwords are hashed with argon2 (pwdlib). A login session is a random cookie token; the
database keeps only its sha256, so a stolen database cannot be replayed as cookies. API tokens
work the same way (sha256 stored, a short prefix shown on the settings page).
"""

from __future__ import annotations

import hashlib
import re
import secrets
import unicodedata
from datetime import timedelta

from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from app.clock import now_utc
from app.db.models import ApiToken, LoginSession, User
from app.db.queries import accounts as claim_queries
from app.db.queries import writes as queries
from app.db.transactions import write_if_free
from app.errors import AppError
from app.ingest.shapes import nodes
from app.korean import particle
from app.schemas.names import DELETED_NAME

SESSION_COOKIE = "kb_session"
ANON_COOKIE = "kb_anon"
ANON_COOKIE_MAX_AGE = 7 * 24 * 3600
SESSION_DAYS = 14
TOKEN_PREFIX = "kbt_"
USERNAME_RE = re.compile(r"^[a-z0-9_][a-z0-9_.-]{2,31}$")
PASSWORD_MIN, PASSWORD_MAX = 10, 256
# zxcvbn's guess-count score (0-4): below 2 the password is in, or close to, the lists of leaked and
# common passwords it ships (12345678, password, qwerty123456, keyboard runs, repeats).
PASSWORD_MIN_SCORE = 2
_ZXCVBN_MAX_LENGTH = 72  # zxcvbn refuses longer input (its matching grows faster than linearly)

_hashers: dict[bool, PasswordHash] = {}


def password_hasher(testing: bool) -> PasswordHash:
    """argon2id; tests use cheap parameters so the suite stays fast."""
    if testing not in _hashers:
        hasher = Argon2Hasher(time_cost=1, memory_cost=1024, parallelism=1) if testing else Argon2Hasher()
        _hashers[testing] = PasswordHash((hasher,))
    return _hashers[testing]


def sha256(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def clean_display_name(raw: str) -> str:
    name = unicodedata.normalize("NFC", raw or "")
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    return " ".join(name.split())  # "김  철수" is "김 철수": runs of spaces are one


def display_key(name: str) -> str:
    """How two display names are compared: NFC (decomposed Hangul typed on some keyboards reads the
    same), case-folded, runs of spaces as one. Migration 0012 holds a copy of this rule."""
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", name or "")).strip().casefold()


def check_display_name(session: Session, name: str, *, user: User | None = None) -> str:
    """The key of a display name an account may take: one that reads back as an author in the content
    shapes, is no other account's, and is no source author's in content/ (no one may speak as a study
    member). Returns the key."""
    if not is_author_name(name):
        raise AppError(422, "표시 이름은 한글 1~5자(예: 민규), 성과 이름을 띄운 한글(예: 김 철수), "
                            "영문 이름 두 단어까지(예: MK, Jane Doe)입니다.", details=[{"field": "display_name"}])
    key = display_key(name)
    if key == display_key(DELETED_NAME):
        raise AppError(409, f"'{name}'{particle(name, '은')} 탈퇴한 계정의 글에 쓰는 이름이라 쓸 수 없습니다.",
                       code="display_name_reserved", details=[{"field": "display_name"}])
    holder = queries.user_by_display_key(session, key)
    if holder is not None and (user is None or holder.id != user.id):
        raise AppError(409, f"'{name}'{particle(name, '은')} 이미 다른 계정이 쓰는 표시 이름입니다.",
                       code="display_name_taken", details=[{"field": "display_name"}])
    # A source author an editor linked to this account (content/authors.toml) is this account's own name.
    claimed = set(claim_queries.claimed_authors(session, user.id)) if user is not None and user.id else set()
    for author in queries.source_author_names(session) - claimed:
        if display_key(author) == key:
            raise AppError(409, f"'{name}'{particle(name, '은')} 원본 자료에 글을 쓴 스터디 구성원의 이름이라 "
                                "쓸 수 없습니다. 다른 이름을 골라 주세요.",
                           code="display_name_reserved", details=[{"field": "display_name"}])
    return key


def is_author_name(name: str) -> bool:
    """A display name must read as an author in the content shapes (`(민규)`, `민규 : …`), or
    `kb export` would write posts whose author no longer reads back."""
    return nodes.reads_back_as_author(name)


def check_password(password: str, username: str) -> None:
    """422 naming the first rule the password breaks: length, the username inside it, too common."""
    def refuse(rule: str, message: str) -> None:
        raise AppError(422, message, details=[{"field": "password", "rule": rule, "message": message}])

    if len(password) < PASSWORD_MIN:
        refuse("min_length", f"비밀번호는 {PASSWORD_MIN}자 이상이어야 합니다 (지금 {len(password)}자).")
    if len(password) > PASSWORD_MAX:
        refuse("max_length", f"비밀번호는 {PASSWORD_MAX}자 이하여야 합니다.")
    if username and username.lower() in password.lower():
        refuse("contains_username", "비밀번호에 아이디를 넣을 수 없습니다.")
    from zxcvbn import zxcvbn  # a word list of a few MB: loaded by the first sign-up, not at import

    if zxcvbn(password[:_ZXCVBN_MAX_LENGTH], user_inputs=[username])["score"] < PASSWORD_MIN_SCORE:
        refuse("common", "너무 흔하거나 추측하기 쉬운 비밀번호입니다 (예: 12345678, password, qwerty). "
                         "낱말 여러 개를 이어 더 길게 만들어 주세요.")


def sign_up(session: Session, *, username: str, password: str, display_name: str | None, testing: bool) -> User:
    username = (username or "").strip().lower()
    if not USERNAME_RE.match(username):
        raise AppError(422, "아이디는 영문 소문자·숫자·_.- 3~32자입니다.", details=[{"field": "username"}])
    check_password(password or "", username)
    name = clean_display_name(display_name or "") or username
    if queries.user_by_username(session, username) is not None:
        raise AppError(409, "이미 사용 중인 아이디입니다.", code="username_taken", details=[{"field": "username"}])
    key = check_display_name(session, name)
    user = User(username=username, display_name=name, display_key=key, created_at=now_utc(),
                password_hash=password_hasher(testing).hash(password))
    session.add(user)
    try:
        session.commit()
    except IntegrityError:  # a sign-up racing this one took the username or the name in between
        session.rollback()
        raise AppError(409, "이미 사용 중인 아이디나 표시 이름입니다.", code="username_taken") from None
    session.refresh(user)
    return user


def authenticate(session: Session, *, username: str, password: str, testing: bool) -> User:
    user = queries.user_by_username(session, (username or "").strip().lower())
    hasher = password_hasher(testing)
    if user is None or user.deleted_at is not None:
        hasher.hash(password or "x")  # same cost either way: no username probing by timing
        raise AppError(401, "아이디 또는 비밀번호가 올바르지 않습니다.", code="invalid_credentials")
    valid, new_hash = hasher.verify_and_update(password or "", user.password_hash)
    if not valid:
        raise AppError(401, "아이디 또는 비밀번호가 올바르지 않습니다.", code="invalid_credentials")
    if new_hash:
        user.password_hash = new_hash
        session.add(user)
        session.commit()
    return user


def start_session(session: Session, user: User) -> tuple[str, LoginSession]:
    """Returns the cookie token (shown once) and the stored row (which holds only its hash)."""
    token = secrets.token_urlsafe(32)
    row = LoginSession(id=sha256(token), user_id=user.id, csrf_token=secrets.token_urlsafe(32), created_at=now_utc(),
                       expires_at=now_utc() + timedelta(days=SESSION_DAYS))
    session.add(row)
    session.commit()
    return token, row


def end_session(session: Session, token: str | None) -> None:
    if not token:
        return
    row = session.get(LoginSession, sha256(token))
    if row is not None:
        session.delete(row)
        session.commit()


def user_for_session(session: Session, token: str | None) -> tuple[User, LoginSession, int] | None:
    """The account of a session cookie, its login session and its unread notifications (one statement)."""
    if not token or len(token) > 200:
        return None
    found = queries.user_and_login_session(session, sha256(token))
    if found is None or found[1].expires_at < now_utc():
        return None
    return found


def anonymous_csrf(secret_key: str, anon_token: str) -> str:
    """CSRF token for forms shown before login (sign up, log in): bound to the anonymous cookie."""
    return hashlib.sha256(f"{secret_key}:csrf:{anon_token}".encode()).hexdigest()


# --- API tokens -------------------------------------------------------------------------------


def create_api_token(session: Session, user: User, name: str) -> tuple[str, ApiToken]:
    name = clean_display_name(name)[:100] or "토큰"
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(user_id=user.id, name=name, token_hash=sha256(token), prefix=token[:10], created_at=now_utc())
    session.add(row)
    session.commit()
    session.refresh(row)
    return token, row


def list_api_tokens(session: Session, user: User) -> list[ApiToken]:
    return queries.api_tokens_of(session, user.id)


def revoke_api_token(session: Session, user: User, token_id: int) -> ApiToken:
    row = session.get(ApiToken, token_id)
    if row is None or row.user_id != user.id:
        raise AppError(404, "토큰을 찾을 수 없습니다.")
    if row.revoked_at is None:
        row.revoked_at = now_utc()
        session.add(row)
        session.commit()
    return row


def may_be_api_token(token: str) -> bool:
    """Whether `token` has the shape of one this site issues (else it is refused without a lookup)."""
    return token.startswith(TOKEN_PREFIX) and len(token) <= 200


def user_for_api_token(session: Session, token: str) -> User | None:
    """The account of an unrevoked API token, detached from the session (like the browser session's
    account that the auth middleware hands on): built from one plain row, so a write's commit does not
    expire it and no ORM load runs per request."""
    if not may_be_api_token(token):
        return None
    found = queries.api_token_account(session.connection(), sha256(token))
    if found is None:
        return None
    user, token_id, used_at = found
    now = now_utc()
    if used_at is None or now - used_at > timedelta(minutes=5):
        # Throttled (a token in heavy use does not write on every request) and only when the write lock
        # is free at once: looking a token up is a read, and must not wait behind `kb ingest` or fail.
        write_if_free(session, lambda connection: queries.note_token_use(connection, token_id, now))
    return user
