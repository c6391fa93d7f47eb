"""Small training helpers the experiments share: step grids, scoring, SGD steps and per-seed differences.

Kept deliberately plain (a loop over steps, cross-entropy, one optimiser) in the style of
pytorch/examples, so each experiment reads as its own idea and not as a framework.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any


def log_spaced_steps(total: int, points: int) -> list[int]:
    """About ``points`` step numbers from 1 to ``total``, evenly spaced on a log axis (for curves)."""
    return sorted({round(total ** (i / (points - 1))) for i in range(points)})


def accuracy(model: Any, inputs: Any, labels: Any) -> float:
    """Fraction classified correctly, in whatever mode (train/eval) the caller left the model."""
    import torch

    with torch.no_grad():
        return (model(inputs).argmax(dim=1) == labels).float().mean().item()


def equal_splits(size: int, parts: int) -> tuple[slice, ...]:
    """``parts`` consecutive slices of ``size`` examples each (train, validation, test, ... of one draw)."""
    return tuple(slice(i * size, (i + 1) * size) for i in range(parts))


def differences(first: Sequence[Any], second: Sequence[Any]) -> list[Any]:
    """``first - second`` seed by seed: the per-seed gap a claim is judged on."""
    return [a - b for a, b in zip(first, second, strict=True)]


def sgd_step(params: Sequence[Any], grads: Sequence[Any], lr: Any) -> None:
    """One plain gradient step in place, ``θ -= lr * grad`` (``lr`` a number or a tensor that broadcasts)."""
    import torch

    with torch.no_grad():
        for param, grad in zip(params, grads, strict=True):
            param -= lr * grad


def first_reach(curve: Any, target: float) -> Any:
    """The first step at which ``curve`` (steps, ...) is at least ``target``, per trailing position; the
    number of steps (one past the last) where it never gets there."""
    import torch

    hit = curve >= target
    steps = curve.shape[0]
    step_index = torch.arange(steps, device=curve.device).view(-1, *([1] * (curve.dim() - 1))).expand_as(hit)
    return torch.where(hit, step_index, steps).amin(0)


def task_seeds(seeds: Sequence[int], per_seed: int) -> list[int]:
    """The seeds of ``per_seed`` independent tasks for each run seed: task ``i · per_seed + r`` is the r-th
    of ``seeds[i]``. A seed's tasks depend on that seed alone, so the seeds beside it change nothing."""
    return [seed * 1000 + r for seed in seeds for r in range(per_seed)]


def mean_over_tasks(values: Sequence[float | None], per_seed: int) -> list[float | None]:
    """Per-task values (task_seeds' order) → the mean of each seed's tasks; None where one gave no number."""
    out: list[float | None] = []
    for start in range(0, len(values), per_seed):
        mine = [v for v in values[start:start + per_seed] if v is not None and math.isfinite(v)]
        out.append(sum(mine) / per_seed if len(mine) == per_seed else None)
    return out
