"""Learning rate: too large diverges; decaying it (step or cosine with warm-up) beats holding it constant.

A small ReLU MLP (8 → 32 → 1) fits a noisy teacher network with minibatch SGD, each step on a fresh
minibatch drawn from the teacher (a stream, so no run can overfit and the test loss measures the
optimisation alone). Three schedules get the same steps, the same minibatches and the same grid of
seven peak learning rates (factor 2 apart, up to ``lr_max``); each schedule keeps the learning rate that
gives its lowest *validation* loss, and the claim is judged on a separate *test* set:

* constant: the peak rate throughout;
* step: ×0.1 at half the steps and again at three quarters (He et al. 2016's ImageNet recipe);
* cosine with warm-up: a linear ramp over the first ``warmup_fraction`` of the steps, then half a
  cosine down to zero (Loshchilov & Hutter 2017; warm-up as in Goyal et al. 2017).

Why decay helps: with a constant rate, minibatch noise keeps the weights bouncing around the minimum at
a distance that grows with the rate; lowering the rate at the end lets them settle. The claim therefore
needs gradient noise: with large batches there is little, and decaying only slows the descent — that
is where it is expected to break. The largest rate of the grid is also
run as a test of the other claim: held constant past the stability limit (about 2 / the largest
curvature), the loss grows instead of falling.
"""

from __future__ import annotations

import math

from pydantic import Field

from app.demos.base import Chart, Citation, DemoParams, DemoSpec, Measurement, QuestionRef, Series, Table
from app.demos.evidence import Claim, summarise

INPUTS, HIDDEN, TEACHER_HIDDEN = 8, 32, 16
N_VAL, N_TEST = 1024, 4096
GRID_POINTS, GRID_FACTOR = 7, 2.0
NOISE = 0.5
# A run whose training loss ends this many times above where it started counts as diverged (10^cap);
# a NaN counts as the cap, so every seed gives a number.
GROWTH_CAP = 6.0
SCHEDULES = (("constant", "상수"), ("step", "계단 감소"), ("cosine", "웜업+코사인"))
CURVE_POINTS = 30


class Params(DemoParams):
    lr_max: float = Field(1.0, ge=0.01, le=10.0, description="학습률 격자의 가장 큰 값 (격자는 이 값부터 3배씩 작아지는 5개)")
    steps: int = Field(600, ge=50, le=5000, description="SGD 스텝 수 (세 스케줄 모두 같음)")
    batch_size: int = Field(4, ge=1, le=1024, description="미니배치 크기 (클수록 기울기 잡음이 작음)")
    warmup_fraction: float = Field(0.05, ge=0.0, le=0.5, description="코사인 스케줄의 웜업 구간 (전체 스텝 대비 비율)")


SMALLEST = Params(steps=300)
BREAKING = Params(batch_size=256, steps=300)


def schedule_factor(kind: str, step: int, steps: int, warmup_fraction: float) -> float:
    """The multiplier of the peak learning rate at ``step`` (0-based) of ``steps``."""
    if kind == "constant":
        return 1.0
    if kind == "step":
        return 1.0 if step < steps // 2 else 0.1 if step < (3 * steps) // 4 else 0.01
    warmup = round(warmup_fraction * steps)
    if step < warmup:
        return (step + 1) / warmup
    progress = (step - warmup) / max(steps - warmup, 1)
    return 0.5 * (1 + math.cos(math.pi * progress))


def lr_grid(lr_max: float) -> list[float]:
    return [lr_max / GRID_FACTOR ** (GRID_POINTS - 1 - i) for i in range(GRID_POINTS)]


