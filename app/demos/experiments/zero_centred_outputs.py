"""Zero-centred inputs and zig-zag updates (2주차 질문 1; 면접 #5, #12-3 bias shift).

One linear unit ``a = w·h`` learns a target ``w*`` whose weights have mixed signs, by SGD on squared
error. Its inputs ``h`` are the outputs of the previous layer: sigmoid (all positive), ReLU (never
negative), tanh (zero-centred), and sigmoid minus 0.5 (the same shape as sigmoid, centred). Every
run sees the same pre-activations, step by step.

For one example the gradient is ``∂L/∂w = (∂L/∂a)·h``: with all-positive ``h`` every component has the
sign of ``∂L/∂a``, so each update moves all weights up or all down, and reaching ``(1, −1)`` takes a
zig-zag. Seen from the loss surface (LeCun et al. 1998), an input mean adds a large eigenvalue
``d·mean²`` to the Hessian ``E[hhᵀ]``; the learning rate must respect it while progress along the other
directions crawls. Each input gets the learning rate ``scale / E‖h‖²`` so that the inputs' different
sizes do not decide the race.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from app.demos.base import Chart, Citation, DemoParams, DemoResult, DemoSpec, QuestionRef, Series, Table

INPUTS = (
    ("sigmoid", "시그모이드 출력 (항상 양수)"),
    ("relu", "ReLU 출력 (0 이상)"),
    ("tanh", "tanh 출력 (0 중심)"),
    ("sigmoid_centred", "시그모이드 − 0.5 (0 중심)"),
)
REACHED = 0.05  # "at the target": within 5 % of ‖w*‖
MOMENT_SAMPLES = 20000  # examples used to estimate E[hhᵀ] (condition number, learning rate)
MAX_PATH_POINTS = 600


class Params(DemoParams):
    n_inputs: int = Field(2, ge=2, le=32, description="유닛의 입력 수 (가중치 수)")
    batch_size: int = Field(1, ge=1, le=64, description="한 번의 업데이트에 쓰는 예제 수")
    steps: int = Field(300, ge=50, le=5000, description="SGD 업데이트 수")
    step_scale: float = Field(
        0.5, ge=0.05, le=1.0,
        description="학습률 배율: 학습률 = 배율 / E‖h‖² (입력마다 크기가 달라도 같은 조건으로 비교)",
    )
    target: Literal["mixed", "same"] = Field(
        "mixed", description="목표 가중치 w*: mixed는 부호가 섞임 (1, −1, 1, …), same은 모두 1",
    )


SMALLEST = Params(steps=150)


def run(params: Params, device, progress) -> DemoResult:
    import torch

    d, keys = params.n_inputs, [key for key, _ in INPUTS]

    def features(z):
        # One row of z through every kind of previous layer: shape (len(INPUTS), *z.shape).
        sig = torch.sigmoid(z)
        return torch.stack([sig, torch.relu(z), torch.tanh(z), sig - 0.5])

    signs = torch.ones(d, device=device)
    if params.target == "mixed":
        signs[1::2] = -1.0
    target = signs  # w* = (1, −1, 1, …) or (1, 1, …)

    sample = features(torch.randn(MOMENT_SAMPLES, d, device=device))
    second_moment = torch.einsum("kni,knj->kij", sample, sample) / MOMENT_SAMPLES
    eigenvalues = torch.linalg.eigvalsh(second_moment)
    condition = (eigenvalues[:, -1] / eigenvalues[:, 0]).tolist()
    lr = params.step_scale / second_moment.diagonal(dim1=1, dim2=2).sum(dim=1)  # scale / E‖h‖²
    input_mean = sample.mean(dim=(1, 2)).tolist()

    weights = torch.zeros(len(INPUTS), d, device=device)
    start_distance = (weights[0] - target).norm().item()
    reached_at = [None] * len(INPUTS)
    path_length = [0.0] * len(INPUTS)
    same_sign = torch.zeros(len(INPUTS), device=device)
    moving = torch.zeros(len(INPUTS), device=device)  # updates with any nonzero component
    paths = [[(0.0, 0.0)] for _ in INPUTS]
    distance_curve: list[list[float]] = [[start_distance] * len(INPUTS)]
    for step in range(1, params.steps + 1):
        h = features(torch.randn(params.batch_size, d, device=device))  # (k, batch, d)
        error = h @ (weights - target).unsqueeze(-1)  # ∂L/∂a for L = ½(a − a*)², shape (k, batch, 1)
        gradient = (error * h).mean(dim=1)  # (k, d)
        nonzero = gradient != 0
        # An update "moves every weight the same way" when no two nonzero components differ in sign;
        # once a run sits exactly on w* its gradient is all zeros and says nothing about signs.
        any_nonzero = nonzero.any(dim=1)
        agree = ((gradient > 0) | ~nonzero).all(dim=1) | ((gradient < 0) | ~nonzero).all(dim=1)
        same_sign += agree & any_nonzero
        moving += any_nonzero
        update = -lr.unsqueeze(1) * gradient
        weights += update
        moved = update.norm(dim=1).tolist()
        distance = (weights - target).norm(dim=1).tolist()
        w01 = weights[:, :2].tolist()
        for i in range(len(INPUTS)):
            if reached_at[i] is None:
                path_length[i] += moved[i]
                if len(paths[i]) < MAX_PATH_POINTS:
                    paths[i].append(tuple(w01[i]))
                if distance[i] <= REACHED * start_distance:
                    reached_at[i] = step
        distance_curve.append(distance)
        if step % 200 == 0:
            progress(step / params.steps, f"{step}/{params.steps} 스텝")

    metrics: dict[str, float] = {}
    for i, key in enumerate(keys):
        metrics |= {
            f"same_sign_fraction_{key}": same_sign[i].item() / max(moving[i].item(), 1.0),
            f"steps_to_target_{key}": float(reached_at[i] or params.steps),
            f"reached_{key}": 1.0 if reached_at[i] else 0.0,
            f"path_ratio_{key}": path_length[i] / start_distance,
            f"condition_{key}": condition[i],
            f"input_mean_{key}": input_mean[i],
            f"final_distance_{key}": distance_curve[-1][i] / start_distance,
        }

    x_steps = [float(s) for s in range(params.steps + 1)]
    charts = [
        Chart(
            key="path", title="가중치 경로 (첫 두 가중치, 목표 도달까지)", x_label="w₁", y_label="w₂",
            series=[Series(name=label, x=[p[0] for p in paths[i]], y=[p[1] for p in paths[i]])
                    for i, (_, label) in enumerate(INPUTS)]
            + [Series(name="목표 w*", x=[target[0].item()], y=[target[1].item()])],
        ),
        Chart(
            key="distance", title="목표까지의 거리 ‖w − w*‖", x_label="스텝", y_label="‖w − w*‖", log_y=True,
            # Exactly on w* the distance is 0, which a log axis cannot show: those points are left out.
            series=[Series(name=label, x=x_steps, y=[row[i] or None for row in distance_curve])
                    for i, (_, label) in enumerate(INPUTS)],
        ),
    ]
    table = Table(
        columns=["입력", "입력 평균", "E[hhᵀ] 조건수", "모든 기울기 부호가 같은 업데이트", "목표 도달 스텝",
                 "경로 길이 / 직선 거리"],
        rows=[[label, round(metrics[f"input_mean_{key}"], 3) + 0.0, round(metrics[f"condition_{key}"], 1),
               f"{metrics[f'same_sign_fraction_{key}']:.0%}",
               int(metrics[f"steps_to_target_{key}"]) if reached_at[i] else f"{params.steps}+ (미도달)",
               round(metrics[f"path_ratio_{key}"], 2)]
              for i, (key, label) in enumerate(INPUTS)],
    )
    progress(1.0, "완료", charts)
    return DemoResult(charts=charts, table=table, conclusion=_conclusion(params, metrics), metrics=metrics)


def _plain(value: float) -> str:
    return f"{round(value, 2) + 0.0:.2f}"  # adding 0.0 turns a rounded -0.0 into 0.0


def _steps(m: dict[str, float], key: str) -> str:
    steps = int(m[f"steps_to_target_{key}"])
    return f"{steps}스텝" if m[f"reached_{key}"] else f"{steps}스텝 넘게"


def _conclusion(params: Params, m: dict[str, float]) -> str:
    sig_sign, tanh_sign = m["same_sign_fraction_sigmoid"], m["same_sign_fraction_tanh"]
    sig_steps, tanh_steps = m["steps_to_target_sigmoid"], m["steps_to_target_tanh"]
    signs = (
        f"시그모이드 출력(평균 {_plain(m['input_mean_sigmoid'])})을 입력으로 받은 유닛은 업데이트의 {sig_sign:.0%}에서 "
        f"모든 가중치 기울기의 부호가 같았고, tanh 출력(평균 {_plain(m['input_mean_tanh'])})에서는 {tanh_sign:.0%}였습니다."
    )
    if params.batch_size == 1 and sig_sign == 1.0:
        signs += " 예제 하나의 기울기는 (∂L/∂a)·h이고 h가 모두 양수이니 부호가 모두 같을 수밖에 없습니다."
    race = (
        f" 목표 w*까지 {REACHED:.0%} 이내로 가는 데 시그모이드 입력은 {_steps(m, 'sigmoid')} "
        f"(경로 길이가 직선 거리의 {m['path_ratio_sigmoid']:.1f}배), tanh 입력은 {_steps(m, 'tanh')} "
        f"({m['path_ratio_tanh']:.1f}배), ReLU 입력은 {_steps(m, 'relu')} 걸렸습니다."
    )
    if params.target == "same":
        verdict = (
            " 이번 목표는 모든 가중치가 같은 방향(모두 1)이라 같은 부호의 업데이트가 오히려 목표 방향과 맞습니다: "
            "지그재그는 부호가 섞인 목표를 찾아갈 때의 문제입니다."
        )
    elif m["reached_sigmoid"] and m["reached_tanh"] and sig_steps <= 2 * tanh_steps:
        verdict = (
            f" 이번 설정에서는 차이가 크지 않았습니다 ({sig_steps / tanh_steps:.1f}배). "
            f"E[hhᵀ] 조건수가 시그모이드 {m['condition_sigmoid']:.1f}, tanh {m['condition_tanh']:.1f}입니다."
        )
    else:
        verdict = (
            f" 시그모이드 입력은 tanh 입력보다 {sig_steps / tanh_steps:.1f}배 "
            f"{'넘게 ' if not m['reached_sigmoid'] else ''}오래 걸렸습니다: 입력 평균이 E[hhᵀ]에 큰 고유값을 더해 "
            f"조건수가 커지기 때문입니다 (시그모이드 {m['condition_sigmoid']:.1f}, tanh {m['condition_tanh']:.1f})."
        )
    centred = (
        f" 시그모이드에서 0.5만 뺀 입력은 {_steps(m, 'sigmoid_centred')} 걸려, 느린 원인이 곡선 모양이 아니라 "
        f"평균이 0이 아닌 데 있음을 보여 줍니다."
        if m["reached_sigmoid_centred"] and m["steps_to_target_sigmoid_centred"] * 2 <= sig_steps
        else f" 시그모이드에서 0.5만 뺀 입력은 {_steps(m, 'sigmoid_centred')} 걸렸습니다."
    )
    relu_ratio = m["steps_to_target_relu"] / tanh_steps
    relu = (
        f" ReLU 출력도 평균이 {_plain(m['input_mean_relu'])}인, 0 중심이 아닌 입력이라 (편향 이동) 조건수가 "
        f"{m['condition_relu']:.1f}이고 tanh보다 {relu_ratio:.1f}배 오래 걸렸습니다."
        if relu_ratio > 1.3 else
        f" ReLU 출력은 평균이 {_plain(m['input_mean_relu'])}이지만 이번에는 tanh와 비슷했습니다 ({relu_ratio:.1f}배)."
    )
    return signs + race + verdict + centred + relu


DEMO = DemoSpec(
    slug="zero-centred-outputs",
    title="0 중심이 아닌 출력과 지그재그 업데이트",
    summary=(
        "앞 층 출력이 모두 양수(시그모이드)이면 한 유닛의 가중치 기울기가 모두 같은 부호가 되어 업데이트가 "
        "지그재그로 움직이고 느려집니다. tanh처럼 0 중심인 입력은 곧장 목표로 갑니다."
    ),
    params=Params,
    smallest=SMALLEST,
    run=run,
    concepts=("zero_centered", "sigmoid", "tanh", "zigzag"),
    questions=(
        QuestionRef("2주차 질문 1", "tanh의 평균이 0이면 왜 좋은가"),
        QuestionRef("면접 #5", "zero-centered가 아니라 지그재그"),
        QuestionRef("면접 #12-3", "편향 이동 (bias shift)"),
    ),
    citations=(
        Citation(authors="LeCun, Bottou, Orr & Müller", year=1998, title="Efficient BackProp",
                 url="https://doi.org/10.1007/3-540-49430-8_2"),
    ),
    version="1",
)
