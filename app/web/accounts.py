"""Account pages: sign up, log in, log out, API tokens, account settings (display name, password,
deleting the account) and the password reset page. Every form carries the CSRF token."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote, unquote

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from app import urls
from app.auth.deps import AnonymousForm, Csrf, HtmlUser, credential_of
from app.auth.limits import limit_edits, limit_logins, login_failed, login_succeeded
from app.auth.middleware import cookie_kwargs
from app.errors import AppError
from app.http.deps import SessionDep, SettingsDep
from app.http.params import IdPath
from app.services import account_settings, accounts

router = APIRouter(include_in_schema=False)


def render(request: Request, template: str, context: dict, status_code: int = 200) -> HTMLResponse:
    return request.app.state.templates.TemplateResponse(request, template, context, status_code=status_code)


def safe_next(target: str | None) -> str:
    """Only same-site paths: no scheme, no '//' host, no backslash tricks."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


# Pages that send a reader without an account to /login?next=… (app.auth.deps.login_url), and what the reader
# was trying to do there: a newcomer who clicked 질문하기 met a bare login form that never said why.
_NEEDS_ACCOUNT = (("/ask", "질문을 올리려면"), ("/inbox", "알림을 보려면"), ("/settings", "설정을 바꾸려면"),
                  ("/moderation", "운영 화면을 보려면"))


# A question page's own login links come back to the control they stand for (templates/writes/): its fragment
# says which. The header's login link from the same page has none, and says nothing.
_NEEDS_ACCOUNT_HERE = (("answer-form", "답변을 쓰려면"), ("question-actions", "'나도 궁금해요'를 누르려면"),
                       ("answer-", "답글을 쓰려면"))


def login_reason(target: str) -> str | None:
    """What the page at `target` (a safe_next path) needs an account for, or None for a page anyone may read."""
    path, _, fragment = target.partition("#")
    path = path.split("?", 1)[0]
    if path.endswith("/edit") and path.startswith(("/questions/", "/answers/")):
        return "글을 고치려면"
    if fragment and path.startswith("/questions/"):
        return next((why for prefix, why in _NEEDS_ACCOUNT_HERE if fragment.startswith(prefix)), None)
    return next((why for prefix, why in _NEEDS_ACCOUNT if path == prefix or path.startswith(prefix + "/")), None)


def _logged_in(request: Request, session, user, target: str) -> RedirectResponse:
    token, _row = accounts.start_session(session, user)
    response = RedirectResponse(safe_next(target), status_code=303)
    response.set_cookie(accounts.SESSION_COOKIE, token, max_age=accounts.SESSION_DAYS * 86400, **cookie_kwargs(request))
    return response


@router.get("/signup", dependencies=[AnonymousForm], response_class=HTMLResponse)
def signup_form(request: Request, next: str = "/"):
    target = safe_next(next)
    return render(request, "accounts/signup.html", {"next": target, "reason": login_reason(target)})


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


@router.get("/login", dependencies=[AnonymousForm], response_class=HTMLResponse)
def login_form(request: Request, next: str = "/", reset: bool = False,
               username: Annotated[str, Query(max_length=100)] = ""):
    notice = "비밀번호를 바꿨습니다. 새 비밀번호로 로그인해 주세요." if reset else None
    target = safe_next(next)
    return render(request, "accounts/login.html", {"next": target, "notice": notice, "username": username,
                                                   "reason": None if reset else login_reason(target)})


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


# --- account settings (JSON twins: /api/v1/me…) ------------------------------------------------------


def _settings_page(request: Request, session, user, status_code: int = 200, **context) -> HTMLResponse:
    account = account_settings.account_view(session, user)
    return render(request, "accounts/settings.html", {"account": account, "json_url": urls.me(), **context},
                  status_code=status_code)


def _refused(request: Request, session, user, exc: AppError, form: str, **typed) -> HTMLResponse:
    """A form's error shown above that form, with its status (409, 422, 403), what was typed kept;
    anything else propagates."""
    if exc.status_code not in (403, 409, 422):
        raise exc
    return _settings_page(request, session, user, status_code=exc.status_code, error=exc.message, error_form=form,
                          **typed)


# A refused password form's error, carried to the settings page it redirects to and shown there once.
# Redirected rather than drawn as the POST's response: reloading that page sent the password again,
# one more failed login against the owner. Only the settings pages see the cookie.
FLASH_COOKIE = "kb_flash"
_FLASH_FORMS = ("password", "delete")


def _refused_password(request: Request, exc: AppError, form: str) -> Response:
    """A password form's refusal (a wrong password, a weak new one): back to the settings page, where
    the error waits in a cookie (anything else propagates)."""
    if exc.status_code not in (403, 409, 422):
        raise exc
    response = RedirectResponse("/settings", status_code=303)
    response.set_cookie(FLASH_COOKIE, quote(f"{form}:{exc.message}"[:500]), max_age=300,
                        **{**cookie_kwargs(request), "path": "/settings"})
    return response


def _flash(request: Request) -> tuple[str, str] | None:
    """(form, error) a refused password form left for this page, if any."""
    form, _, error = unquote(request.cookies.get(FLASH_COOKIE, "")).partition(":")
    return (form, error) if form in _FLASH_FORMS and error else None


# How many sessions and tokens a password change ended, carried to the page it redirects to.
EndedCount = Annotated[int, Query(ge=0, le=1_000_000)]


@router.get("/settings", response_class=HTMLResponse)
def settings_page(request: Request, session: SessionDep, user: HtmlUser, done: str = "",
                  sessions: EndedCount = 0, tokens: EndedCount = 0):
    form, error = _flash(request) or (None, None)
    response = _settings_page(request, session, user, done=done, ended=account_settings.Ended(sessions, tokens),
                              error=error, error_form=form)
    if FLASH_COOKIE in request.cookies:
        response.delete_cookie(FLASH_COOKIE, **{**cookie_kwargs(request), "path": "/settings"})
    return response


