"""BCE vs MSE for a sigmoid output (면접 #19-3; 2주차 질문 3).

For ``p = σ(z)`` and a target ``y``, the gradient with respect to the logit is ``p − y`` under binary
cross-entropy but ``2(p − y)·p(1 − p)`` under squared error: the extra ``p(1 − p)`` vanishes exactly
when the prediction is confidently wrong (p ≈ 0 for y = 1), so MSE learns least where it is most
wrong. Both gradients are taken by autograd over a range of logits. Then a logistic regression
started confidently wrong (weights pointing the wrong way) is trained with each loss, each at every
learning rate of a small grid; per seed, each loss keeps the rate that reached the target accuracy
soonest on a validation split, and the claim is judged on a separate test split: how many more steps
MSE needed than BCE. Seeds draw the data; all seeds, rates and both losses train as one batched
tensor. Both runs are also watched through the mean squared error of the predicted probabilities:
training on BCE and reporting MSE is a matter of which number one computes, not of which loss one
trains on.
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
from app.demos.evidence import Claim
from app.demos.training import differences, equal_splits, first_reach

LOGIT_RANGE = 10.0
N_SPLIT = 400  # examples in each of train, validation and test
SEPARATION = 1.5  # class means at ±SEPARATION on both axes
TARGET_ACCURACY = 0.85
LEARNING_RATES = (0.1, 0.3, 1.0, 3.0, 10.0, 30.0, 100.0)  # each loss picks its own on the validation split
LOSSES = (("bce", "BCE (이진 교차 엔트로피)"), ("mse", "MSE (평균제곱오차)"))
TRAIN, VAL, TEST = equal_splits(N_SPLIT, 3)
SPEEDUP_MARGIN = 2.0  # "faster" means BCE needs at most half the steps MSE needs


class Params(DemoParams):
    wrong_logit: float = Field(-8.0, ge=-15.0, le=0.0, description="정답이 1일 때 비교할 '확신하며 틀린' 로짓 z")
    init_scale: float = Field(5.0, ge=0.0, le=10.0, description="처음 가중치가 반대 방향을 얼마나 세게 가리키는가 (0이면 중립)")
    steps: int = Field(300, ge=20, le=3000, description="전체 배치 경사 하강 스텝 수 (두 손실에 같은 예산)")


SMALLEST = Params(steps=150)
# A neutral start: nothing is saturated, so MSE's p(1 − p) factor costs little and its own learning
# rate catches up with BCE.
BREAKING = Params(init_scale=0.0, wrong_logit=-1.0, steps=150)


def _draw(seed: int, device):
    import torch

    generator = torch.Generator().manual_seed(seed)
    labels = (torch.rand(3 * N_SPLIT, generator=generator) < 0.5).float()
    inputs = torch.randn(3 * N_SPLIT, 2, generator=generator) + SEPARATION * (2 * labels - 1).unsqueeze(1)
    return inputs.to(device), labels.to(device)


@dataclass
class _Gradients:
    """|∂L/∂z| over logits for the target y = 1, by autograd (the same for every seed)."""

    logits: Any
    bce: Any
    mse: Any
    at_wrong_bce: Any
    at_wrong_mse: Any


def _gradients(params: Params, device) -> _Gradients:
    import torch
    from torch.nn import functional as F

    logits = torch.linspace(-LOGIT_RANGE, LOGIT_RANGE, 201, device=device, requires_grad=True)
    ones = torch.ones_like(logits)
    grad_bce, = torch.autograd.grad(F.binary_cross_entropy_with_logits(logits, ones, reduction="sum"), logits)
    grad_mse, = torch.autograd.grad(F.mse_loss(torch.sigmoid(logits), ones, reduction="sum"), logits)
    wrong = torch.tensor([params.wrong_logit], device=device, requires_grad=True)
    at_wrong_bce, = torch.autograd.grad(F.binary_cross_entropy_with_logits(wrong, ones[:1]), wrong)
    at_wrong_mse, = torch.autograd.grad(F.mse_loss(torch.sigmoid(wrong), ones[:1]), wrong)
    return _Gradients(logits, grad_bce, grad_mse, at_wrong_bce, at_wrong_mse)


def _data(seeds, device) -> tuple[Any, Any]:
    """Per seed a data set (train | validation | test): inputs (seeds, 3·N, 2), labels (seeds, 3·N)."""
    import torch

    drawn = [_draw(seed, device) for seed in seeds]
    return torch.stack([x for x, _ in drawn]), torch.stack([y for _, y in drawn])


def _model(params: Params, n_seeds: int, device) -> tuple[Any, Any, Any]:
    """The start, and weights (loss, rate, seed, 2) and biases that all start pointing the wrong way."""
    import torch

    start = -params.init_scale * torch.tensor([1.0, 1.0], device=device) / 2 ** 0.5
    weights = start.expand(2, len(LEARNING_RATES), n_seeds, 2).clone().requires_grad_()
    biases = torch.zeros(2, len(LEARNING_RATES), n_seeds, device=device, requires_grad=True)
    return start, weights, biases


def _train(params: Params, inputs, labels, weights, biases, device, progress) -> tuple[Any, Any, Any]:
    """Every copy trains together (the summed loss gives each its own gradient); returns validation
    accuracy, test accuracy and test MSE after each step, each (steps + 1, loss, rate, seed)."""
    import torch
    from torch.nn import functional as F

    rates = torch.tensor(LEARNING_RATES, device=device).view(1, -1, 1)
    x_train, y_train = inputs[:, TRAIN], labels[:, TRAIN]

    def logits_on(part: slice):
        return torch.einsum("alsd,snd->alsn", weights, inputs[:, part]) + biases.unsqueeze(-1)

    def observe() -> tuple:
        with torch.no_grad():
            z_val, z_test = logits_on(VAL), logits_on(TEST)
            y_val, y_test = labels[:, VAL], labels[:, TEST]
            return (((z_val > 0).float() == y_val).float().mean(-1), ((z_test > 0).float() == y_test).float().mean(-1),
                    (torch.sigmoid(z_test) - y_test).pow(2).mean(-1))

    history = [observe()]
    for step in range(1, params.steps + 1):
        z = torch.einsum("alsd,snd->alsn", weights, x_train) + biases.unsqueeze(-1)
        bce = F.binary_cross_entropy_with_logits(z[0], y_train.expand_as(z[0]), reduction="none").mean(-1)
        mse = (torch.sigmoid(z[1]) - y_train).pow(2).mean(-1)
        gw, gb = torch.autograd.grad(bce.sum() + mse.sum(), (weights, biases))
        with torch.no_grad():
            weights -= rates.unsqueeze(-1) * gw
            biases -= rates * gb
        history.append(observe())
        if step % 100 == 0:
            progress(step / params.steps, f"{step}/{params.steps} 스텝")
    val_acc, test_acc, test_mse = (torch.stack([h[i] for h in history]) for i in range(3))
    return val_acc, test_acc, test_mse


@dataclass
class _Picked:
    """Per loss, the rate each seed kept and that run's test curves."""

    rates: dict[str, list[float]]
    curves: dict[str, tuple[list[list[float]], list[list[float]]]]  # test accuracy and test MSE per seed


