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

Each seed runs REPLICATES independent tasks (teacher, held-out sets, initial weights, minibatch stream)
and reports their mean: the final loss of a single run at a constant rate depends on where the last few
minibatches left the weights, and with one run per seed three seeds could not separate a 20% from a 60%
cut in the excess loss (the verdict flipped between seed triples). All tasks train as one stacked model.

Why decay helps: with a constant rate, minibatch noise keeps the weights bouncing around the minimum at
a distance that grows with the rate; lowering the rate at the end lets them settle. The claim therefore
needs gradient noise and enough steps to reach the minimum: with a larger batch and few steps
(``BREAKING``: batch 64, 50 steps) there is little noise to settle and decaying only gives up descent —
there the cosine schedule ends above the constant rate. The largest rate of the grid is also
run as a test of the other claim: held constant past the stability limit (about 2 / the largest
curvature), the loss grows instead of falling.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from pydantic import Field

from app.demos.base import Chart, Citation, DemoParams, DemoSpec, Measurement, QuestionRef, Series, Table
from app.demos.evidence import Claim, summarise
from app.demos.training import mean_over_tasks, task_seeds

# The initial weights come from their own stream, task·7919 + salt: seeded with the plain task seed, tasks 1,
# 2 and 3 started from task 0's teacher, held-out and minibatch streams (0·7919 + 1, 2, 3) in the default run.
INIT_SALT = 113

INPUTS, HIDDEN, TEACHER_HIDDEN = 8, 32, 16
N_VAL, N_TEST = 1024, 4096
GRID_POINTS, GRID_FACTOR = 7, 2.0
NOISE = 0.5
# A run whose validation loss ends this many times above where it started counts as diverged (10^cap);
# a NaN counts as the cap, so every seed gives a number.
GROWTH_CAP = 6.0
SCHEDULES = (("constant", "상수"), ("step", "계단 감소"), ("cosine", "웜업+코사인"))
CURVE_POINTS = 20
# Independent tasks (teacher, held-out sets, initial weights, minibatches) per seed, averaged: the final
# loss of one SGD run at a constant rate is a noisy witness (where the last minibatches left it), and three
# such witnesses are too few for a 95% interval to tell 20% from 60%.
REPLICATES = 4
CURVE_EXAMPLES = 128  # validation examples behind the loss-curve chart (the verdict uses all N_VAL)


class Params(DemoParams):
    lr_max: float = Field(1.0, ge=0.01, le=10.0, description="학습률 격자의 가장 큰 값 (격자는 이 값부터 2배씩 작아지는 7개)")
    steps: int = Field(600, ge=50, le=5000, description="SGD 스텝 수 (세 스케줄 모두 같음)")
    batch_size: int = Field(4, ge=1, le=1024, description="미니배치 크기 (클수록 기울기 잡음이 작음)")
    warmup_fraction: float = Field(0.05, ge=0.0, le=0.5, description="코사인 스케줄의 웜업 구간 (전체 스텝 대비 비율)")


SMALLEST = Params(steps=300)
# Too few steps for the loss to come down: decaying the rate only slows the descent.
BREAKING = Params(batch_size=64, steps=50)


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


@dataclass
class _Data:
    units: list[int]  # task_seeds(seeds, REPLICATES)
    teachers: Any
    val: Any
    test: Any
    streams: list[Any]  # per task a generator of its minibatches, the same for every schedule and rate


@dataclass
class _Grid:
    """Every (schedule, peak rate, task) as one stacked model: model i is schedule i // (L·U), grid point
    (i // U) % L, task i % U (init_mlp's layout)."""

    lrs: list[float]
    weights: list[Any]
    optimizer: Any
    task_of: Any
    factors: Any  # (steps, models): each model's schedule multiplier at each step


@dataclass
class _Curves:
    steps: list[int]
    val: Any  # (points, A, L, U) validation loss on the chart's examples
    final_val: Any  # (A, L, U) on the whole validation set
    growth: Any  # (A, L, U) log10 of the final over the initial loss on the chart's examples, capped


def run(params: Params, device, progress, seeds) -> Measurement:
    from app.demos.batched import best_per_seed

    data = _data(list(seeds), device)
    grid = _model(params, data, device)
    curves = _train(params, data, grid, device, progress)
    picks = [best_per_seed(curves.final_val[a]) for a in range(len(SCHEDULES))]  # (U,) per schedule
    test = _test(data, grid, picks)
    per_seed, per_task = _measure(grid.lrs, picks, test, curves)
    charts = _charts(params, grid.lrs, curves, picks)
    progress(1.0, "완료", charts)
    return Measurement(per_seed=per_seed, charts=charts, table=_table(params, grid.lrs, curves, picks, test),
                       notes=_notes(params, per_seed, per_task))


