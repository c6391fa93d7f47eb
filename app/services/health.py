"""Readiness: the database answers and its schema is the one this code was written for.

A process whose database was never upgraded (or is behind the code after a deploy) would answer
500s on the first write; the load balancer keeps it out of rotation until `kb db upgrade` has run.
"""

from __future__ import annotations

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from app.db.migrate import current_revisions, head_revisions
from app.errors import AppError
from app.schemas.health import Readiness

NOT_READY = "not_ready"


def readiness(engine: Engine) -> Readiness:
    """Ready, or AppError 503 (code not_ready) whose message says what is wrong and what to run."""
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
    return Readiness(status="ready", database="ok", schema_revision=", ".join(sorted(current)))