def _measure(params: Params, val_acc, test_acc, test_mse, start_saturation: list[float | None],
             gradients: _Gradients) -> tuple[dict[str, list[float | None]], _Picked]:
    budget = params.steps
    val_steps, test_steps = first_reach(val_acc, TARGET_ACCURACY), first_reach(test_acc, TARGET_ACCURACY)
    # Each loss, per seed, keeps the rate that got there soonest on validation (ties: higher final accuracy).
    score = val_steps.float() - 0.5 * val_acc[-1]
    chosen = score.argmin(dim=1)  # (loss, seed)

    per_seed: dict[str, list[float | None]] = {}
    picked = _Picked(rates={}, curves={})
    for a, (key, _) in enumerate(LOSSES):
        idx = chosen[a].tolist()
        picked.rates[key] = [LEARNING_RATES[i] for i in idx]
        steps_taken = [float(min(int(test_steps[a, i, s]), budget)) for s, i in enumerate(idx)]
        per_seed[f"steps_to_target_{key}"] = steps_taken
        per_seed[f"reached_{key}"] = [1.0 if int(test_steps[a, i, s]) <= budget else 0.0 for s, i in enumerate(idx)]
        per_seed[f"final_accuracy_{key}"] = [float(test_acc[-1, a, i, s]) for s, i in enumerate(idx)]
        per_seed[f"final_mse_{key}"] = [float(test_mse[-1, a, i, s]) for s, i in enumerate(idx)]
        per_seed[f"start_accuracy_{key}"] = [float(test_acc[0, a, i, s]) for s, i in enumerate(idx)]
        picked.curves[key] = ([test_acc[:, a, i, s].tolist() for s, i in enumerate(idx)],
                              [test_mse[:, a, i, s].tolist() for s, i in enumerate(idx)])
    per_seed["extra_steps_mse"] = differences(per_seed["steps_to_target_mse"], per_seed["steps_to_target_bce"])
    # A start already past the target counts as one step, so the ratio stays finite.
    per_seed["step_ratio"] = [max(m, 1.0) / max(b, 1.0) for m, b in zip(per_seed["steps_to_target_mse"],
                                                                       per_seed["steps_to_target_bce"])]
    per_seed["accuracy_gap"] = differences(per_seed["final_accuracy_bce"], per_seed["final_accuracy_mse"])
    per_seed["start_saturation"] = start_saturation
    for name, value in _gradient_at_wrong(gradients).items():  # analytic: the same for every seed
        per_seed[name] = [value] * len(start_saturation)
    return per_seed, picked


