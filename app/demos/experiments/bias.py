"""Why a bias: without one a unit cannot move its activation away from the origin (면접 #12-4).

The target is a sigmoid step centred at ``x = shift``. A single sigmoid unit ``σ(w·x)`` can only make
the step steeper or flatter: its midpoint is pinned at ``x = 0``. With a bias, ``σ(w·x + b)`` puts the
midpoint at ``−b/w`` and fits the target exactly. The same holds inside a network: a ReLU layer without
biases has every kink at ``x = 0`` and outputs exactly 0 there, so however many units it has it is two
straight lines through the origin; with biases the kinks spread out and the step is easy.
"""

from __future__ import annotations

from pydantic import Field

from app.demos.base import Chart, DemoParams, DemoResult, DemoSpec, QuestionRef, Series, Table

N_POINTS = 200
HALF_RANGE = 5.0
LEARNING_RATE = 0.05
MODELS = (
    ("unit_no_bias", "시그모이드 유닛 σ(wx)"),
    ("unit_bias", "시그모이드 유닛 σ(wx + b)"),
    ("net_no_bias", "ReLU 망, 편향 없음"),
    ("net_bias", "ReLU 망, 편향 있음"),
)


class Params(DemoParams):
    shift: float = Field(2.0, ge=-4.0, le=4.0, description="목표 계단의 중심 x (0이면 원점)")
    steepness: float = Field(2.0, ge=0.5, le=10.0, description="목표 계단의 가파른 정도")
    hidden_units: int = Field(32, ge=2, le=256, description="ReLU 망의 은닉 유닛 수")
    steps: int = Field(1500, ge=100, le=5000, description="Adam 학습 스텝 수 (전체 배치)")


SMALLEST = Params(hidden_units=16, steps=500)


