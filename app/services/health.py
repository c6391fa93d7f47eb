"""Readiness: the database answers and its schema is the one this code was written for, and the Redis
this server relies on (the task queue, the shared rate limits) answers when one is configured.

A process whose database was never upgraded (or is behind the code after a deploy) would answer
500s on the first write; the load balancer keeps it out of rotation until `kb db upgrade` has run.
A server configured for Redis that cannot reach it would answer every run request and every
rate-limited write with 503, so it is kept out of rotation too, with the setting that names the Redis.
"""

from __future__ import annotations

from typing import Literal

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from app.config import Settings
from app.db.migrate import current_revisions, head_revisions
from app.errors import AppError
from app.schemas.health import Readiness

NOT_READY = "not_ready"
REDIS_TIMEOUT_S = 2.0  # a probe must answer before the load balancer's own timeout


def _redis_urls(settings: Settings) -> dict[str, str]:
    """Each Redis this server uses, by the setting that names it (one entry when both name the same)."""
    urls: dict[str, str] = {}
    if settings.task_queue_url:
        urls["KB_TASK_QUEUE_URL"] = settings.task_queue_url
    if settings.redis_url and settings.redis_url != settings.task_queue_url:
        urls["KB_REDIS_URL"] = settings.redis_url
    return urls


def _check_redis(settings: Settings) -> Literal["ok", "not_configured"]:
    from redis import Redis
    from redis.exceptions import RedisError

    urls = _redis_urls(settings)
    for setting, url in urls.items():
        client = Redis.from_url(url, socket_connect_timeout=REDIS_TIMEOUT_S, socket_timeout=REDIS_TIMEOUT_S)
        try:
            client.ping()
        except RedisError as exc:
            raise AppError(503, f"Redis에 연결할 수 없습니다 ({setting}): 작업 대기열과 요청 수 제한을 쓸 수 없습니다.",
                           code=NOT_READY, details={"database": "ok", "redis": "unreachable", "setting": setting,
                                                    "reason": type(exc).__name__}) from None
        finally:
            client.close()
    return "ok" if urls else "not_configured"


def readiness(engine: Engine, settings: Settings | None = None) -> Readiness:
    """Ready, or AppError 503 (code not_ready) whose message says what is wrong and what to run.
    With `settings`, every Redis they name must answer a PING too."""
    try:
        with engine.connect() as connection:
            current = current_revisions(connection)
    except SQLAlchemyError as exc:
        reason = type(getattr(exc, "orig", None) or exc).__name__  # the driver's error class, not its text
        raise AppError(503, "데이터베이스에 연결할 수 없습니다.", code=NOT_READY,
                       details={"database": "unreachable", "reason": reason}) from None
    heads = head_revisions()
    if current != heads:
        shown = ", ".join(sorted(current)) or "없음"
        raise AppError(503, f"데이터베이스 스키마가 코드와 다릅니다 (데이터베이스 {shown}, 코드 "
                       f"{', '.join(sorted(heads))}): kb db upgrade를 실행하세요.", code=NOT_READY,
                       details={"database": "ok", "schema_revision": sorted(current), "expected": sorted(heads)})
    redis = _check_redis(settings) if settings is not None else "not_configured"
    return Readiness(status="ready", database="ok", schema_revision=", ".join(sorted(current)), redis=redis)