def _data(seeds: list[int], device) -> _Data:
    from app.demos.batched import generator
    from app.demos.synthetic import regression_teachers, sample_regression

    units = task_seeds(seeds, REPLICATES)
    teachers = regression_teachers(units, INPUTS, TEACHER_HIDDEN, device)
    held_out = [generator(u * 7919 + 2) for u in units]
    val, test = (sample_regression(teachers, held_out, count, NOISE, device) for count in (N_VAL, N_TEST))
    return _Data(units, teachers, val, test, [generator(u * 7919 + 3) for u in units])


def _model(params: Params, data: _Data, device) -> _Grid:
    import torch

    from app.demos.batched import SGD, generator, init_mlp

    U, L, A = len(data.units), GRID_POINTS, len(SCHEDULES)
    index = torch.arange(A * L * U, device=device)
    grid = lr_grid(params.lr_max)
    weights = init_mlp([INPUTS, HIDDEN, 1], [generator(u * 7919 + INIT_SALT) for u in data.units], A * L, device)
    lrs = torch.tensor(grid, device=device)[(index // U) % L]
    factors = torch.tensor([[schedule_factor(kind, step, params.steps, params.warmup_fraction) for kind, _ in SCHEDULES]
                            for step in range(params.steps)], device=device)[:, index // (L * U)]
    return _Grid(grid, weights, SGD(weights, lrs), index % U, factors)


def _losses(grid: _Grid, split) -> Any:
    import torch

    from app.demos.batched import mlp_forward, per_model_mse

    with torch.no_grad():
        return per_model_mse(mlp_forward(grid.weights, split[0]), split[1][grid.task_of])


def _train(params: Params, data: _Data, grid: _Grid, device, progress) -> _Curves:
    """SGD on fresh minibatches from each task's stream; the validation curve on the chart's examples."""
    import torch

    from app.demos.batched import mlp_forward, per_model_mse
    from app.demos.synthetic import sample_regression

    U, L, A = len(data.units), GRID_POINTS, len(SCHEDULES)
    shown = (data.val[0][:, :CURVE_EXAMPLES], data.val[1][:, :CURVE_EXAMPLES])
    every = max(params.steps // CURVE_POINTS, 1)
    steps, curve = [0], [_losses(grid, shown)]
    for step in range(params.steps):
        x, y = sample_regression(data.teachers, data.streams, params.batch_size, NOISE, device)
        per_model_mse(mlp_forward(grid.weights, x), y[grid.task_of]).sum().backward()
        grid.optimizer.step(grid.factors[step])
        if (step + 1) % every == 0 or step + 1 == params.steps:
            steps.append(step + 1)
            curve.append(_losses(grid, shown))
            if len(steps) % 5 == 0:
                progress(0.95 * (step + 1) / params.steps, f"{step + 1}/{params.steps} 스텝")
    growth = _growth(curve[-1], curve[0])
    return _Curves(steps, torch.stack(curve).reshape(len(steps), A, L, U).cpu(),
                   _losses(grid, data.val).reshape(A, L, U).cpu(), growth.reshape(A, L, U).cpu())


def _test(data: _Data, grid: _Grid, picks) -> Any:
    """Test MSE (A, U) of each schedule's picked model per task: only those are judged, so only those
    see the test set."""
    import torch

    from app.demos.batched import mlp_forward, per_model_mse

    U, L = len(data.units), GRID_POINTS
    task = torch.arange(U)
    index = torch.cat([a * L * U + pick * U + task for a, pick in enumerate(picks)]).to(grid.task_of.device)
    chosen = [w.detach()[index] for w in grid.weights]
    tasks_of = grid.task_of[index]
    with torch.no_grad():
        losses = per_model_mse(mlp_forward(chosen, data.test[0][tasks_of]), data.test[1][tasks_of])
    return losses.reshape(len(picks), U).cpu()


def _measure(grid: list[float], picks, test, curves: _Curves) -> tuple[dict[str, list[float | None]],
                                                                         dict[str, list]]:
    """Per task, each schedule at the peak rate of its lowest validation loss, judged on the test set; per
    seed, the mean over its tasks. Returns the per-seed and the per-task metrics."""
    per_task: dict[str, list] = {}
    for a, (kind, _) in enumerate(SCHEDULES):
        per_task[f"test_loss_{kind}"] = [_finite(v) for v in test[a].tolist()]
        per_task[f"best_lr_{kind}"] = [grid[picks[a][u]] for u in range(len(picks[a]))]
    for kind in ("step", "cosine"):
        # The share of the constant rate's excess test loss (above the noise floor σ², which no model can
        # beat) that the schedule removes: comparable across teachers of different difficulty.
        per_task[f"excess_cut_{kind}"] = [
            None if c is None or o is None else (c - o) / (c - NOISE ** 2)
            for c, o in zip(per_task["test_loss_constant"], per_task[f"test_loss_{kind}"])]
    top = len(grid) - 1
    per_task["log10_growth_constant_at_max"] = curves.growth[0, top].tolist()
    per_task["log10_growth_cosine_at_max"] = curves.growth[2, top].tolist()
    per_seed = {name: mean_over_tasks(values, REPLICATES) for name, values in per_task.items()
                if not name.startswith("best_lr")}
    for kind, _ in SCHEDULES:  # the picked rates of each seed's tasks, as a geometric mean
        logs = mean_over_tasks([math.log2(v) for v in per_task[f"best_lr_{kind}"]], REPLICATES)
        per_seed[f"best_lr_{kind}"] = [None if v is None else 2 ** v for v in logs]
    return per_seed, per_task


def _finite(value: float) -> float | None:
    return value if math.isfinite(value) else None


def _growth(final, initial):
    """log10(final / initial) loss per model, NaN/inf and huge values capped at GROWTH_CAP."""
    import torch

    ratio = torch.log10(final / initial)
    return torch.where(torch.isfinite(ratio), ratio.clamp(max=GROWTH_CAP), torch.full_like(ratio, GROWTH_CAP))


def _charts(params: Params, grid: list[float], curves: _Curves, picks) -> list[Chart]:
    by_lr = []
    for a, (_, label) in enumerate(SCHEDULES):
        per_task = [[_finite(curves.final_val[a, i, u].item()) for i in range(len(grid))]
                    for u in range(curves.final_val.shape[2])]
        by_lr.append(Series.over_seeds(label, grid, _curves_by_seed(per_task)))
    steps = [float(t) for t in curves.steps]
    curve_series = []
    for a, (_, label) in enumerate(SCHEDULES):
        per_task = [[_finite(curves.val[t, a, picks[a][u], u].item()) for t in range(len(steps))]
                    for u in range(len(picks[a]))]
        curve_series.append(Series.over_seeds(f"{label} (검증으로 고른 학습률)", steps, _curves_by_seed(per_task)))
    shown = range(0, params.steps, max(params.steps // 100, 1))
    factor_series = [Series(name=label, x=[float(t) for t in shown],
                            y=[schedule_factor(kind, t, params.steps, params.warmup_fraction) for t in shown])
                     for kind, label in SCHEDULES]
    return [
        Chart(key="val_by_lr", title="최대 학습률별 검증 손실 (시드 평균, 띠는 최소~최대)", x_label="최대 학습률",
              y_label="검증 MSE", log_x=True, log_y=True, series=by_lr),
        Chart(key="train_curve", title=f"검증 손실 곡선 (각 스케줄이 고른 학습률, 검증 예제 {CURVE_EXAMPLES}개)", x_label="스텝",
              y_label="검증 MSE", log_y=True, series=curve_series),
        Chart(key="schedule", title="학습률 배율 (최대 학습률 대비)", x_label="스텝", y_label="배율", series=factor_series),
    ]


def _curves_by_seed(per_task: list[list[float | None]]) -> list[list[float | None]]:
    """Curves per task → per seed: the mean of its tasks at each point, None where one diverged."""
    columns = [mean_over_tasks(list(column), REPLICATES) for column in zip(*per_task)]
    return [list(curve) for curve in zip(*columns)]


def _table(params: Params, grid: list[float], curves: _Curves, picks, test) -> Table:
    """Every (schedule, peak rate): its validation loss, how many tasks picked it and their test loss."""
    rows = []
    U = curves.final_val.shape[2]
    for a, (_, label) in enumerate(SCHEDULES):
        for i, lr in enumerate(grid):
            diverged = sum(curves.growth[a, i, u].item() > 0 for u in range(U))
            chosen = [test[a, u].item() for u in range(U) if picks[a][u] == i]
            rows.append([label, float(f"{lr:.4g}"), params.steps, _mean_text(curves.final_val[a, i]),
                         f"{len(chosen)}/{U}", _mean_text(chosen) if chosen else "",
                         f"{diverged}/{U}"])
    return Table(columns=["스케줄", "최대 학습률", "스텝", "검증 MSE (과제 평균)", "이 학습률을 고른 과제",
                          "그 과제들의 테스트 MSE", "손실이 커진 과제"], rows=rows)


def _mean_text(values) -> str | float:
    values = values if isinstance(values, list) else values.tolist()
    finite = [v for v in values if math.isfinite(v)]
    if len(finite) < len(values):
        return "발산" if not finite else f"{sum(finite) / len(finite):.4g} (발산 {len(values) - len(finite)})"
    return float(f"{sum(finite) / len(finite):.4g}")


def _mean(values) -> float | None:
    finite = [v for v in values if v is not None and math.isfinite(v)]
    return sum(finite) / len(finite) if finite else None


def _notes(params: Params, m: dict[str, list[float | None]], per_task: dict[str, list]) -> list[str]:
    notes = []
    constant, cosine, step = (_mean(m[f"test_loss_{k}"]) for k in ("constant", "cosine", "step"))
    lrs = {k: sorted(set(per_task[f"best_lr_{k}"])) for k, _ in SCHEDULES}
    picked = ", ".join(f"{label} {'/'.join(f'{v:.3g}' for v in lrs[k])}" for k, label in SCHEDULES)
    tasks_run = len(per_task["best_lr_constant"])
    notes.append(f"시드마다 독립 과제 {REPLICATES}개(교사, 데이터, 초기값이 모두 다름)를 돌려 평균했습니다(모두 {tasks_run}개). "
                 f"검증 손실로 고른 최대 학습률: {picked}.")
    if constant is not None and cosine is not None and step is not None:
        cut = summarise(m["excess_cut_cosine"])
        if cut.ci95 is not None and cut.ci95[0] > 0:
            notes.append(f"테스트 MSE: 웜업+코사인 {cosine:.3f}, 계단 감소 {step:.3f}, 상수 {constant:.3f} (잡음 바닥 "
                         f"σ² = {NOISE ** 2:g}). 웜업+코사인이 상수 학습률의 초과 손실 중 {cut.mean:.0%}를 없앴습니다: 끝으로 갈수록 "
                         f"학습률을 줄이면 미니배치 잡음으로 최소점 주변을 맴돌던 가중치가 가라앉습니다.")
        else:
            excess = (constant - NOISE ** 2) / NOISE ** 2
            worse = -cut.mean if cut.mean is not None and cut.mean < 0 else None
            notes.append(f"이번 설정(배치 {params.batch_size}, 스텝 {params.steps})에서는 학습률을 줄여도 테스트 MSE가 시드마다 "
                         f"일관되게 낮아지지 않았습니다: 상수 {constant:.3f}, 웜업+코사인 {cosine:.3f}, 계단 감소 {step:.3f}"
                         + (f" — 웜업+코사인이 초과 손실을 오히려 {worse:.0%} 늘렸습니다." if worse is not None else ".")
                         + f" 상수 학습률의 초과 손실은 잡음 바닥의 {excess:.2g}배였습니다"
                         + (": 아직 내려가는 중이라 학습률을 줄인 만큼 덜 내려갔습니다. 감소 스케줄의 이득은 최소점 근처에서 "
                            "미니배치 잡음으로 맴도는 가중치를 가라앉히는 데서 옵니다."
                            if excess > 0.5 else
                            ": 최소점 근처까지 왔지만 배치가 커서 가라앉힐 잡음이 적었습니다."))
    grown = [g for g in per_task["log10_growth_constant_at_max"] if g > 0]
    if grown:
        warm = sum(g > 0 for g in per_task["log10_growth_cosine_at_max"])
        notes.append(f"가장 큰 학습률 {params.lr_max:g}을 상수로 두면 과제 {tasks_run}개 중 {len(grown)}개에서 손실이 처음보다 "
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
              statement="웜업+코사인으로 학습률을 줄이면 상수 학습률보다 테스트 손실(잡음 바닥 위 초과분)이 낮다",
              metric_label="상수 학습률의 초과 테스트 손실 중 웜업+코사인이 줄인 비율"),
        Claim(metric="log10_growth_constant_at_max", direction="greater", margin=0.0,
              statement="가장 큰 학습률을 상수로 두면 손실이 처음보다 커진다(발산)",
              metric_label="가장 큰 상수 학습률의 손실 증가 (끝 ÷ 처음, log10)"),
    ),
    metric_labels={
        **{f"test_loss_{kind}": f"테스트 손실 ({name})" for kind, name in SCHEDULES},
        **{f"best_lr_{kind}": f"고른 학습률 ({name}, 기하 평균)" for kind, name in SCHEDULES},
        "excess_cut_step": "상수 학습률의 초과 테스트 손실 중 계단 감소가 줄인 비율",
        "log10_growth_cosine_at_max": "가장 큰 학습률에서 웜업+코사인의 손실 증가 (끝 ÷ 처음, log10)",
    },
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
    version="3",
)
