"""Why a bias: without one a unit cannot move its activation away from the origin (면접 #12-4).

The target is a sigmoid step centred at ``x = shift``, sampled with a little noise at random points
(a fresh sample per seed). A single sigmoid unit ``σ(w·x)`` can only make the step steeper or
flatter: its midpoint is pinned at ``x = 0``. With a bias, ``σ(w·x + b)`` puts the midpoint at
``−b/w`` and fits the target. The same holds inside a network: a ReLU layer without biases has every
kink at ``x = 0`` and outputs exactly 0 there, so however many units it has it is two straight lines
through the origin; with biases the kinks spread out and the step is easy.

Each of the four models trains with Adam at every learning rate of a small grid, from the same start
with and without bias; per seed each keeps the rate with the lowest validation error, and the claim
is judged on the error against the clean step on a dense test grid. Seeds, rates and models train as
one batched set of tensors.
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
from app.demos.batched import Adam
from app.demos.evidence import Claim

N_TRAIN = 200
N_TEST = 401
HALF_RANGE = 5.0
NOISE = 0.05
LEARNING_RATES = (0.01, 0.03, 0.1)  # Adam; each model picks its own per seed on the validation split
MODELS = (
    ("unit_no_bias", "시그모이드 유닛 σ(wx)"),
    ("unit_bias", "시그모이드 유닛 σ(wx + b)"),
    ("net_no_bias", "ReLU 망, 편향 없음"),
    ("net_bias", "ReLU 망, 편향 있음"),
)
RATIO_MARGIN = 1.0  # log10: "cannot fit" means at least ten times the error
# A ReLU net without biases still bends at the origin, so off-origin steps cost it less than the unit.
NET_RATIO_MARGIN = math.log10(3.0)


class Params(DemoParams):
    shift: float = Field(2.0, ge=-4.0, le=4.0, description="목표 계단의 중심 x (0이면 원점)")
    steepness: float = Field(2.0, ge=0.5, le=10.0, description="목표 계단의 가파른 정도")
    hidden_units: int = Field(32, ge=2, le=256, description="ReLU 망의 은닉 유닛 수")
    steps: int = Field(600, ge=100, le=5000, description="Adam 학습 스텝 수 (전체 배치, 모든 모델에 같은 예산)")


SMALLEST = Params(hidden_units=16, steps=400)
# A step centred at the origin: the unit without a bias has nothing to move.
BREAKING = Params(shift=0.0, hidden_units=16, steps=400)


def _target(params: Params, x):
    import torch

    return torch.sigmoid(params.steepness * (x - params.shift))


@dataclass
class _Data:
    """Per seed: noisy train and validation samples (seeds, train|val, N), and one start shared by every
    rate and both variants; the test points are the clean step on a grid."""

    x: Any
    y: Any
    x_test: Any
    y_test: Any
    starts: list[dict[str, Any]]


def _data(params: Params, seeds, device) -> _Data:
    import torch

    hidden = params.hidden_units
    draws = []
    for seed in seeds:
        generator = torch.Generator().manual_seed(seed)
        x = (torch.rand(2, N_TRAIN, generator=generator) * 2 - 1) * HALF_RANGE
        noise = NOISE * torch.randn(2, N_TRAIN, generator=generator)
        start = {"unit_w": torch.rand(1, generator=generator) * 2 - 1,
                 "w1": torch.rand(hidden, generator=generator) * 2 - 1,
                 "b1": torch.rand(hidden, generator=generator) * 2 - 1,
                 "w2": (torch.rand(hidden, generator=generator) * 2 - 1) / hidden ** 0.5,
                 "b2": (torch.rand(1, generator=generator) * 2 - 1) / hidden ** 0.5}
        draws.append((x, noise, start))
    x = torch.stack([d[0] for d in draws]).to(device)
    x_test = torch.linspace(-HALF_RANGE, HALF_RANGE, N_TEST, device=device)
    return _Data(x=x, y=_target(params, x) + torch.stack([d[1] for d in draws]).to(device),
                 x_test=x_test, y_test=_target(params, x_test), starts=[d[2] for d in draws])


@dataclass
class _Models:
    """Copies along dim 0 are (rate, variant, seed); variant 0 has no bias (its biases are masked to 0)."""

    weights: dict[str, Any]
    mask: Any
    n_seeds: int

    def __call__(self, inputs):
        """Both models' outputs, (copies, points), with the bias terms masked where there is none."""
        import torch

        weights, mask = self.weights, self.mask
        unit = torch.sigmoid(weights["unit_w"] * inputs + weights["unit_b"] * mask)
        pre = inputs.unsqueeze(-1) * weights["w1"][:, None, :] + (weights["b1"] * mask)[:, None, :]
        net = torch.relu(pre) @ weights["w2"].unsqueeze(-1)
        return unit, net.squeeze(-1) + weights["b2"] * mask

    def by_model(self, values):  # (rate·variant·seed, ...) → {model: (rate, seed, ...)}
        unit, net = (v.reshape(len(LEARNING_RATES), 2, self.n_seeds, *v.shape[1:]) for v in values)
        return {"unit_no_bias": unit[:, 0], "unit_bias": unit[:, 1], "net_no_bias": net[:, 0], "net_bias": net[:, 1]}


