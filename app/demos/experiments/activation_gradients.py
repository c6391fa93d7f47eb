"""Gradient flow per layer in a deep MLP: sigmoid / tanh / ReLU / LeakyReLU.

One backward pass of a cross-entropy loss through a stack of ``depth`` Linear+activation layers on
synthetic Gaussian inputs; the Frobenius norm of each layer's weight gradient shows whether the
signal reaches the first layers. With the initialisation each activation was designed for (Glorot
for sigmoid/tanh, He for the ReLU family) sigmoid's gradient still shrinks by about 4× per layer,
because its derivative is at most 1/4; tanh and ReLU keep it roughly constant.

Evidence: each seed draws its own inputs, labels and ``trials`` networks (per seed the gradient norms
are averaged over them); within a seed every activation gets the same inputs and the same raw weight
draws, scaled by its own initialisation, so the arms differ only by the activation. All networks of
one activation go through one batched forward and backward pass (stacked weights). The claims are
judged per seed on orders of magnitude (log10): sigmoid's first-layer gradient lies more than two
orders below ReLU's, and ReLU + He keeps its first layer within one order of its last. Sigmoid and
ReLU are always measured because the claims are about them; ``activations`` adds the others. A
shallow net (3 layers) has too few factors of 1/4 for two orders: the breaking preset.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import Field, field_validator

from app.demos.base import (
    Boundary,
    Chart,
    Citation,
    DemoParams,
    DemoSpec,
    Measurement,
    Progress,
    QuestionRef,
    Series,
    Table,
)
from app.demos.batched import generator, per_model_cross_entropy
from app.demos.evidence import Claim

Activation = Literal["sigmoid", "tanh", "relu", "leaky_relu"]

ACTIVATION_NAMES = {"sigmoid": "Sigmoid", "tanh": "Tanh", "relu": "ReLU", "leaky_relu": "LeakyReLU"}
CLAIMED = ("sigmoid", "relu")  # the claims compare these two: always measured
LEAKY_SLOPE = 0.01
CLASSES = 10
FLOAT32_TINIEST = 1.401298464324817e-45  # the smallest positive (subnormal) float32
# Networks per batched pass: their stacked weights stay under this many floats (64 MB), so the largest
# settings go one network at a time, as a plain loop would, and the defaults go in one pass.
CHUNK_FLOATS = 16 * 2**20
VANISHED_ORDERS = 2.0  # "vanishes": more than two orders of magnitude below ReLU's
KEPT_ORDERS = 1.0  # "kept": the first layer within one order of magnitude of the last


class Params(DemoParams):
    activations: tuple[Activation, ...] = Field(
        ("sigmoid", "tanh", "relu", "leaky_relu"), min_length=1, max_length=4,
        description="비교할 활성화 함수 (sigmoid와 ReLU는 판정에 쓰여 늘 함께 잽니다)",
    )
    depth: int = Field(20, ge=2, le=60, description="은닉층 수 (깊을수록 기울기 소실이 잘 보입니다)")
    width: int = Field(256, ge=16, le=1024, description="층마다 뉴런 수")
    batch_size: int = Field(128, ge=8, le=2048, description="미니배치 크기 (합성 데이터)")
    init: Literal["matched", "pytorch_default"] = Field(
        "matched",
        description="가중치 초기화 (matched: sigmoid·tanh는 Xavier, ReLU 계열은 He / pytorch_default: nn.Linear 기본값)",
    )
    trials: int = Field(1, ge=1, le=20, description="시드마다 평균을 낼 네트워크 수 (초기화가 다른 네트워크)")

    @field_validator("activations")
    @classmethod
    def _distinct(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if len(set(value)) != len(value):
            raise ValueError("같은 활성화 함수를 두 번 고를 수 없습니다")
        return value


SMALLEST = Params(depth=6, width=32, batch_size=16, trials=1)
# Three layers hold only two factors of sigmoid's 1/4 between the first and the last: about an order
# of magnitude, not two.
BREAKING = Params(depth=3)


def measured_activations(params: Params) -> list[str]:
    """The chosen activations plus the two the claims compare, in a fixed order."""
    chosen = set(params.activations) | set(CLAIMED)
    return [a for a in ACTIVATION_NAMES if a in chosen]


def _init_label(activation: str, init: str) -> str:
    if init == "pytorch_default":
        return "PyTorch 기본"
    return "He" if activation in ("relu", "leaky_relu") else "Xavier"


# -- data and model ----------------------------------------------------------------------------------


@dataclass
class Draws:
    """The raw random numbers of a group of networks (one per (seed, trial)), shared by every activation."""

    inputs: Any  # (models, batch, width)
    targets: Any  # (models, batch)
    weights: Any  # (models, depth, width, width): N(0, 1) for matched, U(−1, 1) for pytorch_default
    biases: Any  # (models, depth, 1, width): U(−1, 1), used by pytorch_default only
    head: Any  # (models, width, CLASSES): U(−1, 1)
    head_bias: Any  # (models, 1, CLASSES): U(−1, 1)


def _draw(params: Params, members: list[tuple[int, int]], device) -> Draws:
    """Each (seed, trial) draws from its own generator, so a network is the same whatever shares its pass."""
    import torch

    width, depth = params.width, params.depth
    parts: dict[str, list] = {name: [] for name in ("inputs", "targets", "weights", "biases", "head", "head_bias")}
    for seed, trial in members:
        gen = generator(seed * 7919 + trial)
        parts["inputs"].append(torch.randn(params.batch_size, width, generator=gen))
        parts["targets"].append(torch.randint(0, CLASSES, (params.batch_size,), generator=gen))
        if params.init == "matched":
            parts["weights"].append(torch.randn(depth, width, width, generator=gen))
        else:
            parts["weights"].append(torch.rand(depth, width, width, generator=gen) * 2 - 1)
        parts["biases"].append(torch.rand(depth, 1, width, generator=gen) * 2 - 1)
        parts["head"].append(torch.rand(width, CLASSES, generator=gen) * 2 - 1)
        parts["head_bias"].append(torch.rand(1, CLASSES, generator=gen) * 2 - 1)
    return Draws(**{name: torch.stack(values).to(device) for name, values in parts.items()})


def _model(activation: str, params: Params, draws: Draws) -> tuple[list[Any], list[Any], Any, Any]:
    """Stacked layer weights (models, fan_in, fan_out), biases, and the head, for one activation."""
    import torch

    width = params.width
    if params.init == "matched":
        # He keeps the variance of ReLU outputs (which zero half the inputs) at 2/fan_in;
        # Glorot's 1/fan_in (fan_in = fan_out here) suits activations that are linear around zero.
        gain = 2.0 if activation in ("relu", "leaky_relu") else 1.0
        scale = math.sqrt(gain / width)
        biases = [torch.zeros_like(draws.biases[:, 0]) for _ in range(params.depth)]
    else:
        scale = 1 / math.sqrt(width)  # nn.Linear's kaiming_uniform(a=√5) bound, for weights and biases alike
        biases = [draws.biases[:, k] * scale for k in range(params.depth)]
    weights = [(draws.weights[:, k] * scale).requires_grad_() for k in range(params.depth)]
    bound = 1 / math.sqrt(width)
    return weights, biases, draws.head * bound, draws.head_bias * bound


# -- measure: one backward pass ----------------------------------------------------------------------


def _activation_fn(activation: str):
    import torch

    return {"sigmoid": torch.sigmoid, "tanh": torch.tanh, "relu": torch.relu,
            "leaky_relu": lambda x: torch.nn.functional.leaky_relu(x, LEAKY_SLOPE)}[activation]


def _gradient_norms(activation: str, params: Params, draws: Draws) -> Any:
    """‖∂L/∂W‖ of every hidden layer of every network in the group: (models, depth)."""
    import torch

    weights, biases, head, head_bias = _model(activation, params, draws)
    act = _activation_fn(activation)
    hidden = draws.inputs
    for weight, bias in zip(weights, biases, strict=True):
        hidden = act(torch.baddbmm(bias, hidden, weight))
    logits = torch.baddbmm(head_bias, hidden, head)
    # Each network's own loss; their sum gives each exactly its own gradient (no weight is shared).
    per_model_cross_entropy(logits, draws.targets).sum().backward()
    return torch.stack([w.grad.flatten(1).norm(dim=1) for w in weights], dim=1)


def _groups(params: Params, seeds) -> list[list[tuple[int, int]]]:
    members = [(seed, trial) for seed in seeds for trial in range(params.trials)]
    size = max(1, CHUNK_FLOATS // (params.depth * params.width * params.width))
    return [members[i:i + size] for i in range(0, len(members), size)]


def _measure_norms(params: Params, seeds, device, progress: Progress) -> dict[str, dict[int, list[float]]]:
    """Per activation and seed, the layer-by-layer gradient norms averaged over the seed's trials."""
    activations = measured_activations(params)
    sums = {a: {seed: [0.0] * params.depth for seed in seeds} for a in activations}
    groups = _groups(params, seeds)
    done, total = 0, len(groups) * len(activations)
    for members in groups:
        draws = _draw(params, members, device)
        for activation in activations:
            norms = _gradient_norms(activation, params, draws).tolist()
            for (seed, _), row in zip(members, norms, strict=True):
                sums[activation][seed] = [s + n / params.trials for s, n in zip(sums[activation][seed], row)]
            done += 1
            # The curves so far: a seed not yet measured is all zeros, which the log chart leaves out.
            so_far = {a: sums[a] for a in activations[:activations.index(activation) + 1]} if done <= len(
                activations) else sums
            progress(0.95 * done / total, f"{ACTIVATION_NAMES[activation]} {done}/{total}",
                     [_chart(params, so_far, seeds)])
    return sums