def _gradient_at_wrong(gradients: _Gradients) -> dict[str, float]:
    at_wrong = {"grad_bce_at_wrong": gradients.at_wrong_bce.abs().item(),
                "grad_mse_at_wrong": gradients.at_wrong_mse.abs().item()}
    at_wrong["gradient_ratio"] = at_wrong["grad_bce_at_wrong"] / max(at_wrong["grad_mse_at_wrong"], 1e-45)
    return at_wrong


def _report(params: Params, gradients: _Gradients, per_seed: dict[str, list[float | None]],
            picked: _Picked) -> tuple[list[Chart], Table]:
    zs = gradients.logits.detach().tolist()
    steps_x = [float(s) for s in range(params.steps + 1)]
    charts = [
        Chart(
            key="gradient", title="정답이 1일 때 로짓에 대한 기울기 크기 |∂L/∂z|", x_label="로짓 z (σ(z)가 예측 확률)",
            y_label="|∂L/∂z|", log_y=True,
            series=[Series(name=LOSSES[0][1], x=zs, y=[abs(g) or None for g in gradients.bce.tolist()]),
                    Series(name=LOSSES[1][1], x=zs, y=[abs(g) or None for g in gradients.mse.tolist()])],
        ),
        Chart(
            key="accuracy", title="반대로 초기화한 로지스틱 회귀의 시험 정확도 (각자 고른 학습률, 시드 범위)",
            x_label="스텝", y_label="시험 정확도",
            series=[Series.over_seeds(f"{label}로 학습", steps_x, picked.curves[key][0]) for key, label in LOSSES],
        ),
        Chart(
            key="mse_view", title="두 학습을 같은 눈금(MSE)으로 보기", x_label="스텝", y_label="시험 데이터의 예측 확률 MSE",
            series=[Series.over_seeds(f"{label}로 학습", steps_x, picked.curves[key][1]) for key, label in LOSSES],
        ),
    ]

    def mean(name: str) -> float:
        return statistics.fmean(per_seed[name])

    n_seeds = len(per_seed["start_saturation"])
    table = Table(
        columns=["학습 손실", f"z = {params.wrong_logit:g}에서 |∂L/∂z|", "검증으로 고른 학습률 (시드별)",
                 f"시험 정확도 {TARGET_ACCURACY:.0%} 도달 (평균 스텝)", "도달한 시드", "마지막 시험 정확도", "마지막 시험 MSE"],
        rows=[[label, float(f"{per_seed[f'grad_{key}_at_wrong'][0]:.3g}"),
               ", ".join(f"{r:g}" for r in picked.rates[key]), round(mean(f"steps_to_target_{key}"), 1),
               f"{int(sum(per_seed[f'reached_{key}']))}/{n_seeds}", round(mean(f"final_accuracy_{key}"), 3),
               round(mean(f"final_mse_{key}"), 4)]
              for key, label in LOSSES],
    )
    return charts, table


