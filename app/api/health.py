"""Probes for load balancers and orchestrators, and Prometheus metrics, outside /api/v1 where operators
expect them."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from app.http.deps import EngineDep, SettingsDep
from app.http.metrics import CONTENT_TYPE
from app.schemas.health import Health, Readiness
from app.services import health

router = APIRouter(tags=["운영"])


@router.get("/healthz", response_model=Health, summary="살아 있음")
def healthz():
    """프로세스가 요청에 답합니다. 데이터베이스는 보지 않으므로 재시작 여부(liveness)를 정할 때 씁니다."""
    return Health(status="ok")


@router.get("/readyz", response_model=Readiness, summary="요청을 받을 준비가 됨",
            responses={503: {"description": "준비되지 않음 (데이터베이스에 연결할 수 없거나 스키마가 head가 아님, "
                                            "설정한 Redis가 답하지 않음) — 오류 봉투, code `not_ready`"}})
def readyz(engine: EngineDep, settings: SettingsDep):
    """데이터베이스에 연결되고 스키마가 코드의 Alembic head와 같고, 설정한 Redis(작업 대기열·요청 수 제한)가
    답할 때만 200입니다. 아니면 503으로, 무엇이 안 되는지와 무엇을 해야 하는지(`kb db upgrade`, 어느 설정의
    Redis인지) 말합니다. 부하 분산기가 이 주소로 서버를 순환에 넣고 뺍니다."""
    return health.readiness(engine, settings)


@router.get("/metrics", include_in_schema=False)
def metrics(request: Request):
    """Prometheus text format; the proxy keeps it from the public (deploy/)."""
    return Response(request.app.state.metrics.exposition(), media_type=CONTENT_TYPE)
