"""The account itself: who am I (for API clients checking their token), change password or display
name, delete the account, finish a password reset. Tokens are made on /settings/tokens; the HTML
twins of these are on /settings (app/web/accounts.py)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from app.auth.deps import ApiUser, credential_of
from app.auth.limits import limit_edits, limit_logins, login_failed
from app.errors import AppError
from app.http.deps import SessionDep, SettingsDep
from app.schemas.accounts import AccountPublic, CredentialsEnded
from app.services import account_settings

router = APIRouter(tags=["계정"])

ERRORS: dict[int | str, dict[str, Any]] = {code: {"description": f"`{{\"error\": {{...}}}}` ({code})"}
                                           for code in (401, 403, 404, 409, 422, 429)}


class PasswordChange(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [
        {"current_password": "지금 비밀번호", "new_password": "새로 고른 긴 비밀번호 문장"}]})

    current_password: str = Field(max_length=1000, description="지금 비밀번호 (확인용)")
    new_password: str = Field(max_length=1000, description="새 비밀번호: 10자 이상, 아이디 없이, 흔하지 않게")


class DisplayNameUpdate(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"display_name": "김 철수"}]})

    display_name: str = Field(max_length=200, description="한글 1~5자, 성과 이름을 띄운 한글, 영문 두 단어까지")


class AccountDeletion(BaseModel):
    password: str = Field(max_length=1000, description="비밀번호 (확인용)")


class PasswordResetFinish(BaseModel):
    token: str = Field(max_length=200, description="`kb user reset-password`가 만든 링크의 token")
    new_password: str = Field(max_length=1000)


def _checked_password(request: Request, username: str, run):
    """Password confirmations count as login attempts: a borrowed session cannot guess the password."""
    limit_logins(request, username)
    try:
        return run()
    except AppError as exc:
        if exc.code == "wrong_password":
            login_failed(request, username)
        raise


@router.get("/me", response_model=AccountPublic, summary="내 계정", responses=ERRORS)
def me(session: SessionDep, user: ApiUser):
    """토큰(또는 로그인 세션)의 계정: 아이디, 표시 이름, 이름을 바꾼 기록, 이어 둔 원본 작성자."""
    return account_settings.account_view(session, user)


@router.put("/me/password", response_model=CredentialsEnded, summary="비밀번호 바꾸기", responses=ERRORS)
def change_password(request: Request, session: SessionDep, settings: SettingsDep, user: ApiUser,
                    data: PasswordChange):
    """지금 비밀번호가 맞아야 합니다(틀리면 403 `wrong_password`). 이 요청의 토큰(또는 세션)만 남기고 다른 로그인
    세션과 API 토큰은 모두 끝납니다."""
    ended = _checked_password(request, user.username, lambda: account_settings.change_password(
        session, user, current=data.current_password, new=data.new_password, keep=credential_of(request),
        testing=settings.testing))
    return ended.public()


@router.put("/me/display-name", response_model=AccountPublic, summary="표시 이름 바꾸기", responses=ERRORS)
def change_display_name(request: Request, session: SessionDep, user: ApiUser, data: DisplayNameUpdate):
    """가입 때와 같은 규칙: 다른 계정이나 원본 자료의 작성자가 쓰는 이름이면 409. 이전 이름은 기록에 남고, 이 계정의
    글은 모두 새 이름으로 보입니다."""
    limit_edits(request, user)
    account_settings.change_display_name(session, user, data.display_name)
    return account_settings.account_view(session, user)


@router.delete("/me", status_code=204, summary="탈퇴하기", responses=ERRORS)
def delete_me(request: Request, session: SessionDep, settings: SettingsDep, user: ApiUser, data: AccountDeletion):
    """비밀번호로 확인합니다. 글은 남고 "탈퇴한 사용자"로 보이며, 세션과 토큰은 사라지고 아이디는 다시 쓸 수
    없습니다."""
    _checked_password(request, user.username, lambda: account_settings.delete_account(
        session, user, password=data.password, testing=settings.testing))
    return Response(status_code=204)


class PasswordResetRequest(BaseModel):
    login: str = Field(max_length=300, description="아이디 또는 계정의 전자우편 주소")


class ResetRequested(BaseModel):
    message: str


@router.post("/password-reset/request", status_code=202, response_model=ResetRequested,
             summary="비밀번호 재설정 링크를 메일로 받기", responses=ERRORS)
def request_password_reset(request: Request, session: SessionDep, data: PasswordResetRequest):
    """그 아이디(또는 주소)의 계정에 전자우편 주소가 있으면 한 번 쓰는 재설정 링크를 백그라운드 작업이 메일로
    보냅니다. 누가 계정이 있는지 알리지 않도록 답은 언제나 같습니다(202). 메일 서버 설정(KB_SMTP_HOST)이 없으면
    404 `email_unavailable`: 관리자가 `kb user reset-password`로 링크를 만들어 전합니다."""
    mailer = request.app.state.mailer
    if mailer is None:
        raise AppError(404, "이 사이트는 메일을 보내지 않습니다. 관리자에게 비밀번호 재설정 링크를 부탁하세요.",
                       code="email_unavailable")
    limit_logins(request, "forgot-password")
    for user_id in account_settings.accounts_to_reset(session, data.login):
        mailer.send_reset(user_id)
    return ResetRequested(message="그 계정에 전자우편 주소가 있으면 재설정 링크를 보냈습니다.")


@router.post("/password-reset", response_model=AccountPublic, summary="비밀번호 재설정 마치기",
             responses=ERRORS)
def finish_password_reset(request: Request, session: SessionDep, settings: SettingsDep,
                          data: PasswordResetFinish):
    """한 번 쓰는 재설정 토큰으로 새 비밀번호를 정합니다. 토큰이 없거나 쓰였거나 만료되면 404 `reset_invalid`.
    그 계정의 로그인 세션과 API 토큰은 모두 끝납니다."""
    limit_logins(request, "password-reset")
    user = account_settings.finish_reset(session, data.token, data.new_password, testing=settings.testing)
    return account_settings.account_view(session, user)
