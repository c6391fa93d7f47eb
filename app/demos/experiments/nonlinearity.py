"""Why non-linearity: a stack of linear layers is one linear layer; ReLU pieces bend (면접 #12-1, #12-2; 노드 08-1).

A deep stack of linear layers with no activation is fitted to a curve by Adam; its product of weight
matrices is a single slope and intercept, so however deep, it does no better than the least-squares
line. One-hidden-layer networks with 2, 4, 8, … ReLU units, trained side by side on the same data,
bend the line at one kink per unit, and their error falls as units are added (the universal
approximation result of Cybenko 1989 / Hornik et al. 1989 in action).

With sigmoid or tanh units the run also reports how much of the curved part of the activation the
trained network uses: near 0 both are almost their tangent line (노드 08-1), so a network whose
pre-activations stayed within (−1, 1) would be close to linear too.

Evidence: the curve is fixed; each seed draws its own initial weights (the linear stack as nn.Linear
would, the hidden units' kinks at random places in the data's range). The three seeds' stacks and all
their networks train as one set of stacked tensors with one Adam (its statistics are per element, so
nothing mixes across seeds or networks). The claims are judged per seed: the widest network's error is
more than ten times below the line's, the linear stack's is not below the line's, and the widest net
beats the narrowest tenfold. A curve with more bends than the network has units cannot be followed:
sin over two periods with at most 4 units is the breaking preset.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import Field

from app.demos.batched import parameter_count
from app.demos.base import Chart, Citation, DemoParams, DemoSpec, Measurement, QuestionRef, Series, Table
from app.demos.evidence import Claim

N_POINTS = 128
TARGETS = {
    "sin": ("sin(x), x ∈ [−2π, 2π]", 2 * math.pi),
    "square": ("x², x ∈ [−2, 2]", 2.0),
    "abs": ("|x|, x ∈ [−2, 2]", 2.0),
}
LINEAR_WIDTH = 32
LEARNING_RATE = 0.03
CURVE_WIDTHS_SHOWN = 3  # the fitted-curve chart shows the smallest, a middle and the widest network
PROGRESS_EVERY = 250
BENDS_MARGIN = 1.0  # log10: "fits far better" means at least ten times less error
# "No better than the line": the stack's error over the line's, allowing float32's rounding of a fit
# whose optimum the line already is.
NO_BETTER_MARGIN = 1 - 1e-3
ACTIVATION_NAMES = {"relu": "ReLU", "tanh": "tanh", "sigmoid": "시그모이드"}


class Params(DemoParams):
    target: Literal["sin", "square", "abs"] = Field("sin", description="맞출 곡선")
    depth: int = Field(8, ge=1, le=32, description="활성화 없는 선형 층을 몇 개 쌓을지")
    activation: Literal["relu", "tanh", "sigmoid"] = Field("relu", description="비선형 망의 은닉 활성화 함수")
    max_units: int = Field(64, ge=4, le=256, description="비선형 망의 최대 은닉 유닛 수 (2, 4, 8, …, 이 값까지)")
    steps: int = Field(600, ge=100, le=4000, description="Adam 학습 스텝 수")


# x² has one bend: 300 steps fit it as well as 600 fit two periods of a sine (every claim holds at both),
# at half the time; the per-step cost is mostly fixed, so fewer steps is what makes it cheaper.
SMALLEST = Params(target="square", depth=4, max_units=32, steps=300)
# Two periods of a sine have four humps; networks of 2 and 4 ReLU units have too few kinks to follow them.
BREAKING = Params(max_units=4)


def _unit_counts(max_units: int) -> list[int]:
    counts, units = [], 2
    while units <= max_units:
        counts.append(units)
        units *= 2
    return counts


def _stack_sizes(params: Params) -> list[int]:
    return [1] + [LINEAR_WIDTH] * (params.depth - 1) + [1]


# -- data --------------------------------------------------------------------------------------------


@dataclass
class Curve:
    x: Any  # (N, 1), the original axis the chart shows
    inputs: Any  # (N, 1), x scaled to [−1, 1]: what the networks see
    y: Any  # (N, 1)
    line: Any  # (N, 1), the least-squares line's fit
    line_mse: float


def _curve(params: Params, device) -> Curve:
    import torch

    _, half_range = TARGETS[params.target]
    x = torch.linspace(-half_range, half_range, N_POINTS, device=device).unsqueeze(1)
    y = {"sin": torch.sin, "square": torch.square, "abs": torch.abs}[params.target](x)
    inputs = x / half_range
    # The least-squares line: the best any composition of linear maps can do. Normal equations in
    # float64 rather than lstsq: LAPACK's least squares may take a different path with the number of
    # threads, and the same seed must give the same numbers.
    design = torch.cat([inputs, torch.ones_like(inputs)], dim=1).double()
    line = (design @ torch.linalg.solve(design.T @ design, design.T @ y.double())).float()
    return Curve(x=x, inputs=inputs, y=y, line=line, line_mse=(line - y).pow(2).mean().item())


# -- models ------------------------------------------------------------------------------------------


@dataclass
class Models:
    """Per seed (first axis): the linear stack's layers and the side-by-side networks of every width."""

    stack: list[tuple[Any, Any]]  # (weight (seeds, fan_in, fan_out), bias (seeds, 1, fan_out)) per layer
    first_weight: Any  # (seeds, 1, units): every network's hidden units side by side
    first_bias: Any  # (seeds, 1, units)
    out_weight: Any  # (seeds, 1, units)
    out_bias: Any  # (seeds, 1, networks)
    counts: list[int]  # units of each network, in the order they sit side by side

    def parameters(self) -> list[Any]:
        return [p for layer in self.stack for p in layer] + [
            self.first_weight, self.first_bias, self.out_weight, self.out_bias]


