"""Account pages: sign up, log in, log out, API tokens. Every form carries the CSRF token."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from app.auth.deps import Csrf, HtmlUser
from app.auth.limits import limit_logins, login_failed, login_succeeded
from app.auth.middleware import cookie_kwargs
from app.errors import AppError
from app.http.deps import SessionDep, SettingsDep
from app.http.params import IdPath
from app.services import accounts

router = APIRouter(include_in_schema=False)


def render(request: Request, template: str, context: dict, status_code: int = 200) -> HTMLResponse:
    return request.app.state.templates.TemplateResponse(request, template, context, status_code=status_code)


def safe_next(target: str | None) -> str:
    """Only same-site paths: no scheme, no '//' host, no backslash tricks."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def _logged_in(request: Request, session, user, target: str) -> RedirectResponse:
    token, _row = accounts.start_session(session, user)
    response = RedirectResponse(safe_next(target), status_code=303)
    response.set_cookie(accounts.SESSION_COOKIE, token, max_age=accounts.SESSION_DAYS * 86400, **cookie_kwargs(request))
    return response


@router.get("/signup", response_class=HTMLResponse)
def signup_form(request: Request, next: str = "/"):
    return render(request, "accounts/signup.html", {"next": safe_next(next)})


@router.post("/signup", dependencies=[Csrf])
def signup(request: Request, session: SessionDep, settings: SettingsDep,
           username: Annotated[str, Form(max_length=100)], password: Annotated[str, Form(max_length=1000)],
           display_name: Annotated[str, Form(max_length=200)] = "", next: Annotated[str, Form()] = "/"):
    limit_logins(request, username)
    try:
        user = accounts.sign_up(session, username=username, password=password, display_name=display_name,
                                testing=settings.testing)
    except AppError as exc:
        if exc.status_code not in (409, 422):
            raise
        return render(request, "accounts/signup.html", {"error": exc.message, "username": username,
                                                        "display_name": display_name, "next": safe_next(next)},
                      status_code=exc.status_code)
    return _logged_in(request, session, user, next)


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, next: str = "/"):
    return render(request, "accounts/login.html", {"next": safe_next(next)})


@router.post("/login", dependencies=[Csrf])
def login(request: Request, session: SessionDep, settings: SettingsDep,
          username: Annotated[str, Form(max_length=100)], password: Annotated[str, Form(max_length=1000)],
          next: Annotated[str, Form()] = "/"):
    limit_logins(request, username)
    try:
        user = accounts.authenticate(session, username=username, password=password, testing=settings.testing)
    except AppError as exc:
        if exc.status_code != 401:
            raise
        login_failed(request, username)
        return render(request, "accounts/login.html", {"error": exc.message, "username": username,
                                                       "next": safe_next(next)}, status_code=401)
    login_succeeded(request, username)
    return _logged_in(request, session, user, next)


@router.post("/logout", dependencies=[Csrf])
def logout(request: Request, session: SessionDep):
    accounts.end_session(session, request.cookies.get(accounts.SESSION_COOKIE))
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie(accounts.SESSION_COOKIE, path="/")
    return response


@router.get("/settings/tokens", response_class=HTMLResponse)
def tokens_page(request: Request, session: SessionDep, user: HtmlUser):
    return render(request, "accounts/tokens.html", {"tokens": accounts.list_api_tokens(session, user)})


@router.post("/settings/tokens", dependencies=[Csrf], response_class=HTMLResponse)
def create_token(request: Request, session: SessionDep, user: HtmlUser,
                 name: Annotated[str, Form(max_length=100)] = ""):
    token, _row = accounts.create_api_token(session, user, name)
    return render(request, "accounts/tokens.html", {"tokens": accounts.list_api_tokens(session, user),
                                                    "new_token": token}, status_code=201)


@router.post("/settings/tokens/{token_id}/revoke", dependencies=[Csrf])
def revoke_token(session: SessionDep, user: HtmlUser, token_id: IdPath):
    accounts.revoke_api_token(session, user, token_id)
    return RedirectResponse("/settings/tokens", status_code=303)
