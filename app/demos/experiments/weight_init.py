"""Weight initialisation: activation spread per layer for zeros / small / large / Xavier / He (면접 #8; 노드 08-2).

A batch of standard-normal inputs goes forward through a deep fully connected network (no biases)
with tanh and with ReLU, initialised five ways, and the standard deviation of each layer's output is
recorded. Each unit sums ``fan_in`` weighted inputs, so the output variance is about
``fan_in · Var(w) · Var(input)``: Xavier (Glorot & Bengio 2010) picks ``Var(w) = 2/(fan_in + fan_out)``
to keep it near 1 for tanh, He (He et al. 2015) ``2/fan_in`` to make up for ReLU zeroing half the
inputs. Too small and the signal shrinks every layer; too large and tanh saturates at ±1 while ReLU
grows without bound. All-zero weights make every unit of a layer compute the same thing, and training
keeps them identical: a small network is trained for a few steps to count how many different units
each initialisation ends up with.

Each seed draws its own inputs and weights (three seeds, one after the other: a forward pass per scheme
is cheap). The claims are judged per seed: He keeps a ReLU net's last-layer spread within a factor of
2 of its first layer's, small weights make a tanh net's signal vanish, zeros leave one distinct unit.
He's argument is an average over a layer's inputs: narrow (16) and deep (50) layers drift past the
factor of 2, where the claim breaks.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass

from pydantic import Field

from app.demos import draws
from app.demos.base import Chart, Citation, DemoParams, DemoSpec, Measurement, QuestionRef, Series, Table
from app.demos.evidence import Claim

SCHEMES = (
    ("zeros", "0으로 초기화"),
    ("small", "작은 정규분포"),
    ("large", "큰 정규분포 (표준편차 1)"),
    ("xavier", "Xavier (Glorot)"),
    ("he", "He (Kaiming)"),
)
ACTIVATIONS = (("tanh", "tanh"), ("relu", "ReLU"))
N_SAMPLES = 512
SATURATED = 0.99  # |tanh| above this passes almost no gradient (1 − 0.99² ≈ 0.02)
SYMMETRY_WIDTH, SYMMETRY_DEPTH, SYMMETRY_STEPS, SYMMETRY_LR = 32, 3, 100, 0.05


class Params(DemoParams):
    depth: int = Field(10, ge=2, le=50, description="은닉층 수")
    width: int = Field(256, ge=16, le=1024, description="은닉층 너비 (각 유닛의 입력 수)")
    small_std: float = Field(0.01, ge=1e-4, le=0.1, description="'작은 정규분포'의 표준편차")


SMALLEST = Params(depth=6, width=64)
# Narrow and deep: He's variance argument holds on average over a layer's many inputs; with 16 of them
# each layer's spread wanders randomly, and over 50 layers the drift outgrows the factor of 2.
BREAKING = Params(depth=50, width=16)
DRIFT_MARGIN = math.log(2)  # "kept": the last layer's std within a factor of 2 of the first layer's
VANISHED = 1e-3


def _init(torch, weight, scheme: str, small_std: float) -> None:
    init = torch.nn.init
    if scheme == "zeros":
        init.zeros_(weight)
    elif scheme == "small":
        init.normal_(weight, std=small_std)
    elif scheme == "large":
        init.normal_(weight, std=1.0)
    elif scheme == "xavier":
        init.xavier_normal_(weight)
    else:
        init.kaiming_normal_(weight, nonlinearity="relu")  # std √(2/fan_in), the same formula for both activations


def _forward(torch, params: Params, inputs, activation: str, scheme: str, device):
    """One network, a fresh weight per layer drawn as ``scheme`` on the CPU generator: the std of each layer's
    output (None from the layer where float32 overflowed on: a deep ReLU net with large weights), the last
    layer's output and the last weight."""
    act_fn = {"tanh": torch.tanh, "relu": torch.relu}[activation]
    drawn = torch.empty(params.width, params.width)
    h, per_layer = inputs, []
    with torch.no_grad():
        for _ in range(params.depth):
            _init(torch, drawn, scheme, params.small_std)
            weight = drawn.to(device)
            h = act_fn(h @ weight.T)
            spread = h.double().std().item()  # float64: the squares of large outputs overflow float32
            if not math.isfinite(spread):
                break
            per_layer.append(spread)
    return per_layer + [None] * (params.depth - len(per_layer)), h, weight