def run(params: Params, device, progress, seeds) -> Measurement:
    import torch

    from app.demos.batched import SGD, best_per_seed, generator, init_mlp, mlp_forward, per_model_mse
    from app.demos.synthetic import regression_teachers, sample_regression

    seeds = list(seeds)
    S, L, A = len(seeds), GRID_POINTS, len(SCHEDULES)
    teachers = regression_teachers(seeds, INPUTS, TEACHER_HIDDEN, device)
    held_out = [generator(s * 7919 + 2) for s in seeds]
    val, test = (sample_regression(teachers, held_out, count, NOISE, device) for count in (N_VAL, N_TEST))
    models = A * L * S
    # Model i: schedule i // (L*S), grid point (i // S) % L, seed i % S (init_mlp's layout).
    seed_of = torch.arange(models, device=device) % S
    arm_of = torch.arange(models, device=device) // (L * S)
    grid = lr_grid(params.lr_max)
    lrs = torch.tensor([grid[(i // S) % L] for i in range(models)], device=device)
    weights = init_mlp([INPUTS, HIDDEN, 1], [generator(s) for s in seeds], A * L, device)
    optimizer = SGD(weights, lrs)
    # Fresh minibatches from each seed's stream, the same ones for every schedule and learning rate of
    # that seed: the arms differ only in the rate.
    stream = [generator(s * 7919 + 3) for s in seeds]
    factors = torch.tensor([[schedule_factor(kind, step, params.steps, params.warmup_fraction) for kind, _ in SCHEDULES]
                            for step in range(params.steps)], device=device)[:, arm_of]

    def losses(split) -> torch.Tensor:
        with torch.no_grad():
            return per_model_mse(mlp_forward(weights, split[0]), split[1][seed_of])

    initial = losses(val)
    every = max(params.steps // CURVE_POINTS, 1)
    curve_steps: list[int] = [0]
    curves = [initial]
    for step in range(params.steps):
        x, y = sample_regression(teachers, stream, params.batch_size, NOISE, device)
        per_model_mse(mlp_forward(weights, x), y[seed_of]).sum().backward()
        optimizer.step(factors[step])
        if (step + 1) % every == 0 or step + 1 == params.steps:
            curve_steps.append(step + 1)
            curves.append(losses(val))
            if len(curve_steps) % 10 == 0:
                progress(0.95 * (step + 1) / params.steps, f"{step + 1}/{params.steps} 스텝")

    val_grid, test_grid = losses(val).reshape(A, L, S).cpu(), losses(test).reshape(A, L, S).cpu()
    best = [best_per_seed(val_grid[a]) for a in range(A)]  # (S,) per arm
    per_seed: dict[str, list[float | None]] = {}
    for a, (kind, _) in enumerate(SCHEDULES):
        per_seed[f"test_loss_{kind}"] = [_finite(test_grid[a, best[a][s], s].item()) for s in range(S)]
        per_seed[f"best_lr_{kind}"] = [grid[best[a][s]] for s in range(S)]
    for kind in ("step", "cosine"):
        # The share of the constant rate's excess test loss (above the noise floor σ², which no model can
        # beat) that the schedule removes: comparable across teachers of different difficulty.
        per_seed[f"excess_cut_{kind}"] = [
            None if c is None or o is None else (c - o) / (c - NOISE ** 2)
            for c, o in zip(per_seed["test_loss_constant"], per_seed[f"test_loss_{kind}"])]
    growth = _growth(losses(val), initial).reshape(A, L, S).cpu()
    per_seed["log10_growth_constant_at_max"] = [growth[0, L - 1, s].item() for s in range(S)]
    per_seed["log10_growth_cosine_at_max"] = [growth[2, L - 1, s].item() for s in range(S)]

    charts = _charts(params, grid, test_grid,
                     torch.stack(curves).reshape(len(curves), A, L, S).cpu(), curve_steps, best)
    table = _table(params, grid, val_grid, test_grid, growth)
    progress(1.0, "완료", charts)
    return Measurement(per_seed=per_seed, charts=charts, table=table, notes=_notes(params, per_seed))


def _finite(value: float) -> float | None:
    return value if math.isfinite(value) else None


def _growth(final, initial):
    """log10(final / initial) training loss per model, NaN/inf and huge values capped at GROWTH_CAP."""
    import torch

    ratio = torch.log10(final / initial)
    return torch.where(torch.isfinite(ratio), ratio.clamp(max=GROWTH_CAP), torch.full_like(ratio, GROWTH_CAP))


def _charts(params: Params, grid, test_grid, curves, curve_steps, best) -> list[Chart]:
    from app.demos.batched import band

    S = test_grid.shape[2]
    by_lr = []
    for a, (kind, label) in enumerate(SCHEDULES):
        y, low, high = band([[_finite(test_grid[a, i, s].item()) for i in range(len(grid))] for s in range(S)])
        by_lr.append(Series(name=label, x=grid, y=y, lower=low, upper=high))
    curve_series = []
    for a, (kind, label) in enumerate(SCHEDULES):
        per = [[_finite(curves[t, a, best[a][s], s].item()) for t in range(len(curve_steps))] for s in range(S)]
        y, low, high = band(per)
        curve_series.append(Series(name=f"{label} (검증으로 고른 학습률)", x=[float(t) for t in curve_steps], y=y,
                                   lower=low, upper=high))
    factor_series = [Series(name=label, x=[float(t) for t in range(0, params.steps, max(params.steps // 100, 1))],
                            y=[schedule_factor(kind, t, params.steps, params.warmup_fraction)
                               for t in range(0, params.steps, max(params.steps // 100, 1))])
                     for kind, label in SCHEDULES]
    return [
        Chart(key="test_by_lr", title="최대 학습률별 테스트 손실 (시드 평균, 띠는 최소~최대)", x_label="최대 학습률",
              y_label="테스트 MSE", log_x=True, log_y=True, series=by_lr),
        Chart(key="train_curve", title="검증 손실 곡선 (각 스케줄이 고른 학습률)", x_label="스텝", y_label="검증 MSE",
              log_y=True, series=curve_series),
        Chart(key="schedule", title="학습률 배율 (최대 학습률 대비)", x_label="스텝", y_label="배율", series=factor_series),
    ]


def _table(params: Params, grid, val_grid, test_grid, growth) -> Table:
    rows = []
    S = val_grid.shape[2]
    for a, (_, label) in enumerate(SCHEDULES):
        for i, lr in enumerate(grid):
            diverged = sum(growth[a, i, s].item() > 0 for s in range(S))
            rows.append([label, float(f"{lr:.4g}"), params.steps, _mean_text(val_grid[a, i]),
                         _mean_text(test_grid[a, i]), f"{diverged}/{S}"])
    return Table(columns=["스케줄", "최대 학습률", "스텝", "검증 MSE (시드 평균)", "테스트 MSE (시드 평균)", "손실이 커진 시드"],
                 rows=rows)


def _mean_text(values) -> str | float:
    finite = [v for v in values.tolist() if math.isfinite(v)]
    if len(finite) < len(values):
        return "발산" if not finite else f"{sum(finite) / len(finite):.4g} (발산 {len(values) - len(finite)})"
    return float(f"{sum(finite) / len(finite):.4g}")


def _mean(values) -> float | None:
    finite = [v for v in values if v is not None and math.isfinite(v)]
    return sum(finite) / len(finite) if finite else None


def _notes(params: Params, m: dict[str, list[float | None]]) -> list[str]:
    notes = []
    constant, cosine, step = (_mean(m[f"test_loss_{k}"]) for k in ("constant", "cosine", "step"))
    lrs = {k: sorted(set(m[f"best_lr_{k}"])) for k, _ in SCHEDULES}
    picked = ", ".join(f"{label} {'/'.join(f'{v:.3g}' for v in lrs[k])}" for k, label in SCHEDULES)
    notes.append(f"검증 손실로 고른 최대 학습률: {picked}.")
    if constant is not None and cosine is not None and step is not None:
        cut = summarise(m["excess_cut_cosine"])
        if cut.ci95 is not None and cut.ci95[0] > 0:
            notes.append(f"테스트 MSE: 웜업+코사인 {cosine:.3f}, 계단 감소 {step:.3f}, 상수 {constant:.3f} (잡음 바닥 "
                         f"σ² = {NOISE ** 2:g}). 웜업+코사인이 상수 학습률의 초과 손실 중 {cut.mean:.0%}를 없앴습니다: 끝으로 갈수록 "
                         f"학습률을 줄이면 미니배치 잡음으로 최소점 주변을 맴돌던 가중치가 가라앉습니다.")
        else:
            notes.append(f"이번 설정(배치 {params.batch_size}, 스텝 {params.steps})에서는 학습률을 줄여도 테스트 MSE가 시드마다 "
                         f"일관되게 낮아지지 않았습니다: 상수 {constant:.3f}, 웜업+코사인 {cosine:.3f}, 계단 감소 {step:.3f}. 감소 스케줄의 이득은 "
                         f"미니배치 기울기 잡음을 줄이는 데서 오므로, 배치가 커서 잡음이 작으면 줄이는 만큼 덜 내려갈 뿐입니다.")
    grown = [g for g in m["log10_growth_constant_at_max"] if g is not None and g > 0]
    seeds = len(m["log10_growth_constant_at_max"])
    if grown:
        warm = sum(g is not None and g > 0 for g in m["log10_growth_cosine_at_max"])
        notes.append(f"가장 큰 학습률 {params.lr_max:g}을 상수로 두면 시드 {seeds}개 중 {len(grown)}개에서 손실이 처음보다 "
                     f"커졌습니다(발산; 최대 10^{max(grown):.1f}배). 같은 최대 학습률의 웜업+코사인은 {warm}개가 그랬습니다"
                     + (": 웜업으로 작게 시작하고 코사인으로 줄어들어 큰 학습률에 머문 스텝이 적었습니다."
                        if warm < len(grown) else "."))
    else:
        notes.append(f"가장 큰 학습률 {params.lr_max:g}도 안정 한계 아래여서 상수로 두어도 발산하지 않았습니다: 한계를 보려면 "
                     f"lr_max를 키워 보세요.")
    return notes


DEMO = DemoSpec(
    slug="lr-schedule",
    title="학습률: 너무 크면 발산, 줄여 가면 더 낮은 손실",
    summary=(
        "같은 스텝과 미니배치로 상수·계단 감소·웜업+코사인 스케줄을 비교합니다. 각 스케줄이 격자에서 자기 학습률을 "
        "고르고 테스트 손실로 판정하며, 가장 큰 학습률을 상수로 두면 손실이 커지는지(발산)도 봅니다."
    ),
    params=Params,
    smallest=SMALLEST,
    breaking=BREAKING,
    run=run,
    claims=(
        Claim(metric="excess_cut_cosine", direction="greater", margin=0.0,
              statement="웜업+코사인으로 학습률을 줄이면 상수 학습률보다 테스트 손실(잡음 바닥 위 초과분)이 낮다"),
        Claim(metric="log10_growth_constant_at_max", direction="greater", margin=0.0,
              statement="가장 큰 학습률을 상수로 두면 손실이 처음보다 커진다(발산)"),
    ),
    concepts=("learning_rate", "learning_rate_schedule", "warmup", "divergence", "sgd", "mini_batch"),
    questions=(
        QuestionRef("면접 #13-2", "GD 중에 Loss가 증가하는 이유"),
        QuestionRef("면접 #7", "하이퍼파라미터"),
    ),
    citations=(
        Citation(authors="Loshchilov & Hutter", year=2017, title="SGDR: Stochastic Gradient Descent with Warm Restarts",
                 url="https://arxiv.org/abs/1608.03983"),
        Citation(authors="Goyal, Dollár, Girshick et al.", year=2017,
                 title="Accurate, Large Minibatch SGD: Training ImageNet in 1 Hour", url="https://arxiv.org/abs/1706.02677"),
    ),
    version="1",
)
