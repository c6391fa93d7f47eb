"""Run one demo in this process: seed, pick the device, time it, describe the machine.

Used by the worker processes, by `kb demo run` and by the tests. Importing this module imports no
torch; ``execute`` does.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Any

from app.demos import evidence
from app.demos.base import (
    BoundaryPoint,
    BoundaryResult,
    Chart,
    DemoParams,
    DemoResult,
    DemoSpec,
    Determinism,
    Measurement,
    Progress,
    Series,
    Table,
    no_progress,
)

DEVICES = ("auto", "cpu", "cuda")
DEFAULT_SEED = 0
MAX_SEED = 2**31 - 1
# A run with claims measures this many seeds, starting at the requested one.
DEFAULT_SEED_COUNT = 3


class DeviceUnavailable(ValueError):
    """``cuda`` was asked for on a machine without a CUDA GPU."""


def resolve_device(requested: str, cuda_available: bool) -> str:
    """auto → cuda when present, else cpu. Pure: the web process calls it with the worker's probe."""
    if requested not in DEVICES:
        raise ValueError(f"device must be one of {DEVICES}")
    if requested == "auto":
        return "cuda" if cuda_available else "cpu"
    if requested == "cuda" and not cuda_available:
        raise DeviceUnavailable("이 서버에는 CUDA GPU가 없습니다. device를 'cpu' 또는 'auto'로 바꿔 주세요.")
    return requested


@dataclass(frozen=True)
class DeviceProbe:
    """What the worker found at start: the web process decides device questions from this."""

    torch_version: str
    cuda: bool
    gpu_name: str | None
    cpu_name: str | None
    threads: int

    def to_dict(self) -> dict:
        return dict(self.__dict__)


def cpu_name() -> str | None:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    import platform

    return platform.processor() or None


def probe_devices() -> DeviceProbe:
    import torch

    cuda = torch.cuda.is_available()
    return DeviceProbe(
        torch_version=str(torch.__version__),  # a TorchVersion otherwise
        cuda=cuda,
        gpu_name=torch.cuda.get_device_name(0) if cuda else None,
        cpu_name=cpu_name(),
        threads=torch.get_num_threads(),
    )


# cuBLAS picks reduction orders by workspace size; a fixed workspace makes its matrix products
# repeatable (https://docs.nvidia.com/cuda/cublas/#results-reproducibility). It must be in the
# environment before CUDA starts, so the worker sets it before importing torch.
CUBLAS_WORKSPACE_CONFIG = ":4096:8"


def require_deterministic_env() -> None:
    import os

    os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", CUBLAS_WORKSPACE_CONFIG)


def make_deterministic() -> Determinism:
    """Ask torch for repeatable kernels (a warning, not an error, where an op has none)."""
    import os

    import torch

    torch.use_deterministic_algorithms(True, warn_only=True)
    torch.backends.cudnn.deterministic = True
    torch.backends.cudnn.benchmark = False
    # TensorFloat-32 keeps 10 mantissa bits in a GPU's float32 matrix products and convolutions (off for
    # matrix products by default, on for cuDNN's convolutions, and any imported library may turn it on).
    # Turned on, it flipped dying-relu's and save-load's verdicts against the CPU's on an H200: a CUDA run
    # computes in full float32, like the CPU.
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    return Determinism(
        deterministic_algorithms=torch.are_deterministic_algorithms_enabled(),
        warn_only=torch.is_deterministic_algorithms_warn_only_enabled(),
        cudnn_deterministic=bool(torch.backends.cudnn.deterministic),
        cudnn_benchmark=bool(torch.backends.cudnn.benchmark),
        cublas_workspace_config=os.environ.get("CUBLAS_WORKSPACE_CONFIG"),
        threads=torch.get_num_threads(),
        tf32=bool(torch.backends.cuda.matmul.allow_tf32 or torch.backends.cudnn.allow_tf32),
    )


def seed_everything(seed: int) -> None:
    import random

    import numpy
    import torch

    random.seed(seed)
    numpy.random.seed(seed)
    torch.manual_seed(seed)  # also seeds every CUDA device


@dataclass(frozen=True)
class Execution:
    result: DemoResult
    device: str  # "cpu" | "cuda"
    device_name: str | None  # the GPU's name, or the CPU model
    torch_version: str
    seed: int
    wall_ms: float


def execute(spec: DemoSpec, params: DemoParams, device: str, seed: int,
            progress: Progress = no_progress, sweep: dict | None = None) -> Execution:
    """Seed, run ``spec.run`` on ``device`` ("cpu" or "cuda", already resolved) and time it.

    ``sweep`` ({"param", "values"}) makes it a boundary run: the claim judged at each value.
    """
    import torch

    torch_device = torch.device(device)
    if torch_device.type == "cuda" and not torch.cuda.is_available():
        raise DeviceUnavailable("이 서버에는 CUDA GPU가 없습니다. device를 'cpu' 또는 'auto'로 바꿔 주세요.")
    determinism = make_deterministic()
    seed_everything(seed)
    name = torch.cuda.get_device_name(torch_device) if torch_device.type == "cuda" else cpu_name()
    started = time.perf_counter()
    if sweep is not None:
        result = run_boundary(spec, params, sweep["param"], list(sweep["values"]), torch_device, seed, progress)
    elif spec.claims:
        seeds = run_seeds(seed)
        result = judged_result(spec, spec.run(params, torch_device, progress, seeds), seeds)
    else:
        result = spec.run(params, torch_device, progress)
    if torch_device.type == "cuda":
        torch.cuda.synchronize(torch_device)
    wall_ms = (time.perf_counter() - started) * 1000
    if not isinstance(result, DemoResult):
        result = DemoResult.model_validate(result)
    result.determinism = determinism
    return Execution(result=result, device=torch_device.type, device_name=name, torch_version=str(torch.__version__),
                     seed=seed, wall_ms=wall_ms)


