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

Each seed draws its own stream of pre-activations (shared by the four inputs, so they race on the same
data), and all seeds step together as one tensor. The claim is judged per seed on the steps to the
target (each the mean of 16 independent runs): sigmoid over tanh, and sigmoid over sigmoid − 0.5. A
target whose weights share one sign, reached with minibatch gradients, breaks it: there, all-same-sign
updates point the right way and the sigmoid input is the faster one.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import Field

from app.demos.base import Chart, Citation, DemoParams, DemoSpec, Measurement, QuestionRef, Series, Table
from app.demos.evidence import Claim

INPUTS = (
    ("sigmoid", "시그모이드 출력 (항상 양수)"),
    ("relu", "ReLU 출력 (0 이상)"),
    ("tanh", "tanh 출력 (0 중심)"),
    ("sigmoid_centred", "시그모이드 − 0.5 (0 중심)"),
)
REACHED = 0.05  # "at the target": within 5 % of ‖w*‖
MOMENT_SAMPLES = 20000  # examples used to estimate E[hhᵀ] (condition number, learning rate)
# The moment sample is one for every seed; a seed of its own, above every run seed (MAX_SEED is 2**31 - 1),
# keeps it from being seed 0's own training stream.
MOMENT_SEED = 2**31
MAX_PATH_POINTS = 600
REPLICATES = 16  # independent SGD runs per seed (one example per step is noisy): each seed reports their mean


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
# A target whose weights share one sign, reached with averaged minibatch gradients: updates that move
# every weight the same way now head straight for it, and the all-positive input is the faster one.
BREAKING = Params(target="same", batch_size=16)
SLOWDOWN_MARGIN = 2.0  # "slower": at least twice the steps to the target


def _generators(seeds):
    import torch

    return [torch.Generator().manual_seed(seed) for seed in seeds]


def _features(z):
    """z through every kind of previous layer: shape (len(INPUTS), *z.shape)."""
    import torch

    sig = torch.sigmoid(z)
    return torch.stack([sig, torch.relu(z), torch.tanh(z), sig - 0.5])


def _target(params: Params, device):
    import torch

    target = torch.ones(params.n_inputs, device=device)
    if params.target == "mixed":
        target[1::2] = -1.0  # w* = (1, −1, 1, …); "same": (1, 1, …)
    return target


@dataclass
class _InputProperties:
    """Properties of the inputs themselves (not of any run): E[hhᵀ]'s condition number, the mean, and
    the learning rate scale / E‖h‖² per input, from one fixed sample for every run, so that a seed's
    numbers do not depend on the seeds beside it."""

    condition: list[float]
    lr: Any  # (inputs, 1, 1)
    mean: list[float]


def _input_properties(params: Params, device) -> _InputProperties:
    import torch

    sample = _features(torch.randn(MOMENT_SAMPLES, params.n_inputs,
                                   generator=torch.Generator().manual_seed(MOMENT_SEED)).to(device))
    second_moment = torch.einsum("kni,knj->kij", sample, sample) / MOMENT_SAMPLES
    eigenvalues = torch.linalg.eigvalsh(second_moment)
    return _InputProperties(
        condition=(eigenvalues[:, -1] / eigenvalues[:, 0]).tolist(),
        lr=(params.step_scale / second_moment.diagonal(dim1=1, dim2=2).sum(dim=1)).view(-1, 1, 1),
        mean=sample.mean(dim=(1, 2)).tolist(),
    )


@dataclass
class _Runs:
    """Every input's SGD runs, (inputs, seeds · replicates): run r of seed s is column s · REPLICATES + r."""

    weights: Any
    start_distance: float
    reached_at: Any  # 0: not yet
    path_length: Any
    same_sign: Any
    moving: Any  # updates with any nonzero component
    path: list  # seed 0's first two weights, for the chart
    distance_curve: list


def _start(params: Params, target, n_seeds: int, device) -> _Runs:
    import torch

    shape = (len(INPUTS), n_seeds * REPLICATES)
    weights = torch.zeros(*shape, params.n_inputs, device=device)
    start_distance = target.norm().item()
    return _Runs(weights=weights, start_distance=start_distance, reached_at=torch.zeros(shape, device=device),
                 path_length=torch.zeros(shape, device=device), same_sign=torch.zeros(shape, device=device),
                 moving=torch.zeros(shape, device=device), path=[weights[:, 0, :2].tolist()],
                 distance_curve=[torch.full(shape, start_distance)])


