"""Batch size and learning rate: the linear scaling rule, and where it breaks (Goyal et al. 2017).

A small ReLU MLP (8 → 32 → 1) learns a noisy teacher network with SGD from a stream of fresh examples,
every run seeing the same number of examples (``examples``): a batch k times larger takes k times
fewer steps. The base batch (8) runs at the learning rate η₀ (``base_lr``, a rate well inside the
stable range; the table shows where the grid's best rate for the base batch lies). For each batch k × 8,
three runs:

* scaled: η = k·η₀ (the linear scaling rule: k small steps ≈ one step on a k-times larger batch with a
  k-times larger rate, as long as the gradient barely changes over those steps);
* unscaled: η = η₀, the same rate as the base batch;
* tuned: the best rate of the whole grid at that batch (on the validation set), the most one can get.

The rule holds while the rate is small against the curvature; once k·η₀ approaches the stability limit
(about 2 / the largest curvature) the approximation fails and the run stalls or diverges, and the best
rate stops growing with k (McCandlish et al. 2018's critical batch size). Judged on the test MSE above
the noise floor σ² (which no model can beat), relative to the base batch.

Each seed runs REPLICATES independent tasks (teacher, held-out sets, initial weights, example stream) and
reports the mean of their log-ratios: the final loss of one SGD run at a constant rate is wherever the
last minibatches left it, so one run per seed made the ratio of two such losses swing by 2× between seeds
and the verdict flip between seed triples. Only the rates that are judged (scaled, unscaled and each
task's validation pick) see the test set.
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
NOISE = 0.5
N_VAL, N_TEST = 512, 4096
BASE_BATCH = 8
GRID = tuple(2.0 ** k for k in range(-7, 2))  # 1/128 … 2: the picks at every preset lay between 1/64 and 1/2
ARMS = (("scaled", "선형 스케일링 (k·η₀)"), ("unscaled", "그대로 (η₀)"), ("tuned", "격자에서 다시 고름"))
# A non-finite or exploded test loss counts as this ratio to the base excess (log2), so every seed gives a number.
RATIO_CAP = 10.0
# The claim's "as good as the base batch": the excess test loss within this factor of the base batch's.
TOLERANCE = 2.0
REPLICATES = 4  # independent tasks per seed, averaged (see the module's docstring)


class Params(DemoParams):
    base_lr: float = Field(0.03, ge=0.001, le=1.0, description="기준 배치(8)의 학습률 η₀")
    multiplier: int = Field(4, ge=2, le=512, description="판정할 배치 배수 k (배치 = 8·k, 학습률 = k·η₀)")
    examples: int = Field(4096, ge=512, le=32768, description="모든 실행이 보는 예제 수 (배치가 k배면 스텝은 1/k)")


SMALLEST = Params(multiplier=4, examples=2048)
BREAKING = Params(multiplier=128, examples=2048)


def multipliers(top: int) -> list[int]:
    """1, 2, 4, … up to ``top`` (and ``top`` itself if it is not a power of two)."""
    out, k = [], 1
    while k < top:
        out.append(k)
        k *= 2
    return out + [top]


@dataclass
class _Data:
    units: list[int]  # task_seeds(seeds, REPLICATES)
    teachers: Any
    val: Any
    test: Any
    stream: Any  # (x, y) per task: every example it will see, in order, the same at every batch size and rate


@dataclass
class _Batch:
    """One batch size's runs, per task: the test loss of each arm and the rate it used."""

    loss: dict[str, list[float | None]]
    lr: dict[str, list[float]]


def run(params: Params, device, progress, seeds) -> Measurement:
    data = _data(params, list(seeds), device)
    ks = multipliers(params.multiplier)
    runs: dict[int, _Batch] = {}
    for n, k in enumerate(ks):
        runs[k] = _train_batch(params, data, k, device)
        progress(0.95 * (n + 1) / len(ks), f"배치 {BASE_BATCH * k}")
    per_seed = _measure(params, runs)
    charts = _charts(ks, runs)
    progress(1.0, "완료", charts)
    return Measurement(per_seed=per_seed, charts=charts, table=_table(ks, runs, params),
                       notes=_notes(params, per_seed, ks, runs))


