"""Why non-linearity: a stack of linear layers is one linear layer; ReLU pieces bend (면접 #12-1, #12-2; 노드 08-1).

A deep stack of linear layers with no activation is fitted to a curve by Adam; its product of weight
matrices is a single slope and intercept, so however deep, it does no better than the least-squares
line. One-hidden-layer networks with 2, 4, 8, … ReLU units, trained side by side on the same data,
bend the line at one kink per unit, and their error falls as units are added (the universal
approximation result of Cybenko 1989 / Hornik et al. 1989 in action).

With sigmoid or tanh units the run also reports how much of the curved part of the activation the
trained network uses: near 0 both are almost their tangent line (노드 08-1), so a network whose
pre-activations stayed within (−1, 1) would be close to linear too.
"""

from __future__ import annotations

import math
from typing import Literal

from pydantic import Field

from app.demos.base import Chart, Citation, DemoParams, DemoResult, DemoSpec, QuestionRef, Series, Table

N_POINTS = 256
TARGETS = {
    "sin": ("sin(x), x ∈ [−2π, 2π]", 2 * math.pi),
    "square": ("x², x ∈ [−2, 2]", 2.0),
    "abs": ("|x|, x ∈ [−2, 2]", 2.0),
}
LINEAR_WIDTH = 32
LEARNING_RATE = 0.03
CURVE_WIDTHS_SHOWN = 3  # the fitted-curve chart shows the smallest, a middle and the widest network


class Params(DemoParams):
    target: Literal["sin", "square", "abs"] = Field("sin", description="맞출 곡선")
    depth: int = Field(8, ge=1, le=32, description="활성화 없는 선형 층을 몇 개 쌓을지")
    activation: Literal["relu", "tanh", "sigmoid"] = Field("relu", description="비선형 망의 은닉 활성화 함수")
    max_units: int = Field(64, ge=4, le=256, description="비선형 망의 최대 은닉 유닛 수 (2, 4, 8, …, 이 값까지)")
    steps: int = Field(1000, ge=100, le=4000, description="Adam 학습 스텝 수")


SMALLEST = Params(depth=4, max_units=32, steps=600)


def _unit_counts(max_units: int) -> list[int]:
    counts, units = [], 2
    while units <= max_units:
        counts.append(units)
        units *= 2
    return counts