def _per_seed_metrics(norms: dict[str, dict[int, list[float]]], seeds) -> dict[str, list[float | None]]:
    per_seed: dict[str, list[float | None]] = {}

    def put(name: str, values: list[float]) -> None:
        per_seed[name] = list(values)

    for activation, by_seed in norms.items():
        first = [by_seed[s][0] for s in seeds]
        last = [by_seed[s][-1] for s in seeds]
        # A gradient that underflowed to exactly zero is at least this many times smaller: compare
        # with the smallest positive float32.
        ratio = [b / max(a, FLOAT32_TINIEST) for a, b in zip(first, last, strict=True)]
        put(f"first_layer_grad_norm_{activation}", first)
        put(f"last_layer_grad_norm_{activation}", last)
        put(f"last_to_first_ratio_{activation}", ratio)
        put(f"orders_lost_{activation}", [math.log10(r) for r in ratio])
    sigmoid, relu = norms["sigmoid"], norms["relu"]
    put("sigmoid_to_relu_first_layer_ratio", [sigmoid[s][0] / max(relu[s][0], FLOAT32_TINIEST) for s in seeds])
    put("orders_sigmoid_below_relu",
        [math.log10(relu[s][0] / max(sigmoid[s][0], FLOAT32_TINIEST)) for s in seeds])
    put("orders_drift_relu", [abs(math.log10(max(relu[s][-1], FLOAT32_TINIEST) / max(relu[s][0], FLOAT32_TINIEST)))
                              for s in seeds])
    return per_seed


