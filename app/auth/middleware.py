"""The request side of auth: session cookie -> request.state.user and its CSRF token; a body size cap.

install_auth(app) adds RequestSizeLimit (bodies over MAX_REQUEST_BYTES get 413 before the app reads
them, chunked or not) and one middleware that, for every request:
  * sets request.state.user (User or None) and request.state.csrf_token, so any template can
    show login state and put the token in its forms. Logged in, the token is per login session
    (stored server-side); anonymous, it is derived from an HttpOnly "kb_anon" cookie, so the
    login and sign-up forms are protected too.
"""

from __future__ import annotations

import secrets

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse
from jinja2 import pass_context
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.auth.anonymous import anonymous_cookie, anonymous_id
from app.auth.deps import UNSAFE_METHODS, LoginRequired, login_url
from app.auth.limits import RateLimiter
from app.db.models import Answer, Question
from app.db.queries.writes import vote_of
from app.http.errors import error_response
from app.schemas.limits import MAX_REQUEST_BYTES
from app.services import accounts


def _resolve_cookie_user(engine, token: str | None):
    with Session(engine) as session:
        found = accounts.user_for_session(session, token)
        if found is None:
            return None, None
        user, row = found
        session.expunge(user)
        return user, row.csrf_token


def cookie_kwargs(request: Request) -> dict:
    return {"httponly": True, "samesite": "lax", "secure": request.url.scheme == "https", "path": "/"}


def _template_helpers(app: FastAPI) -> None:
    """owns(kind, id): does the logged-in user own this post? voted(kind, id): have they voted on it?
    new_form_token(): a one-time form id."""

    @pass_context
    def owns(context, kind: str, item_id: int) -> bool:
        user = getattr(context["request"].state, "user", None)
        if user is None:
            return False
        model = Question if kind == "question" else Answer
        with Session(app.state.engine) as session:
            item = session.get(model, item_id)
            return item is not None and item.user_id == user.id

    @pass_context
    def voted(context, kind: str, item_id: int) -> bool:
        """Has the logged-in user already pressed +1 (question) or 추천 (answer) here? The button shows it."""
        user = getattr(context["request"].state, "user", None)
        if user is None:
            return False
        target = {"question_id": item_id} if kind == "question" else {"answer_id": item_id}
        with Session(app.state.engine) as session:
            return vote_of(session, user.id, **target) is not None

    env = app.state.templates.env
    env.globals["owns"] = owns
    env.globals["voted"] = voted
    env.globals["new_form_token"] = lambda: secrets.token_urlsafe(16)


def install_auth(app: FastAPI) -> None:
    app.state.rate_limiter = RateLimiter()
    _template_helpers(app)

    @app.exception_handler(LoginRequired)
    async def _to_login(request: Request, exc: LoginRequired):
        if request.method in ("GET", "HEAD"):
            return RedirectResponse(login_url(request), status_code=303)
        return error_response(request, exc.status_code, exc.code, exc.message)

    @app.middleware("http")
    async def _auth_middleware(request: Request, call_next):
        token = request.cookies.get(accounts.SESSION_COOKIE)
        user, csrf = (await run_in_threadpool(_resolve_cookie_user, request.app.state.engine, token)
                      if token else (None, None))
        new_anon = None
        if user is None:
            anon, new = anonymous_id(request.cookies.get(accounts.ANON_COOKIE))
            new_anon = anon if new else None
            csrf = accounts.anonymous_csrf(request.app.state.settings.secret_key, anon)
        request.state.user = user
        request.state.csrf_token = csrf
        response = await call_next(request)
        if new_anon and not request.url.path.startswith(("/api/", "/static/", "/media/")):
            response.headers.append("set-cookie", anonymous_cookie(new_anon, https=request.url.scheme == "https"))
        return response

    app.add_middleware(RequestSizeLimit, max_bytes=MAX_REQUEST_BYTES)


class RequestSizeLimit:
    """Refuses a request body over `max_bytes` with 413 before the app reads any of it.

    Content-Length alone cannot be trusted (a chunked upload has none), so the body is read here up
    to the limit and handed on from memory; nothing past the limit is ever read.
    """

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app, self.max_bytes = app, max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in UNSAFE_METHODS:
            await self.app(scope, receive, send)
            return
        length = Headers(scope=scope).get("content-length")
        if length is not None and (not length.isdigit() or int(length) > self.max_bytes):
            await self._refuse(scope, receive, send)
            return
        chunks, size = [], 0
        while True:
            message = await receive()
            if message["type"] != "http.request":  # the client went away: nothing to answer
                return
            chunks.append(message.get("body", b""))
            size += len(chunks[-1])
            if size > self.max_bytes:
                await self._refuse(scope, receive, send)
                return
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope)
        request.state.user = None  # the error page's header reads it; nobody was looked up
        request.state.csrf_token = None
        response = error_response(request, 413, "payload_too_large",
                                  f"요청 본문은 {self.max_bytes // 1024}KiB 이하여야 합니다.")
        await response(scope, receive, send)
