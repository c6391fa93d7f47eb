"""Public schemas of moderation: flags, the moderation queue, the moderation log (API v1 and the pages)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

PostKind = Literal["question", "answer", "reply"]


class FlagPublic(BaseModel):
    id: int
    question_id: int | None
    answer_id: int | None
    reason: str
    created_at: datetime


class FlagReport(BaseModel):
    """One member's flag as a moderator sees it in the queue."""

    reason: str
    by: str = Field(description="신고한 계정의 아이디")
    created_at: datetime


class QueueItem(BaseModel):
    kind: PostKind
    id: int = Field(description="질문이면 질문 id, 답변·답글이면 답변 id")
    question_id: int
    question_title: str
    author: str | None
    author_url: str | None
    author_username: str | None = Field(None, description="쓴 계정의 아이디 (원본 글이면 null)")
    body_html: str
    hidden: bool
    hidden_reason: str | None = None
    hidden_at: datetime | None = None
    flags: list[FlagReport] = []
    url: str = Field(description="글이 보이는 페이지")
    api_url: str = Field(description="이 글의 숨기기·되살리기·신고 정리 API의 기준 주소")


class HiddenPosts(BaseModel):
    question: QueueItem | None = Field(None, description="숨긴 질문 (쓴 사람과 운영자에게만)")
    answers: list[QueueItem] = Field([], description="이 질문의 숨긴 답변·답글 중 내 것 (운영자는 모두)")


class ModerationQueue(BaseModel):
    flagged: list[QueueItem] = Field(description="처리를 기다리는 신고 (가장 오래된 신고부터)")
    hidden: list[QueueItem] = Field(description="숨긴 글 (최근에 숨긴 것부터)")
    suspended: list[SuspensionPublic] = Field([], description="지금 정지된 계정")
    open_flag_count: int


class SuspensionPublic(BaseModel):
    username: str
    display_name: str
    suspended_until: datetime
    reason: str | None
    url: str


class AccountStanding(BaseModel):
    username: str
    role: str = Field(description="member | moderator | admin")
    suspended: bool = Field(description="지금 정지되어 있는지")
    suspended_until: datetime | None
    suspended_reason: str | None


class LogEntry(BaseModel):
    id: int
    action: str = Field(description="hide | restore | dismiss | close | reopen | suspend | unsuspend | role")
    action_name: str = Field(description="한국어 이름")
    moderator: str | None = Field(description="한 운영자의 아이디 (명령줄에서 했으면 null)")
    question_id: int | None
    answer_id: int | None
    target_user: str | None = Field(description="대상 계정의 아이디")
    reason: str
    details: dict[str, Any]
    created_at: datetime
    url: str | None = Field(None, description="대상 글의 페이지")


class LogPage(BaseModel):
    items: list[LogEntry]
    total: int
    page: int
    per_page: int


ModerationQueue.model_rebuild()
