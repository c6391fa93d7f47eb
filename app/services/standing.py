"""What an account may do by its role and standing: moderators moderate, admins also read the log,
and a suspended account reads but cannot post, edit, flag, vote or accept until its suspension ends.

Posting, flagging, voting and accepting call `ensure_can_post` first; it reads only the User row the
request already holds."""

from __future__ import annotations

from datetime import timedelta, timezone

from app.clock import now_utc
from app.db.models import ROLE_ADMIN, ROLE_MODERATOR, ROLES, User
from app.errors import AppError

KST = timezone(timedelta(hours=9), "KST")  # the time the pages show


def role_rank(user: User | None) -> int:
    role = user.role if user is not None else None
    return ROLES.index(role) if role in ROLES else 0


def is_moderator(user: User | None) -> bool:
    return role_rank(user) >= ROLES.index(ROLE_MODERATOR)


def is_admin(user: User | None) -> bool:
    return role_rank(user) >= ROLES.index(ROLE_ADMIN)


def require_moderator(user: User) -> None:
    if not is_moderator(user):
        raise AppError(403, "운영자만 할 수 있는 일입니다.", code="not_moderator")


def require_admin(user: User) -> None:
    if not is_admin(user):
        raise AppError(403, "관리자만 볼 수 있습니다.", code="not_admin")


def is_suspended(user: User) -> bool:
    return user.suspended_until is not None and user.suspended_until > now_utc()


def ensure_can_post(user: User) -> None:
    if not is_suspended(user):
        return
    assert user.suspended_until is not None
    until = user.suspended_until.astimezone(KST).strftime("%Y-%m-%d %H:%M")
    reason = f" 사유: {user.suspended_reason}" if user.suspended_reason else ""
    raise AppError(403, f"계정이 {until}(한국 시간)까지 정지되어 글을 쓰거나 고칠 수 없습니다.{reason}",
                   code="account_suspended", details={"suspended_until": user.suspended_until.isoformat()})