def _model(data: _Data, device) -> _Models:
    import torch

    n_seeds, n_rates = len(data.starts), len(LEARNING_RATES)

    def stacked(name: str):
        per_seed = torch.stack([start[name] for start in data.starts]).to(device)  # (seeds, ...)
        return per_seed.expand(n_rates, 2, *per_seed.shape).reshape(-1, *per_seed.shape[1:])

    n_copies = n_rates * 2 * n_seeds
    mask = torch.tensor([0.0] * n_seeds + [1.0] * n_seeds, device=device).repeat(n_rates)[:, None]
    weights = {"unit_w": stacked("unit_w"), "unit_b": torch.zeros(n_copies, 1, device=device),
               "w1": stacked("w1"), "b1": stacked("b1") * mask, "w2": stacked("w2"), "b2": stacked("b2") * mask}
    return _Models({name: t.clone().requires_grad_() for name, t in weights.items()}, mask, n_seeds)


def _copies(data: _Data) -> tuple[Any, Any, Any, Any]:
    """Train and validation inputs and targets for every copy."""
    n_rates = len(LEARNING_RATES)
    copies_x = data.x.repeat(2, 1, 1)  # (variant·seed, split, N)
    train_x, val_x = copies_x[:, 0].repeat(n_rates, 1), copies_x[:, 1].repeat(n_rates, 1)
    train_y, val_y = data.y[:, 0].repeat(2 * n_rates, 1), data.y[:, 1].repeat(2 * n_rates, 1)
    return train_x, train_y, val_x, val_y


