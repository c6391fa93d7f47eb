"""L1 vs L2 vs no penalty on the same logistic regression (면접 #15-3; 2주차 질문 5–8).

Only a few of many features carry the label, and the classes are separable. Three copies of one
model are trained by full-batch gradient descent from the same start: without a penalty, with an L2
penalty (weight decay) and with an L1 penalty applied by its proximal step (soft-thresholding, as
lasso solvers do; a plain subgradient step would only make weights hover around zero). L1 sets the
useless weights exactly to zero, L2 makes them small but never zero, and without a penalty the weight
norm keeps growing as long as training goes on, because a separable problem's loss falls forever as
the weights scale up.

The arms get a stated equal budget: one λ for both penalties, one learning rate, the same steps and
start; every seed draws its own data and all seeds train as one batched tensor. The claim is judged on
what it is about, per seed: the fraction of the useless weights that end exactly at zero (L1 minus L2),
and the growth of the unpenalised norm over the second half of training. With λ a hundred times
smaller the proximal step is too small to reach zero and the claim does not hold.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable
from typing import Any

from pydantic import Field, model_validator

from app.demos.base import Chart, Citation, DemoParams, DemoSpec, Measurement, QuestionRef, Series, Table
from app.demos.evidence import Claim
from app.demos.training import log_spaced_steps

TEST_SIZE = 2000
CURVE_POINTS = 50
SMALL_WEIGHT = 1e-2  # "small" for counting near-zero weights
METHODS = (("none", "규제 없음"), ("l2", "L2"), ("l1", "L1"))


class Params(DemoParams):
    n_features: int = Field(50, ge=5, le=200, description="입력 특성 수")
    n_informative: int = Field(5, ge=1, le=50, description="정답에 실제로 쓰이는 특성 수")
    n_train: int = Field(80, ge=10, le=1000, description="학습 데이터 수")
    strength: float = Field(0.03, ge=1e-4, le=1.0, description="규제 세기 λ (L1과 L2에 같은 값)")
    steps: int = Field(3000, ge=100, le=20000, description="경사 하강 반복 수 (전체 배치)")
    learning_rate: float = Field(0.5, ge=0.01, le=5.0, description="학습률")

    @model_validator(mode="after")
    def _informative_within_features(self):
        if self.n_informative > self.n_features:
            raise ValueError("n_informative는 n_features보다 클 수 없습니다")
        return self


SMALLEST = Params(steps=600)
# λ a hundred times smaller: the proximal step shrinks by lr·λ per step, too little to reach zero.
BREAKING = Params(strength=1e-4)
ZERO_GAP_MARGIN = 0.5  # L1 zeroes over half the useless weights more than L2 does
GROWTH_MARGIN = 1.02  # "keeps growing": the norm still rises by over 2% in the second half


def _draw(seed: int, params: Params, device):
    import torch

    generator = torch.Generator().manual_seed(seed)
    d, k = params.n_features, params.n_informative
    true_weights = torch.zeros(d)
    true_weights[:k] = torch.randn(k, generator=generator).sign() * (1.0 + torch.rand(k, generator=generator))
    inputs = torch.randn(params.n_train + TEST_SIZE, d, generator=generator)
    labels = (inputs @ true_weights > 0).float()  # separable by construction
    return inputs.to(device), labels.to(device)


def _data(params: Params, seeds, device) -> tuple[Any, Any, Any, Any]:
    """Train and test inputs and labels, (seeds, n, d) and (seeds, n)."""
    import torch

    n = params.n_train
    drawn = [_draw(seed, params, device) for seed in seeds]
    inputs = torch.stack([x for x, _ in drawn])  # (seeds, n + test, d)
    labels = torch.stack([y for _, y in drawn])
    return inputs[:, :n], labels[:, :n], inputs[:, n:], labels[:, n:]


def _train(params: Params, train_x, train_y, marks: list[int], device, progress) -> tuple[Any, Any, list]:
    """One row per (seed, method), trained side by side from the same start with the same λ, rate and
    steps: the rows never interact (the summed loss gives each its own gradient). Returns the weights,
    the biases and the weights' norms at the marked steps."""
    import torch

    n_seeds, d = train_x.shape[0], params.n_features
    weights = torch.zeros(n_seeds, len(METHODS), d, device=device, requires_grad=True)
    bias = torch.zeros(n_seeds, len(METHODS), 1, device=device, requires_grad=True)
    lr, lam = params.learning_rate, params.strength
    norm_curve: list[torch.Tensor] = []  # per mark: (seeds, methods)
    for step in range(1, params.steps + 1):
        logits = torch.einsum("smd,snd->smn", weights, train_x) + bias
        loss = torch.nn.functional.binary_cross_entropy_with_logits(
            logits, train_y.unsqueeze(1).expand_as(logits), reduction="none").mean(dim=2).sum()
        grad_w, grad_b = torch.autograd.grad(loss, (weights, bias))
        with torch.no_grad():
            bias -= lr * grad_b
            weights[:, 0] -= lr * grad_w[:, 0]
            weights[:, 1] -= lr * (grad_w[:, 1] + lam * weights[:, 1])  # gradient of (λ/2)·‖w‖²
            shrunk = weights[:, 2] - lr * grad_w[:, 2]
            weights[:, 2] = shrunk.sign() * (shrunk.abs() - lr * lam).clamp(min=0.0)  # prox of λ·‖w‖₁
        if step in marks:
            norm_curve.append(weights.detach().norm(dim=2))
        if step % 500 == 0:
            progress(step / params.steps, f"{step}/{params.steps} 스텝")
    return weights.detach(), bias, norm_curve


