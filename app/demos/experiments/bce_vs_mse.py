"""BCE vs MSE for a sigmoid output (면접 #19-3; 2주차 질문 3).

For ``p = σ(z)`` and a target ``y``, the gradient with respect to the logit is ``p − y`` under binary
cross-entropy but ``2(p − y)·p(1 − p)`` under squared error: the extra ``p(1 − p)`` vanishes exactly
when the prediction is confidently wrong (p ≈ 0 for y = 1), so MSE learns least where it is most
wrong. Both gradients are taken by autograd over a range of logits. Then a logistic regression
started confidently wrong (weights pointing the wrong way) is trained once with each loss at the
same learning rate, and both runs are watched through the same two lenses, accuracy and the mean
squared error of the predicted probabilities: training on BCE and reporting MSE is a matter of which
number one computes, not of which loss one trains on.
"""

from __future__ import annotations

import math

from pydantic import Field

from app.demos.base import Chart, Citation, DemoParams, DemoResult, DemoSpec, QuestionRef, Series, Table

LOGIT_RANGE = 10.0
N_TRAIN = 400
SEPARATION = 1.5  # class means at ±SEPARATION on both axes
TARGET_ACCURACY = 0.85
LOSSES = (("bce", "BCE (이진 교차 엔트로피)"), ("mse", "MSE (평균제곱오차)"))


class Params(DemoParams):
    wrong_logit: float = Field(-8.0, ge=-15.0, le=0.0, description="정답이 1일 때 비교할 '확신하며 틀린' 로짓 z")
    init_scale: float = Field(5.0, ge=0.0, le=10.0, description="처음 가중치가 반대 방향을 얼마나 세게 가리키는가 (0이면 중립)")
    learning_rate: float = Field(0.5, ge=0.01, le=5.0, description="두 손실에 같은 경사 하강 학습률")
    steps: int = Field(300, ge=20, le=3000, description="전체 배치 경사 하강 스텝 수")


SMALLEST = Params(steps=150)


def run(params: Params, device, progress) -> DemoResult:
    import torch
    from torch.nn import functional as F

    # Part 1: |∂L/∂z| over logits for the target y = 1, by autograd.
    logits = torch.linspace(-LOGIT_RANGE, LOGIT_RANGE, 201, device=device, requires_grad=True)
    ones = torch.ones_like(logits)
    grad_bce, = torch.autograd.grad(F.binary_cross_entropy_with_logits(logits, ones, reduction="sum"), logits)
    grad_mse, = torch.autograd.grad(F.mse_loss(torch.sigmoid(logits), ones, reduction="sum"), logits)
    wrong = torch.tensor([params.wrong_logit], device=device, requires_grad=True)
    at_wrong_bce, = torch.autograd.grad(F.binary_cross_entropy_with_logits(wrong, ones[:1]), wrong)
    at_wrong_mse, = torch.autograd.grad(F.mse_loss(torch.sigmoid(wrong), ones[:1]), wrong)

    # Part 2: a logistic regression started confidently wrong, trained once with each loss.
    labels = (torch.rand(N_TRAIN, device=device) < 0.5).float()
    inputs = torch.randn(N_TRAIN, 2, device=device) + SEPARATION * (2 * labels - 1).unsqueeze(1)
    right_way = torch.tensor([1.0, 1.0], device=device) / 2 ** 0.5
    start = -params.init_scale * right_way
    weights = {key: start.clone().requires_grad_() for key, _ in LOSSES}
    biases = {key: torch.zeros(1, device=device, requires_grad=True) for key, _ in LOSSES}
    curves: dict[str, dict[str, list[float]]] = {key: {"accuracy": [], "mse": [], "bce": []} for key, _ in LOSSES}
    reached: dict[str, int | None] = dict.fromkeys(weights)

    def observe(key: str, step: int) -> None:
        with torch.no_grad():
            z = inputs @ weights[key] + biases[key]
            p = torch.sigmoid(z)
            accuracy = ((z > 0).float() == labels).float().mean().item()
            curves[key]["accuracy"].append(accuracy)
            curves[key]["mse"].append(F.mse_loss(p, labels).item())
            curves[key]["bce"].append(F.binary_cross_entropy_with_logits(z, labels).item())
            if reached[key] is None and accuracy >= TARGET_ACCURACY:
                reached[key] = step

    for key, _ in LOSSES:
        observe(key, 0)
    start_logit_spread = (inputs @ start).abs().mean().item()
    for step in range(1, params.steps + 1):
        for key, _ in LOSSES:
            z = inputs @ weights[key] + biases[key]
            loss = (F.binary_cross_entropy_with_logits(z, labels) if key == "bce"
                    else F.mse_loss(torch.sigmoid(z), labels))
            gw, gb = torch.autograd.grad(loss, (weights[key], biases[key]))
            with torch.no_grad():
                weights[key] -= params.learning_rate * gw
                biases[key] -= params.learning_rate * gb
            observe(key, step)
        if step % 100 == 0:
            progress(step / params.steps, f"{step}/{params.steps} 스텝")

    metrics: dict[str, float] = {
        "grad_bce_at_wrong": at_wrong_bce.abs().item(),
        "grad_mse_at_wrong": at_wrong_mse.abs().item(),
        "start_mean_abs_logit": start_logit_spread,
    }
    metrics["gradient_ratio"] = metrics["grad_bce_at_wrong"] / max(metrics["grad_mse_at_wrong"], 1e-45)
    for key, _ in LOSSES:
        metrics[f"reached_{key}"] = 1.0 if reached[key] is not None else 0.0
        metrics[f"steps_to_target_{key}"] = float(reached[key] if reached[key] is not None else params.steps)
        metrics[f"final_accuracy_{key}"] = curves[key]["accuracy"][-1]
        metrics[f"final_mse_{key}"] = curves[key]["mse"][-1]
        metrics[f"start_accuracy_{key}"] = curves[key]["accuracy"][0]

    zs = logits.detach().tolist()
    steps_x = [float(s) for s in range(params.steps + 1)]
    charts = [
        Chart(
            key="gradient", title="정답이 1일 때 로짓에 대한 기울기 크기 |∂L/∂z|", x_label="로짓 z (σ(z)가 예측 확률)",
            y_label="|∂L/∂z|", log_y=True,
            series=[Series(name=LOSSES[0][1], x=zs, y=[abs(g) or None for g in grad_bce.tolist()]),
                    Series(name=LOSSES[1][1], x=zs, y=[abs(g) or None for g in grad_mse.tolist()])],
        ),
        Chart(
            key="accuracy", title="반대로 초기화한 로지스틱 회귀의 정확도", x_label="스텝", y_label="정확도",
            series=[Series(name=f"{label}로 학습", x=steps_x, y=curves[key]["accuracy"]) for key, label in LOSSES],
        ),
        Chart(
            key="mse_view", title="두 학습을 같은 눈금(MSE)으로 보기", x_label="스텝", y_label="예측 확률의 MSE",
            series=[Series(name=f"{label}로 학습", x=steps_x, y=curves[key]["mse"]) for key, label in LOSSES],
        ),
    ]
    table = Table(
        columns=["학습 손실", f"z = {params.wrong_logit:g}에서 |∂L/∂z|", f"정확도 {TARGET_ACCURACY:.0%} 도달",
                 "마지막 정확도", "마지막 MSE", "마지막 BCE"],
        rows=[[label, float(f"{metrics[f'grad_{key}_at_wrong']:.3g}"),
               f"{int(metrics[f'steps_to_target_{key}'])}스텝" if reached[key] is not None else "도달 못 함",
               round(curves[key]["accuracy"][-1], 3), round(curves[key]["mse"][-1], 4),
               round(curves[key]["bce"][-1], 4)]
              for key, label in LOSSES],
    )
    progress(1.0, "완료", charts)
    return DemoResult(charts=charts, table=table, conclusion=_conclusion(params, metrics), metrics=metrics)