def run(params: Params, device, progress, seeds) -> Measurement:
    import torch

    gradients = _gradients(params, device)
    inputs, labels = _data(seeds, device)
    start, weights, biases = _model(params, len(seeds), device)
    start_p = torch.sigmoid(torch.einsum("d,snd->sn", start, inputs[:, TRAIN]))
    start_saturation = (start_p * (1 - start_p)).mean(-1).tolist()  # MSE's extra factor at the start
    val_acc, test_acc, test_mse = _train(params, inputs, labels, weights, biases, device, progress)
    per_seed, picked = _measure(params, val_acc, test_acc, test_mse, start_saturation, gradients)
    charts, table = _report(params, gradients, per_seed, picked)
    progress(1.0, "완료", charts)
    return Measurement(per_seed=per_seed, charts=charts, table=table,
                       notes=_notes(params, per_seed, picked.rates, len(seeds)))


def _notes(params: Params, per_seed: dict[str, list], picked: dict[str, list[float]], n_seeds: int) -> list[str]:
    def mean(name: str) -> float:
        return statistics.fmean(per_seed[name])

    z = params.wrong_logit
    ratio = per_seed["gradient_ratio"][0]
    text = (
        f"정답이 1인데 모델이 확신하며 틀렸을 때(로짓 z = {z:g}, 예측 확률 {1 / (1 + math.exp(-z)):.2g}) 로짓에 대한 "
        f"기울기는 BCE가 {per_seed['grad_bce_at_wrong'][0]:.3g}, MSE가 {per_seed['grad_mse_at_wrong'][0]:.3g}"
    )
    if ratio >= 10:
        text += f"입니다: MSE의 기울기가 {ratio:,.0f}배 작습니다. MSE에 곱해지는 p(1 − p)가 거의 0이기 때문입니다."
    else:
        text += f"입니다 ({ratio:.1f}배): 이 로짓에서는 시그모이드가 아직 포화되지 않아 차이가 크지 않습니다."
    notes = [text]
    budget = params.steps
    bce, mse = mean("steps_to_target_bce"), mean("steps_to_target_mse")
    reached_mse = int(sum(per_seed["reached_mse"]))
    saturation = mean("start_saturation")
    rates = {key: "/".join(f"{r:g}" for r in sorted(set(values))) for key, values in picked.items()}
    start = (f"처음 시험 정확도 {mean('start_accuracy_bce'):.0%}, 출발점에서 MSE 기울기에 곱해지는 p(1 − p)의 평균 "
             f"{saturation:.2g}")
    ratio_steps = mean("step_ratio")
    if ratio_steps >= SPEEDUP_MARGIN:
        notes.append(
            f"반대로 초기화한 로지스틱 회귀({start})는 각 손실이 검증 데이터로 고른 학습률(BCE {rates['bce']}, MSE "
            f"{rates['mse']})에서, BCE로 평균 {bce:.0f}스텝 만에 시험 정확도 {TARGET_ACCURACY:.0%}에 닿았고 MSE는 "
            + (f"평균 {mse:.0f}스텝이 걸렸습니다 (평균 {ratio_steps:.1f}배)." if reached_mse == n_seeds else
               f"시드 {n_seeds}개 중 {n_seeds - reached_mse}개가 {budget}스텝 안에 닿지 못했습니다 (마지막 시험 정확도 "
               f"평균 {mean('final_accuracy_mse'):.0%}).")
        )
    else:
        notes.append(
            f"여기서는 주장이 무너집니다: 반대로 초기화한 로지스틱 회귀({start})가 BCE로 평균 {bce:.0f}스텝, 자기 학습률"
            f"(MSE {rates['mse']})의 MSE로 평균 {mse:.0f}스텝 만에 시험 정확도 {TARGET_ACCURACY:.0%}에 닿아 "
            f"{SPEEDUP_MARGIN:g}배 차이가 나지 않았습니다. 처음 예측이 포화될 만큼 틀리지 않으면 MSE도 제 학습률로 따라잡습니다."
        )
    if max(picked["mse"]) == LEARNING_RATES[-1] and reached_mse:
        notes.append(
            f"다만 MSE가 고른 학습률은 격자의 맨 끝({LEARNING_RATES[-1]:g})이고, 그 학습률로 평균 {mse:.0f}스텝이면 "
            f"닿았습니다: 포화가 줄인 기울기를 아주 큰 학습률이 상당 부분 메웁니다. BCE가 이기는 것은 학습률 하나로 "
            f"포화된 곳과 포화되지 않은 곳을 함께 다룰 수 있다는 점입니다."
        )
    notes.append(
        f"학습은 BCE로 하고 상황은 MSE로 보고 싶다면 예측 확률로 MSE를 따로 계산하면 됩니다: 마지막 시험 MSE는 BCE로 "
        f"학습한 쪽이 {mean('final_mse_bce'):.3g}, MSE로 학습한 쪽이 {mean('final_mse_mse'):.3g}입니다."
    )
    return notes