# -- report ------------------------------------------------------------------------------------------


def _chart(params: Params, norms: dict[str, dict[int, list[float]]], seeds) -> Chart:
    layers = [float(i) for i in range(1, params.depth + 1)]
    return Chart(
        key="grad_norm",
        title="층별 가중치 기울기 노름 (1층 = 입력 쪽, 띠: 시드 범위)",
        x_label="층",
        y_label="‖∂L/∂W‖",
        log_y=True,
        series=[Series.over_seeds(ACTIVATION_NAMES[a], layers,
                                  [[v if v > 0 else None for v in by_seed[s]] for s in seeds])
                for a, by_seed in norms.items()],
    )


def _table(params: Params, means: dict[str, float]) -> Table:
    rows = []
    for activation in measured_activations(params):
        first, last = means[f"first_layer_grad_norm_{activation}"], means[f"last_layer_grad_norm_{activation}"]
        ratio = means[f"last_to_first_ratio_{activation}"]
        rows.append([
            ACTIVATION_NAMES[activation], _init_label(activation, params.init), first, last,
            ratio if first > 0 else f"> {ratio:.3g}",
            first / means["first_layer_grad_norm_relu"],
        ])
    return Table(
        columns=["활성화 함수", "초기화", "1층 기울기 노름", "마지막 층 기울기 노름", "마지막 층 / 1층",
                 "1층: ReLU 대비"],
        rows=rows,
    )