def _conclusion(params: Params, m: dict[str, float]) -> str:
    z = params.wrong_logit
    ratio = m["gradient_ratio"]
    text = (
        f"정답이 1인데 모델이 확신하며 틀렸을 때(로짓 z = {z:g}, 예측 확률 {1 / (1 + math.exp(-z)):.2g}) 로짓에 대한 기울기는 "
        f"BCE가 {m['grad_bce_at_wrong']:.3g}, MSE가 {m['grad_mse_at_wrong']:.3g}"
    )
    if ratio >= 10:
        text += f"입니다: MSE의 기울기가 {ratio:,.0f}배 작습니다. MSE에 곱해지는 p(1 − p)가 거의 0이기 때문입니다."
    else:
        text += f"입니다 ({ratio:.1f}배): 이 로짓에서는 시그모이드가 아직 포화되지 않아 차이가 크지 않습니다."
    n = params.steps
    bce, mse = m["steps_to_target_bce"], m["steps_to_target_mse"]
    start = f"처음 정확도 {m['start_accuracy_bce']:.0%}, 평균 |로짓| {m['start_mean_abs_logit']:.2g}"
    if m["reached_bce"] and (not m["reached_mse"] or mse >= 2 * bce):
        text += (
            f" 반대로 초기화한 로지스틱 회귀({start})는 BCE로 학습하면 {int(bce)}스텝 만에 정확도 "
            f"{TARGET_ACCURACY:.0%}에 닿았고, 같은 학습률의 MSE는 "
            + (f"{int(mse)}스텝이 걸렸습니다 ({mse / bce:.1f}배)." if m["reached_mse"] else
               f"{n}스텝 안에 닿지 못했습니다 (마지막 정확도 {m['final_accuracy_mse']:.0%}).")
        )
    elif m["reached_bce"] and m["reached_mse"]:
        text += (
            f" 반대로 초기화한 로지스틱 회귀({start})는 BCE로 {int(bce)}스텝, MSE로 {int(mse)}스텝 만에 정확도 "
            f"{TARGET_ACCURACY:.0%}에 닿아 이번에는 차이가 크지 않았습니다: 처음 예측이 포화될 만큼 틀리지 않았습니다."
        )
    else:
        text += (
            f" 반대로 초기화한 로지스틱 회귀({start})는 {n}스텝 안에 BCE {m['final_accuracy_bce']:.0%}, "
            f"MSE {m['final_accuracy_mse']:.0%}의 정확도에 그쳤습니다."
        )
    text += (
        f" 학습은 BCE로 하고 상황은 MSE로 보고 싶다면 예측 확률로 MSE를 따로 계산하면 됩니다: 마지막 MSE는 BCE로 "
        f"학습한 쪽이 {m['final_mse_bce']:.3g}, MSE로 학습한 쪽이 {m['final_mse_mse']:.3g}입니다."
    )
    return text


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
    version="1",
)