@dataclass
class _Spreads:
    """One seed's forward passes: std per layer for each (activation, scheme), the tanh nets' saturated
    share of the last layer and the ReLU nets' last weight std, per scheme."""

    stds: dict[tuple[str, str], list[float | None]]
    saturated: dict[str, float]
    weight_std: dict[str, float]


def _spreads(torch, params: Params, device) -> _Spreads:
    """The seed's inputs, then every (activation, scheme) network in turn, all from the global CPU generator
    (CUDA's own generator would give a GPU run other numbers than the CPU run of the same seed)."""
    inputs = draws.randn(N_SAMPLES, params.width, device=device)
    out = _Spreads({}, {}, {})
    for activation, _ in ACTIVATIONS:
        for scheme, _ in SCHEMES:
            out.stds[(activation, scheme)], h, weight = _forward(torch, params, inputs, activation, scheme, device)
            with torch.no_grad():
                if activation == "tanh":
                    out.saturated[scheme] = (h.abs() > SATURATED).float().mean().item()
                if activation == "relu":
                    out.weight_std[scheme] = weight.std().item()
    return out


def _seed_metrics(params: Params, spreads: _Spreads, distinct: dict[str, int],
                  final_loss: dict[str, float]) -> dict[str, float]:
    metrics: dict[str, float] = {}
    for (activation, scheme), per_layer in spreads.stds.items():
        finite = [s for s in per_layer if s is not None]
        metrics[f"first_std_{activation}_{scheme}"] = finite[0] if finite else math.inf
        metrics[f"last_std_{activation}_{scheme}"] = finite[-1] if finite else math.inf
        # The layer from which float32 overflowed (0: it never did); the last std above is the last finite one.
        metrics[f"overflow_layer_{activation}_{scheme}"] = float(len(finite) + 1 if len(finite) < params.depth else 0)
    for scheme, _ in SCHEMES:
        metrics[f"saturated_tanh_{scheme}"] = spreads.saturated[scheme]
        metrics[f"weight_std_{scheme}"] = spreads.weight_std[scheme]
        metrics[f"distinct_units_{scheme}"] = float(distinct[scheme])
        metrics[f"trained_loss_{scheme}"] = final_loss[scheme]
    for activation, scheme in (("relu", "he"), ("tanh", "xavier")):
        first, last = metrics[f"first_std_{activation}_{scheme}"], metrics[f"last_std_{activation}_{scheme}"]
        metrics[f"drift_{activation}_{scheme}"] = abs(math.log(last / first)) if first > 0 and last > 0 else math.inf
    return metrics


@dataclass
class _Seed:
    metrics: dict[str, float]
    stds: dict[tuple[str, str], list[float | None]]  # the chart's curves


def _one_seed(torch, params: Params, device, seed: int) -> _Seed:
    """Every measurement of one seed: its inputs, initialisations and the symmetry experiment, in this order
    from the global generator seeded with the seed alone (and restored after, so nothing that follows
    draws on from where this seed stopped)."""
    with draws.seeded(seed):
        spreads = _spreads(torch, params, device)
        distinct, final_loss = _symmetry(torch, params, device)
    return _Seed(_seed_metrics(params, spreads, distinct, final_loss), spreads.stds)


def run(params: Params, device, progress, seeds) -> Measurement:
    import torch

    measured = []
    for i, seed in enumerate(seeds):
        measured.append(_one_seed(torch, params, device, seed))
        progress((i + 1) / (len(seeds) + 1), f"시드 {seed} 완료")
    per_seed: dict[str, list[float | None]] = {name: [m.metrics[name] for m in measured] for name in measured[0].metrics}
    means = {name: _mean(values) for name, values in per_seed.items()}
    charts = [_std_chart(params, measured, activation, label) for activation, label in ACTIVATIONS]
    progress(1.0, "완료", charts)
    return Measurement(per_seed=per_seed, charts=charts, table=_table(means), notes=_notes(params, means))