def _models(params: Params, seeds, device) -> Models:
    import torch

    from app.demos.batched import generator

    counts = _unit_counts(params.max_units)
    units = sum(counts)
    fan_in = torch.repeat_interleave(torch.tensor(counts, dtype=torch.float32), torch.tensor(counts))
    sizes = _stack_sizes(params)
    per_seed: list[dict[str, Any]] = []
    for seed in seeds:
        gen = generator(seed)
        # nn.Linear's default: U(±1/√fan_in) for weights and biases.
        stack = [((torch.rand(a, b, generator=gen) * 2 - 1) / math.sqrt(a),
                  (torch.rand(1, b, generator=gen) * 2 - 1) / math.sqrt(a)) for a, b in zip(sizes, sizes[1:])]
        # Each unit's kink (where w·x + b = 0) starts at a random place inside the data's range, facing
        # a random way: PyTorch's default for one input puts many kinks outside it, where they do nothing.
        # Magnitudes from 1 to 8 give the smooth activations both gentle and sharp bends to start from.
        magnitude = torch.rand(1, units, generator=gen) * 7 + 1
        sign = torch.randint(0, 2, (1, units), generator=gen) * 2.0 - 1.0
        first_weight = sign * magnitude
        first_bias = -first_weight * (torch.rand(1, units, generator=gen) * 2 - 1)
        out_weight = torch.randn(1, units, generator=gen) / fan_in.sqrt()
        per_seed.append({"stack": stack, "first_weight": first_weight, "first_bias": first_bias,
                         "out_weight": out_weight})

    def stacked(values: list[Any]) -> Any:
        return torch.stack(values).to(device).requires_grad_()

    return Models(
        stack=[(stacked([p["stack"][k][0] for p in per_seed]), stacked([p["stack"][k][1] for p in per_seed]))
               for k in range(len(sizes) - 1)],
        first_weight=stacked([p["first_weight"] for p in per_seed]),
        first_bias=stacked([p["first_bias"] for p in per_seed]),
        out_weight=stacked([p["out_weight"] for p in per_seed]),
        out_bias=torch.zeros(len(seeds), 1, len(counts), device=device, requires_grad=True),
        counts=counts,
    )


def _activation_fn(activation: str):
    import torch

    return {"relu": torch.relu, "tanh": torch.tanh, "sigmoid": torch.sigmoid}[activation]


def _stack_forward(models: Models, inputs: Any) -> Any:
    import torch

    hidden = inputs
    for weight, bias in models.stack:
        hidden = torch.baddbmm(bias, hidden, weight)
    return hidden  # (seeds, N, 1)


def _pre_activations(models: Models, inputs: Any) -> Any:
    import torch

    return torch.baddbmm(models.first_bias, inputs, models.first_weight)  # (seeds, N, units)


def _wide_forward(models: Models, inputs: Any, activation: str) -> Any:
    """Every network's output, (seeds, N, networks): each sums only its own units (contiguous slices)."""
    import torch

    weighted = _activation_fn(activation)(_pre_activations(models, inputs)) * models.out_weight
    sums = [part.sum(dim=2) for part in torch.split(weighted, models.counts, dim=2)]
    return torch.stack(sums, dim=2) + models.out_bias


