"""The request side of auth: session cookie -> request.state.user and its CSRF token.

install_auth(app) adds Authenticate, which for every request sets request.state.user (User or
None) and request.state.csrf_token, so any template can show login state and put the token in its
forms. Logged in, the token is per login session (stored server-side); anonymous, it is derived
from an HttpOnly "kb_anon" cookie, which only the pages whose form an anonymous visitor posts with
that token hand out (app.auth.deps.AnonymousForm), so the login and sign-up forms are protected too.
It is pure ASGI middleware; the request body is read and capped before it (app.http.body).
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers
from starlette.requests import cookie_parser
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.auth.anonymous import anonymous_cookie, anonymous_id
from app.auth.deps import ANONYMOUS_FORM, LoginRequired, login_url
from app.auth.limits import RateLimiter
from app.http.errors import error_response
from app.http.slots import shared_render_of
from app.services import accounts


def _resolve_cookie_user(engine, token: str | None):
    """(user, CSRF token, unread notifications for the header) of a session cookie."""
    with Session(engine) as session:
        found = accounts.user_for_session(session, token)
        if found is None:
            return None, None, 0
        user, row, unread = found
        session.expunge(user)
        return user, row.csrf_token, unread


def cookie_kwargs(request: Request) -> dict:
    return {"httponly": True, "samesite": "lax", "secure": request.url.scheme == "https", "path": "/"}


def install_auth(app: FastAPI) -> None:
    shared = app.state.settings.shared_redis_url
    if shared is not None:  # several web servers: one count for all of them
        from app.auth.shared_limits import RedisRateLimiter

        app.state.rate_limiter = RedisRateLimiter(shared)
    else:
        app.state.rate_limiter = RateLimiter()

    @app.exception_handler(LoginRequired)
    async def _to_login(request: Request, exc: LoginRequired):
        if request.method in ("GET", "HEAD"):
            return RedirectResponse(login_url(request), status_code=303)
        return error_response(request, exc.status_code, exc.code, exc.message)

    app.add_middleware(Authenticate, engine=app.state.engine, secret_key=app.state.settings.secret_key)


class Authenticate:
    """Pure ASGI middleware (no BaseHTTPMiddleware task and stream per request): the session cookie
    -> scope state `user` and `csrf_token`.

    Signed in, the token is the login session's (stored server-side). Anonymous, it is derived from
    an HttpOnly "kb_anon" cookie, which a first-time visitor is given only with a page whose route
    declares AnonymousForm (log in, sign up, the password reset pages); every other response sets no
    cookie, so a shared cache may keep it. The demo run forms, which anonymous readers post from any
    page, are checked by origin for them instead (app.auth.deps.check_csrf_or_same_origin). A page
    the response cache keeps for every anonymous reader is rendered for nobody: no token, no cookie.
    One it keeps for every signed-in reader is rendered for a stand-in whose name and token are slots
    (app.http.slots), filled per request by the cache; nobody is looked up for either.
    """

    def __init__(self, app: ASGIApp, engine, secret_key: str) -> None:
        self.app, self.engine, self.secret_key = app, engine, secret_key

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        state = scope.setdefault("state", {})
        shared = shared_render_of(state)
        if shared is not None:  # a render the response cache keeps: for nobody, or for every signed-in reader
            state["user"], state["csrf_token"] = shared.user, shared.csrf_token
            await self.app(scope, receive, send)
            return
        cookies = cookie_parser(Headers(scope=scope).get("cookie", ""))
        token = cookies.get(accounts.SESSION_COOKIE)
        user, csrf, unread = (await run_in_threadpool(_resolve_cookie_user, self.engine, token)
                              if token else (None, None, 0))
        new_anon = None
        if user is None:
            anon, new = anonymous_id(cookies.get(accounts.ANON_COOKIE))
            new_anon = anon if new else None
            csrf = accounts.anonymous_csrf(self.secret_key, anon)
        state["user"], state["csrf_token"], state["unread_count"] = user, csrf, unread
        if new_anon is None:
            await self.app(scope, receive, send)
            return

        async def with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start" and state.get(ANONYMOUS_FORM):
                cookie = anonymous_cookie(new_anon, https=scope.get("scheme") == "https")
                message.setdefault("headers", []).append((b"set-cookie", cookie.encode()))
            await send(message)

        await self.app(scope, receive, with_cookie)
