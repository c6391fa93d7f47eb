"""Demo pages: the catalogue, a demo with its parameter form, a run (live with JavaScript, a
self-refreshing page without). JSON twins: /api/v1/demos, /api/v1/demos/{slug}, /api/v1/runs/{id}.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import ImmutableMultiDict

from app import urls
from app.auth.deps import CsrfOrSameOrigin
from app.auth.limits import RunLimit
from app.demos import cards, service
from app.demos.execute import DEFAULT_SEED, DEVICES, MAX_SEED
from app.demos.params import (
    ParamsInvalid,
    coerce_strings,
    display_value,
    labelled_values,
    param_fields,
    validate_params,
)
from app.demos.schemas import BoundaryRequest, RunRequest
from app.demos.standalone.source import experiment_source
from app.errors import AppError
from app.http.deps import DemoEngineDep, SessionDep, SettingsDep
from app.http.params import IdPath
from app.web.templating import RUN_STATUS_NAMES, canonical, render

router = APIRouter(include_in_schema=False)

FORM_MARKER = "_form"  # present when every field of the model was on the page (unticked boxes mean False)
RESERVED = {"csrf_token", "seed", "device", "question", "threads", FORM_MARKER}


def _param_values(spec, form: ImmutableMultiDict, *, full_form: bool) -> dict[str, Any]:
    grouped: dict[str, list[str]] = {}
    for name, value in form.multi_items():
        if name not in RESERVED and isinstance(value, str):
            grouped.setdefault(name, []).append(value)
    return coerce_strings(spec.params, grouped, unchecked_is_false=full_form)


def _form_context(spec, values: dict[str, Any], errors: list[dict], seed: Any, device: str) -> dict:
    defaults = spec.params().model_dump(mode="json")
    by_field: dict[str, list[str]] = {}
    for error in errors:
        name = (error.get("field") or "").split(".")[0]
        by_field.setdefault(name, []).append(error["message"])
    fields = []
    for field in param_fields(spec.params):
        value = values.get(field.name, defaults.get(field.name))
        fields.append({"field": field, "value": value, "shown": display_value(value),
                       "errors": [m.removeprefix(f"{field.name}: ") for m in by_field.pop(field.name, [])]})
    return {"fields": fields, "other_errors": [m for ms in by_field.values() for m in ms], "seed": seed,
            "device": device, "devices": DEVICES, "max_seed": MAX_SEED, "form_marker": FORM_MARKER}


def _code_panel(slug: str, params: dict, seed: Any, threads: int | None = None) -> dict:
    """The "코드 보기" panel: the module's source and its standalone script at these parameters (on the
    torch threads a stored run recorded; without them, the server's)."""
    seed = int(seed) if str(seed).isdigit() and int(seed) <= MAX_SEED else DEFAULT_SEED
    return {"source": experiment_source(slug), "script_url": service.script_url(slug, params, seed, threads)}


def _demo_page(request: Request, session, engine, slug: str, values: dict, errors: list[dict], seed: Any,
               device: str, status_code: int = 200) -> HTMLResponse:
    detail = service.demo_detail(session, slug)
    spec = service.get_spec_or_404(slug)
    context = {
        **_code_panel(slug, {} if errors else values, seed),
        "demo": detail,
        "json_url": detail.api_url,
        "canonical_url": canonical(request, detail.url),
        "recent_runs": service.recent_runs(engine, slug, limit=8),
        "status_names": RUN_STATUS_NAMES,
        "estimate": None if errors else service.run_estimate(engine, spec, validate_params(spec.params, values),
                                                              device),
        **_form_context(spec, values, errors, seed, device),
    }
    return render(request, "demos/demo.html", context, status_code=status_code)


@router.get("/demos", response_class=HTMLResponse)
def demo_index(request: Request):
    return render(request, "demos/index.html", {"demos": service.list_demos(), "json_url": urls.api(urls.demos()),
                                                "canonical_url": canonical(request, urls.demos())})


@router.get("/demos/{slug}", response_class=HTMLResponse)
def demo_page(slug: str, request: Request, session: SessionDep, engine: DemoEngineDep):
    """A query string (a link from a question or a run's "다시 실행" link) fills the form in."""
    spec = service.get_spec_or_404(slug)
    query = request.query_params
    values = _param_values(spec, query, full_form=False)
    errors: list[dict] = []
    if values:
        try:
            values = validate_params(spec.params, values).model_dump(mode="json")
        except ParamsInvalid as exc:
            errors = exc.details
    requested = query.get("device", "auto")
    device = requested if requested in DEVICES else "auto"
    return _demo_page(request, session, engine, slug, values, errors, query.get("seed", DEFAULT_SEED), device)


