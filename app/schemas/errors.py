"""The one error envelope as a schema, so the OpenAPI document describes every error body."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class ErrorBody(BaseModel):
    code: str = Field(description="기계가 읽는 오류 종류 (validation_error, not_found, rate_limited, busy, ...)")
    message: str = Field(description="사람이 읽는 한국어 설명")
    details: Any = Field(None, description="필드별 문제, 범위, retry_after 등 (없을 수 있음)")


class ErrorEnvelope(BaseModel):
    error: ErrorBody


# Every status an API operation may answer with besides its success, and what each means.
ERROR_STATUSES = {
    400: "요청 형식 오류",
    401: "로그인(API 토큰)이 필요함",
    403: "권한 없음 (CSRF, 남의 글)",
    404: "없는 대상",
    409: "현재 상태와 충돌",
    413: "요청 본문이 256KiB를 넘음",
    422: "입력값 오류 (필드와 범위)",
    429: "요청이 너무 많음 (`Retry-After`)",
    503: "잠시 저장할 수 없음 (`Retry-After`)",
}
