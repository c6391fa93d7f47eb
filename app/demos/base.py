"""The contract between the demo engine and each experiment module.

An experiment is one module in ``app.demos.experiments`` that defines ``DEMO = DemoSpec(...)``.
This file and every experiment's module level import no torch: the web process reads titles,
parameter schemas and links from here, and only worker processes call ``run`` (which imports
torch inside). The pattern follows pytorch/examples and d2l: small, seeded, synthetic data, and a
conclusion computed from the numbers the run measured.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Annotated, Any, Protocol

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from app.demos.batched import band
from app.demos.evidence import Claim, ClaimOutcome, MetricSummary, Verdict


class DemoParams(BaseModel):
    """Base of every experiment's parameter model: frozen, no unknown fields, bounds on each field.

    Subclasses declare fields with ``Field(default, ge=..., le=..., description="한국어 설명")``;
    the JSON schema of the subclass is what the API serves and the form renders.
    """

    # NaN and ±inf fail every bound but would still reach the error message, and JSON cannot carry them.
    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)


# What a page shows (and a result stores) where a run produced NaN or ±inf, e.g. a learning rate that diverged.
DIVERGED = "발산"


def _finite_or_none(value: Any) -> Any:
    return None if isinstance(value, float) and not math.isfinite(value) else value


def _finite_or_diverged(value: Any) -> Any:
    return DIVERGED if isinstance(value, float) and not math.isfinite(value) else value


# A headline number: None where the run gave no finite value (it diverged). Stored JSON has no NaN.
Measured = Annotated[float | None, BeforeValidator(_finite_or_none)]
# A table cell: a non-finite number is stored and shown as DIVERGED.
Cell = Annotated[str | float | int | bool | None, BeforeValidator(_finite_or_diverged)]


class Citation(BaseModel):
    authors: str
    year: int
    title: str
    url: str | None = None


class Series(BaseModel):
    name: str
    x: list[float]
    y: list[float | None]  # None where a value is undefined (a diverged run, a log of zero)
    # The spread over seeds at each x (e.g. the 95% interval or min..max), drawn as a band around y.
    lower: list[float | None] | None = None
    upper: list[float | None] | None = None

    @classmethod
    def over_seeds(cls, name: str, x: list[float], curves: list[list[float | None]]) -> Series:
        """One curve per seed (same x) as their mean, banded by the lowest and highest seed at each x."""
        y, lower, upper = band(curves)
        return cls(name=name, x=x, y=y, lower=lower, upper=upper)


class Chart(BaseModel):
    key: str  # stable id within the result, e.g. "grad_norm"
    title: str
    x_label: str
    y_label: str
    log_x: bool = False
    log_y: bool = False
    series: list[Series] = Field(default_factory=list)


class Table(BaseModel):
    columns: list[str]
    rows: list[list[Cell]]


class Determinism(BaseModel):
    """The determinism settings a run was measured under (recorded in its result)."""

    deterministic_algorithms: bool
    warn_only: bool
    cudnn_deterministic: bool
    cudnn_benchmark: bool
    cublas_workspace_config: str | None
    # torch's intra-op threads: a CPU reduction or matrix product over enough numbers is split into one
    # partial sum per thread, so another count adds in another order and gives other last bits (which a
    # training at a high learning rate grows into percents). None in older results.
    threads: int | None = None
    # Whether a GPU's float32 matrix products or convolutions could use TensorFloat-32 (fewer mantissa
    # bits than the CPU's float32). None in older results.
    tf32: bool | None = None


class BoundaryPoint(BaseModel):
    value: float | int | str | bool
    verdict: Verdict
    verdict_word: str
    mean: float | None  # the headline claim's metric over seeds
    ci95: tuple[float, float] | None
    claim_verdicts: list[Verdict]  # every claim's verdict at this point, in declaration order


class BoundaryResult(BaseModel):
    param: str
    label: str  # the parameter's Korean label
    metric: str  # the headline claim's metric
    metric_label: str | None = None  # the same in Korean (None in results stored before claims had labels)
    margin: float
    direction: str
    points: list[BoundaryPoint]


class DemoResult(BaseModel):
    charts: list[Chart]
    table: Table
    # Korean, written from `metrics`: a sentence that would read differently had the numbers differed.
    conclusion: str
    # The headline numbers the conclusion was computed from; tests check the claim on these.
    # None where the run diverged (NaN or ±inf): shown as DIVERGED.
    metrics: dict[str, Measured]
    # Set for experiments that declare claims (measured over several seeds): the seeds, each metric's
    # mean, 95% interval and per-seed values, and the verdict computed from the intervals.
    seeds: list[int] = Field(default_factory=list)
    summaries: dict[str, MetricSummary] = Field(default_factory=dict)
    claims: list[ClaimOutcome] = Field(default_factory=list)
    verdict: Verdict | None = None
    # Set by the engine: the determinism settings the run was measured under (None in older results).
    determinism: Determinism | None = None
    # Set for a boundary run ("경계"): the claim judged at each value of one parameter.
    boundary: BoundaryResult | None = None


class Measurement(BaseModel):
    """What a claim-declaring experiment's ``run(params, device, progress, seeds)`` returns.

    ``per_seed`` holds every metric once per seed, in the order of ``seeds`` (None where a seed gave
    no finite number, e.g. a diverged run). ``notes`` are Korean sentences computed from these numbers
    that follow the verdict in the conclusion: what else was measured, and where the claim breaks.
    Charts may show the seeds' spread as bands (``Series.lower``/``Series.upper``).
    """

    per_seed: dict[str, list[float | None]]
    charts: list[Chart]
    table: Table
    notes: list[str]


class Progress(Protocol):
    """Reports how far a run is. ``charts`` are the partial series so far (they replace earlier ones)."""

    def __call__(self, fraction: float, message: str = "", charts: list[Chart] | None = None) -> None: ...


def no_progress(fraction: float, message: str = "", charts: list[Chart] | None = None) -> None:
    """A Progress that drops every report (tests and the CLI without --verbose)."""


@dataclass(frozen=True)
class QuestionRef:
    """A question the demo explains, as people name it: "면접 #12-1", "4주차 p15", "노드 08"."""

    where: str
    note: str = ""


@dataclass(frozen=True)
class Boundary:
    """The "경계" sweep: the claim judged at each of ``values`` of ``param`` (the rest at defaults)."""

    param: str
    values: tuple


@dataclass(frozen=True)
class DemoSpec:
    slug: str  # URL id, lowercase-with-dashes, unique
    title: str  # Korean
    summary: str  # Korean, one or two sentences: the claim the demo tests
    params: type[DemoParams]
    # The smallest parameters that still show the claim; the test suite runs every demo with these.
    smallest: DemoParams
    # Without ``claims``: run(params, device, progress) -> DemoResult; the engine seeds torch/numpy/random
    # before calling it. With ``claims``: run(params, device, progress, seeds) -> Measurement, seeding
    # each seed itself (batched where cheap); the engine turns it into a DemoResult with a verdict.
    # ``device`` is a torch.device chosen by the engine. Import torch inside, never at module level.
    run: Any
    questions: tuple[QuestionRef, ...] = ()
    # Concept ids from content/search/terms.tsv that this experiment demonstrates: questions are linked
    # to experiments by the concepts they share, so a file nobody linked by hand still finds its demo.
    concepts: tuple[str, ...] = ()
    # concept id → the parameters that show that concept best: a question linked automatically through
    # the concept opens the experiment with these (e.g. {"leaky_relu": Params(activation="leaky_relu")}).
    presets: dict[str, DemoParams] = field(default_factory=dict, hash=False)
    # The claim's test as data (the first is the headline), judged on the 95% intervals over seeds.
    claims: tuple[Claim, ...] = ()
    # Parameters where the claim is expected to break ("경계"): a run there must be able to say
    # does_not_hold or mixed, and the page offers it beside the default.
    breaking: DemoParams | None = None
    # The parameter a boundary run sweeps, and its values; without it, the parameter the breaking
    # preset changes is swept from its default to its breaking value.
    boundary: Boundary | None = None
    citations: tuple[Citation, ...] = ()
    # Bump when the code changes what a run measures: cached results of older versions are not reused.
    version: str = "1"
    # True where the demo is about GPU behaviour and says so in its conclusion when run on a CPU.
    gpu_aware: bool = False
    # Metrics that are wall-clock or memory readings of this machine: they differ run to run, so
    # determinism checks skip them and tests never assert on them (bench/ measures speed).
    timing_metrics: tuple[str, ...] = ()
    # Korean names of the metrics that are not a claim's (a claim's is its metric_label), as the run and
    # compare pages show them. A "{}" in a name stands for a part that varies with the parameters
    # (a batch size, an activation) and is carried into the label: {"test_loss_b{}": "테스트 손실 (배치 {})"}.
    metric_labels: dict[str, str] = field(default_factory=dict, hash=False)