def _train(params: Params, runs: _Runs, target, lr, seeds, device, progress) -> None:
    import torch

    generators = _generators(seeds)  # each seed its own stream of pre-activations, shared by the four inputs

    def draw(rows: int):  # (seeds · replicates, rows, d)
        return torch.cat([torch.randn(REPLICATES, rows, params.n_inputs, generator=g) for g in generators]).to(device)

    for step in range(1, params.steps + 1):
        h = _features(draw(params.batch_size))  # (k, seeds, batch, d)
        error = torch.einsum("ksbd,ksd->ksb", h, runs.weights - target)  # ∂L/∂a for L = ½(a − a*)²
        gradient = (error.unsqueeze(-1) * h).mean(dim=2)  # (k, seeds, d)
        nonzero = gradient != 0
        # An update "moves every weight the same way" when no two nonzero components differ in sign;
        # once a run sits exactly on w* its gradient is all zeros and says nothing about signs.
        any_nonzero = nonzero.any(dim=-1)
        agree = ((gradient > 0) | ~nonzero).all(dim=-1) | ((gradient < 0) | ~nonzero).all(dim=-1)
        runs.same_sign += agree & any_nonzero
        runs.moving += any_nonzero
        update = -lr * gradient
        runs.weights += update
        searching = runs.reached_at == 0
        runs.path_length += update.norm(dim=-1) * searching
        distance = (runs.weights - target).norm(dim=-1)
        runs.reached_at[searching & (distance <= REACHED * runs.start_distance)] = step
        if len(runs.path) < MAX_PATH_POINTS:
            runs.path.append(runs.weights[:, 0, :2].tolist())
        runs.distance_curve.append(distance.cpu())
        if step % 200 == 0:
            progress(step / params.steps, f"{step}/{params.steps} 스텝")


def _measure(params: Params, runs: _Runs, inputs: _InputProperties, n_seeds: int) -> dict[str, list[float | None]]:
    import torch

    def by_seed(values):  # (k, seeds · replicates) -> (k, seeds): the mean of each seed's runs
        return values.float().reshape(len(INPUTS), n_seeds, REPLICATES).mean(dim=-1)

    reached = runs.reached_at > 0
    steps_to = by_seed(torch.where(reached, runs.reached_at, torch.full_like(runs.reached_at, params.steps)))
    fraction_same = by_seed(runs.same_sign / runs.moving.clamp(min=1.0))
    reached_share, path_ratio = by_seed(reached), by_seed(runs.path_length / runs.start_distance)
    final_distance = by_seed(runs.distance_curve[-1] / runs.start_distance)
    per_seed: dict[str, list[float | None]] = {}
    for i, (key, _) in enumerate(INPUTS):
        per_seed |= {
            f"same_sign_fraction_{key}": fraction_same[i].tolist(),
            f"steps_to_target_{key}": steps_to[i].tolist(),
            f"reached_{key}": reached_share[i].tolist(),
            f"path_ratio_{key}": path_ratio[i].tolist(),
            f"final_distance_{key}": final_distance[i].tolist(),
            f"condition_{key}": [inputs.condition[i]] * n_seeds,  # of the inputs: the same for every seed
            f"input_mean_{key}": [inputs.mean[i]] * n_seeds,
        }
    index = {key: i for i, (key, _) in enumerate(INPUTS)}
    for other in ("tanh", "sigmoid_centred", "relu"):
        per_seed[f"slowdown_sigmoid_vs_{other}"] = (steps_to[index["sigmoid"]] / steps_to[index[other]]).tolist()
    return per_seed


