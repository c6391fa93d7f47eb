"""What an account sees of itself (settings page and GET /api/v1/me) and what a credential change ended."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field


class NameChange(BaseModel):
    old_name: str
    new_name: str
    changed_at: datetime


class AccountPublic(BaseModel):
    id: int
    username: str
    display_name: str
    created_at: datetime
    url: str = Field(description="이 계정의 글 목록 페이지 (/users/{username})")
    name_history: list[NameChange] = Field(description="표시 이름을 바꾼 기록, 최근 것부터")
    claimed_authors: list[str] = Field(description="편집자가 content/authors.toml로 이 계정에 이어 둔 원본 작성자 이름")


class CredentialsEnded(BaseModel):
    sessions_ended: int = Field(description="끝낸 다른 로그인 세션 수")
    tokens_revoked: int = Field(description="폐기한 API 토큰 수")