def _fmt(value: float) -> str:
    return f"{value:.2e}"


def _activation_note(name: str, params: Params, m: dict[str, float], activation: str) -> str:
    first = m[f"first_layer_grad_norm_{activation}"]
    shrink = m[f"last_to_first_ratio_{activation}"]  # how many times smaller layer 1 is
    if first == 0:
        return (f"{name}: 1층 기울기가 float32로 나타낼 수 있는 가장 작은 수보다도 작아져 정확히 0이 "
                f"되었습니다 — 기울기가 완전히 사라졌습니다.")
    if shrink >= 100:
        per_layer = shrink ** (1 / (params.depth - 1))
        return (f"{name}: 입력 쪽으로 갈수록 기울기가 사라집니다 — 1층 노름 {_fmt(first)}, 마지막 층의 "
                f"1/{shrink:.2g} (층마다 약 {per_layer:.2f}배씩 줄어듦).")
    if shrink >= 3:
        return f"{name}: 1층 노름 {_fmt(first)}, 마지막 층의 1/{shrink:.2g}로 조금 줄어듭니다."
    if shrink <= 1 / 3:
        return f"{name}: 1층 노름 {_fmt(first)}, 마지막 층의 {1 / shrink:.2g}배로 입력 쪽으로 갈수록 커집니다 (폭주 쪽)."
    return f"{name}: 1층 노름 {_fmt(first)}, 마지막 층의 {1 / shrink:.2g}배로 {params.depth}층을 지나도 기울기가 유지됩니다."


def _notes(params: Params, m: dict[str, float]) -> list[str]:
    """From the seeds' means (all zeros kept: a vanished gradient is a measurement, not a gap)."""
    ratio, orders = m["sigmoid_to_relu_first_layer_ratio"], m["orders_sigmoid_below_relu"]
    if ratio == 0:
        headline = (f"{params.depth}층 네트워크의 1층에서 sigmoid의 기울기는 0으로 사라졌고 ReLU는 "
                    f"{_fmt(m['first_layer_grad_norm_relu'])}입니다: 앞쪽 층은 전혀 배우지 못합니다.")
    elif orders > VANISHED_ORDERS:
        headline = (f"{params.depth}층 네트워크의 1층에서 sigmoid의 기울기는 ReLU의 {ratio:.1e}배, 즉 "
                    f"{orders:.1f}자릿수 작습니다: 같은 학습률이면 앞쪽 층은 거의 배우지 못합니다.")
    elif ratio < 0.5:
        per_layer = (1 / ratio) ** (1 / max(params.depth - 1, 1))
        headline = (f"여기서는 주장이 무너집니다: {params.depth}층뿐이라 1층에서 sigmoid의 기울기는 ReLU의 "
                    f"{ratio:.2g}배(약 1/{1 / ratio:.0f}, {orders:.1f}자릿수)에 그칩니다. 층마다 약 {per_layer:.1f}배씩 "
                    f"줄어드는 차이가 두 자릿수로 쌓이려면 층이 더 깊어야 합니다.")
    elif ratio < 2:
        headline = f"여기서는 주장이 무너집니다: 1층에서 sigmoid와 ReLU의 기울기가 비슷합니다 ({ratio:.2g}배)."
    else:
        headline = f"여기서는 주장이 무너집니다: 1층에서 sigmoid의 기울기가 ReLU의 {ratio:.2g}배로 오히려 큽니다."
    notes = [headline]
    notes += [_activation_note(ACTIVATION_NAMES[a], params, m, a) for a in measured_activations(params)]
    drift = m["orders_drift_relu"]
    if drift >= KEPT_ORDERS:
        direction = "작아" if m["last_to_first_ratio_relu"] > 1 else "커"
        cause = ("nn.Linear 기본 초기화의 가중치 분산 1/(3·fan_in)은 ReLU가 절반을 0으로 만드는 것을 메우지 못해, "
                 "He 초기화(2/fan_in)가 필요합니다." if params.init == "pytorch_default" else
                 f"너비 {params.width}에서 층마다의 흔들림이 {params.depth}층을 지나며 쌓였습니다.")
        notes.append(f"ReLU도 1층 기울기가 마지막 층보다 {drift:.1f}자릿수 {direction}졌습니다: {cause}")
    return notes


