"""Public schemas of the inbox and watches (API v1; the /inbox page renders the same objects)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field


class NotificationPublic(BaseModel):
    id: int
    kind: str = Field(description="answer(내 질문이나 지켜보는 질문에 답변) | reply(내 글에 답글)"
                                  " | accept(내 답변 채택) | mention(@아이디로 언급) | hide(운영자가 내 글을 숨김)"
                                  " | restore(숨긴 글을 되살림) | close(내 질문을 닫음) | duplicate(중복으로 닫음)")
    kind_name: str = Field(description="kind를 한국어로 (답변, 답글, 채택, 언급, 숨김, 되살림, 닫힘, 중복)")
    message: str = Field(description="한 줄 설명 (예: 민규 님이 「…」에 답변을 달았습니다.)")
    question_id: int
    question_title: str
    answer_id: int | None = Field(None, description="알림이 가리키는 답변·답글 (질문 본문의 언급이면 null)")
    actor: str | None = Field(None, description="일으킨 계정의 표시 이름 (탈퇴했으면 null)")
    actor_url: str | None = None
    url: str = Field(description="알림이 가리키는 글의 페이지 주소")
    other_url: str | None = Field(None, description="중복으로 닫혔으면 원래 질문의 주소 (아니면 null)")
    created_at: datetime
    read: bool
    read_at: datetime | None = None


class InboxPage(BaseModel):
    items: list[NotificationPublic] = Field(description="새 알림부터")
    unread_count: int = Field(description="읽지 않은 알림 수 (머리글의 숫자)")
    total: int = Field(description="이 목록(unread=1이면 읽지 않은 것만)의 전체 수")
    page: int
    per_page: int
    pages: int
    unread_only: bool = False
    url: str
    json_url: str


class MarkedRead(BaseModel):
    marked: int = Field(description="이번에 읽음으로 바뀐 알림 수")
    unread_count: int


class WatchState(BaseModel):
    question_id: int
    watching: bool


class NotificationSettings(BaseModel):
    email: str | None = Field(None, description="알림을 받을 전자우편 주소 (없으면 null)")
    email_notifications: bool = Field(description="알림을 전자우편으로도 받는지")
    email_available: bool = Field(description="이 사이트에 SMTP 설정이 있어 전자우편을 보낼 수 있는지")