@router.post("/demos/{slug}/runs", dependencies=[CsrfOrSameOrigin, RunLimit])
async def submit_run_form(slug: str, request: Request, session: SessionDep, engine: DemoEngineDep):
    spec = service.get_spec_or_404(slug)
    form = await request.form()
    values = _param_values(spec, form, full_form=FORM_MARKER in form)
    device = str(form.get("device") or "auto")
    seed_text = str(form.get("seed") or "").strip()
    errors: list[dict] = []
    seed: int | None = None
    if seed_text:
        if seed_text.isdigit() and int(seed_text) <= MAX_SEED:
            seed = int(seed_text)
        else:
            errors.append({"field": "seed", "message": f"시드는 0 이상 {MAX_SEED} 이하의 정수여야 합니다"})
    if device not in DEVICES:
        errors.append({"field": "device", "message": "장치는 auto, cpu, cuda 중 하나여야 합니다"})
        device = "auto"
    in_place = request.headers.get("HX-Request") == "true"  # the question page's panel: answer with the card
    if in_place and errors:
        raise AppError(422, errors[0]["message"], details=errors)
    if not errors:
        try:
            submitted = service.start_run(engine, slug, RunRequest(params=values, device=device, seed=seed))
            if in_place:
                origin = _question_id(str(form.get("question") or ""))
                return render(request, "demos/_run_card.html",
                              {"run": service.run_public(submitted.run), "card_origin": origin})
            return RedirectResponse(_with_origin(service.run_url(submitted.run.id), form.get("question")),
                                    status_code=303)
        except AppError as exc:
            if exc.status_code != 422 or in_place:
                raise
            errors = [{**d, "field": (d.get("field") or "").removeprefix("params.")} for d in exc.details or []]
    return _demo_page(request, session, engine, slug, values, errors, seed_text, device, status_code=422)


@router.post("/demos/{slug}/boundary", dependencies=[CsrfOrSameOrigin, RunLimit])
async def submit_boundary_form(slug: str, request: Request, engine: DemoEngineDep):
    """The demo page's "경계 찾기" button: the declared sweep at the defaults, then the run page."""
    submitted = service.start_boundary_run(engine, slug, BoundaryRequest())
    return RedirectResponse(service.run_url(submitted.run.id), status_code=303)


@router.get("/demos/{slug}/script")
def demo_script(slug: str, request: Request, settings: SettingsDep):
    """The experiment as one Python file that runs with python + torch (`kb demo export` writes the same),
    on the torch threads of the run it reproduces (``threads``), else of this server's workers."""
    spec = service.get_spec_or_404(slug)
    query = request.query_params
    seed_text = query.get("seed", str(DEFAULT_SEED)).strip()
    if not seed_text.isdigit():
        raise AppError(422, f"시드는 0 이상 {MAX_SEED} 이하의 정수여야 합니다")
    threads_text = query.get("threads", str(settings.demo_threads_per_worker)).strip()
    if not threads_text.isdigit() or len(threads_text) > 4:
        raise AppError(422, f"스레드 수는 1 이상 {service.MAX_SCRIPT_THREADS} 이하의 정수여야 합니다")
    name, text = service.standalone_script(slug, _param_values(spec, query, full_form=False), int(seed_text),
                                           int(threads_text))
    return Response(text, media_type="text/x-python; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


def _recorded_threads(run) -> int | None:
    """The torch threads a finished run measured with (None for a run still going, or an older result)."""
    determinism = run.result.determinism if run.result is not None else None
    return determinism.threads if determinism is not None else None


def _with_origin(run_url: str, question: Any) -> str:
    """The run page's address, remembering the question it was started from (its way back)."""
    text = str(question or "")
    return urls.with_query(run_url, question=text) if text.isdigit() and len(text) <= 12 else run_url


def _question_id(text: str | None) -> int | None:
    return int(text) if text and text.isdigit() and len(text) <= 12 else None


@router.get("/questions/{question_id}/results", response_class=HTMLResponse)
def question_results(question_id: IdPath, request: Request, session: SessionDep, engine: DemoEngineDep,
                     settings: SettingsDep):
    """The question page's experiment panel again, with each linked preset's latest result (htmx, on load)."""
    results = cards.question_results(session, engine, question_id, start_missing=settings.demo_precompute)
    return render(request, "demos/_panel.html", {"results": results})


@router.get("/runs/compare", response_class=HTMLResponse)
def compare_page(request: Request, engine: DemoEngineDep, a: str = "", b: str = ""):
    """Two runs of one experiment side by side; with only `a`, the page offers that demo's recent runs."""
    if not b.strip():
        first = service.run_detail(engine, cards.run_id_from(a)[: cards.RUN_ID_MAX] or "-")
        candidates = [run for run in service.recent_runs(engine, first.demo_slug, limit=20)
                      if run.id != first.id and run.kind == "run"]
        return render(request, "demos/compare.html", {"comparison": None, "a": first, "candidates": candidates})
    comparison = cards.compare_runs(engine, a, b)
    return render(request, "demos/compare.html", {
        "comparison": comparison, "a": comparison.a,
        "canonical_url": canonical(request, urls.runs_compare(comparison.a.id, comparison.b.id)),
    })


@router.get("/runs/{run_id}/card", response_class=HTMLResponse)
def run_card(run_id: str, request: Request, engine: DemoEngineDep, question: str | None = None):
    """A run in a few lines (question panels, pasted run links); asks for itself again while it runs."""
    return render(request, "demos/_run_card.html", {"run": service.run_detail(engine, run_id),
                                                   "card_origin": _question_id(question)})


@router.get("/runs/{run_id}", response_class=HTMLResponse)
def run_page(run_id: str, request: Request, engine: DemoEngineDep, session: SessionDep,
             question: str | None = None):
    run = service.run_detail(engine, run_id)
    spec = service.get_spec_or_404(run.demo_slug)
    return render(request, "demos/run.html", {
        "origin": cards.question_ref(session, _question_id(question)),
        **_code_panel(run.demo_slug, run.params, run.seed, _recorded_threads(run)),
        "run": run, "demo": spec, "params_shown": labelled_values(spec.params, run.params),
        "status_names": RUN_STATUS_NAMES,
        "json_url": run.api_url, "canonical_url": canonical(request, run.url),
        "live": run.status in ("queued", "running"),
        "run_data": run.model_dump(mode="json"),
    })
