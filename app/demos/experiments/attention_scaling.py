"""Scaled dot-product attention: why the logits are divided by √d.

Per seed, queries, keys and values with unit-variance components are drawn (``keys`` keys, as many
queries), and attention is computed twice on the same vectors: with logits ``q·k / √d`` and with the
raw ``q·k``. A random readout of the attention output gives a loss; its gradient with respect to the
logits is what the softmax lets through to the queries and keys; the typical query's (the median
over queries) is compared, since the few queries that stay unsaturated would dominate a mean.

The dot product of two random d-dimensional vectors has variance d, so without the scale the logits
spread as √d: the softmax saturates on one key (its largest weight tends to 1) and its Jacobian
``diag(p) − p pᵀ`` tends to zero, so the gradient vanishes (Vaswani et al. 2017, footnote 4). With the
scale the logits keep unit variance whatever d. Both are measured at d and at d/64, d/16, d/4, so the
charts show how the gap opens with d; at small d the scale is close to 1 and there is nothing to fix,
which is where the claim breaks.
"""

from __future__ import annotations

import math
from typing import Any

from pydantic import Field

from app.demos.base import Chart, Citation, DemoParams, DemoSpec, Measurement, QuestionRef, Series, Table
from app.demos.batched import finite_mean as _mean
from app.demos.evidence import Claim
from app.demos.training import differences

ARMS = ("scaled", "unscaled")
ARM_NAMES = {"scaled": "1/√d로 나눔", "unscaled": "나누지 않음"}
FRACTIONS = (1 / 64, 1 / 16, 1 / 4, 1.0)


class Params(DemoParams):
    dim: int = Field(512, ge=1, le=2048, description="쿼리·키의 차원 d (d/64, d/16, d/4, d에서 잰다)")
    keys: int = Field(128, ge=2, le=512, description="키(그리고 쿼리)의 개수")


SMALLEST = Params(dim=256)
BREAKING = Params(dim=2)


def dims(params: Params) -> list[int]:
    return sorted({max(1, round(params.dim * f)) for f in FRACTIONS})


def _draw(seeds: list[int], n: int, d: int, device) -> tuple[Any, Any, Any, Any]:
    """Per seed queries, keys, values and a random readout, each (S, n, d)."""
    import torch

    from app.demos.batched import generator

    per_seed = []
    for seed in seeds:
        gen = generator(seed * 7919 + 307 + d)
        per_seed.append((torch.randn(n, d, generator=gen), torch.randn(n, d, generator=gen),
                         torch.randn(n, d, generator=gen), torch.randn(n, d, generator=gen)))
    q, k, v, r = (torch.stack([t[i] for t in per_seed]).to(device) for i in range(4))
    return q, k, v, r


def _at_dimension(q, k, v, r, d: int) -> dict[str, list[float]]:
    """Per arm and seed: the typical query's gradient norm at the logits, the largest attention weight
    and the logits' spread."""
    import torch

    raw = torch.bmm(q, k.transpose(1, 2))
    row = {}
    for arm in ARMS:
        logits = (raw / math.sqrt(d) if arm == "scaled" else raw).detach().requires_grad_()
        weights = torch.softmax(logits, dim=2)
        loss = (torch.bmm(weights, v) * r).sum(dim=(1, 2))  # a random readout of the output, per seed
        loss.sum().backward()
        # the typical query (median): a few unsaturated queries would dominate a mean
        row[f"grad_{arm}"] = logits.grad.norm(dim=2).median(dim=1).values.cpu().tolist()
        row[f"max_weight_{arm}"] = weights.detach().max(dim=2).values.mean(dim=1).cpu().tolist()
        row[f"logit_std_{arm}"] = logits.detach().std(dim=(1, 2)).cpu().tolist()
    return row


def _measure(at: dict[str, list[float]]) -> dict[str, list[float | None]]:
    """At the largest dimension: the gradient ratio and the weight gap, and each arm's numbers."""
    per_seed_metrics: dict[str, list[float | None]] = {
        "log10_grad_ratio": [_log_ratio(s, u) for s, u in zip(at["grad_scaled"], at["grad_unscaled"])],
        "max_weight_gap": differences(at["max_weight_unscaled"], at["max_weight_scaled"]),
    }
    for arm in ARMS:
        per_seed_metrics[f"grad_{arm}"] = list(at[f"grad_{arm}"])
        per_seed_metrics[f"max_weight_{arm}"] = list(at[f"max_weight_{arm}"])
        per_seed_metrics[f"logit_std_{arm}"] = list(at[f"logit_std_{arm}"])
    return per_seed_metrics


def run(params: Params, device, progress, seeds) -> Measurement:
    seeds = list(seeds)
    grid = dims(params)
    results: dict[int, dict[str, list[float]]] = {}
    for index, d in enumerate(grid):
        results[d] = _at_dimension(*_draw(seeds, params.keys, d, device), d)
        progress(0.9 * (index + 1) / len(grid), f"d = {d}")
    per_seed_metrics = _measure(results[grid[-1]])
    charts = _charts(grid, results)
    table = _table(grid, results)
    progress(1.0, "완료", charts)
    return Measurement(per_seed=per_seed_metrics, charts=charts, table=table,
                       notes=_notes(params, grid, results, per_seed_metrics))


def _log_ratio(a: float, b: float) -> float | None:
    return math.log10(a / b) if a > 0 and b > 0 else None


