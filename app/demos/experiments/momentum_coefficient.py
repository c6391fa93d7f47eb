"""The momentum coefficient β on an ill-conditioned quadratic: steps to a target, and oscillation.

Gradient descent with heavy-ball momentum (``v ← βv + ∇f``, ``x ← x − ηv``, torch's form) on
``f(x) = ½ Σ λᵢ xᵢ²`` with curvatures λ spread log-uniformly over [1/κ, 1] (a little jitter per seed)
and a random start per seed. For each β of a grid, every learning rate of a grid (η from 0.05 to 3.2,
factor √2 apart) runs from the same start; each β keeps its fastest learning rate — a fair, tuned
comparison — and the question is how many steps it needs to bring f below ``tolerance`` × f(start).

Theory (Polyak 1964; Goh 2017): plain GD needs about κ steps per e-fold, momentum with the best β ≈
((√κ − 1)/(√κ + 1))² about √κ, so momentum wins by a factor that grows like √κ. But a β too close to 1
keeps too much of the old velocity: the iterate spirals around the minimum (the loss goes up and down)
and contracts only by √β per step, so β = 0.99 is slower than 0.9 unless κ is huge. On a well-conditioned
problem (small κ) plain GD is already fast and a large β only adds oscillation: that is where the
headline claim breaks.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from pydantic import Field

from app.demos.base import Chart, Citation, DemoParams, DemoSpec, Measurement, QuestionRef, Series, Table
from app.demos.evidence import Claim, summarise

BETAS = (0.0, 0.5, 0.8, 0.9, 0.95, 0.99)
LEARNING_RATES = tuple(0.05 * math.sqrt(2) ** k for k in range(13))  # 0.05 … 3.2, in units of 1/λ_max
DIVERGED = 1e6


class Params(DemoParams):
    condition: float = Field(100.0, ge=1.5, le=10000.0, description="조건수 κ (가장 가파른 곡률 / 가장 완만한 곡률)")
    dims: int = Field(20, ge=2, le=200, description="차원 수 (곡률은 1/κ에서 1 사이에 로그 간격으로 퍼짐)")
    tolerance: float = Field(1e-6, ge=1e-12, le=1e-2, description="목표: 손실이 처음의 이 비율 아래로")
    max_steps: int = Field(3000, ge=50, le=20000, description="최대 스텝 수 (못 가면 이 값으로 셈)")


SMALLEST = Params(max_steps=1500)
BREAKING = Params(condition=2.0, max_steps=1500)


def optimal_beta(condition: float) -> float:
    root = math.sqrt(condition)
    return ((root - 1) / (root + 1)) ** 2


def _problem(seeds, params: Params, device):
    """Per seed: curvatures (S, dims) log-spaced over [1/κ, 1] with jitter (ends kept), and a start (S, dims)."""
    import torch

    from app.demos.batched import generator

    curvatures, starts = [], []
    for seed in seeds:
        gen = generator(seed * 7919 + 1)
        position = torch.linspace(0, 1, params.dims)
        jitter = (torch.rand(params.dims, generator=gen) - 0.5) / max(params.dims - 1, 1)
        jitter[0] = jitter[-1] = 0
        curvatures.append(params.condition ** (-(1 - (position + jitter).clamp(0, 1))))
        starts.append(torch.randn(params.dims, generator=gen))
    return torch.stack(curvatures).to(device), torch.stack(starts).to(device)


def _descend(params: Params, curvatures, starts, S: int, device, progress):
    """Heavy-ball gradient descent on every seed's quadratic, run i: β index i // (L*S), learning rate
    (i // S) % L, seed i % S. Returns the loss over its start after each step, (steps + 1, runs)."""
    import torch

    B, L = len(BETAS), len(LEARNING_RATES)
    models = B * L * S
    seed_of = torch.arange(models, device=device) % S
    beta = torch.tensor([BETAS[i // (L * S)] for i in range(models)], device=device)[:, None]
    lr = torch.tensor([LEARNING_RATES[(i // S) % L] for i in range(models)], device=device)[:, None]
    lam = curvatures[seed_of]
    x = starts[seed_of].clone()
    velocity = torch.zeros_like(x)
    start_loss = 0.5 * (lam * x * x).sum(dim=1)
    ratios = [torch.ones(models, device=device)]
    for step in range(params.max_steps):
        velocity = beta * velocity + lam * x
        x = x - lr * velocity
        ratio = 0.5 * (lam * x * x).sum(dim=1) / start_loss
        ratios.append(torch.nan_to_num(ratio, nan=math.inf).clamp(max=DIVERGED * 10))
        if (step + 1) % 500 == 0:
            progress(0.9 * (step + 1) / params.max_steps, f"{step + 1}/{params.max_steps} 스텝")
    return torch.stack(ratios).cpu()


@dataclass
class _Outcome:
    """Per (β, rate, seed): steps to the tolerance, loss increases on the way, divergence; and per (β, seed)
    the fastest rate's index and its steps and increases."""

    steps: Any
    increases: Any
    diverged: Any
    best: Any
    best_steps: Any
    best_ups: Any


def _outcome(params: Params, curve, S: int) -> _Outcome:
    import torch

    B, L, models = len(BETAS), len(LEARNING_RATES), curve.shape[1]
    reached = curve <= params.tolerance
    first = torch.where(reached.any(dim=0), reached.float().argmax(dim=0),
                        torch.full((models,), params.max_steps, dtype=torch.long))
    steps = first.reshape(B, L, S)
    ups = (curve[1:] > curve[:-1]) & (torch.arange(1, curve.shape[0])[:, None] <= first[None, :])
    increases = ups.sum(dim=0).reshape(B, L, S)
    # Each β its fastest learning rate (ties: the smaller rate), per seed.
    best = steps.argmin(dim=1)  # (B, S)
    return _Outcome(steps=steps, increases=increases, diverged=(curve[-1] > DIVERGED).reshape(B, L, S), best=best,
                    best_steps=torch.gather(steps, 1, best[:, None, :])[:, 0, :].float(),
                    best_ups=torch.gather(increases, 1, best[:, None, :])[:, 0, :].float())


def _measure(outcome: _Outcome) -> dict[str, list[float | None]]:
    best_steps = outcome.best_steps
    per_seed: dict[str, list[float | None]] = {}
    for b, value in enumerate(BETAS):
        per_seed[f"steps_beta_{value:g}"] = best_steps[b].tolist()
        per_seed[f"loss_increases_beta_{value:g}"] = outcome.best_ups[b].tolist()
        per_seed[f"best_lr_beta_{value:g}"] = [LEARNING_RATES[i] for i in outcome.best[b].tolist()]
    index = {value: b for b, value in enumerate(BETAS)}
    per_seed["speedup_beta_0.9_over_0"] = (best_steps[index[0.0]] / best_steps[index[0.9]]).tolist()
    fastest = best_steps.min(dim=0).values
    per_seed["slowdown_beta_0.99_over_fastest"] = (best_steps[index[0.99]] / fastest).tolist()
    per_seed["fastest_beta"] = [BETAS[b] for b in best_steps.argmin(dim=0).tolist()]
    return per_seed


def run(params: Params, device, progress, seeds) -> Measurement:
    seeds = list(seeds)
    S = len(seeds)
    curvatures, starts = _problem(seeds, params, device)
    curve = _descend(params, curvatures, starts, S, device, progress)
    outcome = _outcome(params, curve, S)
    per_seed = _measure(outcome)
    charts = _charts(params, curve.reshape(-1, len(BETAS), len(LEARNING_RATES), S), outcome.best_steps, outcome.best)
    table = _table(params, outcome.best_steps, outcome.best_ups, outcome.best, outcome.diverged)
    progress(1.0, "완료", charts)
    return Measurement(per_seed=per_seed, charts=charts, table=table, notes=_notes(params, per_seed))


def _charts(params: Params, curve, best_steps, best) -> list[Chart]:
    from app.demos.batched import band

    S = best_steps.shape[1]
    y, low, high = band([best_steps[:, s].tolist() for s in range(S)])
    by_beta = Chart(key="steps_by_beta", title=f"목표({params.tolerance:g})까지 스텝 수 (β마다 가장 빠른 학습률)",
                    x_label="β", y_label="스텝", log_y=True,
                    series=[Series(name="측정 (시드 평균, 띠는 최소~최대)", x=list(BETAS), y=y, lower=low, upper=high)])
    shown = min(params.max_steps, int(best_steps.max().item()) + 1)
    stride = max(shown // 300, 1)
    points = list(range(0, shown + 1, stride))
    curves = []
    for value in (0.0, 0.9, 0.99):
        b = BETAS.index(value)
        per = [[max(curve[t, b, best[b, s], s].item(), 1e-30) for t in points] for s in range(S)]
        y, low, high = band(per)
        curves.append(Series(name=f"β = {value:g}", x=[float(t) for t in points], y=y, lower=low, upper=high))
    loss_chart = Chart(key="loss", title="손실 f / f(시작) (각 β의 가장 빠른 학습률)", x_label="스텝", y_label="남은 손실 비율",
                       log_y=True, series=curves)
    return [by_beta, loss_chart]


def _table(params: Params, best_steps, best_ups, best, diverged) -> Table:
    rows = []
    S = best_steps.shape[1]
    for b, value in enumerate(BETAS):
        lrs = sorted({LEARNING_RATES[i] for i in best[b].tolist()})
        mean_steps = best_steps[b].mean().item()
        reached = int((best_steps[b] < params.max_steps).sum().item())
        rows.append([value, "/".join(f"{v:.3g}" for v in lrs), round(mean_steps, 1), f"{reached}/{S}",
                     round(best_ups[b].mean().item(), 1), int(diverged[b].sum().item())])
    return Table(columns=["β", "고른 학습률 (×1/λ_max)", "목표까지 스텝 (평균)", "목표 도달 시드", "손실이 오른 스텝 수",
                          "발산한 (학습률, 시드) 수"], rows=rows)


def _mean(values) -> float:
    return sum(values) / len(values)


def _notes(params: Params, m: dict[str, list[float | None]]) -> list[str]:
    notes = []
    steps = {b: _mean(m[f"steps_beta_{b:g}"]) for b in BETAS}
    ups = {b: _mean(m[f"loss_increases_beta_{b:g}"]) for b in BETAS}
    speedup = summarise(m["speedup_beta_0.9_over_0"])
    text = ", ".join(f"β {b:g}: {steps[b]:.0f}" for b in BETAS)
    notes.append(f"κ = {params.condition:g}에서 목표까지 스텝 수(각 β의 가장 빠른 학습률, 시드 평균): {text}.")
    if speedup.ci95 is not None and speedup.ci95[0] > 1:
        notes.append(f"β = 0.9는 모멘텀 없는 GD보다 {speedup.mean:.1f}배 빨랐습니다: 완만한 방향의 작은 기울기가 속도에 쌓입니다 "
                     f"(이론상 최적 β ≈ {optimal_beta(params.condition):.3f}).")
    else:
        notes.append(f"κ = {params.condition:g}처럼 조건이 좋은 문제에서는 모멘텀 없는 GD가 이미 빨라 β = 0.9가 이기지 못했습니다 "
                     f"({steps[0.0]:.0f} 대 {steps[0.9]:.0f}스텝, 이론상 최적 β ≈ {optimal_beta(params.condition):.3f}): "
                     f"큰 β는 지난 속도를 오래 끌고 다녀 최소점 주위를 맴돕니다.")
    slow = summarise(m["slowdown_beta_0.99_over_fastest"])
    fastest = max(set(m["fastest_beta"]), key=m["fastest_beta"].count)
    if slow.ci95 is not None and slow.ci95[0] > 1:
        notes.append(f"β = 0.99는 가장 빠른 β({fastest:g})보다 {slow.mean:.1f}배 느렸고, 목표까지 손실이 {ups[0.99]:.0f}번 "
                     f"올랐습니다(β = 0.9는 {ups[0.9]:.0f}번): 한 스텝에 √β만큼만 줄어드는 나선을 그립니다.")
    else:
        notes.append(f"κ = {params.condition:g}에서는 β = 0.99도 가장 빠른 β와 비슷했습니다 ({steps[0.99]:.0f}스텝): 조건수가 "
                     f"아주 크면 최적 β가 1에 가까워집니다.")
    return notes


DEMO = DemoSpec(
    slug="momentum-coefficient",
    title="모멘텀 계수 β: 조건수가 나쁜 이차 함수에서 목표까지 스텝과 진동",
    summary=(
        "β마다 자기에게 가장 빠른 학습률로 κ = 100인 이차 함수를 풀면, β = 0.9가 모멘텀 없는 GD보다 몇 배 빠르고 "
        "β = 0.99는 진동하며 오히려 느립니다. 조건수가 작은 문제에서는 모멘텀의 이득이 사라집니다."
    ),
    params=Params,
    smallest=SMALLEST,
    breaking=BREAKING,
    run=run,
    claims=(
        Claim(metric="speedup_beta_0.9_over_0", direction="greater", margin=1.0,
              statement="β = 0.9가 모멘텀 없는 GD보다 적은 스텝으로 목표에 닿는다",
              metric_label="걸린 스텝 비 (β = 0 ÷ β = 0.9)"),
        Claim(metric="slowdown_beta_0.99_over_fastest", direction="greater", margin=1.0,
              statement="β = 0.99는 가장 빠른 β보다 느리다",
              metric_label="걸린 스텝 비 (β = 0.99 ÷ 가장 빠른 β)"),
    ),
    # Each β at its fastest learning rate; "steps" count up to loss ≤ tolerance × f(start) (max_steps if never).
    metric_labels={
        "steps_beta_{}": "목표 손실까지 걸린 스텝 수 (β = {})",
        "loss_increases_beta_{}": "목표까지 가는 동안 손실이 오른 스텝 수 (β = {})",
        "best_lr_beta_{}": "가장 빨리 닿은 학습률 η (β = {}, 1/λ_max 단위)",
        "fastest_beta": "가장 적은 스텝으로 닿은 β",
    },
    concepts=("momentum", "condition_number", "velocity", "ema", "convergence", "gradient_descent", "zigzag"),
    questions=(
        QuestionRef("4주차 p15", "condition number"),
        QuestionRef("4주차 p22", "모멘텀의 velocity"),
        QuestionRef("4주차 p24", "ρ^n으로 줄어드는 지난 기울기"),
    ),
    citations=(
        Citation(authors="Polyak", year=1964, title="Some methods of speeding up the convergence of iteration methods",
                 url="https://doi.org/10.1016/0041-5553(64)90137-5"),
        Citation(authors="Goh", year=2017, title="Why Momentum Really Works (Distill)",
                 url="https://distill.pub/2017/momentum/"),
    ),
    version="1",
)