def run(params: Params, device, progress) -> DemoResult:
    import torch
    from torch import nn

    x = torch.linspace(-HALF_RANGE, HALF_RANGE, N_POINTS, device=device).unsqueeze(1)
    y = torch.sigmoid(params.steepness * (x - params.shift))

    def relu_net(bias: bool):
        return nn.Sequential(nn.Linear(1, params.hidden_units, bias=bias), nn.ReLU(),
                             nn.Linear(params.hidden_units, 1, bias=bias))

    unit_no_bias = nn.Linear(1, 1, bias=False)
    unit_bias = nn.Linear(1, 1)
    with torch.no_grad():
        unit_bias.weight.copy_(unit_no_bias.weight)  # the two units start from the same slope
        unit_bias.bias.zero_()
    net_bias = relu_net(True)
    net_no_bias = relu_net(False)
    with torch.no_grad():  # and the two networks from the same weights
        net_no_bias[0].weight.copy_(net_bias[0].weight)
        net_no_bias[2].weight.copy_(net_bias[2].weight)
    models = {
        "unit_no_bias": nn.Sequential(unit_no_bias, nn.Sigmoid()),
        "unit_bias": nn.Sequential(unit_bias, nn.Sigmoid()),
        "net_no_bias": net_no_bias,
        "net_bias": net_bias,
    }
    for model in models.values():
        model.to(device)
    optimizer = torch.optim.Adam([p for m in models.values() for p in m.parameters()], lr=LEARNING_RATE,
                                 foreach=True)
    def loss_chart() -> Chart:
        return Chart(
            key="loss", title="학습 손실", x_label="스텝", y_label="평균제곱오차", log_y=True,
            series=[Series(name=label, x=curve_steps, y=curves[key]) for key, label in MODELS],
        )

    record_every = max(params.steps // 100, 1)
    curve_steps: list[float] = []
    curves: dict[str, list[float]] = {key: [] for key in models}
    for step in range(1, params.steps + 1):
        optimizer.zero_grad(set_to_none=True)
        losses = {key: (model(x) - y).pow(2).mean() for key, model in models.items()}
        sum(losses.values()).backward()
        optimizer.step()
        if step % record_every == 0 or step == 1:
            curve_steps.append(float(step))
            for key, loss in losses.items():
                curves[key].append(loss.item())
        if step % 250 == 0:
            progress(step / params.steps, f"{step}/{params.steps} 스텝", [loss_chart()])

    with torch.no_grad():
        fitted = {key: model(x).squeeze(1) for key, model in models.items()}
        mse = {key: (fitted[key] - y.squeeze(1)).pow(2).mean().item() for key in models}
        origin = torch.zeros(1, 1, device=device)
        at_origin = {key: model(origin).item() for key, model in models.items()}
        w, b = unit_bias.weight.item(), unit_bias.bias.item()

    metrics: dict[str, float] = {f"mse_{key}": value for key, value in mse.items()}
    metrics |= {f"output_at_0_{key}": value for key, value in at_origin.items()}
    metrics["learned_shift"] = -b / w  # where σ(wx + b) crosses 0.5
    metrics["learned_bias"] = b
    metrics["unit_ratio"] = mse["unit_no_bias"] / max(mse["unit_bias"], 1e-12)
    metrics["net_ratio"] = mse["net_no_bias"] / max(mse["net_bias"], 1e-12)

    xs = x.squeeze(1).tolist()
    charts = [
        Chart(
            key="fit", title=f"계단 σ({params.steepness:g}(x − {params.shift:g})) 맞추기", x_label="x", y_label="y",
            series=[Series(name="정답", x=xs, y=y.squeeze(1).tolist())]
            + [Series(name=label, x=xs, y=fitted[key].tolist()) for key, label in MODELS],
        ),
        loss_chart(),
    ]
    table = Table(
        columns=["모델", "평균제곱오차", "x = 0에서의 출력"],
        rows=[[label, float(f"{mse[key]:.3g}"), round(at_origin[key], 4)] for key, label in MODELS],
    )
    progress(1.0, "완료", charts)
    return DemoResult(charts=charts, table=table, conclusion=_conclusion(params, metrics), metrics=metrics)


def _times(ratio: float) -> str:
    return "1,000배 넘게" if ratio >= 1000 else f"{ratio:.0f}배"


def _conclusion(params: Params, m: dict[str, float]) -> str:
    shift = params.shift
    unit = (
        f"목표 계단의 중심은 x = {shift:g}입니다. 편향 있는 유닛 σ(wx + b)는 편향을 배워 (b = {m['learned_bias']:.3g}) "
        f"중심을 x = {m['learned_shift']:.3g} 위치로 옮겼고, 오차는 {m['mse_unit_bias']:.2g}입니다."
    )
    if m["unit_ratio"] >= 10:
        unit += (
            f" 편향 없는 유닛 σ(wx)는 x = 0에서 늘 {m['output_at_0_unit_no_bias']:.2f}을 내어 중심을 옮길 수 없고, "
            f"기울기만 바꿔 오차가 {m['mse_unit_no_bias']:.2g}에 머물렀습니다 ({_times(m['unit_ratio'])} 큼)."
        )
    else:
        unit += (
            f" 편향 없는 유닛의 오차도 {m['mse_unit_no_bias']:.2g}입니다. 차이가 크지 않은 것은 "
            f"({m['unit_ratio']:.1f}배) 목표의 중심이 원점 가까이 있어 옮길 필요가 없기 때문입니다."
        )
    at_zero = m["output_at_0_net_no_bias"]
    through_origin = "정확히 0" if at_zero == 0 else f"{at_zero:.2g}"
    if m["net_ratio"] >= 10:
        net = (
            f" ReLU 망도 마찬가지입니다: {params.hidden_units}유닛이어도 편향이 없으면 모든 꺾임이 x = 0에 모이고 "
            f"x = 0에서의 출력이 {through_origin}이라 오차가 {m['mse_net_no_bias']:.2g}이고, 편향이 있으면 오차가 "
            f"{_times(m['net_ratio'])} 작은 {m['mse_net_bias']:.2g}입니다."
        )
    else:
        net = (
            f" ReLU 망의 오차는 편향이 없을 때 {m['mse_net_no_bias']:.2g}, 있을 때 {m['mse_net_bias']:.2g}이고, "
            f"차이가 {m['net_ratio']:.1f}배에 그쳤습니다."
        )
    return unit + net


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
    concepts=("bias", "weighted_sum", "neuron"),
    questions=(QuestionRef("면접 #12-4", "편향(bias)는 왜 있는걸까?"),),
    version="1",
)
