"""Who is asking, as route dependencies: HtmlUser (a page that needs an account), ApiUser (a bearer
token, or the browser session plus an X-CSRF-Token header) and Csrf (an HTML form's token)."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Request
from fastapi.security import HTTPBearer
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from app import urls
from app.db.models import User
from app.db.transactions import WouldWait, writes_without_waiting
from app.errors import AppError
from app.http.deps import SessionDep, hand_on
from app.http.errors import invalid_token, needs_account
from app.services import accounts
from app.services.account_settings import Credential

T = TypeVar("T")
UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
# An API write whose text arguments together stay under this many characters runs on the event loop
# (SQLite): rendering Markdown costs about 3 ms per 1,000 characters, and that is the loop's pause.
INLINE_TEXT_CHARS = 1_000
# Declares the Bearer scheme in OpenAPI, so /docs shows "Authorize" and sends the token; api_user reads
# the header itself (a cookie session is accepted too), hence auto_error=False.
BEARER = HTTPBearer(auto_error=False, scheme_name="apiToken", description="설정 → API 토큰에서 만든 `kbt_…` 토큰")


async def check_csrf(request: Request) -> None:
    """HTML forms: the posted csrf_token (or X-CSRF-Token header, for htmx) must match."""
    sent = request.headers.get("x-csrf-token")
    if sent is None and "form" in request.headers.get("content-type", ""):
        posted = (await request.form()).get("csrf_token")
        sent = posted if isinstance(posted, str) else None  # a file part named csrf_token is no token
    expected = getattr(request.state, "csrf_token", None)
    if not sent or not expected or not secrets.compare_digest(str(sent), expected):
        raise AppError(403, "보안 토큰(CSRF)이 없거나 맞지 않습니다. 페이지를 새로 고친 뒤 다시 시도해 주세요.",
                       code="csrf_failed")


# Set in the request state by AnonymousForm: the auth middleware then hands a first-time visitor the
# anonymous cookie with the response (app.auth.middleware.Authenticate).
ANONYMOUS_FORM = "anonymous_form"


def anonymous_form(request: Request) -> None:
    """A page whose form a visitor without a session posts with the anonymous CSRF token (log in, sign
    up, the password reset pages): its token only matches while the visitor keeps the cookie it comes from."""
    setattr(request.state, ANONYMOUS_FORM, True)


def same_origin(request: Request) -> bool:
    """Did the browser say the request comes from one of this site's own pages? Fetch metadata
    first (every current browser sends it), else the Origin header against the Host."""
    site = request.headers.get("sec-fetch-site")
    if site is not None:
        return site == "same-origin"
    origin = request.headers.get("origin")
    return origin is not None and origin == f"{request.url.scheme}://{request.headers.get('host', '')}"


async def check_csrf_or_same_origin(request: Request) -> None:
    """A form on a page every anonymous reader shares (a question's demo run buttons) carries no
    token: for an anonymous reader the browser's word that the post comes from this site stands in
    for it. A signed-in reader's page carries their token and must send it."""
    if getattr(request.state, "user", None) is None and same_origin(request):
        return
    await check_csrf(request)


class LoginRequired(AppError):
    """A page that needs an account: a browser asking for it is sent to log in, and back after."""

    def __init__(self) -> None:
        super().__init__(401, "로그인이 필요합니다.", code="login_required")


def html_user(request: Request) -> User:
    user = getattr(request.state, "user", None)
    if user is None:
        raise LoginRequired()
    return user


def login_url(request: Request) -> str:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return urls.login(next=target)


@dataclass(frozen=True)
class ApiCall:
    """An API request's credential, read from its headers without I/O, and `run`, which does the
    rest of the request in one go: a session for the whole of it, the bearer token's account looked
    up on that session, then the route's service.

    Where: on SQLite a short write (a few ms of CPU: local reads, one write transaction) is done on
    the event loop when the write lock is free at that moment. On a worker thread the same write
    took several times as long while pages were being read: the thread and the loop take turns at
    the interpreter lock, and a thread that wants it back from a busy loop waits for the switch
    interval (5 ms) each time, at the hop there, after each SQLite call and at the hop back
    (bench/mixed.py: a post's p50 under reads 30-60 ms, with 3-5 ms of CPU). A write that would
    wait for the lock, a long text, PostgreSQL or Redis (network round trips: writes_on_loop) goes
    to a worker thread as before."""

    request: Request
    token: str | None  # a bearer token, looked up on the session of the call
    user: User | None  # else the browser session's account (its CSRF header already checked)
    inline: bool = False  # short writes may run on the event loop (SQLite)

    def account(self, session: Session) -> User:
        if self.token is None:
            assert self.user is not None
            return self.user
        user = accounts.user_for_api_token(session, self.token)
        if user is None:
            raise invalid_token()
        return user

    async def run(self, service: Callable[..., T], *args: Any,
                  limit: Callable[[Request, User], None] | None = None, **kwargs: Any) -> T:
        """`service(session, account, *args, **kwargs)`, after `limit(request, account)` (a rate limit)
        when given; what the writes left to do afterwards is handed on."""
        if self.inline and _text_chars(args, kwargs) <= INLINE_TEXT_CHARS:
            try:
                with writes_without_waiting():
                    return self._run(service, args, limit, kwargs)
            except WouldWait:
                limit = None  # counted by the try, which wrote nothing: the whole work again, waiting allowed
        return await run_in_threadpool(self._run, service, args, limit, kwargs)

    def _run(self, service: Callable[..., T], args: tuple[Any, ...],
             limit: Callable[[Request, User], None] | None, kwargs: dict[str, Any]) -> T:
        with Session(self.request.app.state.engine) as session:
            user = self.account(session)
            if limit is not None:
                limit(self.request, user)
            result = service(session, user, *args, **kwargs)
            hand_on(self.request, session)
            return result


def _text_chars(args: tuple[Any, ...], kwargs: dict[str, Any]) -> int:
    return sum(len(value) for value in (*args, *kwargs.values()) if isinstance(value, str))


def api_call(request: Request, _documented: Annotated[object, Depends(BEARER)] = None) -> ApiCall:
    """API: `Authorization: Bearer kbt_...`, or the browser session plus an X-CSRF-Token header.
    Everything here is read from the request: an unknown or revoked token is found by ApiCall.run."""
    header = request.headers.get("authorization", "")
    if header:
        scheme, _, token = header.partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not accounts.may_be_api_token(token):
            raise invalid_token()
        return ApiCall(request, token, None, _inline(request))
    user = getattr(request.state, "user", None)
    if user is None:
        raise AppError(401, "로그인이 필요합니다. `Authorization: Bearer <토큰>` 헤더를 보내 주세요.",
                       code="unauthorized", headers={"WWW-Authenticate": "Bearer"})
    if request.method in UNSAFE_METHODS:
        sent = request.headers.get("x-csrf-token", "")
        if not secrets.compare_digest(sent, request.state.csrf_token or ""):
            raise AppError(403, "쿠키로 로그인한 요청에는 X-CSRF-Token 헤더가 필요합니다.", code="csrf_failed")
    return ApiCall(request, None, user, _inline(request))


def writes_on_loop(app: Any) -> bool:
    """Whether short API writes run on the event loop: only where everything they touch is local (a
    SQLite file, the rate limit and the mail hand-off in process memory); Redis, like PostgreSQL, is a
    network round trip that would hold every other request while it waits."""
    return app.state.engine.dialect.name == "sqlite" and app.state.settings.shared_redis_url is None


def _inline(request: Request) -> bool:
    return writes_on_loop(request.app)


@needs_account
async def api_call_async(request: Request, _documented: Annotated[object, Depends(BEARER)] = None) -> ApiCall:
    """api_call on the event loop: it reads headers only, so it needs no thread of its own."""
    return api_call(request)


@needs_account
def api_user(request: Request, session: SessionDep, _documented: Annotated[object, Depends(BEARER)] = None) -> User:
    """The account of an API request, for a route that takes a session dependency of its own."""
    return api_call(request).account(session)


ApiUser = Annotated[User, Depends(api_user)]
ApiCallDep = Annotated[ApiCall, Depends(api_call_async)]
HtmlUser = Annotated[User, Depends(html_user)]
Csrf = Depends(check_csrf)
CsrfOrSameOrigin = Depends(check_csrf_or_same_origin)
AnonymousForm = Depends(anonymous_form)


def credential_of(request: Request) -> Credential:
    """The credential this request came with (its bearer token, else its login session): a password
    change keeps it and ends the others."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return Credential(token_hash=accounts.sha256(token.strip()))
    cookie = request.cookies.get(accounts.SESSION_COOKIE)
    return Credential(session_id=accounts.sha256(cookie) if cookie else None)
