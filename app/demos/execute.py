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
from app.demos.base import DemoParams, DemoResult, DemoSpec, Determinism, Measurement, Progress, no_progress

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
    return Determinism(
        deterministic_algorithms=torch.are_deterministic_algorithms_enabled(),
        warn_only=torch.is_deterministic_algorithms_warn_only_enabled(),
        cudnn_deterministic=bool(torch.backends.cudnn.deterministic),
        cudnn_benchmark=bool(torch.backends.cudnn.benchmark),
        cublas_workspace_config=os.environ.get("CUBLAS_WORKSPACE_CONFIG"),
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
            progress: Progress = no_progress) -> Execution:
    """Seed, run ``spec.run`` on ``device`` ("cpu" or "cuda", already resolved) and time it."""
    import torch

    torch_device = torch.device(device)
    if torch_device.type == "cuda" and not torch.cuda.is_available():
        raise DeviceUnavailable("이 서버에는 CUDA GPU가 없습니다. device를 'cpu' 또는 'auto'로 바꿔 주세요.")
    determinism = make_deterministic()
    seed_everything(seed)
    name = torch.cuda.get_device_name(torch_device) if torch_device.type == "cuda" else cpu_name()
    started = time.perf_counter()
    if spec.claims:
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
    conclusion = " ".join([evidence.verdict_sentence(claims[0], len(seeds)), *measurement.notes])
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
