"""Feature scaling and the condition number (면접 #4; 4주차 7-1 p15, 7-8 p38).

Linear regression on two features, one of them ``scale_ratio`` times larger than the other and the
two correlated, fitted by full-batch gradient descent on the mean squared error. The loss is a
quadratic bowl whose Hessian is ``XᵀX/n``; the ratio of its largest to smallest eigenvalue, the
condition number κ, says how stretched (taco-shaped, tilted when the features correlate) the bowl is.
Gradient descent must keep its step under ``2/λ_max`` or it diverges along the steep direction, and
then crawls along the flat one: the number of steps grows like κ. Standardising each feature (subtract
the mean, divide by the standard deviation) makes the bowl nearly round.

Both arms, raw and standardised, run at every learning rate of one log grid (13 rates, √10 apart),
and per seed each keeps the rate that reached the tolerance in the fewest steps: the claim is about
optimisation speed, so it is judged on steps to the tolerance on the loss being minimised. Seeds
draw the data; all seeds, rates and both arms descend as one batched tensor.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass
from typing import Any

from pydantic import Field

from app.demos.base import (
    Chart,
    Citation,
    DemoParams,
    DemoSpec,
    Measurement,
    QuestionRef,
    Series,
    Table,
)
from app.demos.evidence import Claim
from app.demos.training import log_spaced_steps

N_SAMPLES = 256
NOISE = 0.1
TOLERANCE = 1e-3  # converged: the reducible loss is down to this fraction of where it started
DIVERGED = 1e6  # a run whose reducible loss grew this many times is stopped
MAX_PATH_POINTS = 300
LEARNING_RATES = tuple(10 ** (-k / 2) for k in range(13))  # 1 … 1e-6, the same grid for both arms
ARMS = (("raw", "원래 특성"), ("scaled", "표준화한 특성"))
SPEEDUP_MARGIN = 3.0  # "far more steps" means at least three times as many


class Params(DemoParams):
    scale_ratio: float = Field(10.0, ge=1.0, le=1000.0, description="두 번째 특성이 첫 번째보다 몇 배 큰가")
    correlation: float = Field(0.5, ge=0.0, le=0.95, description="두 특성의 상관계수 (손실 타원이 기울어짐)")
    max_steps: int = Field(3000, ge=100, le=20000, description="경사 하강 최대 스텝 수 (두 특성에 같은 예산)")


SMALLEST = Params(scale_ratio=10.0, max_steps=1000)
# Features of one size but strongly correlated: standardising changes nothing, the bowl stays tilted.
BREAKING = Params(scale_ratio=1.0, correlation=0.9, max_steps=1000)


def _draw(seed: int, params: Params):
    import torch

    generator = torch.Generator().manual_seed(seed)
    rho = params.correlation
    z = torch.randn(N_SAMPLES, 2, generator=generator)
    raw = torch.stack([z[:, 0], params.scale_ratio * (rho * z[:, 0] + math.sqrt(1 - rho * rho) * z[:, 1])], dim=1)
    # Both features matter once standardised (the raw weight of the big feature is small), with
    # opposite signs so that the optimum does not lie along one eigenvector of the bowl by accident.
    true_weights = torch.tensor([1.0, -0.5 / params.scale_ratio])
    targets = raw @ true_weights + NOISE * torch.randn(N_SAMPLES, generator=generator)
    scaled = (raw - raw.mean(dim=0)) / raw.std(dim=0)
    return raw, targets, scaled, targets - targets.mean()  # the standardised model has no intercept either


@dataclass
class _Problem:
    """Every run's least-squares problem; runs along dim 0 are (arm, rate, seed)."""

    features: Any  # (runs, n, 2)
    goals: Any  # (runs, n)
    rates: Any  # (runs,)
    eigen: Any  # (arm, seed, 2): the loss Hessian's eigenvalues, ascending
    optimum: Any  # (runs, 2)

    def loss(self, w):
        return 0.5 * ((self.features @ w.unsqueeze(-1)).squeeze(-1) - self.goals).pow(2).mean(dim=1)