def run_seeds(seed: int, count: int = DEFAULT_SEED_COUNT) -> tuple[int, ...]:
    return tuple((seed + i) % (MAX_SEED + 1) for i in range(count))


def judged_result(spec: DemoSpec, measurement: Measurement, seeds: tuple[int, ...]) -> DemoResult:
    """Summaries, verdict and conclusion from a claim-declaring experiment's per-seed numbers."""
    if not isinstance(measurement, Measurement):
        measurement = Measurement.model_validate(measurement)
    for name, values in measurement.per_seed.items():
        if len(values) != len(seeds):
            raise ValueError(f"{spec.slug}: metric {name!r} has {len(values)} values for {len(seeds)} seeds")
    summaries = evidence.summarise_all(measurement.per_seed)
    claims = evidence.outcomes(spec.claims, summaries)
    verdict = evidence.overall([c.verdict for c in claims])
    dissent = evidence.dissent_sentence(claims[0], claims[1:], len(seeds))
    conclusion = " ".join([evidence.verdict_sentence(claims[0], len(seeds)), *([dissent] if dissent else []),
                           *measurement.notes])
    means = {name: s.mean for name, s in summaries.items() if s.mean is not None}
    return DemoResult(charts=measurement.charts, table=measurement.table, conclusion=conclusion, metrics=means,
                      seeds=list(seeds), summaries=summaries, claims=claims, verdict=verdict)


def finite_json(value: Any) -> Any:
    """The value with every NaN/±inf float replaced by None: JSON has no NaN, browsers refuse it."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: finite_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [finite_json(v) for v in value]
    return value


def run_boundary(spec: DemoSpec, base: DemoParams, param: str, values: list, device: Any, seed: int,
                 progress: Progress = no_progress) -> DemoResult:
    """The "경계" run: the same seeds measured and judged at each value of ``param``."""
    from app.demos import boundary
    from app.demos.params import param_fields

    if not spec.claims:
        raise ValueError(f"{spec.slug}: a boundary run needs claims to judge")
    points = boundary.sweep_params(spec, base, param, values)
    seeds = run_seeds(seed)
    judged = []
    for index, (value, params) in enumerate(zip(values, points)):
        def scaled(fraction: float, message: str = "", charts=None, index=index, value=value) -> None:
            progress((index + min(1.0, fraction)) / len(points), f"{param}={value}: {message}")

        seed_everything(seed)
        judged.append(judged_result(spec, spec.run(params, device, scaled, seeds), seeds))
    headline = spec.claims[0]
    label = next((f.short_label for f in param_fields(spec.params) if f.name == param), param)
    result = BoundaryResult(param=param, label=label, metric=headline.metric, metric_label=headline.metric_label,
                            margin=headline.margin, direction=headline.direction, points=[
        BoundaryPoint(value=value, verdict=r.claims[0].verdict, verdict_word=evidence.VERDICT_WORDS[r.claims[0].verdict],
                      mean=r.claims[0].mean, ci95=r.claims[0].ci95, claim_verdicts=[c.verdict for c in r.claims])
        for value, r in zip(values, judged)])
    charts = [_boundary_chart(result, values)]
    columns = [label, "판정", f"{headline.metric_label} 평균", "95% 하한", "95% 상한"]
    columns += [f"주장 {i + 2} 판정" for i in range(len(spec.claims) - 1)]
    rows = [[value, point.verdict_word, point.mean, *(point.ci95 or (None, None)),
             *(evidence.VERDICT_WORDS[v] for v in point.claim_verdicts[1:])]
            for value, point in zip(values, result.points)]
    metrics = {f"{headline.metric}@{value}": point.mean for value, point in zip(values, result.points)
               if point.mean is not None}
    progress(1.0, "완료", charts)
    return DemoResult(charts=charts, table=Table(columns=columns, rows=rows), conclusion=boundary.describe(result),
                      metrics=metrics, seeds=list(seeds), boundary=result)


def _boundary_chart(result: BoundaryResult, values: list) -> Chart:
    numeric = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values)
    x = [float(v) for v in values] if numeric else [float(i) for i in range(len(values))]
    log_x = numeric and min(x) > 0 and max(x) / min(x) >= 10
    means = [p.mean for p in result.points]
    metric_label = result.metric_label or result.metric
    series = [Series(name=f"{metric_label} 평균 (띠: 95% 구간)", x=x, y=means,
                     lower=[p.ci95[0] if p.ci95 else None for p in result.points],
                     upper=[p.ci95[1] if p.ci95 else None for p in result.points]),
              Series(name=f"기준 {result.margin:g}", x=x, y=[result.margin] * len(x))]
    for verdict, word in evidence.VERDICT_WORDS.items():
        picked = [p.mean if p.verdict == verdict else None for p in result.points]
        if any(v is not None for v in picked):
            series.append(Series(name=f"판정: {word}", x=x, y=picked))
    x_label = result.label + ("" if numeric else " (" + ", ".join(str(v) for v in values) + ")")
    return Chart(key="boundary", title=f"경계: {result.label}에 따른 판정", x_label=x_label, y_label=metric_label,
                 log_x=log_x, series=series)