def _data(params: Params, seeds: list[int], device) -> _Data:
    from app.demos.batched import generator
    from app.demos.synthetic import regression_teachers, sample_regression

    units = task_seeds(seeds, REPLICATES)
    teachers = regression_teachers(units, INPUTS, TEACHER_HIDDEN, device)
    held_out = [generator(u * 7919 + 2) for u in units]
    val, test = (sample_regression(teachers, held_out, count, NOISE, device) for count in (N_VAL, N_TEST))
    stream = sample_regression(teachers, [generator(u * 7919 + 3) for u in units], params.examples, NOISE, device)
    return _Data(units, teachers, val, test, stream)


def _train_batch(params: Params, data: _Data, k: int, device) -> _Batch:
    """At batch 8·k, every task trains the whole grid (for the tuned arm) plus k·η₀ and η₀ as one stack:
    copy c of a task is GRID[c] for c < len(GRID), then scaled, then unscaled (init_mlp's layout)."""
    import torch

    from app.demos.batched import SGD, best_per_seed, generator, init_mlp, mlp_forward

    U, L = len(data.units), len(GRID)
    copies = L + 2
    rates = [*GRID, k * params.base_lr, params.base_lr]
    weights = init_mlp([INPUTS, HIDDEN, 1], [generator(u * 7919 + INIT_SALT) for u in data.units], copies, device)
    optimizer = SGD(weights, torch.tensor(rates, device=device).repeat_interleave(U))
    batch = BASE_BATCH * k
    x, y = data.stream
    for step in range(max(params.examples // batch, 1)):
        rows = slice(step * batch, (step + 1) * batch)
        out = mlp_forward(weights, x[:, rows]).reshape(copies, U, -1, 1)
        ((out - y[:, rows]) ** 2).mean(dim=(2, 3)).sum().backward()
        optimizer.step()
    with torch.no_grad():
        val = ((mlp_forward(weights, data.val[0]).reshape(copies, U, -1, 1) - data.val[1]) ** 2).mean(dim=(2, 3))
    tuned = best_per_seed(val[:L].cpu())  # (U,) the grid rate of lowest validation loss per task
    task = torch.arange(U)
    judged = {"scaled": L * U + task, "unscaled": (L + 1) * U + task, "tuned": tuned * U + task}
    return _Batch(loss={arm: _test(weights, data, index) for arm, index in judged.items()},
                  lr={"scaled": [k * params.base_lr] * U, "unscaled": [params.base_lr] * U,
                      "tuned": [GRID[i] for i in tuned.tolist()]})


def _test(weights, data: _Data, index) -> list[float | None]:
    """Test MSE of the models ``index`` (one per task, in task order)."""
    import torch

    from app.demos.batched import mlp_forward, per_model_mse

    index = index.to(weights[0].device)
    with torch.no_grad():
        chosen = [w[index] for w in weights]
        losses = per_model_mse(mlp_forward(chosen, data.test[0]), data.test[1])
    return [v if math.isfinite(v) else None for v in losses.cpu().tolist()]


def _excess_ratio(loss: float | None, base: float | None) -> float:
    """log2 of the excess test loss (above σ²) over the base batch's, capped: a diverged run gives the cap."""
    floor = NOISE ** 2
    if loss is None or base is None or loss > floor + 1e3:
        return RATIO_CAP
    return min(math.log2(max(loss - floor, 1e-12) / max(base - floor, 1e-12)), RATIO_CAP)


def _measure(params: Params, runs: dict[int, _Batch]) -> dict[str, list[float | None]]:
    """Per task, the log2 excess ratios at the judged batch against the base batch; per seed, their mean."""
    base = runs[1].loss["scaled"]
    top = runs[params.multiplier]
    per_task: dict[str, list[float | None]] = {
        f"log2_excess_ratio_{arm}": [_excess_ratio(loss, b) for loss, b in zip(top.loss[arm], base)] for arm, _ in ARMS}
    per_task["scaled_advantage"] = [u - s for u, s in zip(per_task["log2_excess_ratio_unscaled"],  # type: ignore[operator]
                                                          per_task["log2_excess_ratio_scaled"])]
    per_task["log2_tuned_lr_at_multiplier"] = [math.log2(v) for v in top.lr["tuned"]]
    per_task["test_loss_base"] = base
    for arm, _ in ARMS:
        per_task[f"test_loss_{arm}"] = top.loss[arm]
    per_seed = {name: mean_over_tasks(values, REPLICATES) for name, values in per_task.items()}
    per_seed["tuned_lr_at_multiplier"] = [None if v is None else 2 ** v
                                          for v in per_seed.pop("log2_tuned_lr_at_multiplier")]
    return per_seed


def _by_seed_curves(ks: list[int], values) -> list[list[float | None]]:
    """``values(k)`` per task at each batch → per seed, the mean of its tasks at each batch."""
    columns = [mean_over_tasks(values(k), REPLICATES) for k in ks]
    return [list(curve) for curve in zip(*columns)]


def _charts(ks: list[int], runs: dict[int, _Batch]) -> list[Chart]:
    batches = [float(BASE_BATCH * k) for k in ks]
    loss_series = [Series.over_seeds(label, batches, _by_seed_curves(ks, lambda k, arm=arm: runs[k].loss[arm]))
                   for arm, label in ARMS]
    lr_series = [Series.over_seeds(label, batches, [[None if v is None else 2 ** v for v in curve] for curve in
                                                    _by_seed_curves(ks, lambda k, arm=arm: [math.log2(v) for v in
                                                                                            runs[k].lr[arm]])])
                 for arm, label in (("tuned", "검증으로 고른 학습률 (과제 기하 평균)"), ("scaled", "선형 규칙 k·η₀"))]
    return [
        Chart(key="test_by_batch", title="같은 예제 수를 본 뒤 테스트 MSE (시드 평균, 띠는 최소~최대)", x_label="배치 크기",
              y_label="테스트 MSE", log_x=True, log_y=True, series=loss_series),
        Chart(key="lr_by_batch", title="배치 크기별 학습률: 가장 좋은 값과 선형 규칙", x_label="배치 크기", y_label="학습률",
              log_x=True, log_y=True, series=lr_series),
    ]


def _table(ks: list[int], runs: dict[int, _Batch], params: Params) -> Table:
    rows = []
    for k in ks:
        steps = max(params.examples // (BASE_BATCH * k), 1)
        for arm, label in ARMS:
            if k == 1 and arm == "unscaled":
                continue
            losses = [v for v in runs[k].loss[arm] if v is not None]
            lrs = sorted(set(runs[k].lr[arm]))
            rows.append([BASE_BATCH * k, steps, label if k > 1 or arm == "tuned" else "기준 배치 (η₀)",
                         "/".join(f"{v:.3g}" for v in lrs),
                         float(f"{sum(losses) / len(losses):.4g}") if len(losses) == len(runs[k].loss[arm]) else
                         f"발산 {len(runs[k].loss[arm]) - len(losses)}/{len(runs[k].loss[arm])}"])
    return Table(columns=["배치", "스텝", "학습률 정하는 법", "학습률", "테스트 MSE (과제 평균)"], rows=rows)


def _notes(params: Params, m, ks: list[int], runs: dict[int, _Batch]) -> list[str]:
    k = params.multiplier
    tasks = len(runs[k].lr["scaled"])
    notes = [f"시드마다 독립 과제 {REPLICATES}개(교사, 데이터, 초기값이 모두 다름)의 로그 비를 평균했습니다(모두 {tasks}개)."]
    base = f"{params.base_lr:g}"
    scaled = summarise(m["log2_excess_ratio_scaled"])
    ratio = 2 ** scaled.mean if scaled.mean is not None else None
    limit = math.log2(TOLERANCE)
    if scaled.ci95 is not None and scaled.ci95[1] < limit:
        notes.append(f"배치 8의 학습률 η₀ = {base}에 {k}를 곱하자 배치 {BASE_BATCH * k}에서도 초과 테스트 손실이 기준 배치의 "
                     f"{ratio:.2f}배에 머물렀습니다: 같은 예제 수를 {k}배 적은 스텝으로 본 셈입니다.")
    elif scaled.mean is not None and scaled.mean >= RATIO_CAP - 1e-9:
        notes.append(f"배치 {BASE_BATCH * k}에서 선형 규칙의 학습률 {k}·η₀는 안정 한계를 넘어 발산했습니다.")
    elif ratio is not None:
        notes.append(f"배치 {BASE_BATCH * k}에서는 선형 규칙이 기준 배치를 따라가지 못했습니다: 초과 테스트 손실이 기준의 "
                     f"{ratio:.2f}배 (허용 {TOLERANCE:g}배).")
    unscaled = summarise(m["scaled_advantage"])
    if unscaled.ci95 is not None and unscaled.ci95[0] > 0:
        notes.append(f"학습률을 η₀로 그대로 두면 스텝이 {k}배 줄어든 만큼 덜 내려가 초과 손실이 기준의 "
                     f"{2 ** _mean(m['log2_excess_ratio_unscaled']):.2f}배였습니다.")
    # Where the best rate stops following the rule: the first batch whose tuned rate is below half of k·η₀.
    lagging = [kk for kk in ks[1:] if _geometric(runs[kk].lr["tuned"]) < 0.5 * kk * params.base_lr]
    if lagging:
        kk = lagging[0]
        notes.append(f"검증으로 다시 고른 학습률은 배치 {BASE_BATCH * kk}부터 선형 규칙의 절반에도 못 미쳤습니다 "
                     f"({_geometric(runs[kk].lr['tuned']):.3g} 대 {kk * params.base_lr:.3g}): 여기서부터는 배치를 키워도 "
                     f"학습률을 그만큼 키울 수 없습니다(안정 한계).")
    else:
        notes.append(f"배치 {BASE_BATCH * ks[-1]}까지 검증으로 고른 학습률이 선형 규칙의 절반 이상을 유지했습니다.")
    return notes


def _geometric(values: list[float]) -> float:
    return 2 ** (sum(math.log2(v) for v in values) / len(values))


def _mean(values) -> float:
    finite = [v for v in values if v is not None]
    return sum(finite) / len(finite) if finite else float("nan")


DEMO = DemoSpec(
    slug="lr-batch-scaling",
    title="배치 크기와 학습률: 선형 스케일링 규칙과 그 한계",
    summary=(
        "같은 예제 수를 볼 때 배치를 k배 키우면서 학습률도 k배 하면 작은 배치와 같은 테스트 손실에 닿는지, 그리고 "
        "배치가 아주 커지면 그 규칙이 어디서 깨지는지(안정 한계) 잽니다."
    ),
    params=Params,
    smallest=SMALLEST,
    breaking=BREAKING,
    run=run,
    claims=(
        Claim(metric="scaled_advantage", direction="greater", margin=0.0,
              statement="배치를 k배 키울 때 학습률도 k배 하면 그대로 둔 것보다 테스트 손실이 낮다",
              metric_label="초과 테스트 손실 비의 차 (학습률 그대로 − 학습률 k배, log2)"),
        Claim(metric="log2_excess_ratio_scaled", direction="less", margin=math.log2(TOLERANCE),
              statement="배치를 k배 키우고 학습률도 k배 하면 초과 테스트 손실이 작은 배치의 2배 안에 든다",
              metric_label="초과 테스트 손실 비 (큰 배치·학습률 k배 ÷ 작은 배치, log2)"),
    ),
    metric_labels={
        "log2_excess_ratio_unscaled": "초과 테스트 손실 비 (큰 배치·학습률 그대로 ÷ 작은 배치, log2)",
        "log2_excess_ratio_tuned": "초과 테스트 손실 비 (큰 배치·학습률 다시 고름 ÷ 작은 배치, log2)",
        "test_loss_base": "테스트 손실 (작은 배치)",
        **{f"test_loss_{arm}": f"테스트 손실 (큰 배치, {name})" for arm, name in ARMS},
        "tuned_lr_at_multiplier": "큰 배치에서 다시 고른 학습률 (기하 평균)",
    },
    concepts=("batch_size", "learning_rate", "mini_batch", "sgd", "divergence", "full_batch"),
    questions=(
        QuestionRef("면접 #17-2", "미니배치를 작게 할 때의 장단점"),
        QuestionRef("노드 06", "배치 크기는 클수록 좋을까"),
    ),
    citations=(
        Citation(authors="Goyal, Dollár, Girshick et al.", year=2017,
                 title="Accurate, Large Minibatch SGD: Training ImageNet in 1 Hour", url="https://arxiv.org/abs/1706.02677"),
        Citation(authors="McCandlish, Kaplan, Amodei & OpenAI Dota Team", year=2018,
                 title="An Empirical Model of Large-Batch Training", url="https://arxiv.org/abs/1812.06162"),
    ),
    version="3",
)