def _data(params: Params, seeds, device) -> _Problem:
    import torch

    n_seeds, n_rates, n_arms = len(seeds), len(LEARNING_RATES), len(ARMS)
    drawn = [_draw(seed, params) for seed in seeds]
    per_arm = [torch.stack([d[0] for d in drawn]), torch.stack([d[2] for d in drawn])]  # (seeds, n, 2)
    goals_per_arm = [torch.stack([d[1] for d in drawn]), torch.stack([d[3] for d in drawn])]
    features = torch.stack(per_arm).unsqueeze(1).expand(-1, n_rates, -1, -1, -1).reshape(-1, N_SAMPLES, 2).to(device)
    goals = torch.stack(goals_per_arm).unsqueeze(1).expand(-1, n_rates, -1, -1).reshape(-1, N_SAMPLES).to(device)
    hessians = torch.stack(per_arm).transpose(-1, -2) @ torch.stack(per_arm) / N_SAMPLES  # (arm, seed, 2, 2)
    # Normal equations in float64 rather than lstsq: LAPACK's least squares may take a different path
    # with the number of threads, and the same seed must give the same numbers.
    gram = features.double().transpose(1, 2) @ features.double()
    moments = features.double().transpose(1, 2) @ goals.double().unsqueeze(-1)
    return _Problem(
        features=features, goals=goals,
        rates=torch.tensor(LEARNING_RATES, device=device).repeat_interleave(n_seeds).repeat(n_arms),
        eigen=torch.linalg.eigvalsh(hessians.double()),
        optimum=torch.linalg.solve(gram, moments).squeeze(-1).float(),
    )


@dataclass
class _Descent:
    """When each run converged or diverged (max_steps + 1: never), and its curves at the marked steps."""

    converged_at: Any
    diverged_at: Any
    curve_steps: list[float]
    gap_curve: list  # the remaining share of the reducible loss, NaN once diverged
    path: list  # the weights over the optimum


def _train(params: Params, problem: _Problem, n_seeds: int, device, progress) -> _Descent:
    import torch

    n_rates, n_arms = len(LEARNING_RATES), len(ARMS)
    rates, features, goals = problem.rates, problem.features, problem.goals
    best = problem.loss(problem.optimum)
    weights = torch.zeros(len(rates), 2, device=device)
    start_gap = problem.loss(weights) - best
    never = params.max_steps + 1
    converged_at = torch.full((len(rates),), never, device=device)
    diverged_at = torch.full((len(rates),), never, device=device)
    active = torch.ones(len(rates), dtype=torch.bool, device=device)
    marks = set(log_spaced_steps(params.max_steps, MAX_PATH_POINTS))
    curve_steps, gap_curve, path = [0.0], [torch.ones(len(rates), device=device)], [torch.zeros_like(weights)]
    for step in range(1, params.max_steps + 1):
        residual = (features @ weights.unsqueeze(-1)).squeeze(-1) - goals
        gradient = (features * residual.unsqueeze(-1)).mean(dim=1)
        weights = torch.where(active.unsqueeze(1), weights - rates.unsqueeze(1) * gradient, weights)
        gap = (problem.loss(weights) - best) / start_gap
        converged_at = torch.where(active & (gap <= TOLERANCE), step, converged_at)
        diverged_at = torch.where(active & ~(gap < DIVERGED), step, diverged_at)  # also catches inf and nan
        # A rate that converged ends its arm's search for that seed: slower rates cannot win any more.
        settled = (converged_at < never).view(n_arms, n_rates, n_seeds).any(dim=1, keepdim=True)
        active = (converged_at == never) & (diverged_at == never) & ~settled.expand(-1, n_rates, -1).reshape(-1)
        if step in marks:
            curve_steps.append(float(step))
            gap_curve.append(torch.where(diverged_at < never, float("nan"), gap.clamp_min(1e-16)))
            path.append(weights / problem.optimum)
        if step % 500 == 0:
            progress(step / params.max_steps, f"{step}/{params.max_steps} 스텝")
        if step % 25 == 0 and not bool(active.any()):
            break
    return _Descent(converged_at, diverged_at, curve_steps, gap_curve, path)


def _measure(params: Params, problem: _Problem, descent: _Descent, n_seeds: int) -> tuple[dict[str, list], Any]:
    """Per seed, each arm at its fastest rate; also returns that choice, (arm, seed) indices into the grid."""
    import torch

    n_rates, never, eigen = len(LEARNING_RATES), params.max_steps + 1, problem.eigen
    grid = (len(ARMS), n_rates, n_seeds)
    converged_at, diverged_at = descent.converged_at.view(grid), descent.diverged_at.view(grid)
    finished = torch.where(converged_at < never, converged_at, never)
    chosen = finished.argmin(dim=1)  # (arm, seed): the fastest rate (the largest on a tie: none converged)

    per_seed: dict[str, list] = {}  # a float per seed, None where nothing could be measured
    for a, (key, _) in enumerate(ARMS):
        idx = chosen[a].tolist()
        per_seed[f"steps_{key}"] = [float(min(int(finished[a, r, s]), params.max_steps)) for s, r in enumerate(idx)]
        per_seed[f"converged_{key}"] = [float(int(finished[a, r, s]) < never) for s, r in enumerate(idx)]
        per_seed[f"condition_{key}"] = (eigen[a, :, -1] / eigen[a, :, 0]).tolist()
        per_seed[f"lambda_max_{key}"] = eigen[a, :, -1].tolist()
        per_seed[f"lr_{key}"] = [LEARNING_RATES[r] for r in idx]
        # The largest rate of the grid that did not diverge: the edge 2/λ_max sets.
        stable = (diverged_at[a] == never)
        per_seed[f"largest_stable_lr_{key}"] = [max((LEARNING_RATES[r] for r in range(n_rates) if stable[r, s]),
                                                    default=None) for s in range(n_seeds)]
    per_seed["step_ratio"] = [r / max(s, 1.0) for r, s in zip(per_seed["steps_raw"], per_seed["steps_scaled"])]
    per_seed["condition_ratio"] = [r / s for r, s in zip(per_seed["condition_raw"], per_seed["condition_scaled"])]
    # The raw features at the rate the standardised arm chose: does that step survive the steep direction?
    per_seed["diverged_raw_at_scaled_lr"] = [float(int(diverged_at[0, r, s]) < never)
                                             for s, r in enumerate(chosen[1].tolist())]
    return per_seed, chosen