def _report(params: Params, seeds, runs: _Runs, target, inputs: _InputProperties,
            mean: Callable[[str], float]) -> tuple[list[Chart], Table]:
    import torch

    x_steps = [float(s) for s in range(params.steps + 1)]
    curves = torch.stack(runs.distance_curve)  # (steps + 1, k, seeds)
    path = runs.path
    charts = [
        Chart(
            key="path", title=f"가중치 경로 (시드 {seeds[0]}, 첫 두 가중치)", x_label="w₁", y_label="w₂",
            series=[Series(name=label, x=[p[i][0] for p in path], y=[p[i][1] for p in path])
                    for i, (_, label) in enumerate(INPUTS)]
            + [Series(name="목표 w*", x=[target[0].item()], y=[target[1].item()])],
        ),
        Chart(
            key="distance", title="목표까지의 거리 ‖w − w*‖ (시드 범위)", x_label="스텝", y_label="‖w − w*‖", log_y=True,
            # Exactly on w* the distance is 0, which a log axis cannot show: those points are left out.
            series=[Series.over_seeds(label, x_steps, [[v or None for v in curves[:, i, s * REPLICATES].tolist()]
                                                       for s in range(len(seeds))])
                    for i, (_, label) in enumerate(INPUTS)],
        ),
    ]
    table = Table(
        columns=["입력", "입력 평균", "E[hhᵀ] 조건수", "모든 기울기 부호가 같은 업데이트", "목표 도달 스텝 (평균)",
                 "목표에 닿은 실행", "경로 길이 / 직선 거리"],
        rows=[[label, round(inputs.mean[i], 3) + 0.0, round(inputs.condition[i], 1),
               f"{mean(f'same_sign_fraction_{key}'):.0%}", round(mean(f"steps_to_target_{key}"), 1),
               f"{mean(f'reached_{key}'):.0%}", round(mean(f"path_ratio_{key}"), 2)]
              for i, (key, label) in enumerate(INPUTS)],
    )
    return charts, table


def run(params: Params, device, progress, seeds) -> Measurement:
    target = _target(params, device)
    inputs = _input_properties(params, device)
    runs = _start(params, target, len(seeds), device)
    _train(params, runs, target, inputs.lr, seeds, device, progress)
    per_seed = _measure(params, runs, inputs, len(seeds))

    def mean(name: str) -> float:
        return statistics.fmean(v for v in per_seed[name] if v is not None)

    charts, table = _report(params, seeds, runs, target, inputs, mean)
    progress(1.0, "완료", charts)
    return Measurement(per_seed=per_seed, charts=charts, table=table, notes=_notes(params, mean))


def _plain(value: float) -> str:
    return f"{round(value, 2) + 0.0:.2f}"  # adding 0.0 turns a rounded -0.0 into 0.0