def _mean(values: list[float | None]) -> float:
    finite = [v for v in values if v is not None and math.isfinite(v)]
    return statistics.fmean(finite) if finite else math.inf


def _std_chart(params: Params, measured: list[_Seed], activation: str, label: str) -> Chart:
    layers = [float(k) for k in range(1, params.depth + 1)]
    return Chart(
        key=f"std_{activation}", title=f"{label}: 층별 출력의 표준편차 (시드 범위)", x_label="층", y_label="표준편차",
        log_y=True,
        # 0 has no logarithm: an all-zero layer is left out of the log chart (the table shows it).
        series=[Series.over_seeds(scheme_label, layers,
                                  [[s if s else None for s in m.stds[(activation, scheme)]] for m in measured])
                for scheme, scheme_label in SCHEMES],
    )


def _table(m: dict[str, float]) -> Table:
    """From the seeds' means."""
    return Table(
        columns=["초기화 (시드 평균)", "가중치 표준편차", "tanh 마지막 층 std", "tanh 포화 비율 (|a|>0.99)",
                 "ReLU 마지막 층 std", f"학습 {SYMMETRY_STEPS}스텝 뒤 서로 다른 유닛 수 (/{SYMMETRY_WIDTH})"],
        rows=[[label, float(f"{m[f'weight_std_{scheme}']:.3g}"), _last_std(m, "tanh", scheme),
               f"{m[f'saturated_tanh_{scheme}']:.0%}", _last_std(m, "relu", scheme),
               round(m[f"distinct_units_{scheme}"], 1)]
              for scheme, label in SCHEMES],
    )


def _last_std(m: dict[str, float], activation: str, scheme: str) -> float | str:
    overflow = m[f"overflow_layer_{activation}_{scheme}"]
    return f"{overflow:.0f}층에서 float32 넘침" if overflow else float(f"{m[f'last_std_{activation}_{scheme}']:.3g}")


def _symmetry_net(torch, scheme: str, small_std: float, device):
    """The small tanh network of the symmetry experiment, built (nn.Linear draws its defaults) and then
    initialised as ``scheme`` on the CPU generator, biases zero; then moved."""
    from torch import nn

    sizes = [8] + [SYMMETRY_WIDTH] * SYMMETRY_DEPTH
    layers: list = []
    for fan_in, fan_out in zip(sizes, sizes[1:]):
        layers += [nn.Linear(fan_in, fan_out), nn.Tanh()]
    model = nn.Sequential(*layers, nn.Linear(SYMMETRY_WIDTH, 1))
    for layer in model:
        if isinstance(layer, nn.Linear):
            _init(torch, layer.weight, scheme, small_std)
            nn.init.zeros_(layer.bias)
    return model.to(device)


def _fit_mse(torch, model, inputs, targets) -> float:
    """Full-batch SGD on the squared error for SYMMETRY_STEPS steps; the loss after the last."""
    optimizer = torch.optim.SGD(model.parameters(), lr=SYMMETRY_LR)
    for _ in range(SYMMETRY_STEPS):
        optimizer.zero_grad(set_to_none=True)
        loss = (model(inputs) - targets).pow(2).mean()
        loss.backward()
        optimizer.step()
    with torch.no_grad():
        return (model(inputs) - targets).pow(2).mean().item()


def _distinct_units(torch, model) -> int:
    """How many of the first layer's units differ (weights and bias, to six decimals)."""
    with torch.no_grad():
        units = torch.cat([model[0].weight, model[0].bias.unsqueeze(1)], dim=1)
        return int(torch.unique(units.round(decimals=6), dim=0).shape[0])


def _symmetry(torch, params: Params, device) -> tuple[dict[str, int], dict[str, float]]:
    """Train a small tanh network from each initialisation; count the first layer's distinct units."""
    inputs = draws.randn(256, 8, device=device)
    targets = torch.sin(inputs @ draws.randn(8, 1, device=device))
    distinct, final_loss = {}, {}
    for scheme, _ in SCHEMES:
        model = _symmetry_net(torch, scheme, params.small_std, device)
        final_loss[scheme] = _fit_mse(torch, model, inputs, targets)
        distinct[scheme] = _distinct_units(torch, model)
    return distinct, final_loss


