"""Inbox API: the account's notifications, mark-read, watching questions, e-mail settings."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from app import urls
from app.auth.deps import ApiUser
from app.http.deps import SessionDep
from app.http.params import IdPath, PageQuery
from app.schemas.notifications import InboxPage, MarkedRead, NotificationPublic, NotificationSettings, WatchState
from app.services import notifications

router = APIRouter(tags=["알림"])

ERRORS: dict[int | str, dict[str, Any]] = {code: {"description": f"`{{\"error\": {{...}}}}` ({code})"}
                                           for code in (401, 403, 404, 409, 413, 422, 429)}
InboxPerPage = Annotated[int, Query(ge=1, le=notifications.MAX_PER_PAGE,
                                    description=f"한 쪽의 알림 수 (1~{notifications.MAX_PER_PAGE})")]


class SettingsUpdate(BaseModel):
    email: str | None = Field(None, max_length=254, description="알림을 받을 전자우편 주소 (null이면 지움)")
    email_notifications: bool = Field(False, description="알림을 전자우편으로도 받기")


@router.get("/inbox", response_model=InboxPage, summary="내 알림 (새 것부터)", responses=ERRORS)
def get_inbox(session: SessionDep, user: ApiUser, page: PageQuery = 1,
              per_page: InboxPerPage = notifications.PER_PAGE,
              unread: Annotated[bool, Query(description="읽지 않은 것만")] = False):
    return notifications.inbox(session, user, page=page, per_page=per_page, unread_only=unread)


@router.post("/inbox/read-all", response_model=MarkedRead, summary="알림 모두 읽음", responses=ERRORS)
def read_all(session: SessionDep, user: ApiUser):
    return notifications.mark_all_read(session, user)


@router.post("/inbox/{notification_id}/read", response_model=NotificationPublic, summary="알림 하나 읽음",
             responses=ERRORS)
def read_one(session: SessionDep, user: ApiUser, notification_id: IdPath):
    return notifications.mark_read(session, user, notification_id)


@router.post("/questions/{question_id}/watch", status_code=201, response_model=WatchState,
             summary="질문 지켜보기 (새 답변을 알림으로)", responses=ERRORS)
def watch_question(session: SessionDep, user: ApiUser, question_id: IdPath):
    state = notifications.set_watch(session, user, question_id, True)
    return JSONResponse(state.model_dump(), status_code=201,
                        headers={"Location": urls.api(urls.question(question_id))})


@router.delete("/questions/{question_id}/watch", response_model=WatchState, summary="지켜보기 그만",
               responses=ERRORS)
def unwatch_question(session: SessionDep, user: ApiUser, question_id: IdPath):
    return notifications.set_watch(session, user, question_id, False)


@router.get("/me/notification-settings", response_model=NotificationSettings, summary="내 알림 설정",
            responses=ERRORS)
def get_settings(request: Request, user: ApiUser):
    return notifications.settings_of(user, email_available=request.app.state.mailer is not None)


@router.put("/me/notification-settings", response_model=NotificationSettings, summary="내 알림 설정 바꾸기",
            responses=ERRORS)
def put_settings(request: Request, session: SessionDep, user: ApiUser, data: SettingsUpdate):
    return notifications.update_settings(session, user, email=data.email, email_notifications=data.email_notifications,
                                         email_available=request.app.state.mailer is not None)