def _measure(params: Params, final, bias, norm_curve: list, marks: list[int],
             data: tuple[Any, Any, Any, Any]) -> dict[str, list[float | None]]:
    import torch

    train_x, train_y, test_x, test_y = data
    d, k, n_seeds = params.n_features, params.n_informative, final.shape[0]
    with torch.no_grad():
        def accuracy(x, y):  # (seeds, methods)
            return ((torch.einsum("smd,snd->smn", final, x) + bias > 0).float() == y.unsqueeze(1)).float().mean(2)
        train_acc, test_acc = accuracy(train_x, train_y), accuracy(test_x, test_y)
    half = next(i for i, s in enumerate(marks) if s >= params.steps // 2)
    useless = max(d - k, 1)

    per_seed: dict[str, list[float | None]] = {}
    for i, (key, _) in enumerate(METHODS):
        w = final[:, i]
        per_seed |= {
            f"zeros_{key}": (w == 0).sum(1).float().tolist(),
            f"small_{key}": (w.abs() < SMALL_WEIGHT).sum(1).float().tolist(),
            f"zeros_among_useless_{key}": (w[:, k:] == 0).sum(1).float().tolist(),
            f"zero_fraction_useless_{key}": ((w[:, k:] == 0).sum(1).float() / useless).tolist(),
            f"norm_{key}": w.norm(dim=1).tolist(),
            f"norm_half_{key}": norm_curve[half][:, i].tolist(),
            f"min_abs_{key}": w.abs().min(dim=1).values.tolist(),
            f"l1_norm_{key}": w.abs().sum(dim=1).tolist(),
            f"train_accuracy_{key}": train_acc[:, i].tolist(),
            f"test_accuracy_{key}": test_acc[:, i].tolist(),
        }
    per_seed["n_useless"] = [float(d - k)] * n_seeds
    zero_fraction = (final[:, :, k:] == 0).sum(2).float() / useless  # (seeds, methods)
    per_seed["useless_zero_gap"] = (zero_fraction[:, 2] - zero_fraction[:, 1]).tolist()
    growth = final.norm(dim=2) / norm_curve[half]  # a non-finite ratio is judged as no number
    per_seed["norm_growth_none"], per_seed["norm_growth_l2"] = growth[:, 0].tolist(), growth[:, 1].tolist()
    return per_seed


def _report(params: Params, seeds, final, norm_curve: list, marks: list[int],
            mean: Callable[[str], float]) -> tuple[list[Chart], Table]:
    import torch

    d, k = params.n_features, params.n_informative
    steps_x = [float(s) for s in marks]
    curves = torch.stack(norm_curve)  # (marks, seeds, methods)
    charts = [
        Chart(key="norm", title="반복에 따른 가중치 크기 ‖w‖₂ (시드 범위)", x_label="스텝", y_label="‖w‖₂", log_x=True,
              series=[Series.over_seeds(label, steps_x, curves[:, :, i].T.tolist())
                      for i, (_, label) in enumerate(METHODS)]),
        Chart(key="weights", title=f"특성별 학습된 가중치 (시드 {seeds[0]}; 앞의 {k}개만 정답에 쓰임)", x_label="특성 번호",
              y_label="가중치 w_j",
              series=[Series(name=label, x=[float(j) for j in range(d)], y=final[0, i].tolist())
                      for i, (_, label) in enumerate(METHODS)]),
    ]
    table = Table(columns=["규제 (같은 λ·학습률·스텝)", "정확히 0인 가중치 (평균)", f"|w| < {SMALL_WEIGHT:g} (평균)", "‖w‖₂",
                           "‖w‖₁", "학습 정확도", "테스트 정확도"],
                  rows=[[label, round(mean(f"zeros_{key}"), 1), round(mean(f"small_{key}"), 1),
                         mean(f"norm_{key}"), mean(f"l1_norm_{key}"), round(mean(f"train_accuracy_{key}"), 3),
                         round(mean(f"test_accuracy_{key}"), 3)] for key, label in METHODS])
    return charts, table


def run(params: Params, device, progress, seeds) -> Measurement:
    data = _data(params, seeds, device)
    marks = log_spaced_steps(params.steps, CURVE_POINTS)
    final, bias, norm_curve = _train(params, data[0], data[1], marks, device, progress)
    per_seed = _measure(params, final, bias, norm_curve, marks, data)

    def mean(name: str) -> float:
        values = [v for v in per_seed[name] if v is not None and math.isfinite(v)]
        return statistics.fmean(values) if values else math.nan

    charts, table = _report(params, seeds, final, norm_curve, marks, mean)
    progress(1.0, "완료", charts)
    return Measurement(per_seed=per_seed, charts=charts, table=table, notes=_notes(params, mean))


def _notes(params: Params, mean) -> list[str]:
    d = params.n_features
    useless = d - params.n_informative
    zeros_l1, zeros_l2 = mean("zeros_l1"), mean("zeros_l2")
    gap = mean("useless_zero_gap")
    l2_side = (f"L2는 정확히 0인 가중치가 평균 {zeros_l2:.3g}개이고 가장 작은 |w|도 평균 {mean('min_abs_l2'):.2g}입니다: "
               f"작게 줄이지만 0으로 만들지는 않습니다.")
    if gap >= ZERO_GAP_MARGIN:
        notes = [f"L1은 가중치 {d}개 중 평균 {zeros_l1:.3g}개를 정확히 0으로 만들었습니다 (쓸모없는 특성 {useless}개 중 평균 "
                 f"{mean('zeros_among_useless_l1'):.3g}개). 0이 아닌 것만 저장하면 되니 모델이 압축됩니다. " + l2_side]
    elif zeros_l1 > zeros_l2:
        notes = [f"여기서는 주장이 무너집니다: L1도 가중치 {d}개 중 평균 {zeros_l1:.3g}개만 정확히 0으로 만들었습니다. "
                 f"규제가 약하면(λ={params.strength:g}) 한 스텝에 줄이는 양 lr·λ = {params.learning_rate * params.strength:.2g}"
                 f"가 기울기보다 작아 쓸모없는 특성 {useless}개 대부분이 0에 닿지 못합니다. " + l2_side]
    else:
        notes = [f"여기서는 주장이 무너집니다: L1이 L2보다 0을 더 많이 만들지 못했습니다 (L1 평균 {zeros_l1:.3g}개, "
                 f"L2 {zeros_l2:.3g}개). 규제가 너무 약하거나 (λ={params.strength:g}) 반복이 부족했을 수 있습니다."]
    growth, growth_l2 = mean("norm_growth_none"), mean("norm_growth_l2")
    if growth >= GROWTH_MARGIN:
        notes.append(f"규제가 없으면 ‖w‖₂가 학습 후반부에도 계속 커졌습니다 (중간 {mean('norm_half_none'):.3g} → 끝 "
                     f"{mean('norm_none'):.3g}, {growth:.2f}배): 분리 가능한 데이터에서는 w를 키울수록 손실이 줄기 때문입니다."
                     + (f" L2를 쓰면 같은 구간에서 {mean('norm_l2'):.3g}에 멈춰 있습니다 ({growth_l2:.3f}배)."
                        if growth_l2 < 1.01 else
                        f" L2에서도 {growth_l2:.2f}배 커졌지만 규제가 없을 때보다 덜합니다." if growth_l2 < growth - 0.01 else
                        f" L2도 {growth_l2:.2f}배로 거의 같이 커졌습니다: λ={params.strength:g}는 커지는 힘을 누르기에 "
                        f"너무 작습니다."))
    elif math.isfinite(growth):
        notes.append(f"이번 설정에서는 규제가 없어도 ‖w‖₂가 후반부에 거의 커지지 않았습니다 ({growth:.2f}배): 반복이 "
                     f"짧거나 학습률이 작으면 끝없이 커지는 모습이 아직 드러나지 않습니다.")
    notes.append(f"테스트 정확도는 규제 없음 {mean('test_accuracy_none'):.1%}, L2 {mean('test_accuracy_l2'):.1%}, "
                 f"L1 {mean('test_accuracy_l1'):.1%}입니다 (세 방법 모두 같은 λ={params.strength:g}, 학습률, "
                 f"{params.steps}스텝).")
    return notes


DEMO = DemoSpec(
    slug="l1-vs-l2",
    title="L1과 L2 규제: 희소성과 가중치 크기",
    summary=(
        "같은 모델을 L1, L2, 규제 없이 학습하면 L1만 쓸모없는 가중치를 정확히 0으로 만들고(희소, 압축), "
        "L2는 작게만 줄이며, 규제가 없으면 반복할수록 가중치가 커집니다."
    ),
    params=Params,
    smallest=SMALLEST,
    run=run,
    claims=(
        Claim(metric="useless_zero_gap", direction="greater", margin=ZERO_GAP_MARGIN,
              statement="같은 λ에서 L1은 쓸모없는 가중치의 절반 넘게를 L2보다 더 정확히 0으로 만든다 (L2는 0으로 만들지 않는다)",
              metric_label="쓸모없는 가중치 중 0이 된 비율의 차 (L1 − L2)"),
        Claim(metric="norm_growth_none", direction="greater", margin=GROWTH_MARGIN,
              statement="규제가 없으면 분리 가능한 데이터에서 학습 후반에도 가중치 크기 ‖w‖₂가 계속 커진다",
              metric_label="규제 없을 때 학습 후반 ‖w‖₂ 증가 배율"),
    ),
    breaking=BREAKING,
    metric_labels={
        **{f"{name}_{key}": f"{label} ({method})" for key, method in METHODS for name, label in (
            ("zeros", "정확히 0인 가중치 수"), ("small", f"|w| < {SMALL_WEIGHT:g}인 가중치 수"),
            ("zeros_among_useless", "쓸모없는 가중치 중 0인 수"),
            ("zero_fraction_useless", "쓸모없는 가중치 중 0인 비율"), ("norm", "학습 끝 ‖w‖₂"),
            ("norm_half", "학습 중간의 ‖w‖₂"), ("min_abs", "가장 작은 |w|"), ("l1_norm", "학습 끝 ‖w‖₁"),
            ("train_accuracy", "학습 정확도"), ("test_accuracy", "테스트 정확도"))},
        "n_useless": "쓸모없는 특성 수",
        "norm_growth_l2": "L2일 때 학습 후반 ‖w‖₂ 증가 배율",
    },
    concepts=("l1_regularization", "l2_regularization", "regularization", "sparsity", "weight_decay"),
    questions=(
        QuestionRef("면접 #15-3", "Regularization"), QuestionRef("2주차 질문 5", "L1과 모델 압축"),
        QuestionRef("2주차 질문 6", "W가 희소해지는 이유"), QuestionRef("2주차 질문 7", "은닉 유닛 영향력 줄이기"),
        QuestionRef("2주차 질문 8", "반복할수록 w가 커지는 이유"),
    ),
    citations=(
        Citation(authors="Tibshirani", year=1996, title="Regression Shrinkage and Selection via the Lasso",
                 url="https://doi.org/10.1111/j.2517-6161.1996.tb02080.x"),
        Citation(authors="Soudry, Hoffer, Nacson, Gunasekar & Srebro", year=2018,
                 title="The Implicit Bias of Gradient Descent on Separable Data",
                 url="https://jmlr.org/papers/v19/18-188.html"),
    ),
    version="2",
)
