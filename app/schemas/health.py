"""What the operator's probes read: /healthz (the process answers) and /readyz (it can serve)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field


class Health(BaseModel):
    status: Literal["ok"] = Field(description="프로세스가 요청에 답함 (데이터베이스는 보지 않음)")


class Readiness(BaseModel):
    status: Literal["ready"] = Field(description="요청을 받아도 됨")
    database: Literal["ok"] = Field(description="데이터베이스에 연결됨")
    schema_revision: str = Field(description="데이터베이스의 Alembic 리비전 (코드의 head와 같음)")
    redis: Literal["ok", "not_configured"] = Field(
        description="KB_TASK_QUEUE_URL·KB_REDIS_URL의 Redis가 PING에 답함 (설정하지 않았으면 not_configured)")