def run(params: Params, device, progress: Progress, seeds) -> Measurement:
    norms = _measure_norms(params, seeds, device, progress)
    per_seed = _per_seed_metrics(norms, seeds)
    means = {name: statistics.fmean(v for v in values if v is not None) for name, values in per_seed.items()}
    chart = _chart(params, norms, seeds)
    progress(1.0, "완료", [chart])
    return Measurement(per_seed=per_seed, charts=[chart], table=_table(params, means), notes=_notes(params, means))


DEMO = DemoSpec(
    slug="activation-gradients",
    title="활성화 함수와 층별 기울기 흐름",
    summary="20층 MLP에 한 번 역전파해 층마다 기울기 노름을 잽니다. sigmoid는 입력 쪽 층의 기울기가 "
    "몇 자릿수 작아지고(기울기 소실), ReLU·LeakyReLU(He 초기화)와 tanh(Xavier)는 유지되는지 확인합니다.",
    params=Params,
    smallest=SMALLEST,
    run=run,
    claims=(
        Claim(metric="orders_sigmoid_below_relu", direction="greater", margin=VANISHED_ORDERS,
              statement="깊은 망의 1층에서 sigmoid의 기울기는 ReLU(He 초기화)보다 두 자릿수 넘게 작다",
              metric_label="1층 기울기의 자릿수 차 (ReLU − sigmoid)"),
        Claim(metric="orders_drift_relu", direction="less", margin=KEPT_ORDERS,
              statement="ReLU + He 초기화는 1층 기울기를 마지막 층의 한 자릿수 안에서 지킨다",
              metric_label="ReLU 망의 1층과 마지막 은닉층 기울기 자릿수 차 (절댓값)"),
    ),
    breaking=BREAKING,
    metric_labels={
        **{f"{name}_{key}": f"{label} ({shown})" for key, shown in ACTIVATION_NAMES.items() for name, label in (
            ("first_layer_grad_norm", "1층 가중치 기울기 노름 ‖∂L/∂W‖"),
            ("last_layer_grad_norm", "마지막 은닉층 가중치 기울기 노름 ‖∂L/∂W‖"),
            ("last_to_first_ratio", "기울기 노름 비 (마지막 은닉층 ÷ 1층)"),
            ("orders_lost", "1층까지 줄어든 기울기 자릿수 (log10 마지막 은닉층 ÷ 1층)"))},
        "sigmoid_to_relu_first_layer_ratio": "1층 기울기 노름 비 (Sigmoid ÷ ReLU)",
    },
    boundary=Boundary("depth", (2, 3, 4, 6, 10, 20)),
    concepts=(
        "vanishing_gradient", "sigmoid", "tanh", "relu", "activation_function", "backpropagation",
        "exploding_gradient",
    ),
    # A question about tanh is mostly "why is it better than sigmoid": the two side by side.
    presets={"tanh": Params(activations=("sigmoid", "tanh"))},
    questions=(
        QuestionRef("면접 #5", "활성화 함수의 종류와 saturation"),
        QuestionRef("면접 #12", "sigmoid보다 ReLU를 쓰는 이유: 기울기 소실"),
        QuestionRef("2주차 Q2", "ReLU의 도함수는 0 또는 1"),
    ),
    citations=(
        Citation(authors="Xavier Glorot, Yoshua Bengio", year=2010,
                 title="Understanding the difficulty of training deep feedforward neural networks",
                 url="https://proceedings.mlr.press/v9/glorot10a.html"),
        Citation(authors="Kaiming He, Xiangyu Zhang, Shaoqing Ren, Jian Sun", year=2015,
                 title="Delving Deep into Rectifiers: Surpassing Human-Level Performance on ImageNet Classification",
                 url="https://arxiv.org/abs/1502.01852"),
    ),
    version="2",
)
