"""The anonymous reader's cookie, made in one place: the auth middleware hands it to a first-time
visitor with a page whose form is posted with the anonymous CSRF token (app.auth.deps.AnonymousForm)."""

from __future__ import annotations

import secrets

from app.services.accounts import ANON_COOKIE, ANON_COOKIE_MAX_AGE

MAX_ANON_CHARS = 100  # ours are 32; anything longer was not made here


def anonymous_id(cookie: str | None) -> tuple[str, bool]:
    """The reader's anonymous id from their cookie, and whether it is new (no cookie, or not one of ours)."""
    if not cookie or len(cookie) > MAX_ANON_CHARS:
        return secrets.token_urlsafe(24), True
    return cookie, False


def anonymous_cookie(anon: str, *, https: bool) -> str:
    """The Set-Cookie value that gives a reader their anonymous id (attributes in Starlette's order)."""
    secure = "; Secure" if https else ""
    return f"{ANON_COOKIE}={anon}; HttpOnly; Max-Age={ANON_COOKIE_MAX_AGE}; Path=/; SameSite=lax{secure}"
