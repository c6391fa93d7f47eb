"""Public shapes of the demo API (and of the pages, which render the same objects)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool

from app.demos.base import BoundaryResult, Chart, Citation, DemoResult, DemoSpec, Determinism, Table
from app.demos.evidence import VERDICT_WORDS, Direction, MetricSummary, Verdict, relabelled_conclusion
from app.demos.execute import MAX_SEED
from app.schemas.content import DemoLinkPublic


class QuestionRefPublic(BaseModel):
    where: str
    note: str = ""


class LinkedQuestion(BaseModel):
    """A question this demo is linked to in content/demos.toml, with the preset it runs there."""

    id: int
    label: str | None
    title: str
    url: str
    params: dict
    demo_url: str  # the demo page with the preset filled in


class DemoSummary(BaseModel):
    slug: str
    title: str
    summary: str
    version: str
    gpu_aware: bool
    # Concept ids of the term dictionary (content/search/terms.tsv) the experiment demonstrates.
    concepts: list[str]
    questions: list[QuestionRefPublic]
    citations: list[Citation]
    url: str
    api_url: str


class ClaimSpecPublic(BaseModel):
    """A claim as the experiment declares it, before any run: what is measured and what would make it hold."""

    statement: str
    metric: str
    metric_label: str
    direction: Direction
    margin: float


class PresetVerdict(BaseModel):
    """The newest finished run at one preset: its verdict, claims and where to read it."""

    run_id: str
    run_url: str
    verdict: Verdict
    verdict_word: str
    claims: list[ClaimPublic]
    seeds: list[int]


class SweepPublic(BaseModel):
    param: str
    values: list


class DemoDetail(DemoSummary):
    params_schema: dict
    defaults: dict
    smallest: dict
    claims: list[ClaimSpecPublic]
    # Parameters where the claim is expected to break ("여기서는 성립하지 않음"), and the demo page with them.
    breaking: dict | None
    breaking_changes: dict | None  # only the parameters the breaking preset changes
    breaking_url: str | None
    # The newest verdicts measured at the defaults and at the breaking preset (None until someone ran them).
    verdict_at_defaults: PresetVerdict | None
    verdict_at_breaking: PresetVerdict | None
    # The "경계" sweep a boundary run makes by default (None without claims), and where to POST it.
    boundary: SweepPublic | None
    boundary_runs_url: str | None
    devices: list[str]
    default_seed: int
    runs_url: str  # POST here to start a run
    linked_questions: list[LinkedQuestion]


class RunRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    params: dict = Field(default_factory=dict, description="실험 매개변수 (없으면 기본값)")
    device: Literal["auto", "cpu", "cuda"] = Field("auto", description="auto는 GPU가 있으면 cuda, 없으면 cpu")
    seed: int | None = Field(None, ge=0, le=MAX_SEED, description="난수 시드 (없으면 0): 같은 시드·CPU면 같은 숫자")
    fresh: StrictBool = Field(False, description="true면 캐시된 결과를 쓰지 않고 새로 측정합니다 (0·1은 받지 않음)")


class BoundaryRequest(RunRequest):
    """A boundary run ("경계"): ``params`` fixed, the claim judged at each of ``values`` of ``param``."""

    param: str | None = Field(None, description="훑을 매개변수 (없으면 실험이 정한 경계 매개변수)")
    values: list[float | int | str | bool] | None = Field(
        None, description="그 매개변수의 값 2~8개 (없으면 실험이 정한 값)")


class RunProgress(BaseModel):
    fraction: float
    message: str = ""
    charts: list[Chart] = []


class ClaimPublic(BaseModel):
    statement: str  # the claim in Korean
    verdict: Verdict
    verdict_word: str  # 성립 | 성립하지 않음 | 엇갈림
    metric: str  # the per-seed quantity the claim is judged on, by its code name
    metric_label: str  # the same in Korean, as the pages name it
    direction: Direction
    margin: float
    mean: float | None
    ci95: tuple[float, float] | None


class ResultPublic(BaseModel):
    """A run's result as the API and the pages show it: the verdict first, then the details.

    ``metrics`` always maps a name to its mean, 95% interval and per-seed values. An experiment
    without claims measured one seed, so each of its numbers reads as a mean of one, without interval.
    """

    verdict: Verdict | None  # None for experiments that declare no claim, and for boundary runs
    verdict_word: str | None
    claims: list[ClaimPublic]
    seeds: list[int]
    metrics: dict[str, MetricSummary]
    conclusion: str
    charts: list[Chart]
    table: Table
    determinism: Determinism | None  # the settings the run was measured under; None in older results
    boundary: BoundaryResult | None  # a boundary run's verdict at each point of its sweep


def result_public(result: DemoResult, seed: int, spec: DemoSpec | None = None) -> ResultPublic:
    """The stored DemoResult (of any version: older ones carry single numbers or claims without labels,
    which ``spec``, the experiment now, supplies) in its public shape."""
    if result.summaries:
        metrics = dict(result.summaries)
        seeds = list(result.seeds)
    else:
        metrics = {name: MetricSummary(mean=value, ci95=None, per_seed=[value])
                   for name, value in result.metrics.items()}
        seeds = list(result.seeds) or [seed]
    labels = {c.metric: c.metric_label for c in spec.claims} if spec is not None else {}
    outcomes = [c if c.metric_label else c.model_copy(update={"metric_label": labels.get(c.metric)})
                for c in result.claims]
    claims = [ClaimPublic(statement=c.statement, verdict=c.verdict, verdict_word=VERDICT_WORDS[c.verdict],
                          metric=c.metric, metric_label=c.metric_label or c.metric, direction=c.direction,
                          margin=c.margin, mean=c.mean, ci95=c.ci95)
              for c in outcomes]
    conclusion = result.conclusion
    if outcomes and outcomes[0].metric_label and not result.claims[0].metric_label:
        conclusion = relabelled_conclusion(conclusion, outcomes[0], len(result.seeds))
    boundary = result.boundary
    if boundary is not None and boundary.metric_label is None:
        boundary = boundary.model_copy(update={"metric_label": labels.get(boundary.metric)})
    return ResultPublic(
        verdict=result.verdict, verdict_word=VERDICT_WORDS[result.verdict] if result.verdict else None,
        claims=claims, seeds=seeds, metrics=metrics, conclusion=conclusion, charts=result.charts,
        table=result.table, determinism=result.determinism, boundary=boundary,
    )


class RunPublic(BaseModel):
    id: str
    demo_slug: str
    demo_title: str
    demo_version: str
    kind: Literal["run", "boundary"] = "run"
    sweep: SweepPublic | None = None  # a boundary run's parameter and values
    status: Literal["queued", "running", "succeeded", "failed", "timed_out"]
    params: dict
    seed: int
    device_requested: str
    device: str | None  # what the run used: cpu | cuda
    device_name: str | None  # the GPU (or CPU) model
    torch_version: str | None
    cached: bool
    cached_from: str | None
    progress: RunProgress | None
    result: ResultPublic | None
    error: str | None
    wall_ms: float | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    url: str  # permalink (page)
    api_url: str
    events_url: str
    reproduce_url: str  # the demo page with these params and seed filled in


class QuestionDemoResult(BaseModel):
    """One experiment linked to a question, with what its linked preset measured."""

    demo: DemoLinkPublic = Field(description="질문 상세의 demos 항목과 같은 것")
    state: Literal["ready", "computing", "not_run", "unavailable"] = Field(
        description="ready: 저장된 결과, computing: 계산 중 (run에 진행 상황), not_run: 아직 실행한 적 없음, "
                    "unavailable: 지금은 계산할 수 없음 (message에 이유)")
    message: str | None = Field(None, description="unavailable일 때 그 이유")
    run: RunPublic | None = Field(None, description="이 설정의 가장 최근 실행 (시드·장치 무관)")


class RunOrigin(BaseModel):
    """The question a run was started from: the run page links back to it."""

    id: int
    label: str | None
    title: str
    url: str


class QuestionResults(BaseModel):
    """The results panel of a question page: each linked experiment's latest run at its preset."""

    question_id: int
    items: list[QuestionDemoResult]