# -- train -------------------------------------------------------------------------------------------


def _train(params: Params, curve: Curve, models: Models, seeds, progress, report) -> None:
    """Adam on the sum of every seed's and every network's mean squared error, annealed to zero."""
    import torch

    inputs = curve.inputs.unsqueeze(0).repeat(len(seeds), 1, 1)  # a real copy per seed, not a broadcast
    y = curve.y.unsqueeze(0)
    optimizer = torch.optim.Adam(models.parameters(), lr=LEARNING_RATE, foreach=True)
    # Annealing to zero lets each fit settle instead of ending wherever Adam's last steps jittered to.
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, params.steps)
    for step in range(1, params.steps + 1):
        optimizer.zero_grad(set_to_none=True)
        stack_out, wide_out = _stack_forward(models, inputs), _wide_forward(models, inputs, params.activation)
        loss = (stack_out - y).pow(2).mean(dim=1).sum() + (wide_out - y).pow(2).mean(dim=1).sum()
        loss.backward()
        optimizer.step()
        schedule.step()
        if step % PROGRESS_EVERY == 0:  # the fits as they were at the start of this step
            progress(0.95 * step / params.steps, f"{step}/{params.steps} 스텝",
                     report(stack_out.detach(), wide_out.detach()))


# -- measure -----------------------------------------------------------------------------------------


def _measure(params: Params, curve: Curve, models: Models, seeds) -> tuple[dict[str, list], Any, Any]:
    import torch

    inputs = curve.inputs.unsqueeze(0).repeat(len(seeds), 1, 1)
    with torch.no_grad():
        stack_out, wide_out = _stack_forward(models, inputs), _wide_forward(models, inputs, params.activation)
        stack_mse = (stack_out - curve.y).pow(2).mean(dim=(1, 2))  # (seeds,)
        wide_mse = (wide_out - curve.y).pow(2).mean(dim=1)  # (seeds, networks)
        # The stack collapses to one affine map: multiply its matrices out and compare.
        slope = torch.ones(len(seeds), 1, 1, device=inputs.device)
        intercept = torch.zeros(len(seeds), 1, 1, device=inputs.device)
        for weight, bias in models.stack:
            slope, intercept = slope @ weight, intercept @ weight + bias
        collapse_gap = (inputs @ slope + intercept - stack_out).abs().amax(dim=(1, 2))
        widest = _pre_activations(models, inputs)[:, :, -models.counts[-1]:]
    counts = models.counts
    wide = wide_mse.tolist()
    per_seed: dict[str, list] = {
        "best_line_mse": [curve.line_mse] * len(seeds),
        "linear_stack_mse": stack_mse.tolist(),
        "linear_stack_vs_line": [v / curve.line_mse for v in stack_mse.tolist()],
        "collapse_gap": collapse_gap.tolist(),
        "widest_mse": [row[-1] for row in wide],
        "narrowest_mse": [row[0] for row in wide],
        "line_vs_widest": [curve.line_mse / row[-1] for row in wide],
        "orders_line_over_widest": [math.log10(curve.line_mse / row[-1]) for row in wide],
        "orders_narrowest_over_widest": [math.log10(row[0] / row[-1]) for row in wide],
        # How many doublings of the width lowered the error: gradient descent finds a different local
        # optimum for each network, so the trend is what carries the claim, not every single pair.
        "improving_doublings": [float(sum(b < a for a, b in zip(row, row[1:]))) for row in wide],
    }
    for i, units in enumerate(counts):
        per_seed[f"mse_{units}_units"] = [row[i] for row in wide]
    if params.activation != "relu":
        act = _activation_fn(params.activation)
        unit = torch.linspace(-1, 1, 201, device=inputs.device)
        gap = (act(unit) - _tangent(params.activation, unit)).abs().max().item()
        per_seed["curved_fraction"] = (widest.abs() > 1).float().mean(dim=(1, 2)).tolist()
        per_seed["tangent_gap_unit_interval"] = [gap] * len(seeds)
        per_seed["activation_range"] = [(act(unit[-1:]) - act(unit[:1])).item()] * len(seeds)
    return per_seed, stack_out, wide_out


def _tangent(activation: str, z):
    return 0.5 + z / 4 if activation == "sigmoid" else z  # first-order Taylor expansion at 0