DEMO = DemoSpec(
    slug="bce-vs-mse",
    title="시그모이드 출력에 BCE와 MSE: 확신하며 틀릴 때의 기울기",
    summary=(
        "시그모이드 출력에서 MSE의 로짓 기울기는 예측이 확신하며 틀릴수록 0에 가까워지지만, BCE의 기울기는 "
        "틀린 만큼 그대로 남습니다. 그래서 잘못 초기화된 모델도 BCE로는 빨리 바로잡힙니다."
    ),
    params=Params,
    smallest=SMALLEST,
    run=run,
    claims=(
        Claim(metric="step_ratio", direction="greater", margin=SPEEDUP_MARGIN,
              statement="잘못 초기화된 로지스틱 회귀는 각자 고른 학습률에서 BCE로 MSE의 절반도 안 되는 스텝 만에 "
                        "시험 정확도 85%에 닿는다",
              metric_label=f"테스트 정확도 {TARGET_ACCURACY:.0%}까지 걸린 스텝 비 (MSE ÷ BCE)"),
        Claim(metric="gradient_ratio", direction="greater", margin=10.0,
              statement="확신하며 틀린 로짓에서 BCE의 기울기가 MSE보다 10배 넘게 크다",
              metric_label="확신하며 틀린 로짓의 기울기 비 (BCE ÷ MSE)"),
    ),
    breaking=BREAKING,
    metric_labels={
        **{f"{name}_{key}": label.format(key.upper()) for key, _ in LOSSES for name, label in (
            ("steps_to_target", f"테스트 정확도 {TARGET_ACCURACY:.0%}까지 걸린 스텝 수 ({{}}, 못 닿으면 스텝 예산)"),
            ("reached", f"스텝 예산 안에 테스트 정확도 {TARGET_ACCURACY:.0%} 도달 ({{}}, 1 = 도달)"),
            ("final_accuracy", "학습 끝 테스트 정확도 ({}, 0–1)"),
            ("final_mse", "학습 끝 테스트 예측 확률의 평균제곱오차 ({})"),
            ("start_accuracy", "학습 전 테스트 정확도 ({}, 0–1)"))},
        "extra_steps_mse": f"테스트 정확도 {TARGET_ACCURACY:.0%}까지 더 걸린 스텝 수 (MSE − BCE)",
        "accuracy_gap": "학습 끝 테스트 정확도 차 (BCE − MSE, 0–1)",
        "start_saturation": "시작점 학습 데이터의 평균 p(1 − p) (MSE 기울기에 곱해지는 인자)",
        "grad_bce_at_wrong": "확신하며 틀린 로짓에서 BCE 기울기 |∂L/∂z|",
        "grad_mse_at_wrong": "확신하며 틀린 로짓에서 MSE 기울기 |∂L/∂z|",
    },
    concepts=("bce", "mse", "cross_entropy", "loss_function", "sigmoid", "logistic_regression"),
    questions=(
        QuestionRef("면접 #19-3", "학습은 BCE loss로 하되 상황을 MSE loss로 보고 싶다면?"),
        QuestionRef("2주차 질문 3", "Sigmoid를 출력층에 쓰면 좋은 이유"),
        QuestionRef("면접 #2", "Cost Function과 Activation Function"),
    ),
    citations=(
        Citation(authors="Golik, Doetsch & Ney", year=2013,
                 title="Cross-Entropy vs. Squared Error Training: a Theoretical and Experimental Comparison",
                 url="https://www.isca-archive.org/interspeech_2013/golik13_interspeech.html"),
    ),
    version="2",
)
