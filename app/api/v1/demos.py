"""Demo API: the catalogue, starting runs, reading them back, following them live. Thin routes."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Path, Query, Request
from fastapi.responses import JSONResponse, StreamingResponse
from starlette.concurrency import run_in_threadpool

from app.auth.limits import RunLimit
from app.demos import cards, service
from app.demos.schemas import (
    BoundaryRequest,
    DemoDetail,
    DemoSummary,
    QuestionResults,
    RunComparison,
    RunEstimate,
    RunPublic,
    RunRequest,
)
from app.http.deps import DemoEngineDep, SessionDep, SettingsDep
from app.http.params import IdPath
from app.http.sse import event_stream

router = APIRouter(tags=["실험"])

ERRORS: dict[int | str, dict[str, Any]] = {
    404: {"description": "없는 실험 또는 실행"}, 422: {"description": "매개변수·device 오류 (필드와 범위)"},
    429: {"description": "대기열이 가득 참 (`Retry-After`)"}}


RunId = Annotated[str, Path(max_length=64)]


@router.get("/demos", response_model=list[DemoSummary], summary="실험 목록")
def list_demos():
    return service.list_demos()


@router.get("/demos/{slug}", response_model=DemoDetail, summary="실험 하나: 매개변수 JSON 스키마, 질문, 인용",
            responses=ERRORS)
def demo_detail(slug: str, session: SessionDep):
    return service.demo_detail(session, slug)


@router.get("/demos/{slug}/estimate", response_model=RunEstimate, summary="실행 시간 예상", responses=ERRORS)
def estimate_run(slug: str, request: Request, engine: DemoEngineDep):
    """쿼리에 준 매개변수(없는 것은 기본값)와 `device`로 실행하면 이 서버의 CPU 작업 프로세스에서 걸릴 시간
    (`bench/demo_costs.py`가 맞춘 실험별 비용 모형). `over_limit`이면 같은 실행 요청은 `too_slow` 422로 거절되고,
    `driver`가 줄일 매개변수입니다. GPU 실행은 예상하지 않습니다 (`seconds: null`)."""
    return service.estimate_from_query(engine, slug, request.query_params.multi_items())


@router.post("/demos/{slug}/runs", response_model=RunPublic, status_code=202, summary="실험 실행", responses=ERRORS,
             dependencies=[RunLimit])
def start_run(slug: str, engine: DemoEngineDep, body: Annotated[RunRequest | None, Body()] = None):
    """`params`, `device`, `seed`는 모두 생략할 수 있습니다 (기본값, `auto`, 0). 같은 실험·매개변수·시드·장치의
    결과가 이미 있으면 바로 `succeeded`인 새 실행(`cached: true`)으로 답합니다. `Location`이 실행의 주소입니다."""
    submitted = service.start_run(engine, slug, body)
    public = service.run_public(submitted.run)
    return JSONResponse(public.model_dump(mode="json"), status_code=202, headers={"Location": public.api_url})


@router.post("/demos/{slug}/boundary-runs", response_model=RunPublic, status_code=202, summary="경계 실행",
             responses=ERRORS, dependencies=[RunLimit])
def start_boundary_run(slug: str, engine: DemoEngineDep, body: Annotated[BoundaryRequest | None, Body()] = None):
    """주장을 선언한 실험에서 매개변수 하나(`param`)를 값 여러 개(`values`)로 바꿔 가며 같은 시드로 재고, 값마다
    판정합니다. 둘 다 생략하면 실험이 정한 경계 (`GET /demos/{slug}`의 `boundary`)를 훑습니다. 나머지는
    `params`(기본값)로 고정합니다. 결과의 `boundary.points`가 값별 판정입니다."""
    submitted = service.start_boundary_run(engine, slug, body)
    public = service.run_public(submitted.run)
    return JSONResponse(public.model_dump(mode="json"), status_code=202, headers={"Location": public.api_url})


@router.get("/questions/{question_id}/results", response_model=QuestionResults, summary="질문에 연결된 실험의 결과",
            responses={404: {"description": "없는 질문"}})
def question_results(question_id: IdPath, session: SessionDep, engine: DemoEngineDep, settings: SettingsDep):
    """질문에 연결된 실험마다, 연결된 설정으로 가장 최근에 끝난 실행(`state: ready`) 또는 진행 중인 실행
    (`computing`)을 줍니다. 한 번도 실행되지 않은 설정은 서버 설정에 따라 이때 한 번 실행을 시작합니다."""
    return cards.question_results(session, engine, question_id, start_missing=settings.demo_precompute)


@router.get("/runs/compare", response_model=RunComparison, summary="같은 실험의 두 실행 비교", responses=ERRORS)
def compare_runs(a: Annotated[str, Query(max_length=300, description="실행 id 또는 주소")],
                 b: Annotated[str, Query(max_length=300, description="실행 id 또는 주소")],
                 engine: DemoEngineDep):
    """매개변수 차이, 지표별 두 평균과 95% 구간(겹치는지), 같은 차트를 겹친 계열(이름 앞에 A·B)."""
    return cards.compare_runs(engine, a, b)


@router.get("/runs/{run_id}", response_model=RunPublic, summary="실행 상태와 결과", responses=ERRORS)
def get_run(run_id: RunId, engine: DemoEngineDep):
    return service.run_detail(engine, run_id)


@router.get("/runs/{run_id}/events", summary="실행 진행 상황 (server-sent events)", responses=ERRORS,
            response_class=StreamingResponse)
async def run_events(run_id: RunId, request: Request, engine: DemoEngineDep):
    """`status`, `progress`(진행률, 메시지, 지금까지의 차트 계열), 마지막으로 `result`(GET /runs/{id}와 같은 본문)를
    보내고 스트림을 닫습니다."""
    await run_in_threadpool(service.get_run_or_404, engine, run_id)
    return StreamingResponse(
        event_stream(service.run_events(engine, run_id, request.is_disconnected)),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )
