"""AppError and the one error envelope, {"error": {"code", "message", "details"?}}.

Services raise AppError without knowing HTTP; app/http/errors.py turns it into the envelope (API)
or a Korean error page (HTML). Nothing here imports FastAPI.
"""

from __future__ import annotations

from typing import Any

STATUS_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "rate_limited",
    500: "internal_error",
    503: "unavailable",
}

KOREAN_MESSAGES = {
    400: "요청이 올바르지 않습니다.",
    401: "로그인이 필요합니다.",
    403: "권한이 없습니다.",
    404: "찾을 수 없습니다.",
    405: "허용되지 않는 메서드입니다.",
    409: "요청이 현재 상태와 충돌합니다.",
    413: "요청이 너무 큽니다.",
    422: "입력값이 올바르지 않습니다.",
    429: "요청이 너무 많습니다. 잠시 후 다시 시도해 주세요.",
    500: "서버 오류가 발생했습니다.",
}


class AppError(Exception):
    """Raised by services; turned into the envelope (API) or an error page (HTML)."""

    def __init__(
        self,
        status_code: int,
        message: str | None = None,
        *,
        code: str | None = None,
        details: Any = None,
        headers: dict[str, str] | None = None,
        retry_after: int | None = None,
    ) -> None:
        """`retry_after`: seconds after which the same request may succeed (a full queue, a rate limit,
        a busy database); it becomes the Retry-After header and, unless `details` says more, the details."""
        super().__init__(message or KOREAN_MESSAGES.get(status_code, ""))
        self.status_code = status_code
        self.message = message or KOREAN_MESSAGES.get(status_code, "오류가 발생했습니다.")
        self.code = code or STATUS_CODES.get(status_code, "error")
        self.details: Any = {"retry_after": retry_after} if details is None and retry_after is not None else details
        self.headers = {**({"Retry-After": str(retry_after)} if retry_after is not None else {}), **(headers or {})}


def envelope(code: str, message: str, details: Any = None) -> dict[str, Any]:
    body: dict[str, Any] = {"code": code, "message": message}
    if details is not None:
        body["details"] = details
    return {"error": body}