def _report(descent: _Descent, chosen, per_seed: dict[str, list], seeds) -> tuple[list[Chart], Table]:
    import torch

    grid = (len(ARMS), len(LEARNING_RATES), len(seeds))
    curves = torch.stack(descent.gap_curve).T.reshape(*grid, -1)  # (arm, rate, seed, marks)
    paths = torch.stack(descent.path).transpose(0, 1).reshape(*grid, -1, 2)
    charts = [
        Chart(
            key="loss", title="줄일 수 있는 손실 중 남은 비율 (각자 고른 학습률, 시드 범위)", x_label="스텝",
            y_label="(L − L*) / (L₀ − L*)", log_y=True,
            series=[Series.over_seeds(f"{label}", descent.curve_steps,
                                      [curves[a, r, s].tolist() for s, r in enumerate(chosen[a].tolist())])
                    for a, (_, label) in enumerate(ARMS)],
        ),
        Chart(
            key="path", title=f"가중치 경로 (시드 {seeds[0]}, 각 좌표를 최적값으로 나눈 값, 1·1이 최적)",
            x_label="w₁ / w₁*", y_label="w₂ / w₂*",
            series=[Series(name=label, x=paths[a, int(chosen[a, 0]), 0, :, 0].tolist(),
                           y=paths[a, int(chosen[a, 0]), 0, :, 1].tolist())
                    for a, (_, label) in enumerate(ARMS)],
        ),
    ]

    def mean(name: str) -> float:
        return statistics.fmean(per_seed[name])

    table = Table(
        columns=["특성", "조건수 κ (평균)", "λ_max (평균)", f"고른 학습률 (격자 {len(LEARNING_RATES)}개 중, 시드별)",
                 "발산하지 않은 가장 큰 학습률 (시드별)", "수렴 스텝 (평균)", "수렴한 시드"],
        rows=[[label, float(f"{mean(f'condition_{key}'):.4g}"), float(f"{mean(f'lambda_max_{key}'):.4g}"),
               ", ".join(f"{r:.2g}" for r in per_seed[f"lr_{key}"]),
               ", ".join(f"{r:.2g}" if r else "없음" for r in per_seed[f"largest_stable_lr_{key}"]),
               round(mean(f"steps_{key}"), 1), f"{int(sum(per_seed[f'converged_{key}']))}/{len(seeds)}"]
              for key, label in ARMS],
    )
    return charts, table


def run(params: Params, device, progress, seeds) -> Measurement:
    problem = _data(params, seeds, device)
    descent = _train(params, problem, len(seeds), device, progress)
    per_seed, chosen = _measure(params, problem, descent, len(seeds))
    charts, table = _report(descent, chosen, per_seed, seeds)
    progress(1.0, "완료", charts)
    return Measurement(per_seed=per_seed, charts=charts, table=table, notes=_notes(params, per_seed, len(seeds)))