def _train(params: Params, models: _Models, train_x, train_y, progress) -> tuple[list[float], list[tuple]]:
    """Adam at every rate of the grid; returns the recorded steps and both models' training loss there."""
    import torch

    optimizer = Adam(list(models.weights.values()),
                     lr=torch.tensor(LEARNING_RATES).repeat_interleave(2 * models.n_seeds))
    record_every = max(params.steps // 100, 1)
    curve_steps: list[float] = []
    curves: list[tuple] = []
    for step in range(1, params.steps + 1):
        unit, net = models(train_x)
        unit_loss, net_loss = (unit - train_y).pow(2).mean(-1), (net - train_y).pow(2).mean(-1)
        (unit_loss.sum() + net_loss.sum()).backward()
        optimizer.step()
        if step % record_every == 0 or step == 1:
            curve_steps.append(float(step))
            curves.append((unit_loss.detach(), net_loss.detach()))
        if step % 200 == 0:
            progress(step / params.steps, f"{step}/{params.steps} 스텝")
    return curve_steps, curves


@dataclass
class _Picked:
    """Per model, each seed's rate chosen on validation, and that run's test fit and training curve."""

    rates: dict[str, list[float]]
    fitted: dict[str, list[list[float]]]
    curves: dict[str, list[list[float]]]


def _measure(data: _Data, models: _Models, val_x, val_y, curves: list[tuple],
             device) -> tuple[dict[str, list[float | None]], _Picked]:
    import torch

    with torch.no_grad():
        val_unit, val_net = models(val_x)
        test_unit, test_net = models(data.x_test.expand(len(val_x), -1))
        at_origin = models(torch.zeros(len(val_x), 1, device=device))
    val_mse = models.by_model(((val_unit - val_y).pow(2).mean(-1), (val_net - val_y).pow(2).mean(-1)))
    test_fit = models.by_model((test_unit, test_net))
    origin = models.by_model((at_origin[0].squeeze(-1), at_origin[1].squeeze(-1)))
    loss_curves = models.by_model((torch.stack([c[0] for c in curves], -1), torch.stack([c[1] for c in curves], -1)))
    unit_w, unit_b = (models.weights[name].detach().reshape(len(LEARNING_RATES), 2, models.n_seeds)[:, 1]
                      for name in ("unit_w", "unit_b"))

    per_seed: dict[str, list[float | None]] = {}
    picked = _Picked(rates={}, fitted={}, curves={})
    for key, _ in MODELS:
        best = val_mse[key].argmin(dim=0).tolist()  # per seed
        picked.rates[key] = [LEARNING_RATES[r] for r in best]
        fits = [test_fit[key][r, s] for s, r in enumerate(best)]
        per_seed[f"mse_{key}"] = [(f - data.y_test).pow(2).mean().item() for f in fits]
        per_seed[f"output_at_0_{key}"] = [origin[key][r, s].item() for s, r in enumerate(best)]
        picked.fitted[key] = [f.tolist() for f in fits]
        picked.curves[key] = [loss_curves[key][r, s].tolist() for s, r in enumerate(best)]
        if key == "unit_bias":
            w = [unit_w[r, s].item() for s, r in enumerate(best)]
            b = [unit_b[r, s].item() for s, r in enumerate(best)]
            per_seed["learned_bias"] = b
            per_seed["learned_shift"] = [-bi / wi if wi else None for wi, bi in zip(w, b)]  # where σ crosses ½
    for kind in ("unit", "net"):
        per_seed[f"{kind}_log_ratio"] = [math.log10(max(a, 1e-12) / max(b, 1e-12)) for a, b in
                                         zip(per_seed[f"mse_{kind}_no_bias"], per_seed[f"mse_{kind}_bias"])]
    return per_seed, picked


def _report(params: Params, data: _Data, curve_steps: list[float], per_seed: dict[str, list[float | None]],
            picked: _Picked) -> tuple[list[Chart], Table]:
    xs = data.x_test.tolist()
    charts = [
        Chart(
            key="fit", title=f"계단 σ({params.steepness:g}(x − {params.shift:g})) 맞추기 (시드 범위)", x_label="x",
            y_label="y",
            series=[Series(name="정답", x=xs, y=data.y_test.tolist())]
            + [Series.over_seeds(label, xs, picked.fitted[key]) for key, label in MODELS],
        ),
        Chart(
            key="loss", title="학습 손실 (각자 고른 학습률, 시드 범위)", x_label="스텝", y_label="평균제곱오차", log_y=True,
            series=[Series.over_seeds(label, curve_steps, picked.curves[key]) for key, label in MODELS],
        ),
    ]

    def mean(name: str) -> float:
        return statistics.fmean(v for v in per_seed[name] if v is not None)

    table = Table(
        columns=["모델", "검증으로 고른 Adam 학습률 (시드별)", "시험 평균제곱오차 (평균)", "x = 0에서의 출력 (평균)"],
        rows=[[label, ", ".join(f"{r:g}" for r in picked.rates[key]), float(f"{mean(f'mse_{key}'):.3g}"),
               round(mean(f"output_at_0_{key}"), 4)] for key, label in MODELS],
    )
    return charts, table


def run(params: Params, device, progress, seeds) -> Measurement:
    data = _data(params, seeds, device)
    models = _model(data, device)
    train_x, train_y, val_x, val_y = _copies(data)
    curve_steps, curves = _train(params, models, train_x, train_y, progress)
    per_seed, picked = _measure(data, models, val_x, val_y, curves, device)
    charts, table = _report(params, data, curve_steps, per_seed, picked)
    progress(1.0, "완료", charts)
    return Measurement(per_seed=per_seed, charts=charts, table=table, notes=_notes(params, per_seed))


def _times(log_ratio: float) -> str:
    ratio = 10 ** log_ratio
    return "1,000배 넘게" if ratio >= 1000 else f"{ratio:.0f}배"


def _notes(params: Params, per_seed: dict[str, list]) -> list[str]:
    def mean(name: str) -> float:
        return statistics.fmean(v for v in per_seed[name] if v is not None)

    shift = params.shift
    unit_log, net_log = mean("unit_log_ratio"), mean("net_log_ratio")
    notes = [(
        f"목표 계단의 중심은 x = {shift:g}입니다. 편향 있는 유닛 σ(wx + b)는 편향을 배워 (b = {mean('learned_bias'):.3g}) "
        f"중심을 x = {mean('learned_shift'):.3g} 위치로 옮겼고, 시험 오차는 {mean('mse_unit_bias'):.2g}입니다."
    )]
    if unit_log >= RATIO_MARGIN:
        notes.append(
            f"편향 없는 유닛 σ(wx)는 x = 0에서 늘 {mean('output_at_0_unit_no_bias'):.2f}을 내어 중심을 옮길 수 없고, "
            f"기울기만 바꿔 오차가 {mean('mse_unit_no_bias'):.2g}에 머물렀습니다 ({_times(unit_log)} 큼)."
        )
    else:
        notes.append(
            f"편향 없는 유닛의 오차도 {mean('mse_unit_no_bias'):.2g}입니다. 차이가 크지 않은 것은 "
            f"({10 ** unit_log:.1f}배) 목표의 중심이 원점 가까이 있어 옮길 필요가 없기 때문입니다: 여기서 주장이 무너집니다."
        )
    at_zero = mean("output_at_0_net_no_bias")
    through_origin = "정확히 0" if all(v == 0 for v in per_seed["output_at_0_net_no_bias"]) else f"{at_zero:.2g}"
    target_at_zero = 1 / (1 + math.exp(params.steepness * shift))
    if net_log >= NET_RATIO_MARGIN:
        notes.append(
            f"ReLU 망도 마찬가지입니다: {params.hidden_units}유닛이어도 편향이 없으면 모든 꺾임이 x = 0에 모이고 "
            f"x = 0에서의 출력이 {through_origin}이라 (목표는 {target_at_zero:.2g}) 오차가 "
            f"{mean('mse_net_no_bias'):.2g}이고, 편향이 있으면 오차가 {_times(net_log)} 작은 {mean('mse_net_bias'):.2g}입니다."
        )
    else:
        notes.append(
            f"ReLU 망의 오차는 편향이 없을 때 {mean('mse_net_no_bias'):.2g}, 있을 때 {mean('mse_net_bias'):.2g}이고, "
            f"차이가 {10 ** net_log:.1f}배에 그쳤습니다: x = 0에서의 목표({target_at_zero:.2g})가 0에 가까우면 원점을 "
            f"지나는 두 직선으로도 꽤 맞출 수 있습니다."
        )
    return notes


DEMO = DemoSpec(
    slug="bias",
    title="편향(bias)이 하는 일: 활성화 함수를 옆으로 옮기기",
    summary=(
        "편향이 없으면 유닛의 경계(시그모이드의 중심, ReLU의 꺾임)가 원점에 묶여, 원점에서 벗어난 목표를 맞추지 "
        "못합니다. 편향을 더하면 경계를 옮겨 같은 목표를 정확히 맞춥니다."
    ),
    params=Params,
    smallest=SMALLEST,
    run=run,
    claims=(
        Claim(metric="unit_log_ratio", direction="greater", margin=RATIO_MARGIN,
              statement="원점에서 벗어난 계단을 편향 없는 시그모이드 유닛은 편향 있는 유닛보다 10배 넘게 못 맞춘다 "
                        "(시험 오차 비의 log10)",
              metric_label="시험 평균제곱오차 비 (편향 없는 유닛 ÷ 편향 있는 유닛, log10)"),
        Claim(metric="net_log_ratio", direction="greater", margin=NET_RATIO_MARGIN,
              statement="편향 없는 ReLU 망도 편향 있는 망보다 3배 넘게 못 맞춘다 (시험 오차 비의 log10)",
              metric_label="시험 평균제곱오차 비 (편향 없는 ReLU 망 ÷ 편향 있는 망, log10)"),
    ),
    breaking=BREAKING,
    metric_labels={
        **{f"{name}_{key}": label.format(shown) for key, shown in MODELS for name, label in (
            ("mse", "깨끗한 계단과의 시험 평균제곱오차 ({})"),
            ("output_at_0", "x = 0에서의 출력 ({})"))},
        "learned_bias": "학습된 편향 b (σ(wx + b))",
        "learned_shift": "학습된 계단 중심 x = −b/w (σ(wx + b))",
    },
    concepts=("bias", "weighted_sum", "neuron"),
    questions=(QuestionRef("면접 #12-4", "편향(bias)는 왜 있는걸까?"),),
    version="2",
    citations=(
        Citation(authors="Goodfellow, Bengio & Courville", year=2016, title="Deep Learning, 6장 (Deep Feedforward Networks)",
                 url="https://www.deeplearningbook.org/contents/mlp.html"),
    ),
)