def run(params: Params, device, progress) -> DemoResult:
    import torch
    from torch import nn

    label, half_range = TARGETS[params.target]
    x = torch.linspace(-half_range, half_range, N_POINTS, device=device).unsqueeze(1)
    y = {"sin": torch.sin, "square": torch.square, "abs": torch.abs}[params.target](x)
    inputs = x / half_range  # the networks see [−1, 1]; the chart shows the original x

    # The least-squares line: the best any composition of linear maps can do.
    design = torch.cat([inputs, torch.ones_like(inputs)], dim=1)
    # Normal equations in float64 rather than lstsq: LAPACK's least squares may take a different path
    # with the number of threads, and the same seed must give the same numbers.
    design64 = design.double()
    line = (design64 @ torch.linalg.solve(design64.T @ design64, design64.T @ y.double())).float()
    best_line_mse = (line - y).pow(2).mean().item()

    layers = [nn.Linear(1 if i == 0 else LINEAR_WIDTH, LINEAR_WIDTH) for i in range(params.depth - 1)]
    stack = nn.Sequential(*layers, nn.Linear(LINEAR_WIDTH if params.depth > 1 else 1, 1)).to(device)

    # Every width trained at once: one hidden layer holding all the networks' units side by side, and
    # a 0/1 matrix that sums each network's own units. The loss is a sum of per-network losses, so
    # gradients and Adam's per-parameter statistics never mix networks.
    counts = _unit_counts(params.max_units)
    owner = torch.repeat_interleave(torch.arange(len(counts)), torch.tensor(counts)).to(device)
    membership = nn.functional.one_hot(owner, len(counts)).float()
    first = nn.Linear(1, sum(counts)).to(device)
    with torch.no_grad():
        # Each unit's kink (where w·x + b = 0) starts at a random place inside the data's range, facing
        # a random way: PyTorch's default for one input puts many kinks outside it, where they do nothing.
        # Magnitudes from 1 to 8 give the smooth activations both gentle and sharp bends to start from.
        magnitude = torch.empty(sum(counts), 1, device=device).uniform_(1.0, 8.0)
        first.weight.copy_((torch.randint(0, 2, (sum(counts), 1), device=device) * 2.0 - 1.0) * magnitude)
        first.bias.copy_(-first.weight.squeeze(1) * torch.empty(sum(counts), device=device).uniform_(-1, 1))
    fan_in = torch.tensor(counts, device=device)[owner]  # each unit's network width
    out_weight = nn.Parameter(torch.randn(sum(counts), device=device) / fan_in.sqrt())
    out_bias = nn.Parameter(torch.zeros(len(counts), device=device))
    act = {"relu": torch.relu, "tanh": torch.tanh, "sigmoid": torch.sigmoid}[params.activation]

    def wide(inp):
        return (act(first(inp)) * out_weight) @ membership + out_bias  # (N, networks)

    optimizer = torch.optim.Adam([*stack.parameters(), *first.parameters(), out_weight, out_bias],
                                 lr=LEARNING_RATE, foreach=True)
    # Annealing to zero lets each fit settle instead of ending wherever Adam's last steps jittered to.
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, params.steps)
    shown = sorted({0, len(counts) // 2, len(counts) - 1})[:CURVE_WIDTHS_SHOWN]
    xs = x.squeeze(1).tolist()
    activation_name = {"relu": "ReLU", "tanh": "tanh", "sigmoid": "시그모이드"}[params.activation]

    def fit_chart(stack_out, wide_out) -> Chart:
        return Chart(
            key="fit", title=f"맞춘 곡선: {label}", x_label="x", y_label="y",
            series=[Series(name="정답", x=xs, y=y.squeeze(1).tolist()),
                    Series(name=f"선형 층 {params.depth}개", x=xs, y=stack_out.squeeze(1).tolist())]
            + [Series(name=f"{activation_name} {counts[i]}유닛", x=xs, y=wide_out[:, i].tolist()) for i in shown],
        )

    def mse_chart(stack_mse: float, wide_mse: list[float]) -> Chart:
        units = [float(c) for c in counts]
        return Chart(
            key="mse", title="은닉 유닛 수에 따른 오차", x_label="은닉 유닛 수", y_label="평균제곱오차",
            log_x=True, log_y=True,
            series=[
                Series(name=f"{activation_name} 망", x=units, y=wide_mse),
                Series(name=f"선형 층 {params.depth}개", x=units, y=[stack_mse] * len(counts)),
                Series(name="최소제곱 직선", x=units, y=[best_line_mse] * len(counts)),
            ],
        )

    for step in range(1, params.steps + 1):
        optimizer.zero_grad(set_to_none=True)
        stack_out, wide_out = stack(inputs), wide(inputs)
        stack_loss, wide_losses = (stack_out - y).pow(2).mean(), (wide_out - y).pow(2).mean(dim=0)
        loss = stack_loss + wide_losses.sum()
        loss.backward()
        optimizer.step()
        schedule.step()
        if step % 250 == 0:  # the fits as they were at the start of this step
            partial = [fit_chart(stack_out.detach(), wide_out.detach()),
                       mse_chart(stack_loss.item(), wide_losses.tolist())]
            progress(step / params.steps, f"{step}/{params.steps} 스텝", partial)

    with torch.no_grad():
        stack_out, wide_out = stack(inputs), wide(inputs)
        stack_mse = (stack_out - y).pow(2).mean().item()
        wide_mse = (wide_out - y).pow(2).mean(dim=0).tolist()
        # The stack collapses to one affine map: multiply its matrices out and compare.
        slope, intercept = torch.ones(1, 1, device=device), torch.zeros(1, device=device)
        for layer in stack:
            slope, intercept = layer.weight @ slope, layer.weight @ intercept + layer.bias
        collapsed = inputs @ slope.T + intercept
        collapse_gap = (collapsed - stack_out).abs().max().item()
        pre_activations = first(inputs)

    metrics: dict[str, float] = {
        "best_line_mse": best_line_mse,
        "linear_stack_mse": stack_mse,
        "linear_stack_vs_line": stack_mse / best_line_mse,
        "collapse_gap": collapse_gap,
        "widest_mse": wide_mse[-1],
        "widest_units": float(counts[-1]),
        "narrowest_mse": wide_mse[0],
        "narrowest_units": float(counts[0]),
        "line_vs_widest": best_line_mse / wide_mse[-1],
        # How many doublings of the width lowered the error: gradient descent finds a different local
        # optimum for each network, so the trend is what carries the claim, not every single pair.
        "improving_doublings": float(sum(b < a for a, b in zip(wide_mse, wide_mse[1:]))),
        "n_networks": float(len(counts)),
    }
    for units, mse in zip(counts, wide_mse):
        metrics[f"mse_{units}_units"] = mse
    if params.activation != "relu":
        unit = torch.linspace(-1, 1, 201, device=device)
        gap_unit = (act(unit) - _tangent(params.activation, unit)).abs().max().item()
        widest = pre_activations[:, owner == len(counts) - 1]
        metrics["curved_fraction"] = (widest.abs() > 1).float().mean().item()
        metrics["tangent_gap_unit_interval"] = gap_unit
        metrics["activation_range"] = (act(unit[-1:]) - act(unit[:1])).item()

    charts = [fit_chart(stack_out, wide_out), mse_chart(stack_mse, wide_mse)]
    stack_params = sum(p.numel() for p in stack.parameters())
    table = Table(
        columns=["모델", "파라미터 수", "평균제곱오차"],
        rows=[["최소제곱 직선 (닫힌 해)", 2, round(best_line_mse, 5)],
              [f"선형 층 {params.depth}개 (폭 {LINEAR_WIDTH}, 활성화 없음)", stack_params, round(stack_mse, 5)]]
        + [[f"{activation_name} 은닉층 {units}유닛", 3 * units + 1, round(mse, 5)]
           for units, mse in zip(counts, wide_mse)],
    )
    progress(1.0, "완료", charts)
    return DemoResult(charts=charts, table=table, conclusion=_conclusion(params, metrics, activation_name),
                      metrics=metrics)


def _tangent(activation: str, z):
    return 0.5 + z / 4 if activation == "sigmoid" else z  # first-order Taylor expansion at 0


def _conclusion(params: Params, m: dict[str, float], activation_name: str) -> str:
    stack = (
        f"활성화 없이 선형 층 {params.depth}개를 쌓은 망의 오차는 {m['linear_stack_mse']:.4g}이고, 직선 하나의 "
        f"최소제곱 오차 {m['best_line_mse']:.4g}의 {m['linear_stack_vs_line']:.3f}배입니다. "
        f"가중치 행렬을 곱해 얻은 기울기·절편 하나가 망의 출력과 최대 {m['collapse_gap']:.1e}만큼만 달라, "
        f"몇 층을 쌓든 결국 직선 하나입니다."
    )
    widest, narrowest = int(m["widest_units"]), int(m["narrowest_units"])
    pieces = "꺾인 직선 조각을 이어" if params.activation == "relu" else "휘어진 조각을 더해"
    doublings, improving = int(m["n_networks"]) - 1, int(m["improving_doublings"])
    if m["line_vs_widest"] >= 10 and improving * 2 >= doublings:
        bend = (
            f" {activation_name} 유닛을 넣으면 {pieces} 곡선을 따라갑니다: {narrowest}유닛 {m['narrowest_mse']:.3g}에서 "
            f"{widest}유닛 {m['widest_mse']:.3g}까지, 유닛 수를 두 배로 늘린 {doublings}번 중 {improving}번 오차가 줄어 "
            f"직선보다 {m['line_vs_widest']:.0f}배 작아졌습니다."
        )
    elif m["line_vs_widest"] >= 10:
        bend = (
            f" {activation_name} 유닛을 넣으면 {widest}유닛에서 직선보다 {m['line_vs_widest']:.0f}배 작은 오차 "
            f"{m['widest_mse']:.3g}에 이르렀지만, 유닛 수에 따라 꾸준히 줄지는 않았습니다 "
            f"({narrowest}유닛 {m['narrowest_mse']:.3g}). 학습 스텝을 늘려 보세요."
        )
    else:
        bend = (
            f" 이번 설정에서는 {activation_name} 망도 직선보다 크게 낫지 않았습니다 ({widest}유닛 오차 "
            f"{m['widest_mse']:.3g}, 직선의 1/{m['line_vs_widest']:.1f}). 곡선이 직선에 가깝거나 학습이 부족한 경우입니다."
        )
    curved = ""
    if "curved_fraction" in m:
        gap_share = m["tangent_gap_unit_interval"] / m["activation_range"]
        curved = (
            f" {activation_name}는 (−1, 1)에서 0에서의 접선과 최대 {m['tangent_gap_unit_interval']:.3f} "
            f"(그 구간 출력 폭의 {gap_share:.1%}) 다릅니다{': 거의 선형입니다' if gap_share < 0.06 else ''}. 학습된 {widest}유닛 망의 은닉 입력 중 "
            f"{m['curved_fraction']:.0%}가 이 구간 밖의 휘어진 부분에 있었습니다: 비선형성은 그 부분에서 나옵니다."
        )
    return stack + bend + curved


DEMO = DemoSpec(
    slug="nonlinearity",
    title="비선형성: 선형 층은 아무리 쌓아도 직선",
    summary=(
        "활성화 함수 없이 선형 층을 깊게 쌓아도 직선 하나보다 곡선을 잘 맞추지 못합니다. "
        "ReLU 유닛을 넣으면 꺾인 조각으로 곡선을 근사하고, 유닛이 많을수록 오차가 줄어듭니다."
    ),
    params=Params,
    smallest=SMALLEST,
    run=run,
    concepts=("non_linearity", "activation_function", "linearity", "universal_approximation"),
    questions=(
        QuestionRef("면접 #12-1", "Non-Linearity의 의미와 필요성"),
        QuestionRef("면접 #12-2", "ReLU로 곡선 근사"),
        QuestionRef("노드 08-1", "시그모이드가 (−1, 1)에서 선형인 이유"),
    ),
    citations=(
        Citation(authors="Cybenko", year=1989, title="Approximation by Superpositions of a Sigmoidal Function",
                 url="https://doi.org/10.1007/BF02551274"),
        Citation(authors="Hornik, Stinchcombe & White", year=1989,
                 title="Multilayer Feedforward Networks are Universal Approximators",
                 url="https://doi.org/10.1016/0893-6080(89)90020-8"),
    ),
    version="1",
)