def _notes(params: Params, per_seed: dict[str, list], n_seeds: int) -> list[str]:
    def mean(name: str) -> float:
        return statistics.fmean(per_seed[name])

    kappa_raw, kappa_scaled = mean("condition_raw"), mean("condition_scaled")
    notes = [f"원래 특성의 손실 헤시안은 조건수 κ = {kappa_raw:.4g}이고, 표준화하면 κ = {kappa_scaled:.3g}입니다 (시드 평균)."]
    raw, scaled, ratio = mean("steps_raw"), mean("steps_scaled"), mean("step_ratio")
    converged_raw = int(sum(per_seed["converged_raw"]))
    lrs = {key: "/".join(f"{r:.2g}" for r in sorted(set(per_seed[f"lr_{key}"]))) for key, _ in ARMS}
    if converged_raw == n_seeds:
        notes.append(
            f"같은 학습률 격자에서 각자 가장 빨리 수렴한 학습률(원래 {lrs['raw']}, 표준화 {lrs['scaled']})로 경사 하강을 하면 "
            f"원래 특성은 평균 {raw:.0f}스텝, 표준화한 특성은 {scaled:.0f}스텝 만에 수렴했습니다"
            + (f" ({ratio:.0f}배)." if ratio >= SPEEDUP_MARGIN else
               f": 여기서는 주장이 무너집니다 ({ratio:.1f}배). 두 특성의 크기가 비슷하면 표준화로 줄일 스텝이 없습니다.")
        )
    else:
        notes.append(
            f"표준화한 특성은 평균 {scaled:.0f}스텝 만에 수렴했지만, 원래 특성은 시드 {n_seeds}개 중 {n_seeds - converged_raw}개가 "
            f"{params.max_steps}스텝 안에 수렴하지 못했습니다: 가파른 방향 때문에 학습률을 2/λ_max(평균 λ_max = "
            f"{mean('lambda_max_raw'):.4g}) 아래로 묶어야 해서 완만한 방향으로는 거의 못 갑니다."
        )
    diverged = int(sum(per_seed["diverged_raw_at_scaled_lr"]))
    if diverged:
        notes.append(
            f"표준화한 문제가 고른 학습률({lrs['scaled']})을 원래 특성에 쓰면 시드 {n_seeds}개 중 {diverged}개에서 "
            f"발산했습니다: 원래 특성이 견디는 가장 큰 학습률은 격자에서 "
            f"{'/'.join(f'{r:.2g}' for r in sorted({v for v in per_seed['largest_stable_lr_raw'] if v}))}입니다."
        )
    else:
        notes.append(f"표준화한 문제의 학습률({lrs['scaled']})을 원래 특성에 써도 발산하지 않았습니다: 두 특성의 크기가 "
                     f"비슷하기 때문입니다.")
    if kappa_scaled > 2:
        notes.append(
            f"상관계수 {params.correlation:g} 때문에 표준화한 뒤에도 타원이 기울어 있어 κ는 {kappa_scaled:.3g}입니다: "
            f"표준화는 크기를 맞출 뿐 상관을 없애지는 않습니다 (상관까지 없애려면 PCA 백색화가 필요합니다)."
        )
    return notes


DEMO = DemoSpec(
    slug="feature-scaling",
    title="특성 스케일링과 조건수",
    summary=(
        "특성의 크기가 크게 다르면 손실의 헤시안 조건수가 커져, 경사 하강이 발산하지 않을 학습률로는 수렴에 훨씬 "
        "많은 스텝이 걸립니다. 특성을 표준화하면 조건수가 1 가까이로 줄어 몇 스텝 만에 수렴합니다."
    ),
    params=Params,
    smallest=SMALLEST,
    run=run,
    claims=(
        Claim(metric="step_ratio", direction="greater", margin=SPEEDUP_MARGIN,
              statement="크기가 다른 특성은 표준화한 특성보다 각자 가장 좋은 학습률에서도 3배 넘게 많은 스텝을 들여야 수렴한다",
              metric_label="수렴까지 스텝 비 (표준화 전 ÷ 표준화 후)"),
        Claim(metric="condition_ratio", direction="greater", margin=10.0,
              statement="표준화가 손실 헤시안의 조건수를 10배 넘게 줄인다",
              metric_label="헤시안 조건수 비 (표준화 전 ÷ 표준화 후)"),
    ),
    breaking=BREAKING,
    metric_labels={
        **{f"{name}_{key}": label.format(shown) for key, shown in ARMS for name, label in (
            ("steps", f"허용 오차 {TOLERANCE:g}까지 걸린 스텝 수 ({{}}, 못 닿으면 최대 스텝)"),
            ("converged", "최대 스텝 안에 수렴 ({}, 1 = 수렴)"),
            ("condition", "손실 헤시안 조건수 κ = λ_max / λ_min ({})"),
            ("lambda_max", "손실 헤시안의 가장 큰 고윳값 λ_max ({})"),
            ("lr", "가장 빨리 수렴한 학습률 ({})"),
            ("largest_stable_lr", "발산하지 않은 가장 큰 학습률 ({})"))},
        "diverged_raw_at_scaled_lr": "표준화 쪽이 고른 학습률에서 원래 특성이 발산 (1 = 발산)",
    },
    concepts=("feature_scaling", "standardization", "data_normalization", "condition_number", "preprocessing"),
    questions=(
        QuestionRef("면접 #4", "Data Normalization은 왜 필요한가"),
        QuestionRef("4주차 p15", "condition number"),
        QuestionRef("4주차 p38", "기울어진 타원형 손실"),
    ),
    citations=(
        Citation(authors="LeCun, Bottou, Orr & Müller", year=1998, title="Efficient BackProp",
                 url="https://doi.org/10.1007/3-540-49430-8_2"),
    ),
    version="2",
)
