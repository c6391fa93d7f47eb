"""Gradient flow per layer in a deep MLP: sigmoid / tanh / ReLU / LeakyReLU.

One backward pass of a cross-entropy loss through a stack of ``depth`` Linear+activation layers on
synthetic Gaussian inputs; the Frobenius norm of each layer's weight gradient shows whether the
signal reaches the first layers. With the initialisation each activation was designed for (Glorot
for sigmoid/tanh, He for the ReLU family) sigmoid's gradient still shrinks by about 4× per layer,
because its derivative is at most 1/4; tanh and ReLU keep it roughly constant.
"""

from __future__ import annotations

import math
from typing import Literal

from pydantic import Field, field_validator

from app.demos.base import Chart, Citation, DemoParams, DemoResult, DemoSpec, Progress, QuestionRef, Series, Table

Activation = Literal["sigmoid", "tanh", "relu", "leaky_relu"]

ACTIVATION_NAMES = {"sigmoid": "Sigmoid", "tanh": "Tanh", "relu": "ReLU", "leaky_relu": "LeakyReLU"}
LEAKY_SLOPE = 0.01
CLASSES = 10
FLOAT32_TINIEST = 1.401298464324817e-45  # the smallest positive (subnormal) float32


class Params(DemoParams):
    activations: tuple[Activation, ...] = Field(
        ("sigmoid", "tanh", "relu", "leaky_relu"), min_length=1, max_length=4,
        description="비교할 활성화 함수",
    )
    depth: int = Field(20, ge=2, le=60, description="은닉층 수 (깊을수록 기울기 소실이 잘 보입니다)")
    width: int = Field(256, ge=16, le=1024, description="층마다 뉴런 수")
    batch_size: int = Field(128, ge=8, le=2048, description="미니배치 크기 (합성 데이터)")
    init: Literal["matched", "pytorch_default"] = Field(
        "matched",
        description="가중치 초기화 (matched: sigmoid·tanh는 Xavier, ReLU 계열은 He / pytorch_default: nn.Linear 기본값)",
    )
    trials: int = Field(3, ge=1, le=20, description="평균을 낼 독립 네트워크 수 (시드가 다른 초기화)")

    @field_validator("activations")
    @classmethod
    def _distinct(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if len(set(value)) != len(value):
            raise ValueError("같은 활성화 함수를 두 번 고를 수 없습니다")
        return value


def _init_label(activation: str, init: str) -> str:
    if init == "pytorch_default":
        return "PyTorch 기본"
    return "He" if activation in ("relu", "leaky_relu") else "Xavier"


def _build(activation: str, params: Params, generator, device):
    import torch
    from torch import nn

    make_activation = {
        "sigmoid": nn.Sigmoid, "tanh": nn.Tanh, "relu": nn.ReLU,
        "leaky_relu": lambda: nn.LeakyReLU(LEAKY_SLOPE),
    }[activation]
    hidden = []
    modules: list = []
    for _ in range(params.depth):
        linear = nn.Linear(params.width, params.width)
        if params.init == "matched":
            # He keeps the variance of ReLU outputs (which zero half the inputs) at 2/fan_in;
            # Glorot's 1/fan_in suits activations that are linear around zero.
            gain = 2.0 if activation in ("relu", "leaky_relu") else 1.0
            std = math.sqrt(gain / params.width)
            with torch.no_grad():
                linear.weight.copy_(torch.randn(params.width, params.width, generator=generator) * std)
                linear.bias.zero_()
        else:
            with torch.no_grad():
                bound = 1 / math.sqrt(params.width)  # nn.Linear's kaiming_uniform(a=√5) bound, drawn from our generator
                linear.weight.copy_(torch.rand(params.width, params.width, generator=generator) * 2 * bound - bound)
                linear.bias.copy_(torch.rand(params.width, generator=generator) * 2 * bound - bound)
        hidden.append(linear)
        modules += [linear, make_activation()]
    head = nn.Linear(params.width, CLASSES)
    network = nn.Sequential(*modules, head).to(device)
    return network, hidden


def _gradient_norms(activation: str, params: Params, trial: int, base_seed: int, device) -> list[float]:
    import torch
    from torch import nn

    # The same generator seed for every activation within a trial: each network sees identical data
    # and identical random draws, so the curves differ only by the activation (and its init).
    generator = torch.Generator().manual_seed(base_seed + trial)
    network, hidden = _build(activation, params, generator, device)
    inputs = torch.randn(params.batch_size, params.width, generator=generator).to(device)
    targets = torch.randint(0, CLASSES, (params.batch_size,), generator=generator).to(device)
    loss = nn.functional.cross_entropy(network(inputs), targets)
    loss.backward()
    return [layer.weight.grad.norm().item() for layer in hidden]


def _chart(layers: list[float], curves: dict[str, list[float]]) -> Chart:
    return Chart(
        key="grad_norm",
        title="층별 가중치 기울기 노름 (1층 = 입력 쪽)",
        x_label="층",
        y_label="‖∂L/∂W‖",
        log_y=True,
        series=[Series(name=ACTIVATION_NAMES[a], x=layers, y=[v if v > 0 else None for v in ys])
                for a, ys in curves.items()],
    )


def _fmt(value: float) -> str:
    return f"{value:.2e}"


def _conclusion(params: Params, metrics: dict[str, float]) -> str:
    sentences = []
    for activation in params.activations:
        name = ACTIVATION_NAMES[activation]
        first = _fmt(metrics[f"first_layer_grad_norm_{activation}"])
        shrink = metrics[f"last_to_first_ratio_{activation}"]  # how many times smaller layer 1 is
        if metrics[f"first_layer_grad_norm_{activation}"] == 0:
            sentences.append(f"{name}: 1층 기울기가 float32로 나타낼 수 있는 가장 작은 수보다도 작아져 정확히 0이 "
                             f"되었습니다 — 기울기가 완전히 사라졌습니다.")
        elif shrink >= 100:
            per_layer = shrink ** (1 / (params.depth - 1))
            sentences.append(f"{name}: 입력 쪽으로 갈수록 기울기가 사라집니다 — 1층 노름 {first}, 마지막 층의 "
                             f"1/{shrink:.2g} (층마다 약 {per_layer:.2f}배씩 줄어듦).")
        elif shrink >= 3:
            sentences.append(f"{name}: 1층 노름 {first}, 마지막 층의 1/{shrink:.2g}로 조금 줄어듭니다.")
        elif shrink <= 1 / 3:
            sentences.append(f"{name}: 1층 노름 {first}, 마지막 층의 {1 / shrink:.2g}배로 입력 쪽으로 갈수록 "
                             f"커집니다 (폭주 쪽).")
        else:
            sentences.append(f"{name}: 1층 노름 {first}, 마지막 층의 {1 / shrink:.2g}배로 {params.depth}층을 지나도 "
                             f"기울기가 유지됩니다.")
    ratio = metrics.get("sigmoid_to_relu_first_layer_ratio")
    if ratio is not None:  # the headline goes first
        if ratio == 0:
            headline = (f"{params.depth}층 네트워크의 1층에서 sigmoid의 기울기는 0으로 사라졌고 ReLU는 "
                        f"{_fmt(metrics['first_layer_grad_norm_relu'])}입니다: 앞쪽 층은 전혀 배우지 못합니다.")
        elif ratio < 1e-2:
            headline = (f"{params.depth}층 네트워크의 1층에서 sigmoid의 기울기는 ReLU의 {ratio:.1e}배, 즉 "
                        f"{math.log10(1 / ratio):.0f}자릿수 작습니다: 같은 학습률이면 앞쪽 층은 거의 배우지 못합니다.")
        elif ratio < 0.5:
            headline = (f"1층에서 sigmoid의 기울기는 ReLU의 {ratio:.2g}배(약 1/{1 / ratio:.0f})입니다. "
                        f"층을 늘리면 차이가 더 벌어집니다.")
        elif ratio < 2:
            headline = f"이 설정에서는 1층에서 sigmoid와 ReLU의 기울기가 비슷합니다 ({ratio:.2g}배)."
        else:
            headline = f"이 설정에서는 1층에서 sigmoid의 기울기가 ReLU의 {ratio:.2g}배로 오히려 큽니다."
        sentences.insert(0, headline)
    return " ".join(sentences)


def run(params: Params, device, progress: Progress) -> DemoResult:
    import torch

    base_seed = torch.initial_seed()
    layers = [float(i) for i in range(1, params.depth + 1)]
    sums: dict[str, list[float]] = {}
    total = len(params.activations) * params.trials
    done = 0
    for activation in params.activations:
        sums[activation] = [0.0] * params.depth
        for trial in range(params.trials):
            norms = _gradient_norms(activation, params, trial, base_seed, device)
            sums[activation] = [s + n for s, n in zip(sums[activation], norms)]
            done += 1
            curves = {a: [s / (params.trials if a != activation else trial + 1) for s in v] for a, v in sums.items()}
            progress(done / total, f"{ACTIVATION_NAMES[activation]} {trial + 1}/{params.trials}", [_chart(layers, curves)])

    curves = {a: [s / params.trials for s in v] for a, v in sums.items()}
    metrics: dict[str, float] = {}
    rows = []
    relu_first = curves["relu"][0] if "relu" in curves else None
    for activation, norms in curves.items():
        first, last = norms[0], norms[-1]
        # A gradient that underflowed to exactly zero is at least this many times smaller: compare
        # with the smallest positive float32.
        ratio = last / max(first, FLOAT32_TINIEST)
        metrics[f"first_layer_grad_norm_{activation}"] = first
        metrics[f"last_layer_grad_norm_{activation}"] = last
        metrics[f"last_to_first_ratio_{activation}"] = ratio
        rows.append([
            ACTIVATION_NAMES[activation], _init_label(activation, params.init), first, last,
            ratio if first > 0 else f"> {ratio:.3g}",
            first / relu_first if relu_first else None,
        ])
    if "sigmoid" in curves and relu_first:
        metrics["sigmoid_to_relu_first_layer_ratio"] = curves["sigmoid"][0] / relu_first
    table = Table(
        columns=["활성화 함수", "초기화", "1층 기울기 노름", "마지막 층 기울기 노름", "마지막 층 / 1층", "1층: ReLU 대비"],
        rows=rows,
    )
    return DemoResult(charts=[_chart(layers, curves)], table=table, conclusion=_conclusion(params, metrics),
                      metrics=metrics)


DEMO = DemoSpec(
    slug="activation-gradients",
    title="활성화 함수와 층별 기울기 흐름",
    summary="20층 MLP에 한 번 역전파해 층마다 기울기 노름을 잽니다. sigmoid는 입력 쪽 층의 기울기가 "
    "몇 자릿수 작아지고(기울기 소실), ReLU·LeakyReLU(He 초기화)와 tanh(Xavier)는 유지되는지 확인합니다.",
    params=Params,
    smallest=Params(depth=6, width=32, batch_size=16, trials=1),
    run=run,
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
)