def _charts(grid, results) -> list[Chart]:
    from app.demos.batched import band

    x = [float(d) for d in grid]
    grad_series, weight_series = [], []
    for arm in ARMS:
        y, low, high = band([[max(results[d][f"grad_{arm}"][s], 1e-300) for d in grid]
                             for s in range(len(results[grid[0]][f"grad_{arm}"]))])
        grad_series.append(Series(name=ARM_NAMES[arm], x=x, y=y, lower=low, upper=high))
        y, low, high = band([[results[d][f"max_weight_{arm}"][s] for d in grid]
                             for s in range(len(results[grid[0]][f"max_weight_{arm}"]))])
        weight_series.append(Series(name=ARM_NAMES[arm], x=x, y=y, lower=low, upper=high))
    return [
        Chart(key="logit_grad", title="차원 d에 따른 소프트맥스 입력(로짓)의 기울기 노름, 쿼리 중앙값 (띠는 시드 최소~최대)",
              x_label="d", y_label="‖∂L/∂로짓‖", log_x=True, log_y=True, series=grad_series),
        Chart(key="max_weight", title="쿼리마다 가장 큰 어텐션 가중치의 평균 (1이면 키 하나에 쏠림)",
              x_label="d", y_label="최대 가중치", log_x=True, series=weight_series),
    ]


def _table(grid, results) -> Table:
    rows = []
    for d in grid:
        r = results[d]
        rows.append([d, round(_mean(r["logit_std_scaled"]), 2), round(_mean(r["logit_std_unscaled"]), 2),
                     round(_mean(r["max_weight_scaled"]), 3), round(_mean(r["max_weight_unscaled"]), 3),
                     f"{_mean(r['grad_scaled']):.3g}", f"{_mean(r['grad_unscaled']):.3g}"])
    return Table(columns=["d", "로짓 표준편차 (나눔)", "로짓 표준편차 (안 나눔)", "최대 가중치 (나눔)", "최대 가중치 (안 나눔)",
                          "‖∂L/∂로짓‖ 쿼리 중앙값 (나눔)", "‖∂L/∂로짓‖ 쿼리 중앙값 (안 나눔)"], rows=rows)


def _notes(params: Params, grid, results, m: dict) -> list[str]:
    d = grid[-1]
    ratio = _mean(m["log10_grad_ratio"])
    std_u, std_s = _mean(m["logit_std_unscaled"]), _mean(m["logit_std_scaled"])
    w_u, w_s = _mean(m["max_weight_unscaled"]), _mean(m["max_weight_scaled"])
    notes = [f"d = {d}에서 나누지 않은 로짓의 표준편차는 {std_u:.1f}(≈ √d = {math.sqrt(d):.1f}), 나눈 로짓은 {std_s:.2f}였습니다."]
    if ratio >= 1 and w_u > w_s:
        notes.append(f"나누지 않으면 쿼리마다 가장 큰 가중치가 평균 {w_u:.2f}로 키 하나에 쏠려(나누면 {w_s:.2f}) 소프트맥스가 "
                     f"포화되고, 로짓으로 돌아가는 기울기가 10^{ratio:.1f}배 작았습니다.")
    else:
        notes.append(f"d = {d}에서는 나누지 않은 로짓(표준편차 {std_u:.1f})도 소프트맥스를 포화시킬 만큼 퍼지지 않아 두 방식의 차이가 작습니다: 가장 큰 가중치 {w_u:.2f} 대 "
                     f"{w_s:.2f}, 기울기 비 10^{ratio:.2f}배. 나눌 이유는 d가 커질 때 생깁니다.")
    small = grid[0]
    if small != d:
        gap_small = _mean([_log_ratio(s, u) for s, u in zip(results[small]["grad_scaled"], results[small]["grad_unscaled"])])
        notes.append(f"가장 작은 d = {small}에서는 기울기 비가 10^{gap_small:.2f}배로, d가 커질수록 벌어집니다(차트).")
    return notes


DEMO = DemoSpec(
    slug="attention-scaling",
    title="어텐션의 1/√d: 나누지 않으면 소프트맥스가 포화되어 기울기가 사라진다",
    summary=(
        "같은 쿼리·키·값으로 q·k/√d와 q·k를 각각 소프트맥스에 넣어, 가장 큰 어텐션 가중치와 로짓으로 돌아가는 기울기를 차원 d마다 "
        "잽니다. d가 크면 나누지 않은 쪽이 키 하나에 쏠리고 기울기가 거의 0이 됩니다. d가 작으면 차이가 없습니다."
    ),
    params=Params,
    smallest=SMALLEST,
    breaking=BREAKING,
    run=run,
    claims=(
        Claim(metric="log10_grad_ratio", direction="greater", margin=1.0,
              statement="1/√d로 나눈 어텐션에서 로짓으로 돌아가는 기울기가 나누지 않은 것보다 10배 이상 크다",
              metric_label="로짓 기울기 비 (나눔 ÷ 나누지 않음, log10)"),
        Claim(metric="max_weight_gap", direction="greater", margin=0.2,
              statement="나누지 않으면 쿼리마다 가장 큰 어텐션 가중치가 0.2 이상 더 크다(한 키로 쏠림)",
              metric_label="가장 큰 어텐션 가중치의 차 (나누지 않음 − 나눔)"),
    ),
    metric_labels={
        **{f"grad_{arm}": f"로짓 기울기 노름 중앙값 ({name})" for arm, name in ARM_NAMES.items()},
        **{f"max_weight_{arm}": f"가장 큰 어텐션 가중치 ({name})" for arm, name in ARM_NAMES.items()},
        **{f"logit_std_{arm}": f"로짓 표준편차 ({name})" for arm, name in ARM_NAMES.items()},
    },
    concepts=("scaled_dot_product_attention", "attention", "softmax", "self_attention", "dot_product"),
    questions=(
        QuestionRef("CS224n 어텐션", "어텐션에서 √d로 나누는 이유는?"),
    ),
    citations=(
        Citation(authors="Vaswani et al.", year=2017, title="Attention is all you need",
                 url="https://arxiv.org/abs/1706.03762"),
    ),
    version="1",
)