def _notes(params: Params, m: dict[str, float]) -> list[str]:
    """From the seeds' means."""
    depth, width = params.depth, params.width
    he, xavier_relu = m["last_std_relu_he"], m["last_std_relu_xavier"]
    xavier_tanh = m["last_std_tanh_xavier"]
    parts = [
        f"{depth}층·너비 {width}에서 ReLU + He 초기화는 출력의 표준편차가 첫 층 {m['first_std_relu_he']:.3g}, "
        f"마지막 층 {he:.3g}이고, tanh + Xavier는 첫 층 {m['first_std_tanh_xavier']:.3g}, 마지막 층 {xavier_tanh:.3g}입니다."
    ]
    if xavier_relu < 0.3 * m["first_std_relu_xavier"]:
        parts.append(
            f" ReLU에 Xavier를 쓰면 층마다 절반의 입력이 0이 되어 {m['first_std_relu_xavier']:.3g}에서 {xavier_relu:.3g}까지 "
            f"줄어듭니다: He가 분산을 2배로 잡는 이유입니다."
        )
    else:
        parts.append(f" ReLU + Xavier의 마지막 층 표준편차는 {xavier_relu:.3g}이고, 이번 깊이에서는 크게 줄지 않았습니다.")
    small_tanh, small_relu = m["last_std_tanh_small"], m["last_std_relu_small"]
    parts.append(
        f" 표준편차 {params.small_std:g}의 작은 가중치는 신호를 층마다 줄여 마지막 층에서 tanh {small_tanh:.2g}, "
        f"ReLU {small_relu:.2g}까지 작아졌고"
    )
    large_relu, overflow = m["last_std_relu_large"], int(round(m["overflow_layer_relu_large"]))
    grown = (
        f"{overflow - 1}층에서 {large_relu:.3g}까지 키운 뒤 {overflow}층에서 float32의 범위(약 3.4e38)를 넘겼습니다"
        if overflow else f"{large_relu:.3g}까지 키웠습니다"
    )
    parts.append(
        f", 표준편차 1의 큰 가중치는 tanh 출력의 {m['saturated_tanh_large']:.0%}를 ±1 근처(포화, 기울기 거의 0)로 "
        f"밀어 넣고 ReLU 출력은 {grown}."
        if large_relu > 100 else
        f", 표준편차 1의 큰 가중치는 tanh 출력의 {m['saturated_tanh_large']:.0%}를 포화시켰습니다 (ReLU {large_relu:.3g})."
    )
    if m["drift_relu_he"] < DRIFT_MARGIN:
        parts.append(
            f" He의 가중치 표준편차는 {m['weight_std_he']:.3g}밖에 안 되어 가중치가 0 근처에 몰려 있지만, 유닛마다 "
            f"{width}개의 입력이 더해지므로 출력의 표준편차가 {depth}번째 층에서도 {he:.3g}입니다: 층이 넓을수록 "
            f"가중치는 0 근처에 더 몰려야 출력의 크기가 유지됩니다."
        )
    else:
        parts.append(
            f" 여기서는 주장이 무너집니다: He도 출력의 표준편차를 2배 안에서 지키지 못했습니다 (첫 층 "
            f"{m['first_std_relu_he']:.3g} → 마지막 층 {he:.3g}, 시드 평균 |log 비율| {m['drift_relu_he']:.2f}): "
            f"너비 {width}처럼 좁은 층에서는 유닛마다 더하는 입력이 적어 층마다 흔들림이 커지고, {depth}층을 지나며 쌓입니다."
        )
    zero_distinct, he_distinct = m["distinct_units_zeros"], m["distinct_units_he"]
    if zero_distinct == 1 and m["last_std_tanh_zeros"] == 0:
        parts.append(
            f" 0으로 초기화하면 층 출력이 모두 0이고, {SYMMETRY_STEPS}스텝 학습한 뒤에도 첫 층 {SYMMETRY_WIDTH}개 유닛이 "
            f"모두 똑같았습니다 (서로 다른 유닛 {zero_distinct:.0f}개, He는 평균 {he_distinct:.3g}개): 대칭이 깨지지 않습니다."
        )
    else:
        parts.append(
            f" 0으로 초기화한 망은 {SYMMETRY_STEPS}스텝 뒤 서로 다른 첫 층 유닛이 평균 {zero_distinct:.3g}개였습니다 "
            f"(He {he_distinct:.3g}개)."
        )
    return [part.strip() for part in "".join(parts).split("\n") if part.strip()]


