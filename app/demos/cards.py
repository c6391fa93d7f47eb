"""Runs where readers are: a question's linked experiments with their latest results, and two runs
of one experiment side by side. Each function feeds an HTML fragment or page and its JSON twin.

A linked preset is computed once, on the first view of a question that shows it (when the server
allows it: Settings.demo_precompute), through the engine's run cache: the set of linked presets is
finite (one per link), so readers and crawlers together start at most one run per link and version.
A preset whose last run failed is not started again by a view; the reader's "실행" retries it.
"""

from __future__ import annotations

import math
from urllib.parse import urlsplit

from sqlmodel import Session

from app import urls
from app.db.queries import content as content_queries
from app.db.queries import demos as queries
from app.demos import registry
from app.demos.base import Chart
from app.demos.engine import TERMINAL_STATUSES, DemoEngine, params_json
from app.demos.evidence import MetricSummary
from app.demos.execute import DEFAULT_SEED, DeviceUnavailable
from app.demos.metric_names import metric_label
from app.demos.params import ParamsInvalid, param_fields, validate_params
from app.demos.runner import QueueFull, RunnerUnavailable
from app.demos.schemas import (
    MetricComparison,
    ParamDifference,
    QuestionDemoResult,
    QuestionResults,
    RunComparison,
    RunOrigin,
    RunPublic,
)
from app.demos.service import get_run_or_404, question_demo_links, run_public
from app.errors import AppError

RUN_ID_MAX = 64


def question_results(session: Session, engine: DemoEngine, question_id: int, *,
                     start_missing: bool) -> QuestionResults:
    """Each linked experiment of the question with the latest run at its linked parameters."""
    if content_queries.get_question(session, question_id) is None:
        raise AppError(404, f"{question_id}번 질문을 찾을 수 없습니다.")
    items = []
    for link in question_demo_links(session, question_id):
        spec = registry.get_demo(link.slug)
        if spec is None:
            continue
        item = QuestionDemoResult(demo=link, state="not_run")
        try:
            params = validate_params(spec.params, link.params)
        except ParamsInvalid as exc:  # a link written for an older version of the experiment
            items.append(item.model_copy(update={"state": "unavailable", "message": exc.message}))
            continue
        stored = params_json(params)
        done = queries.latest_result(session, spec.slug, spec.version, stored)
        attempt = None if done else queries.latest_attempt(session, spec.slug, spec.version, stored)
        if done is not None:
            item = item.model_copy(update={"state": "ready", "run": run_public(done)})
        elif attempt is not None and attempt.status not in TERMINAL_STATUSES:
            item = item.model_copy(update={"state": "computing",
                                           "run": run_public(attempt, engine.latest_progress(attempt.id))})
        elif attempt is not None:
            item = item.model_copy(update={
                "state": "unavailable", "run": run_public(attempt),
                "message": "최근 실행이 끝나지 못했습니다. '실행'으로 다시 시도할 수 있습니다."})
        elif start_missing and engine.room_for_presets() > 0:  # the rest stay "not run" with their button
            item = _start_preset(engine, item, spec, params)
        items.append(item)
    return QuestionResults(question_id=question_id, items=items)


def _start_preset(engine: DemoEngine, item: QuestionDemoResult, spec, params) -> QuestionDemoResult:
    try:
        submitted = engine.submit(spec, params, device="auto", seed=DEFAULT_SEED)
    except QueueFull:  # filled by other pages meanwhile: not run yet, its button starts it later
        return item
    except (RunnerUnavailable, DeviceUnavailable) as exc:
        return item.model_copy(update={"state": "unavailable", "message": f"실험 실행기를 쓸 수 없습니다: {exc}"})
    run = run_public(submitted.run)
    return item.model_copy(update={"state": "ready" if run.status == "succeeded" else "computing", "run": run})


def question_ref(session: Session, question_id: int | None) -> RunOrigin | None:
    """The question a run was started from (the run page's way back), if it still exists."""
    if question_id is None:
        return None
    question = content_queries.get_question(session, question_id)
    if question is None:
        return None
    return RunOrigin(id=question_id, label=question.label, title=question.title, url=urls.question(question_id))