# -- report ------------------------------------------------------------------------------------------


def _charts(params: Params, curve: Curve, counts: list[int], stack_out: Any, wide_out: Any) -> list[Chart]:
    """The first seed's fits (one seed's curves, not an average of different bends), and the errors
    banded over the seeds."""
    label, _ = TARGETS[params.target]
    name = ACTIVATION_NAMES[params.activation]
    shown = sorted({0, len(counts) // 2, len(counts) - 1})[:CURVE_WIDTHS_SHOWN]
    xs = curve.x.squeeze(1).tolist()
    fit = Chart(
        key="fit", title=f"맞춘 곡선: {label} (첫 시드)", x_label="x", y_label="y",
        series=[Series(name="정답", x=xs, y=curve.y.squeeze(1).tolist()),
                Series(name=f"선형 층 {params.depth}개", x=xs, y=stack_out[0, :, 0].tolist())]
        + [Series(name=f"{name} {counts[i]}유닛", x=xs, y=wide_out[0, :, i].tolist()) for i in shown],
    )
    units = [float(c) for c in counts]
    wide_mse = (wide_out - curve.y).pow(2).mean(dim=1).tolist()  # (seeds, networks)
    stack_mse = (stack_out - curve.y).pow(2).mean(dim=(1, 2)).tolist()
    mse = Chart(
        key="mse", title="은닉 유닛 수에 따른 오차 (띠: 시드 범위)", x_label="은닉 유닛 수", y_label="평균제곱오차",
        log_x=True, log_y=True,
        series=[
            Series.over_seeds(f"{name} 망", units, wide_mse),
            Series.over_seeds(f"선형 층 {params.depth}개", units, [[v] * len(counts) for v in stack_mse]),
            Series(name="최소제곱 직선", x=units, y=[curve.line_mse] * len(counts)),
        ],
    )
    return [fit, mse]


def _table(params: Params, counts: list[int], m: dict[str, float]) -> Table:
    stack_params = parameter_count(_stack_sizes(params))
    name = ACTIVATION_NAMES[params.activation]
    return Table(
        columns=["모델", "파라미터 수", "평균제곱오차 (시드 평균)"],
        rows=[["최소제곱 직선 (닫힌 해)", 2, round(m["best_line_mse"], 5)],
              [f"선형 층 {params.depth}개 (폭 {LINEAR_WIDTH}, 활성화 없음)", stack_params, round(m["linear_stack_mse"], 5)]]
        + [[f"{name} 은닉층 {units}유닛", 3 * units + 1, round(m[f"mse_{units}_units"], 5)] for units in counts],
    )


def _notes(params: Params, counts: list[int], m: dict[str, float]) -> list[str]:
    """From the seeds' means."""
    name = ACTIVATION_NAMES[params.activation]
    notes = [
        f"활성화 없이 선형 층 {params.depth}개를 쌓은 망의 오차는 {m['linear_stack_mse']:.4g}이고, 직선 하나의 "
        f"최소제곱 오차 {m['best_line_mse']:.4g}의 {m['linear_stack_vs_line']:.3f}배입니다. "
        f"가중치 행렬을 곱해 얻은 기울기·절편 하나가 망의 출력과 최대 {m['collapse_gap']:.1e}만큼만 달라, "
        f"몇 층을 쌓든 결국 직선 하나입니다."
    ]
    widest, narrowest = counts[-1], counts[0]
    pieces = "꺾인 직선 조각을 이어" if params.activation == "relu" else "휘어진 조각을 더해"
    doublings, improving = len(counts) - 1, m["improving_doublings"]
    ratio = m["line_vs_widest"]
    if m["orders_line_over_widest"] > BENDS_MARGIN and improving * 2 >= doublings:
        notes.append(
            f"{name} 유닛을 넣으면 {pieces} 곡선을 따라갑니다: {narrowest}유닛 {m['narrowest_mse']:.3g}에서 "
            f"{widest}유닛 {m['widest_mse']:.3g}까지, 유닛 수를 두 배로 늘린 {doublings}번 중 평균 {improving:.3g}번 "
            f"오차가 줄어 직선보다 {ratio:.0f}배 작아졌습니다.")
    elif m["orders_line_over_widest"] > BENDS_MARGIN:
        notes.append(
            f"{name} 유닛을 넣으면 {widest}유닛에서 직선보다 {ratio:.0f}배 작은 오차 {m['widest_mse']:.3g}에 "
            f"이르렀지만, 유닛 수에 따라 꾸준히 줄지는 않았습니다 ({narrowest}유닛 {m['narrowest_mse']:.3g}). "
            f"학습 스텝을 늘려 보세요.")
    else:
        notes.append(
            f"여기서는 주장이 무너집니다: {name} 망도 직선보다 크게 낫지 않았습니다 ({widest}유닛 오차 "
            f"{m['widest_mse']:.3g}, 직선의 1/{ratio:.1f}). 유닛 하나가 꺾이는 곳 하나를 보태므로, 맞출 곡선의 "
            f"굽이보다 유닛이 적거나 학습이 부족하면 곡선을 따라가지 못합니다.")
    if "curved_fraction" in m:
        gap_share = m["tangent_gap_unit_interval"] / m["activation_range"]
        notes.append(
            f"{name}는 (−1, 1)에서 0에서의 접선과 최대 {m['tangent_gap_unit_interval']:.3f} "
            f"(그 구간 출력 폭의 {gap_share:.1%}) 다릅니다{': 거의 선형입니다' if gap_share < 0.06 else ''}. 학습된 "
            f"{widest}유닛 망의 은닉 입력 중 {m['curved_fraction']:.0%}가 이 구간 밖의 휘어진 부분에 있었습니다: "
            f"비선형성은 그 부분에서 나옵니다.")
    return notes


def run(params: Params, device, progress, seeds) -> Measurement:
    curve = _curve(params, device)
    models = _models(params, seeds, device)
    counts = models.counts
    _train(params, curve, models, seeds, progress,
           lambda stack_out, wide_out: _charts(params, curve, counts, stack_out, wide_out))
    per_seed, stack_out, wide_out = _measure(params, curve, models, seeds)
    means = {name: statistics.fmean(values) for name, values in per_seed.items()}
    charts = _charts(params, curve, counts, stack_out, wide_out)
    progress(1.0, "완료", charts)
    return Measurement(per_seed=per_seed, charts=charts, table=_table(params, counts, means),
                       notes=_notes(params, counts, means))


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
    claims=(
        Claim(metric="orders_line_over_widest", direction="greater", margin=BENDS_MARGIN,
              statement="비선형 은닉층(가장 넓은 망)은 곡선을 직선보다 열 배 넘게 작은 오차로 맞춘다",
              metric_label="오차 비의 자릿수 (직선 ÷ 가장 넓은 망)"),
        Claim(metric="linear_stack_vs_line", direction="greater", margin=NO_BETTER_MARGIN,
              statement="활성화 없는 선형 층을 깊게 쌓아도 최소제곱 직선보다 오차가 작아지지 않는다",
              metric_label="오차 비 (선형 층 쌓기 ÷ 최소제곱 직선)"),
        Claim(metric="orders_narrowest_over_widest", direction="greater", margin=BENDS_MARGIN,
              statement="은닉 유닛이 많을수록 오차가 줄어, 가장 넓은 망이 가장 좁은 망보다 열 배 넘게 작다",
              metric_label="오차 비의 자릿수 (가장 좁은 망 ÷ 가장 넓은 망)"),
    ),
    breaking=BREAKING,
    # Errors are mean squared errors on the fitted curve's points.
    metric_labels={
        "best_line_mse": "최소제곱 직선의 평균제곱오차",
        "linear_stack_mse": "선형 층 쌓기의 평균제곱오차",
        "collapse_gap": "선형 층 쌓기와 그 행렬을 곱한 아핀 변환 하나의 최대 출력 차",
        "widest_mse": "가장 넓은 망의 평균제곱오차",
        "narrowest_mse": "가장 좁은 망의 평균제곱오차",
        "line_vs_widest": "오차 비 (직선 ÷ 가장 넓은 망)",
        "improving_doublings": "유닛 수를 두 배로 늘려 오차가 줄어든 횟수",
        "mse_{}_units": "은닉 {}유닛 망의 평균제곱오차",
        "curved_fraction": "가장 넓은 망의 은닉 입력 중 (−1, 1) 밖에 있는 비율 (0–1)",
        "tangent_gap_unit_interval": "(−1, 1)에서 활성화와 0에서의 접선의 최대 차",
        "activation_range": "(−1, 1)에서 활성화 값의 폭 f(1) − f(−1)",
    },
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
    version="3",
)
