"""Moderation API: members flag posts; moderators hide, restore, dismiss flags, close and reopen
questions, suspend accounts and read the queue; admins read the log. Thin: parse, call a service."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from app import urls
from app.api.v1.writes import ERRORS
from app.auth.deps import ApiUser
from app.auth.limits import limit_posts
from app.http.deps import SessionDep
from app.http.params import MAX_ID, IdPath, PageQuery
from app.schemas.moderation import AccountStanding, FlagPublic, HiddenPosts, LogPage, ModerationQueue, QueueItem
from app.services import moderation

router = APIRouter(tags=["운영"])

REASON = Field(json_schema_extra={"minLength": 1, "maxLength": moderation.REASON_MAX},
               description=f"사유 (1~{moderation.REASON_MAX}자)")
UsernamePath = Annotated[str, Path(min_length=1, max_length=40)]
LogPerPage = Annotated[int, Query(ge=1, le=200, description="한 페이지의 개수 (1~200)")]


class FlagCreate(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"reason": "광고 글입니다."}]})

    reason: str = REASON


class HideRequest(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"reason": "광고 글이라 숨깁니다."}]})

    reason: str = REASON


class CloseRequest(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"duplicate_of": 12}, {"reason": "주제와 무관합니다."}]})

    reason: str | None = Field(None, json_schema_extra={"maxLength": moderation.REASON_MAX},
                               description="닫는 사유 (중복으로 닫으면 없어도 됩니다)")
    duplicate_of: int | None = Field(None, ge=1, le=MAX_ID, description="이 질문이 중복인 원래 질문의 id")


class SuspendRequest(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"days": 7, "reason": "광고 글을 거듭 올렸습니다."}]})

    days: int = Field(ge=1, le=moderation.SUSPEND_MAX_DAYS, description="정지 기간 (일)")
    reason: str = REASON


class Dismissed(BaseModel):
    dismissed: int = Field(description="정리한 신고 수")


def _flagged(flag: FlagPublic) -> JSONResponse:
    location = urls.api(urls.question(flag.question_id)) if flag.question_id else urls.api_answer(flag.answer_id or 0)
    return JSONResponse(flag.model_dump(mode="json"), status_code=201, headers={"Location": location})


@router.post("/questions/{question_id}/flags", status_code=201, response_model=FlagPublic,
             summary="질문 신고", responses=ERRORS)
def flag_question(request: Request, session: SessionDep, user: ApiUser, question_id: IdPath, data: FlagCreate):
    limit_posts(request, user)
    return _flagged(moderation.flag_post(session, user, question_id=question_id, reason=data.reason))


@router.post("/answers/{answer_id}/flags", status_code=201, response_model=FlagPublic,
             summary="답변·답글 신고", responses=ERRORS)
def flag_answer(request: Request, session: SessionDep, user: ApiUser, answer_id: IdPath, data: FlagCreate):
    limit_posts(request, user)
    return _flagged(moderation.flag_post(session, user, answer_id=answer_id, reason=data.reason))


@router.get("/moderation", response_model=ModerationQueue, summary="운영 대기열 (운영자)", responses=ERRORS)
def moderation_queue(session: SessionDep, user: ApiUser):
    return moderation.queue(session, user)


@router.get("/moderation/log", response_model=LogPage, summary="운영 기록 (관리자)", responses=ERRORS)
def moderation_log(session: SessionDep, user: ApiUser, page: PageQuery = 1, per_page: LogPerPage = 50):
    return moderation.moderation_log(session, user, page=page, per_page=per_page)


@router.get("/questions/{question_id}/hidden", response_model=HiddenPosts,
            summary="이 질문에서 숨긴 내 글과 그 사유 (운영자는 모두)", responses=ERRORS)
def hidden_posts(session: SessionDep, user: ApiUser, question_id: IdPath):
    return moderation.hidden_posts(session, user, question_id)


@router.post("/questions/{question_id}/hide", response_model=QueueItem, summary="질문 숨기기 (운영자)",
             responses=ERRORS)
def hide_question(session: SessionDep, user: ApiUser, question_id: IdPath, data: HideRequest):
    return moderation.hide_post(session, user, question_id=question_id, reason=data.reason)


@router.post("/answers/{answer_id}/hide", response_model=QueueItem, summary="답변·답글 숨기기 (운영자)",
             responses=ERRORS)
def hide_answer(session: SessionDep, user: ApiUser, answer_id: IdPath, data: HideRequest):
    return moderation.hide_post(session, user, answer_id=answer_id, reason=data.reason)


@router.post("/questions/{question_id}/restore", response_model=QueueItem, summary="숨긴 질문 되살리기 (운영자)",
             responses=ERRORS)
def restore_question(session: SessionDep, user: ApiUser, question_id: IdPath):
    return moderation.restore_post(session, user, question_id=question_id)


@router.post("/answers/{answer_id}/restore", response_model=QueueItem, summary="숨긴 답변·답글 되살리기 (운영자)",
             responses=ERRORS)
def restore_answer(session: SessionDep, user: ApiUser, answer_id: IdPath):
    return moderation.restore_post(session, user, answer_id=answer_id)


@router.delete("/questions/{question_id}/flags", response_model=Dismissed, summary="질문의 신고 정리 (운영자)",
               responses=ERRORS)
def dismiss_question_flags(session: SessionDep, user: ApiUser, question_id: IdPath):
    return Dismissed(dismissed=moderation.dismiss_flags(session, user, question_id=question_id))


@router.delete("/answers/{answer_id}/flags", response_model=Dismissed, summary="답변·답글의 신고 정리 (운영자)",
               responses=ERRORS)
def dismiss_answer_flags(session: SessionDep, user: ApiUser, answer_id: IdPath):
    return Dismissed(dismissed=moderation.dismiss_flags(session, user, answer_id=answer_id))


@router.post("/questions/{question_id}/close", summary="질문 닫기, 중복으로 닫기 (운영자)", responses=ERRORS)
def close_question(session: SessionDep, user: ApiUser, question_id: IdPath, data: CloseRequest):
    return moderation.close_question(session, user, question_id, reason=data.reason, duplicate_of=data.duplicate_of)


@router.post("/questions/{question_id}/reopen", summary="닫힌 질문 다시 열기 (운영자)", responses=ERRORS)
def reopen_question(session: SessionDep, user: ApiUser, question_id: IdPath):
    return moderation.reopen_question(session, user, question_id)


@router.post("/users/{username}/suspension", response_model=AccountStanding, summary="계정 정지 (운영자)",
             responses=ERRORS)
def suspend_account(session: SessionDep, user: ApiUser, username: UsernamePath, data: SuspendRequest):
    return moderation.suspend_account(session, user, username, days=data.days, reason=data.reason)


@router.delete("/users/{username}/suspension", response_model=AccountStanding, summary="계정 정지 풀기 (운영자)",
               responses=ERRORS)
def unsuspend_account(session: SessionDep, user: ApiUser, username: UsernamePath):
    return moderation.unsuspend_account(session, user, username)