def _notes(params: Params, mean) -> list[str]:
    def steps(key: str) -> str:
        reached = mean(f"reached_{key}")
        text = f"평균 {mean(f'steps_to_target_{key}'):.0f}스텝"
        return text if reached == 1.0 else f"{text} (실행의 {1 - reached:.0%}는 {params.steps}스텝 안에 못 닿음)"

    sig_sign, tanh_sign = mean("same_sign_fraction_sigmoid"), mean("same_sign_fraction_tanh")
    signs = (f"시그모이드 출력(평균 {_plain(mean('input_mean_sigmoid'))})을 입력으로 받은 유닛은 업데이트의 {sig_sign:.0%}에서 "
             f"모든 가중치 기울기의 부호가 같았고, tanh 출력(평균 {_plain(mean('input_mean_tanh'))})에서는 {tanh_sign:.0%}였습니다.")
    if params.batch_size == 1 and sig_sign == 1.0:
        signs += " 예제 하나의 기울기는 (∂L/∂a)·h이고 h가 모두 양수이니 부호가 모두 같을 수밖에 없습니다."
    elif params.batch_size > 1:
        signs += f" 예제 {params.batch_size}개를 평균한 기울기에서는 부호가 섞일 수 있어 그 비율이 낮아집니다."
    notes = [signs, f"목표 w*까지 {REACHED:.0%} 이내로 가는 데 시그모이드 입력은 {steps('sigmoid')} (경로 길이가 직선 거리의 "
                    f"{mean('path_ratio_sigmoid'):.1f}배), tanh 입력은 {steps('tanh')} ({mean('path_ratio_tanh'):.1f}배), "
                    f"ReLU 입력은 {steps('relu')} 걸렸습니다."]
    slowdown = mean("slowdown_sigmoid_vs_tanh")
    conditions = f"E[hhᵀ] 조건수가 시그모이드 {mean('condition_sigmoid'):.1f}, tanh {mean('condition_tanh'):.1f}"
    if params.target == "same" and slowdown < SLOWDOWN_MARGIN:
        notes.append(f"여기서는 주장이 무너집니다: 목표의 가중치가 모두 같은 부호(모두 1)라 같은 부호의 업데이트가 오히려 목표 "
                     f"방향과 맞습니다 (시그모이드가 tanh의 {slowdown:.1f}배" + ("로 더 빨랐습니다)" if slowdown < 1 else ")")
                     + ". 지그재그는 부호가 섞인 목표를 찾아갈 때의 문제입니다.")
    elif slowdown < SLOWDOWN_MARGIN:
        notes.append(f"여기서는 주장이 무너집니다: 시그모이드 입력이 tanh의 {slowdown:.1f}배밖에 걸리지 않았습니다 ({conditions}).")
    else:
        same = "목표가 모두 같은 부호인데도 " if params.target == "same" else ""
        notes.append(f"{same}시그모이드 입력은 tanh 입력보다 평균 {slowdown:.1f}배 오래 걸렸습니다: 입력 평균이 E[hhᵀ]에 큰 "
                     f"고유값을 더해 조건수가 커지기 때문입니다 ({conditions}).")
    centred = mean("slowdown_sigmoid_vs_sigmoid_centred")
    notes.append(f"시그모이드에서 0.5만 뺀 입력은 {steps('sigmoid_centred')} 걸려 " + (
        f"시그모이드보다 {centred:.1f}배 빨랐습니다: 느린 원인이 곡선 모양이 아니라 평균이 0이 아닌 데 있습니다."
        if centred >= SLOWDOWN_MARGIN else f"시그모이드와 {centred:.1f}배 차이였습니다."))
    relu_ratio = mean("steps_to_target_relu") / mean("steps_to_target_tanh")
    notes.append(
        f"ReLU 출력도 평균이 {_plain(mean('input_mean_relu'))}인, 0 중심이 아닌 입력이라 (편향 이동) 조건수가 "
        f"{mean('condition_relu'):.1f}이고 tanh보다 {relu_ratio:.1f}배 오래 걸렸습니다."
        if relu_ratio > 1.3 else
        f"ReLU 출력은 평균이 {_plain(mean('input_mean_relu'))}이지만 이번에는 tanh와 비슷했습니다 ({relu_ratio:.1f}배).")
    return notes


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
    claims=(
        Claim(metric="slowdown_sigmoid_vs_tanh", direction="greater", margin=SLOWDOWN_MARGIN,
              statement="부호가 섞인 목표를 찾을 때 시그모이드 출력(모두 양수)을 받은 유닛은 tanh 출력(0 중심)을 받은 유닛보다 "
                        "두 배 넘게 오래 걸린다",
              metric_label="목표까지 걸린 스텝 비 (시그모이드 ÷ tanh)"),
        Claim(metric="slowdown_sigmoid_vs_sigmoid_centred", direction="greater", margin=SLOWDOWN_MARGIN,
              statement="시그모이드에서 0.5만 빼도 두 배 넘게 빨라진다: 원인은 곡선 모양이 아니라 0이 아닌 평균이다",
              metric_label="목표까지 걸린 스텝 비 (시그모이드 ÷ 0.5를 뺀 시그모이드)"),
    ),
    breaking=BREAKING,
    # Per seed, the mean of its REPLICATES runs.
    metric_labels={
        **{f"{name}_{key}": label.format(shown.split(" (")[0]) for key, shown in INPUTS for name, label in (
            ("same_sign_fraction", "모든 가중치를 같은 방향으로 움직인 업데이트 비율 ({}, 0–1)"),
            ("steps_to_target", f"목표 w*까지 거리가 ‖w*‖의 {REACHED:.0%} 안에 들기까지 스텝 수 ({{}}, 못 닿으면 스텝 예산)"),
            ("reached", "스텝 예산 안에 목표에 닿은 실행 비율 ({}, 0–1)"),
            ("path_ratio", "목표까지 간 경로 길이 ÷ 처음 거리 ({})"),
            ("final_distance", "마지막 스텝의 목표까지 거리 ÷ 처음 거리 ({})"),
            ("condition", "입력의 2차 모멘트 E[hhᵀ]의 조건수 ({})"),
            ("input_mean", "입력 h의 평균 ({})"))},
        "slowdown_sigmoid_vs_relu": "목표까지 걸린 스텝 비 (시그모이드 ÷ ReLU)",
    },
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
    version="3",
)
