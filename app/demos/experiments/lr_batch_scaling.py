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
"""

from __future__ import annotations

import math

from pydantic import Field

from app.demos.base import Chart, Citation, DemoParams, DemoSpec, Measurement, QuestionRef, Series, Table
from app.demos.evidence import Claim, summarise

INPUTS, HIDDEN, TEACHER_HIDDEN = 8, 32, 16
NOISE = 0.5
N_VAL, N_TEST = 1024, 4096
BASE_BATCH = 8
GRID = tuple(2.0 ** k for k in range(-9, 4))  # 0.002 … 8
ARMS = (("scaled", "선형 스케일링 (k·η₀)"), ("unscaled", "그대로 (η₀)"), ("tuned", "격자에서 다시 고름"))
# A non-finite or exploded test loss counts as this ratio to the base excess (log2), so every seed gives a number.
RATIO_CAP = 10.0
# The claim's "as good as the base batch": the excess test loss within this factor of the base batch's.
TOLERANCE = 2.0


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


def _train(batch: int, steps: int, lrs, units: list[int], teachers, seeds, device, val, test):
    """SGD runs at one batch size: ``lrs[i]`` for run i, on seed ``units[i]``'s teacher and stream.
    Returns (val loss, test loss) per run."""
    import torch

    from app.demos.batched import SGD, generator, init_mlp, mlp_forward, per_model_mse
    from app.demos.synthetic import sample_regression

    seed_of = torch.tensor(units, device=device)
    weights = init_mlp([INPUTS, HIDDEN, 1], [generator(seeds[u]) for u in units], 1, device)
    optimizer = SGD(weights, torch.tensor(lrs, device=device))
    # Each seed's stream, the same examples in the same order at every batch size and rate.
    stream = [generator(s * 7919 + 3) for s in seeds]
    for _ in range(steps):
        x, y = sample_regression(teachers, stream, batch, NOISE, device)
        per_model_mse(mlp_forward(weights, x), y[seed_of]).sum().backward()
        optimizer.step()
    with torch.no_grad():
        out = [per_model_mse(mlp_forward(weights, split[0]), split[1][seed_of]) for split in (val, test)]
    return [o.cpu() for o in out]


def run(params: Params, device, progress, seeds) -> Measurement:
    import torch

    from app.demos.batched import best_per_seed, generator
    from app.demos.synthetic import regression_teachers, sample_regression

    seeds = list(seeds)
    S, L = len(seeds), len(GRID)
    teachers = regression_teachers(seeds, INPUTS, TEACHER_HIDDEN, device)
    held_out = [generator(s * 7919 + 2) for s in seeds]
    val, test = (sample_regression(teachers, held_out, count, NOISE, device) for count in (N_VAL, N_TEST))
    ks = multipliers(params.multiplier)
    floor = NOISE ** 2

    # Every batch size runs the whole grid (the tuned arm) plus the scaled and unscaled rates.
    results: dict[int, dict[str, list[float | None]]] = {}
    base_lr = [params.base_lr] * S
    base_loss: list[float | None] = []
    lr_table: dict[int, dict[str, list[float]]] = {}
    for n, k in enumerate(ks):
        batch = BASE_BATCH * k
        steps = max(params.examples // batch, 1)
        lrs = [GRID[i // S] for i in range(L * S)]
        units = [i % S for i in range(L * S)]
        lrs += [k * lr for lr in base_lr] + base_lr
        units += list(range(S)) * 2
        val_loss, test_loss = _train(batch, steps, lrs, units, teachers, seeds, device, val, test)
        grid_val, grid_test = val_loss[:L * S].reshape(L, S), test_loss[:L * S].reshape(L, S)
        tuned = best_per_seed(grid_val)
        extra = [_finite(v) for v in test_loss[L * S:].tolist()]
        results[k] = {"scaled": extra[:S], "unscaled": extra[S:],
                      "tuned": [_finite(grid_test[tuned[s], s].item()) for s in range(S)]}
        if k == 1:
            base_loss = results[k]["scaled"]
        lr_table[k] = {"scaled": [k * lr for lr in base_lr], "unscaled": base_lr,
                       "tuned": [GRID[tuned[s]] for s in range(S)]}
        progress(0.95 * (n + 1) / len(ks), f"배치 {batch}")

    def excess_ratio(loss, base):
        if loss is None or base is None or loss > floor + 1e3:
            return RATIO_CAP
        return min(math.log2(max(loss - floor, 1e-12) / max(base - floor, 1e-12)), RATIO_CAP)

    top = results[params.multiplier]
    per_seed: dict[str, list[float | None]] = {
        "log2_excess_ratio_scaled": [excess_ratio(top["scaled"][s], base_loss[s]) for s in range(S)],
        "log2_excess_ratio_unscaled": [excess_ratio(top["unscaled"][s], base_loss[s]) for s in range(S)],
        "log2_excess_ratio_tuned": [excess_ratio(top["tuned"][s], base_loss[s]) for s in range(S)],
        "base_lr": base_lr,
        "tuned_lr_at_multiplier": lr_table[params.multiplier]["tuned"],
        "test_loss_base": base_loss,
    }
    per_seed["scaled_advantage"] = [u - s for u, s in zip(per_seed["log2_excess_ratio_unscaled"],
                                                           per_seed["log2_excess_ratio_scaled"])]
    for arm, _ in ARMS:
        per_seed[f"test_loss_{arm}"] = top[arm]

    charts = _charts(ks, results, lr_table, S)
    table = _table(ks, results, lr_table, params)
    progress(1.0, "완료", charts)
    return Measurement(per_seed=per_seed, charts=charts, table=table, notes=_notes(params, per_seed, ks, lr_table))


def _finite(value: float) -> float | None:
    return value if math.isfinite(value) else None


def _charts(ks, results, lr_table, S) -> list[Chart]:
    from app.demos.batched import band

    batches = [float(BASE_BATCH * k) for k in ks]
    loss_series = []
    for arm, label in ARMS:
        y, low, high = band([[results[k][arm][s] for k in ks] for s in range(S)])
        loss_series.append(Series(name=label, x=batches, y=y, lower=low, upper=high))
    lr_series = []
    for arm, label in (("tuned", "검증으로 고른 학습률"), ("scaled", "선형 규칙 k·η₀")):
        y, low, high = band([[lr_table[k][arm][s] for k in ks] for s in range(S)])
        lr_series.append(Series(name=label, x=batches, y=y, lower=low, upper=high))
    return [
        Chart(key="test_by_batch", title="같은 예제 수를 본 뒤 테스트 MSE (시드 평균, 띠는 최소~최대)", x_label="배치 크기",
              y_label="테스트 MSE", log_x=True, log_y=True, series=loss_series),
        Chart(key="lr_by_batch", title="배치 크기별 학습률: 가장 좋은 값과 선형 규칙", x_label="배치 크기", y_label="학습률",
              log_x=True, log_y=True, series=lr_series),
    ]


def _table(ks, results, lr_table, params: Params) -> Table:
    rows = []
    for k in ks:
        steps = max(params.examples // (BASE_BATCH * k), 1)
        for arm, label in ARMS:
            if k == 1 and arm == "unscaled":
                continue
            losses = [v for v in results[k][arm] if v is not None]
            lrs = sorted(set(lr_table[k][arm]))
            rows.append([BASE_BATCH * k, steps, label if k > 1 or arm == "tuned" else "기준 배치 (η₀)",
                         "/".join(f"{v:.3g}" for v in lrs),
                         float(f"{sum(losses) / len(losses):.4g}") if len(losses) == len(results[k][arm]) else "발산"])
    return Table(columns=["배치", "스텝", "학습률 정하는 법", "학습률", "테스트 MSE (시드 평균)"], rows=rows)


def _notes(params: Params, m, ks, lr_table) -> list[str]:
    notes = []
    k = params.multiplier
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
    lagging = [kk for kk in ks[1:] if _mean(lr_table[kk]["tuned"]) < 0.5 * _mean(lr_table[kk]["scaled"])]
    if lagging:
        kk = lagging[0]
        notes.append(f"검증으로 다시 고른 학습률은 배치 {BASE_BATCH * kk}부터 선형 규칙의 절반에도 못 미쳤습니다 "
                     f"({_mean(lr_table[kk]['tuned']):.3g} 대 {_mean(lr_table[kk]['scaled']):.3g}): 여기서부터는 배치를 키워도 "
                     f"학습률을 그만큼 키울 수 없습니다(안정 한계).")
    else:
        notes.append(f"배치 {BASE_BATCH * ks[-1]}까지 검증으로 고른 학습률이 선형 규칙의 절반 이상을 유지했습니다.")
    return notes


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
              statement="배치를 k배 키울 때 학습률도 k배 하면 그대로 둔 것보다 테스트 손실이 낮다"),
        Claim(metric="log2_excess_ratio_scaled", direction="less", margin=math.log2(TOLERANCE),
              statement="배치를 k배 키우고 학습률도 k배 하면 초과 테스트 손실이 작은 배치의 2배 안에 든다"),
    ),
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
    version="1",
)