@router.post("/settings/display-name", dependencies=[Csrf], response_class=HTMLResponse)
def change_display_name(request: Request, session: SessionDep, user: HtmlUser,
                        display_name: Annotated[str, Form(max_length=200)] = ""):
    limit_edits(request, user)
    try:
        account_settings.change_display_name(session, user, display_name)
    except AppError as exc:
        return _refused(request, session, user, exc, "display-name", typed_name=display_name)
    return RedirectResponse("/settings?done=display-name", status_code=303)


@router.post("/settings/password", dependencies=[Csrf], response_class=HTMLResponse)
def change_password(request: Request, session: SessionDep, settings: SettingsDep, user: HtmlUser,
                    current_password: Annotated[str, Form(max_length=1000)] = "",
                    new_password: Annotated[str, Form(max_length=1000)] = ""):
    limit_logins(request, user.username)  # a password check: a borrowed session may not guess on
    try:
        ended = account_settings.change_password(session, user, current=current_password, new=new_password,
                                                 keep=credential_of(request), testing=settings.testing)
    except AppError as exc:
        if exc.code == "wrong_password":
            login_failed(request, user.username)
        return _refused_password(request, exc, "password")
    # Redirected, as a name change is: reloading a page the POST drew sent the old password again, which
    # now failed and counted as a failed login against the owner.
    return RedirectResponse(f"/settings?done=password&sessions={ended.sessions}&tokens={ended.tokens}",
                            status_code=303)


@router.post("/settings/delete", dependencies=[Csrf], response_class=HTMLResponse)
def delete_account(request: Request, session: SessionDep, settings: SettingsDep, user: HtmlUser,
                   password: Annotated[str, Form(max_length=1000)] = ""):
    limit_logins(request, user.username)
    try:
        account_settings.delete_account(session, user, password=password, testing=settings.testing)
    except AppError as exc:
        if exc.code == "wrong_password":
            login_failed(request, user.username)
        return _refused_password(request, exc, "delete")
    request.state.user = None  # the page below is for nobody now: its header shows no account
    response = render(request, "accounts/deleted.html", {})
    response.delete_cookie(accounts.SESSION_COOKIE, path="/")
    return response


# --- password reset: mailed by a job when SMTP is set (/forgot-password), else the link `kb user
# reset-password` prints; the page that spends it has the JSON twin POST /api/v1/password-reset ---

FORGOT_SENT = ("그 아이디나 주소의 계정에 전자우편 주소가 있으면 재설정 링크를 보냈습니다. "
               "메일이 오지 않으면 관리자에게 링크를 부탁하세요.")
NO_MAIL = "이 사이트는 메일을 보내지 않습니다. 관리자에게 비밀번호 재설정 링크를 부탁하세요."


@router.get("/forgot-password", dependencies=[AnonymousForm], response_class=HTMLResponse)
def forgot_form(request: Request):
    mailing = request.app.state.mailer is not None
    return render(request, "accounts/forgot.html", {"mailing": mailing, "notice": None if mailing else NO_MAIL,
                                                    "reset_hours": account_settings.RESET_HOURS})


@router.post("/forgot-password", dependencies=[Csrf], response_class=HTMLResponse)
def forgot(request: Request, session: SessionDep, login: Annotated[str, Form(max_length=300)] = ""):
    """The same answer whoever is named: it does not tell who has an account or an address."""
    mailer = request.app.state.mailer
    if mailer is None:
        return render(request, "accounts/forgot.html", {"mailing": False, "notice": NO_MAIL}, status_code=404)
    limit_logins(request, "forgot-password")
    try:
        user_ids = account_settings.accounts_to_reset(session, login)
    except AppError as exc:
        return render(request, "accounts/forgot.html", {"mailing": True, "error": exc.message,
                                                        "reset_hours": account_settings.RESET_HOURS}, status_code=422)
    for user_id in user_ids:
        mailer.send_reset(user_id)
    return render(request, "accounts/forgot.html", {"mailing": True, "notice": FORGOT_SENT, "sent": True})


@router.get("/reset-password", dependencies=[AnonymousForm], response_class=HTMLResponse)
def reset_form(request: Request, session: SessionDep, token: Annotated[str, Query(max_length=200)] = ""):
    try:
        user = account_settings.reset_account(session, token)
    except AppError as exc:
        return render(request, "accounts/reset.html", {"invalid": exc.message}, status_code=exc.status_code)
    return render(request, "accounts/reset.html", {"token": token, "username": user.username})


@router.post("/reset-password", dependencies=[Csrf], response_class=HTMLResponse)
def reset_password(request: Request, session: SessionDep, settings: SettingsDep,
                   token: Annotated[str, Form(max_length=200)] = "",
                   new_password: Annotated[str, Form(max_length=1000)] = ""):
    limit_logins(request, "password-reset")
    try:
        user = account_settings.finish_reset(session, token, new_password, testing=settings.testing)
    except AppError as exc:
        if exc.code == "reset_invalid":
            return render(request, "accounts/reset.html", {"invalid": exc.message}, status_code=exc.status_code)
        if exc.status_code != 422:
            raise
        username = account_settings.reset_account(session, token).username
        return render(request, "accounts/reset.html", {"token": token, "username": username, "error": exc.message},
                      status_code=422)
    response = RedirectResponse(urls.login(reset=1, username=user.username), status_code=303)
    response.delete_cookie(accounts.SESSION_COOKIE, path="/")
    return response
