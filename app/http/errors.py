"""The HTTP side of the one error envelope (app/errors.py): exception handlers for AppError, HTTP
and validation errors, answering JSON, or a Korean error page to a browser.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import urlsplit, urlunsplit

from fastapi import FastAPI, Request
from fastapi.dependencies.models import Dependant
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import OperationalError
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.db.transactions import busy_error, is_lock_error
from app.errors import KOREAN_MESSAGES, STATUS_CODES, AppError, envelope
from app.services import accounts


def _spelled_out(value: Any) -> Any:
    """The value with every NaN/±inf float written as text ("nan", "inf"): JSON has no such numbers."""
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, dict):
        return {key: _spelled_out(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_spelled_out(item) for item in value]
    return value


class EnvelopeResponse(JSONResponse):
    """Error details echo what the client sent, and the error must reach the client whatever that was:
    a lone surrogate ("\\ud800" is valid JSON) cannot be encoded as UTF-8, so such a body falls back to
    ASCII escapes; a non-finite number (which JSON cannot hold) is written as text."""

    def render(self, content: Any) -> bytes:
        try:
            return super().render(content)
        except UnicodeEncodeError:
            return json.dumps(content, ensure_ascii=True, separators=(",", ":")).encode("ascii")
        except ValueError:  # "Out of range float values are not JSON compliant"
            return json.dumps(_spelled_out(content), ensure_ascii=True, separators=(",", ":")).encode("ascii")


def wants_html(request: Request) -> bool:
    if request.url.path.startswith("/api/"):
        return False
    return "text/html" in request.headers.get("accept", "")


# Pydantic's messages are English; the people reading them (also on the HTML error page) read Korean.
KOREAN_VALIDATION = {
    "missing": "값이 필요합니다.",
    "int_parsing": "정수여야 합니다.",
    "int_type": "정수여야 합니다.",
    "int_from_float": "정수여야 합니다.",
    "int_parsing_size": "너무 큰 정수입니다.",
    "float_parsing": "숫자여야 합니다.",
    "float_type": "숫자여야 합니다.",
    "finite_number": "유한한 수여야 합니다 (NaN, Infinity는 받지 않습니다).",
    "bool_parsing": "true 또는 false여야 합니다.",
    "string_type": "문자열이어야 합니다.",
    "list_type": "목록(배열)이어야 합니다.",
    "dict_type": "JSON 객체여야 합니다.",
    "model_attributes_type": "JSON 객체여야 합니다.",
    "greater_than_equal": "{ge} 이상이어야 합니다.",
    "greater_than": "{gt}보다 커야 합니다.",
    "less_than_equal": "{le} 이하여야 합니다.",
    "less_than": "{lt}보다 작아야 합니다.",
    "string_too_short": "{min_length}자 이상이어야 합니다.",
    "string_too_long": "{max_length}자 이하여야 합니다.",
    "literal_error": "다음 중 하나여야 합니다: {expected}",
    "enum": "다음 중 하나여야 합니다: {expected}",
    "extra_forbidden": "알 수 없는 필드입니다.",
}


LOCATIONS = ("body", "query", "path", "header", "cookie")


def _korean_message(err: dict) -> str:
    template = KOREAN_VALIDATION.get(err.get("type", ""))
    ctx = dict(err.get("ctx") or {})
    if isinstance(ctx.get("expected"), str):  # "'a', 'b' or 'c'"
        ctx["expected"] = ctx["expected"].replace(" or ", ", ")
    try:
        return template.format(**ctx) if template else err.get("msg", "")
    except (KeyError, IndexError):
        return err.get("msg", "")


def _validation_details(exc: RequestValidationError) -> list[dict]:
    details = []
    for err in exc.errors():
        if err.get("type") == "json_invalid":  # its loc is ("body", <character offset>), not a field
            details.append({"field": None, "message": "요청 본문이 올바른 JSON이 아닙니다.", "type": "json_invalid",
                            "position": (err.get("loc") or (None, None))[-1]})
            continue
        # loc starts with where the value came from; a field may itself be called "body" (a post's text).
        where, *parts = err.get("loc", ()) or ("",)
        loc = [str(part) for part in (parts if where in LOCATIONS else [where, *parts])]
        item = {"field": ".".join(loc) or None, "message": _korean_message(err), "type": err.get("type", "")}
        ctx = err.get("ctx") or {}
        for bound in ("ge", "gt", "le", "lt", "min_length", "max_length"):
            if bound in ctx:
                item[bound] = ctx[bound] if isinstance(ctx[bound], (int, float, str)) else str(ctx[bound])
        details.append(item)
    return details


def _way_back(request: Request) -> str | None:
    """Where a form that failed was sent from (this site's page only), so the error page can lead back to it."""
    if request.method != "POST":
        return None
    sent_from = urlsplit(request.headers.get("referer", ""))
    if sent_from.netloc != request.headers.get("host") or not sent_from.path.startswith("/"):
        return None
    return urlunsplit(("", "", sent_from.path, sent_from.query, ""))


def error_response(request: Request, status_code: int, code: str, message: str, details: Any = None,
                   headers: dict[str, str] | None = None, *, page_message: str | None = None):
    """page_message: what the HTML page says instead of `message` (which may name fields in English)."""
    if wants_html(request):
        templates = getattr(request.app.state, "templates", None)
        if templates is not None:
            return templates.TemplateResponse(
                request,
                "pages/error.html",
                {"status_code": status_code, "code": code, "message": page_message or message, "details": details,
                 "way_back": _way_back(request)},
                status_code=status_code,
                headers=headers,
            )
    return EnvelopeResponse(envelope(code, message, details), status_code=status_code, headers=headers)


def invalid_token() -> AppError:
    return AppError(401, "API 토큰이 올바르지 않거나 폐기되었습니다.", code="invalid_token",
                    headers={"WWW-Authenticate": 'Bearer error="invalid_token"'})


# Route dependencies that refuse a request without a valid account (app.auth.deps marks them): only a
# route that declares one answers an unknown token's invalid input with 401 rather than 422.
_ACCOUNT_DEPENDENCIES: set[Callable[..., Any]] = set()

D = TypeVar("D", bound=Callable[..., Any])


def needs_account(dependency: D) -> D:
    """Marks a route dependency as one that refuses a caller without a valid account."""
    _ACCOUNT_DEPENDENCIES.add(dependency)
    return dependency


def _declares_account(dependant: Dependant | None) -> bool:
    if dependant is None:
        return False
    return any(sub.call in _ACCOUNT_DEPENDENCIES or _declares_account(sub) for sub in dependant.dependencies)


async def _unknown_token(request: Request) -> bool:
    """Whether the request, to a route that needs an account, carries a bearer token of the site's
    shape that names no live account. A token of another shape is refused before the body is read
    (app.auth.deps.api_call); this one is looked up with the write, so a body FastAPI refuses first
    would have answered 422 to a caller who may not write at all. A route open to everyone judges
    its input as it would for anyone, token or not."""
    if not _declares_account(getattr(request.scope.get("route"), "dependant", None)):
        return False
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not accounts.may_be_api_token(token):
        return False

    def lookup() -> bool:
        with Session(request.app.state.engine) as session:
            return accounts.user_for_api_token(session, token) is None

    return await run_in_threadpool(lookup)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(AppError)
    async def _app_error(request: Request, exc: AppError):
        return error_response(request, exc.status_code, exc.code, exc.message, exc.details, exc.headers)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException):
        message = exc.detail if isinstance(exc.detail, str) and exc.detail and exc.detail not in (
            "Not Found", "Method Not Allowed") else KOREAN_MESSAGES.get(exc.status_code, "오류가 발생했습니다.")
        return error_response(request, exc.status_code, STATUS_CODES.get(exc.status_code, "error"), message,
                              headers=getattr(exc, "headers", None))

    @app.exception_handler(RequestValidationError)
    async def _validation_error(request: Request, exc: RequestValidationError):
        if await _unknown_token(request):  # who asks comes before what they sent
            refused = invalid_token()
            return error_response(request, 401, refused.code, refused.message, headers=refused.headers)
        details = _validation_details(exc)
        fields = ", ".join(d["field"] for d in details if d["field"])
        message = KOREAN_MESSAGES[422] + (f" ({fields})" if fields else "")
        message = next((d["message"] for d in details if d["type"] == "json_invalid"), message)
        # The page lists each field under its Korean name, so its message leaves the English names out.
        return error_response(request, 422, "validation_error", message, details,
                              page_message="아래 값을 확인해 주세요." if fields else None)

    @app.exception_handler(OperationalError)
    async def _database_error(request: Request, exc: OperationalError):
        """A write outside write_transaction (a login, a sign-up) that met SQLite's busy timeout while
        another process held the write lock: the client may retry, so 503 with Retry-After, not 500."""
        if is_lock_error(exc):
            busy = busy_error()
            return error_response(request, busy.status_code, busy.code, busy.message, busy.details, busy.headers)
        return await _unexpected(request, exc)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception):
        import logging

        logging.getLogger("app").exception("unhandled error on %s", request.url.path)
        return error_response(request, 500, "internal_error", KOREAN_MESSAGES[500])