DEMO = DemoSpec(
    slug="weight-init",
    title="가중치 초기화: 층마다 출력이 어떻게 퍼지는가",
    summary=(
        "깊은 망에서 가중치가 작으면 신호가 층마다 사라지고, 크면 tanh는 포화되고 ReLU는 폭발합니다. "
        "Xavier(tanh)와 He(ReLU)는 층을 지나도 출력의 표준편차를 유지하고, 0 초기화는 모든 유닛을 똑같게 만듭니다."
    ),
    params=Params,
    smallest=SMALLEST,
    run=run,
    claims=(
        Claim(metric="drift_relu_he", direction="less", margin=DRIFT_MARGIN,
              statement="ReLU 망에서 He 초기화는 마지막 층 출력의 표준편차를 첫 층의 2배 안에서 지킨다 (|log 비율| < log 2)",
              metric_label="He 초기화 ReLU 망의 표준편차 비 (마지막 층 ÷ 첫 층, |로그|)"),
        Claim(metric="last_std_tanh_small", direction="less", margin=VANISHED,
              statement="작은 가중치(표준편차 0.01)로 초기화하면 tanh 망의 신호가 마지막 층에서 0.001 아래로 사라진다",
              metric_label="작은 가중치 tanh 망의 마지막 층 출력 표준편차"),
        Claim(metric="distinct_units_zeros", direction="less", margin=1.5,
              statement="0으로 초기화하면 학습한 뒤에도 첫 층의 유닛이 모두 똑같다 (서로 다른 유닛 1개)",
              metric_label="0으로 초기화해 학습한 작은 tanh 망의 서로 다른 첫 층 유닛 수"),
    ),
    breaking=BREAKING,
    # Stds are of a layer's output after the activation; the small tanh net is the symmetry experiment's.
    metric_labels={
        **{f"{name}_{activation}_{scheme}": label.format(shown, named.split(" (")[0])
           for activation, shown in ACTIVATIONS for scheme, named in SCHEMES for name, label in (
               ("first_std", "1층 출력의 표준편차 ({}, {})"),
               ("last_std", "마지막 층 출력의 표준편차 ({}, {}; float32가 넘치면 그 전 층)"),
               ("overflow_layer", "float32가 넘친 층 ({}, {}; 0 = 넘치지 않음)"))},
        **{f"{name}_{scheme}": label.format(named.split(" (")[0]) for scheme, named in SCHEMES for name, label in (
            ("saturated_tanh", f"tanh 망 마지막 층 출력 중 |h| > {SATURATED:g}인 비율 ({{}}, 0–1)"),
            ("weight_std", "ReLU 망 마지막 층 가중치의 표준편차 ({})"),
            ("distinct_units", "학습 뒤 서로 다른 첫 층 유닛 수 (작은 tanh 망, {})"),
            ("trained_loss", f"작은 tanh 망의 {SYMMETRY_STEPS}스텝 학습 뒤 평균제곱오차 ({{}})"))},
        "drift_tanh_xavier": "Xavier 초기화 tanh 망의 표준편차 비 (마지막 층 ÷ 첫 층, |로그|)",
    },
    concepts=(
        "weight_initialization", "xavier_initialization", "he_initialization", "vanishing_gradient",
        "exploding_gradient",
    ),
    questions=(
        QuestionRef("면접 #8", "Weight Initialization 방법"),
        QuestionRef("노드 08-2", "Xavier/He 초기화와 표준편차"),
    ),
    citations=(
        Citation(authors="Glorot & Bengio", year=2010,
                 title="Understanding the Difficulty of Training Deep Feedforward Neural Networks",
                 url="https://proceedings.mlr.press/v9/glorot10a.html"),
        Citation(authors="He, Zhang, Ren & Sun", year=2015,
                 title="Delving Deep into Rectifiers: Surpassing Human-Level Performance on ImageNet Classification",
                 url="https://arxiv.org/abs/1502.01852"),
    ),
    version="3",
)
