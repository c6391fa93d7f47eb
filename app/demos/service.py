"""Demo use cases. Each function feeds both an HTML page and its JSON twin."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from dataclasses import dataclass

from anyio import to_thread
from sqlmodel import Session

from app import urls
from app.db.models import LINK_AUTO, DemoRun
from app.db.queries import content as content_queries
from app.db.queries import demos as queries
from app.demos import costs, registry
from app.demos.base import DemoParams, DemoResult, DemoSpec
from app.demos.boundary import default_boundary, sweep_params
from app.demos.engine import TERMINAL_STATUSES, DemoEngine, Submitted, canonical_params, params_json
from app.demos.evidence import verdict_sentence
from app.demos.execute import DEFAULT_SEED, DEVICES, MAX_SEED, DeviceUnavailable
from app.demos.linking import confidence
from app.demos.params import ParamsInvalid, coerce_strings, param_fields, query_string, validate_params
from app.demos.runner import QueueFull, RunnerUnavailable
from app.demos.schemas import (
    BoundaryRequest,
    ClaimSpecPublic,
    DemoDetail,
    DemoSummary,
    LinkedQuestion,
    PresetVerdict,
    QuestionRefPublic,
    RunEstimate,
    RunProgress,
    RunPublic,
    RunRequest,
    SweepPublic,
    result_public,
)
from app.errors import AppError
from app.schemas.content import (
    CorrectionDemo,
    CorrectionMeasured,
    CorrectionPublic,
    DemoLinkPublic,
    ReferencePublic,
)

EVENT_POLL_S = 1.0  # how often a stream re-reads the database when no live event comes


def demo_url(slug: str) -> str:
    return urls.demo(slug)


def run_url(run_id: str) -> str:
    return urls.run(run_id)


def prefilled_demo_url(slug: str, params: dict, **extra) -> str:
    query = query_string(params, **extra)
    return demo_url(slug) + (f"?{query}" if query else "")


def changed_params(spec: DemoSpec, params: DemoParams) -> dict:
    defaults = canonical_params(spec.params())
    return {name: value for name, value in canonical_params(params).items() if defaults.get(name) != value}


def breaking_url(spec: DemoSpec) -> str | None:
    """The demo page with the parameters where its claim is expected to break filled in."""
    if spec.breaking is None:
        return None
    return prefilled_demo_url(spec.slug, changed_params(spec, spec.breaking))


def get_spec_or_404(slug: str) -> DemoSpec:
    spec = registry.get_demo(slug)
    if spec is None:
        raise AppError(404, f"'{slug}' 실험을 찾을 수 없습니다.", code="demo_not_found")
    return spec


def _summary(spec: DemoSpec) -> dict:
    return dict(
        slug=spec.slug, title=spec.title, summary=spec.summary, version=spec.version, gpu_aware=spec.gpu_aware,
        concepts=list(spec.concepts),
        questions=[QuestionRefPublic(where=q.where, note=q.note) for q in spec.questions],
        citations=list(spec.citations), url=demo_url(spec.slug), api_url=urls.api(urls.demo(spec.slug)),
    )


def list_demos() -> list[DemoSummary]:
    return [DemoSummary(**_summary(spec)) for spec in registry.all_demos()]


def _preset_verdict(session: Session, spec: DemoSpec, params: DemoParams) -> PresetVerdict | None:
    run = queries.latest_result(session, spec.slug, spec.version, params_json(params))
    if run is None or not run.result_json:
        return None
    result = result_public(DemoResult.model_validate_json(run.result_json), run.seed, spec)
    if result.verdict is None:
        return None
    return PresetVerdict(run_id=run.id, run_url=run_url(run.id), verdict=result.verdict,
                         verdict_word=result.verdict_word or "", claims=result.claims, seeds=result.seeds)


def demo_detail(session: Session, slug: str) -> DemoDetail:
    spec = get_spec_or_404(slug)
    sweep = default_boundary(spec)
    linked = []
    for link, question in queries.links_for_demo(session, slug):
        params = json.loads(link.params_json or "{}")
        linked.append(LinkedQuestion(
            id=question.id, label=question.label, title=question.title, url=urls.question(question.id),
            params=params, demo_url=prefilled_demo_url(slug, params),
        ))
    return DemoDetail(
        **_summary(spec),
        params_schema=spec.params.model_json_schema(),
        defaults=canonical_params(spec.params()),
        smallest=canonical_params(spec.smallest),
        claims=[ClaimSpecPublic(statement=c.statement, metric=c.metric, metric_label=c.metric_label,
                                direction=c.direction, margin=c.margin) for c in spec.claims],
        breaking=canonical_params(spec.breaking) if spec.breaking is not None else None,
        breaking_changes=changed_params(spec, spec.breaking) if spec.breaking is not None else None,
        breaking_url=breaking_url(spec),
        verdict_at_defaults=_preset_verdict(session, spec, spec.params()) if spec.claims else None,
        verdict_at_breaking=(_preset_verdict(session, spec, spec.breaking)
                             if spec.claims and spec.breaking is not None else None),
        boundary=SweepPublic(param=sweep.param, values=list(sweep.values)) if sweep is not None else None,
        boundary_runs_url=urls.demo_boundary_runs(slug) if sweep is not None else None,
        devices=list(DEVICES),
        default_seed=DEFAULT_SEED,
        runs_url=urls.demo_runs(slug),
        linked_questions=linked,
    )


def question_demo_links(session: Session, question_id: int) -> list[DemoLinkPublic]:
    """The demos panel of a question page (and `demos` of its JSON)."""
    links = []
    for link in content_queries.demo_links_for(session, question_id):
        spec = registry.get_demo(link.demo_slug)
        if spec is None:  # the module was removed since the last ingest
            continue
        params = json.loads(link.params_json or "{}")
        auto = link.match == LINK_AUTO
        links.append(DemoLinkPublic(slug=spec.slug, title=spec.title, params=params,
                                    url=prefilled_demo_url(spec.slug, params), breaking_url=breaking_url(spec),
                                    concepts=json.loads(link.concepts_json or "[]"),
                                    match="auto" if auto else "editor",
                                    score=confidence(link.score) if auto and link.score is not None else None))
    return links


def question_corrections(session: Session, question_id: int) -> list[CorrectionPublic]:
    """The "답변과 다른 점" boxes of a question page (and `corrections` of its JSON)."""
    out = []
    for row in content_queries.question_corrections(session, question_id):
        out.append(CorrectionPublic(
            answer_id=row.answer_id, sentence=row.sentence, correction=row.correction,
            source=ReferencePublic(title=row.source_title, url=row.source_url),
            demo=_correction_demo(session, row.demo_slug, json.loads(row.params_json or "{}"), row.claim_metric),
        ))
    return out


def _correction_demo(session: Session, slug: str | None, params: dict, claim_metric: str | None) -> CorrectionDemo | None:
    spec = registry.get_demo(slug) if slug else None
    if spec is None:
        return None
    claim = next((c for c in spec.claims if c.metric == claim_metric), None)
    measured = None
    if claim is not None:
        try:
            validated = validate_params(spec.params, params)
        except ParamsInvalid:  # the demo's parameters changed since the last ingest
            validated = None
        run = queries.latest_result(session, spec.slug, spec.version, params_json(validated)) if validated else None
        if run is not None and run.result_json:
            result = DemoResult.model_validate_json(run.result_json)
            outcome = next((c for c in result.claims if c.metric == claim.metric), None)
            if outcome is not None:
                outcome = outcome.model_copy(update={"metric_label": claim.metric_label})
                measured = CorrectionMeasured(
                    verdict=outcome.verdict, sentence=verdict_sentence(outcome, len(result.seeds)), mean=outcome.mean,
                    ci95=outcome.ci95, seeds=result.seeds, run_url=run_url(run.id))
    return CorrectionDemo(slug=spec.slug, title=spec.title, url=prefilled_demo_url(spec.slug, params),
                          claim=claim.statement if claim else None, measured=measured)


# The most torch threads a script may be asked to default to (more than any machine here has cores).
MAX_SCRIPT_THREADS = 256


def standalone_script(slug: str, params: dict, seed: int, threads: int) -> tuple[str, str]:
    """`kb demo export` and the page's download: (file name, script) for the experiment at ``params``
    (validated here; a 422 names each bad one) from ``seed``, on ``threads`` torch threads by default
    (the engine's: with another count the numbers may differ in their last bits, or more)."""
    from app.demos.standalone.bundle import standalone_script as script_text

    spec = get_spec_or_404(slug)
    if not 0 <= seed <= MAX_SEED:
        raise AppError(422, f"시드는 0 이상 {MAX_SEED} 이하의 정수여야 합니다")
    if not 1 <= threads <= MAX_SCRIPT_THREADS:
        raise AppError(422, f"스레드 수는 1 이상 {MAX_SCRIPT_THREADS} 이하의 정수여야 합니다")
    try:
        validated = validate_params(spec.params, params)
    except ParamsInvalid as exc:
        raise params_error(exc, prefix="") from None
    return f"{slug}-seed{seed}.py", script_text(spec, validated, seed, threads)


def script_url(slug: str, params: dict, seed: int, threads: int | None = None) -> str:
    """The script's address; ``threads`` where a run recorded its own count (else the server's applies)."""
    extra = {"seed": seed} if threads is None else {"seed": seed, "threads": threads}
    return urls.demo_script(slug) + "?" + query_string(params, **extra)


# --- runs ---------------------------------------------------------------------------------------


def run_public(run: DemoRun, live_progress: dict | None = None) -> RunPublic:
    """``live_progress``: this process's latest report of a run in flight, newer than the stored one."""
    spec = registry.get_demo(run.demo_slug)
    params = json.loads(run.params_json or "{}")
    if live_progress is not None and run.status not in TERMINAL_STATUSES:
        progress = RunProgress.model_validate(live_progress)
    else:
        progress = RunProgress.model_validate_json(run.progress_json) if run.progress_json else None
    result = (result_public(DemoResult.model_validate_json(run.result_json), run.seed, spec) if run.result_json
              else None)
    return RunPublic(
        kind="boundary" if run.kind == "boundary" else "run",
        sweep=SweepPublic.model_validate_json(run.sweep_json) if run.sweep_json else None,
        id=run.id, demo_slug=run.demo_slug, demo_title=spec.title if spec else run.demo_slug,
        demo_version=run.demo_version, status=run.status, params=params, seed=run.seed,
        device_requested=run.device_requested, device=run.device_used, device_name=run.device_name,
        torch_version=run.torch_version, cached=run.cached_from is not None, cached_from=run.cached_from,
        progress=progress, result=result, error=run.error, wall_ms=run.wall_ms, created_at=run.created_at,
        started_at=run.started_at, finished_at=run.finished_at, url=run_url(run.id),
        api_url=urls.api(urls.run(run.id)), events_url=urls.run_events(run.id),
        reproduce_url=prefilled_demo_url(run.demo_slug, params, seed=run.seed, device=run.device_requested),
    )


def params_error(exc: ParamsInvalid, prefix: str = "params.") -> AppError:
    details = [{**d, "field": f"{prefix}{d['field']}" if d.get("field") else d.get("field")} for d in exc.details]
    return AppError(422, exc.message, code="invalid_params", details=details)


def start_run(engine: DemoEngine, slug: str, request: RunRequest | None) -> Submitted:
    """Validate, then store and queue a run (or answer from the cache). All refusals are AppErrors."""
    spec = get_spec_or_404(slug)
    request = request or RunRequest()
    try:
        params = validate_params(spec.params, request.params)
    except ParamsInvalid as exc:
        raise params_error(exc) from None
    found = run_estimate(engine, spec, params, request.device, probe=True)
    if found.over_limit:
        raise _too_slow(found)
    return _submit(engine, spec, params, request, None)


def run_estimate(engine: DemoEngine, spec: DemoSpec, params: DemoParams, device: str = "auto", *,
                 probe: bool = False) -> RunEstimate:
    """The cost model's time for these parameters; runs on a GPU are not estimated (nor refused).

    Whether "auto" means a GPU is the workers' to say: `probe` starts the pool (a run is about to need it)
    and a page only showing the estimate asks a pool already running; until the workers have answered,
    "auto" is taken for the CPU (a run never waits for them to start).
    """
    limit = engine.settings.demo_time_limit_s
    resolved: str | None = None
    if device == "cpu":
        resolved = "cpu"
    elif probe or engine.runner_started:
        try:  # what the workers said, if they have: a run's request never waits for them to start
            resolved = engine.known_device(device)
        except DeviceUnavailable:  # said by the run itself, with the device's own message
            resolved = "cuda"
    on_cpu = resolved == "cpu" if resolved is not None else device == "auto"
    found = costs.estimate(spec, params) if on_cpu else None
    if found is None:
        return RunEstimate(seconds=None, limit_s=limit, over_limit=False)
    labels = {f.name: f.short_label for f in param_fields(spec.params)}
    refused = engine.settings.demo_refuse_too_slow and costs.over_limit(found, limit)
    return RunEstimate(seconds=round(found.seconds, 2), limit_s=limit, over_limit=refused,
                       driver=found.driver, driver_label=labels.get(found.driver) if found.driver else None)


def estimate_from_query(engine: DemoEngine, slug: str, query: Iterable[tuple[str, str]]) -> RunEstimate:
    """The estimate for parameters written as a query string (the demo form's fields, `device`)."""
    spec = get_spec_or_404(slug)
    grouped: dict[str, list[str]] = {}
    device = "auto"
    for name, value in query:
        if name == "device":
            device = value
        elif name not in ("seed", "csrf_token"):
            grouped.setdefault(name, []).append(value)
    if device not in DEVICES:
        raise AppError(422, "장치는 auto, cpu, cuda 중 하나여야 합니다.", code="invalid_params",
                       details=[{"field": "device", "message": "auto, cpu, cuda 중 하나"}])
    try:
        params = validate_params(spec.params, coerce_strings(spec.params, grouped))
    except ParamsInvalid as exc:
        raise params_error(exc, prefix="") from None
    return run_estimate(engine, spec, params, device)


def _too_slow(found: RunEstimate) -> AppError:
    seconds, limit = round(found.seconds or 0), round(found.limit_s)
    lower = f" '{found.driver_label}'({found.driver}) 값을 줄여 주세요." if found.driver else " 설정을 줄여 주세요."
    message = f"이 설정은 약 {seconds}초 걸릴 것으로 보여 실행 시간 제한 {limit}초를 넘습니다.{lower}"
    field = f"params.{found.driver}" if found.driver else None
    return AppError(422, message, code="too_slow", details=[{
        "field": field, "message": message, "estimate_s": found.seconds, "limit_s": found.limit_s}])


def start_boundary_run(engine: DemoEngine, slug: str, request: BoundaryRequest | None) -> Submitted:
    """A boundary run ("경계"): the claim judged at each value of one parameter. AppErrors as start_run."""
    spec = get_spec_or_404(slug)
    request = request or BoundaryRequest()
    planned = default_boundary(spec)
    if planned is None:
        raise AppError(422, f"'{slug}' 실험은 판정할 주장이 없어 경계를 찾을 수 없습니다.", code="no_claims")
    param = request.param or planned.param
    values = request.values if request.values is not None else (
        list(planned.values) if param == planned.param else None)
    if values is None:
        raise AppError(422, "다른 매개변수를 훑으려면 values도 주세요.", code="invalid_params",
                       details=[{"field": "values", "message": "values가 필요합니다"}])
    try:
        params = validate_params(spec.params, request.params)
    except ParamsInvalid as exc:
        raise params_error(exc) from None
    try:
        points = sweep_params(spec, params, param, values)
    except ParamsInvalid as exc:
        raise params_error(exc, prefix="") from None
    values = [point.model_dump(mode="json")[param] for point in points]  # as the parameter's type has them
    return _submit(engine, spec, params, request, {"param": param, "values": values})


def _submit(engine: DemoEngine, spec: DemoSpec, params: DemoParams, request: RunRequest,
            sweep: dict | None) -> Submitted:
    seed = DEFAULT_SEED if request.seed is None else request.seed
    try:
        return engine.submit(spec, params, device=request.device, seed=seed, use_cache=not request.fresh,
                             sweep=sweep)
    except DeviceUnavailable as exc:
        raise AppError(422, str(exc), code="device_unavailable",
                       details=[{"field": "device", "value": request.device, "allowed": ["auto", "cpu"],
                                 "message": str(exc)}]) from None
    except QueueFull as exc:
        seconds = exc.retry_after_s
        raise AppError(429, f"실험 대기열이 가득 찼습니다. {seconds}초 후에 다시 시도해 주세요.", code="queue_full",
                       retry_after=seconds) from None
    except RunnerUnavailable as exc:
        raise AppError(503, f"실험 실행기를 쓸 수 없습니다: {exc}", code="runner_unavailable") from None


def get_run_or_404(engine: DemoEngine, run_id: str) -> DemoRun:
    run = engine.get(run_id) if len(run_id) <= 64 else None
    if run is None:
        raise AppError(404, f"'{run_id}' 실행을 찾을 수 없습니다.", code="run_not_found")
    return run


def run_detail(engine: DemoEngine, run_id: str) -> RunPublic:
    return run_public(get_run_or_404(engine, run_id), engine.latest_progress(run_id))


def recent_runs(engine: DemoEngine, slug: str, limit: int = 10) -> list[RunPublic]:
    return [run_public(run) for run in engine.recent(slug, limit)]


@dataclass(frozen=True)
class RunEvent:
    """What a follower of a run is told: `status`, `progress` (fraction, message, partial charts) or the
    final `result` (the run as GET /api/v1/runs/{id} gives it, JSON text); `waiting` after each EVENT_POLL_S
    without a live report, the run still going (a stream's chance to keep an idle connection open)."""

    name: str
    data: dict | str | None = None


@dataclass
class _Shown:
    """What a follower has been told so far."""

    status: str
    progress: dict | None
    ended: bool = False


async def run_events(engine: DemoEngine, run_id: str,
                     is_disconnected: Callable[[], Awaitable[bool]]) -> AsyncIterator[RunEvent]:
    """The run's status and progress as they change, then its result, after which the events end.

    Live reports come from this process's runner; a run being executed elsewhere (another web
    process) is followed by re-reading the database.
    """
    queue = engine.subscribe(run_id)
    try:
        run = await to_thread.run_sync(engine.get, run_id)
        if run is None:
            return
        yield RunEvent("status", {"status": run.status})
        if run.status in TERMINAL_STATUSES:
            yield RunEvent("result", run_public(run).model_dump_json())
            return
        shown = _Shown(run.status, engine.latest_progress(run_id) or _stored_progress(run))
        if shown.progress:
            yield RunEvent("progress", shown.progress)
        while not shown.ended:
            try:
                name, data = await asyncio.wait_for(queue.get(), timeout=EVENT_POLL_S)
            except TimeoutError:
                if await is_disconnected():
                    return
                async for event in _from_database(engine, run_id, shown):
                    yield event
                continue
            if name == "done":
                run = await to_thread.run_sync(engine.get, run_id)
                if run is not None:
                    yield RunEvent("result", run_public(run).model_dump_json())
                return
            if name == "status":
                shown.status = data["status"]
            elif name == "progress":
                shown.progress = data
            yield RunEvent(name, data)
    finally:
        engine.unsubscribe(run_id, queue)


def _stored_progress(run: DemoRun) -> dict | None:
    return json.loads(run.progress_json) if run.progress_json else None


async def _from_database(engine: DemoEngine, run_id: str, shown: _Shown) -> AsyncIterator[RunEvent]:
    """No live report came: what the database says of the run (executed by another process, or gone)."""
    run = await to_thread.run_sync(engine.get, run_id)
    if run is None or run.status in TERMINAL_STATUSES:
        shown.ended = True
        if run is not None:
            yield RunEvent("result", run_public(run).model_dump_json())
        return
    if run.status != shown.status:
        shown.status = run.status
        yield RunEvent("status", {"status": run.status})
    stored = _stored_progress(run)
    if stored and stored != shown.progress and engine.latest_progress(run_id) is None:
        shown.progress = stored
        yield RunEvent("progress", stored)
    yield RunEvent("waiting")