# --- compare ------------------------------------------------------------------------------------


def run_id_from(text: str) -> str:
    """A run id from what a reader pastes: the id itself or any address of the run."""
    path = urlsplit(text.strip()).path.rstrip("/")
    return path.rsplit("/", 1)[-1] if "/" in path else path


def compare_runs(engine: DemoEngine, a: str, b: str) -> RunComparison:
    runs = []
    for field, text in (("a", a), ("b", b)):
        run_id = run_id_from(text)
        if not run_id or len(run_id) > RUN_ID_MAX:
            raise AppError(422, f"{field}에 비교할 실행의 주소나 id를 주세요.", code="invalid_params",
                           details=[{"field": field, "message": "실행 주소 또는 id가 필요합니다"}])
        run = get_run_or_404(engine, run_id)
        if run.kind != "run":
            raise AppError(422, "경계 실행은 비교할 수 없습니다. 한 설정의 실행끼리 비교해 주세요.",
                           code="invalid_params", details=[{"field": field, "message": "경계 실행입니다"}])
        runs.append(run_public(run, engine.latest_progress(run.id)))
    first, second = runs
    if first.demo_slug != second.demo_slug:
        raise AppError(422, f"서로 다른 실험의 실행입니다 ({first.demo_title} · {second.demo_title}). "
                            "같은 실험의 두 실행만 비교할 수 있습니다.", code="different_demos",
                       details=[{"field": "b", "message": f"{first.demo_slug} 실험의 실행이어야 합니다"}])
    return RunComparison(
        demo_slug=first.demo_slug, demo_title=first.demo_title, a=first, b=second,
        params_differ=_params_differ(first, second), seeds_differ=first.seed != second.seed,
        metrics=_metrics(first, second), charts=_overlaid_charts(first, second),
    )


def _params_differ(a: RunPublic, b: RunPublic) -> list[ParamDifference]:
    spec = registry.get_demo(a.demo_slug)
    labels = {f.name: f.short_label for f in param_fields(spec.params)} if spec is not None else {}
    names = list(a.params) + [name for name in b.params if name not in a.params]
    return [ParamDifference(name=name, label=labels.get(name, name), a=a.params.get(name), b=b.params.get(name))
            for name in names if a.params.get(name) != b.params.get(name)]


def _metrics(a: RunPublic, b: RunPublic) -> list[MetricComparison]:
    left = a.result.metrics if a.result else {}
    right = b.result.metrics if b.result else {}
    names = list(left) + [name for name in right if name not in left]
    return [_metric(a.demo_slug, name, left.get(name), right.get(name)) for name in names]


def _metric(slug: str, name: str, a: MetricSummary | None, b: MetricSummary | None) -> MetricComparison:
    difference = None
    if a is not None and b is not None and a.mean is not None and b.mean is not None:
        difference = b.mean - a.mean
        if not math.isfinite(difference):
            difference = None
    overlap = None
    if a is not None and b is not None and a.ci95 is not None and b.ci95 is not None:
        overlap = a.ci95[0] <= b.ci95[1] and b.ci95[0] <= a.ci95[1]
    return MetricComparison(name=name, label=metric_label(slug, name) or name, a=a, b=b, difference=difference,
                            intervals_overlap=overlap)


def _overlaid_charts(a: RunPublic, b: RunPublic) -> list[Chart]:
    """Charts of the same key drawn together, A's series first; a chart only one run has is kept."""
    charts: dict[str, Chart] = {}
    for tag, run in (("A", a), ("B", b)):
        shown = run.result.charts if run.result else (run.progress.charts if run.progress else [])
        for chart in shown:
            tagged = [s.model_copy(update={"name": f"{tag} · {s.name}"}) for s in chart.series]
            if chart.key in charts:
                merged = charts[chart.key]
                charts[chart.key] = merged.model_copy(update={"series": merged.series + tagged})
            else:
                charts[chart.key] = chart.model_copy(update={"series": tagged})
    return list(charts.values())