class ParamDifference(BaseModel):
    name: str
    label: str
    a: Any
    b: Any


class MetricComparison(BaseModel):
    name: str
    label: str = Field(description="지표의 한국어 이름 (이름이 없는 지표는 name과 같음)")
    a: MetricSummary | None
    b: MetricSummary | None
    difference: float | None = Field(description="b의 평균 - a의 평균")
    intervals_overlap: bool | None = Field(description="두 95% 구간이 겹치는지 (구간이 없으면 null)")


class RunComparison(BaseModel):
    """Two runs of one experiment side by side (/runs/compare?a=…&b=…)."""

    demo_slug: str
    demo_title: str
    a: RunPublic
    b: RunPublic
    params_differ: list[ParamDifference]
    seeds_differ: bool
    metrics: list[MetricComparison]
    charts: list[Chart] = Field(description="같은 키의 차트를 겹친 것: 계열 이름 앞에 A·B")


class RunEstimate(BaseModel):
    """How long a run at these parameters should take on this server's CPU workers, before it runs."""

    seconds: float | None = Field(description="예상 시간(초); 실험이 바뀌어 비용 모형이 없으면 null")
    limit_s: float = Field(description="실행 시간 제한(초)")
    over_limit: bool = Field(description="제한을 넘을 것으로 보여 실행을 거절하는지")
    driver: str | None = Field(None, description="기본값보다 시간을 가장 많이 늘리는 매개변수")
    driver_label: str | None = None
