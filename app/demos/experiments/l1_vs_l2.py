"""L1 vs L2 vs no penalty on the same logistic regression (면접 #15-3; 2주차 질문 5–8).

Only a few of many features carry the label, and the classes are separable. Three copies of one
model are trained by full-batch gradient descent from the same start: without a penalty, with an L2
penalty (weight decay) and with an L1 penalty applied by its proximal step (soft-thresholding, as
lasso solvers do; a plain subgradient step would only make weights hover around zero). L1 sets the
useless weights exactly to zero, L2 makes them small but never zero, and without a penalty the weight
norm keeps growing as long as training goes on, because a separable problem's loss falls forever as
the weights scale up.
"""

from __future__ import annotations

from pydantic import Field, model_validator

from app.demos.base import Chart, Citation, DemoParams, DemoResult, DemoSpec, QuestionRef, Series, Table
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


def run(params: Params, device, progress) -> DemoResult:
    import torch

    d, k = params.n_features, params.n_informative
    true_weights = torch.zeros(d, device=device)
    true_weights[:k] = torch.randn(k, device=device).sign() * (1.0 + torch.rand(k, device=device))

    def draw(n: int):
        inputs = torch.randn(n, d, device=device)
        return inputs, (inputs @ true_weights > 0).float()  # separable by construction

    train_x, train_y = draw(params.n_train)
    test_x, test_y = draw(TEST_SIZE)

    # One row per method, trained side by side: the rows never interact.
    weights = torch.zeros(len(METHODS), d, device=device, requires_grad=True)
    bias = torch.zeros(len(METHODS), 1, device=device, requires_grad=True)
    lr, lam = params.learning_rate, params.strength
    marks = log_spaced_steps(params.steps, CURVE_POINTS)
    norm_curve: list[list[float]] = []
    for step in range(1, params.steps + 1):
        logits = weights @ train_x.T + bias
        loss = torch.nn.functional.binary_cross_entropy_with_logits(
            logits, train_y.expand_as(logits), reduction="none").mean(dim=1).sum()
        grad_w, grad_b = torch.autograd.grad(loss, (weights, bias))
        with torch.no_grad():
            bias -= lr * grad_b
            weights[0] -= lr * grad_w[0]
            weights[1] -= lr * (grad_w[1] + lam * weights[1])  # gradient of (λ/2)·‖w‖²
            shrunk = weights[2] - lr * grad_w[2]
            weights[2] = shrunk.sign() * (shrunk.abs() - lr * lam).clamp(min=0.0)  # prox of λ·‖w‖₁
        if step in marks:
            norm_curve.append(weights.detach().norm(dim=1).tolist())
        if step % 500 == 0:
            progress(step / params.steps, f"{step}/{params.steps} 스텝")

    final = weights.detach()
    with torch.no_grad():
        def accuracy(x, y):
            return ((final @ x.T + bias > 0).float() == y).float().mean(dim=1).tolist()
        train_acc, test_acc = accuracy(train_x, train_y), accuracy(test_x, test_y)
    half = next(i for i, s in enumerate(marks) if s >= params.steps // 2)

    metrics: dict[str, float] = {}
    rows = []
    for i, (key, label) in enumerate(METHODS):
        w = final[i]
        metrics |= {
            f"zeros_{key}": float((w == 0).sum().item()),
            f"small_{key}": float((w.abs() < SMALL_WEIGHT).sum().item()),
            f"zeros_among_useless_{key}": float((w[k:] == 0).sum().item()),
            f"norm_{key}": w.norm().item(),
            f"norm_half_{key}": norm_curve[half][i],
            f"min_abs_{key}": w.abs().min().item(),
            f"test_accuracy_{key}": test_acc[i],
        }
        rows.append([label, int(metrics[f"zeros_{key}"]), int(metrics[f"small_{key}"]),
                     round(metrics[f"norm_{key}"], 3), round(w.abs().sum().item(), 3),
                     round(train_acc[i], 3), round(test_acc[i], 3)])
    metrics["n_useless"] = float(d - k)
    metrics["norm_growth_none"] = metrics["norm_none"] / metrics["norm_half_none"]
    metrics["norm_growth_l2"] = metrics["norm_l2"] / metrics["norm_half_l2"]

    charts = [
        Chart(key="norm", title="반복에 따른 가중치 크기 ‖w‖₂", x_label="스텝", y_label="‖w‖₂", log_x=True,
              series=[Series(name=label, x=[float(s) for s in marks], y=[row[i] for row in norm_curve])
                      for i, (_, label) in enumerate(METHODS)]),
        Chart(key="weights", title=f"특성별 학습된 가중치 (앞의 {k}개만 정답에 쓰임)", x_label="특성 번호",
              y_label="가중치 w_j",
              series=[Series(name=label, x=[float(j) for j in range(d)], y=final[i].tolist())
                      for i, (_, label) in enumerate(METHODS)]),
    ]
    table = Table(columns=["규제", "정확히 0인 가중치", f"|w| < {SMALL_WEIGHT:g}", "‖w‖₂", "‖w‖₁",
                           "학습 정확도", "테스트 정확도"], rows=rows)
    progress(1.0, "완료", charts)
    return DemoResult(charts=charts, table=table, conclusion=_conclusion(params, metrics), metrics=metrics)


def _conclusion(params: Params, m: dict[str, float]) -> str:
    d = params.n_features
    useless = int(m["n_useless"])
    zeros_l1, zeros_l2 = int(m["zeros_l1"]), int(m["zeros_l2"])
    l2_side = (
        f"L2는 정확히 0인 가중치가 {zeros_l2}개이고 가장 작은 |w|도 {m['min_abs_l2']:.2g}입니다: "
        f"작게 줄이지만 0으로 만들지는 않습니다."
    )
    if zeros_l1 > zeros_l2 and zeros_l1 * 2 >= useless:
        sparsity = (
            f"L1은 가중치 {d}개 중 {zeros_l1}개를 정확히 0으로 만들었습니다 (쓸모없는 특성 {useless}개 중 "
            f"{int(m['zeros_among_useless_l1'])}개). 0이 아닌 {d - zeros_l1}개만 저장하면 되니 모델이 압축됩니다. "
            + l2_side
        )
    elif zeros_l1 > zeros_l2:
        sparsity = (
            f"L1도 이번에는 가중치 {d}개 중 {zeros_l1}개만 정확히 0으로 만들었습니다: 규제가 약해 "
            f"(λ={params.strength:g}) 쓸모없는 특성 {useless}개 대부분이 남았습니다. " + l2_side
        )
    else:
        sparsity = (
            f"이번 설정에서는 L1이 L2보다 0을 더 많이 만들지 못했습니다 (L1 {zeros_l1}개, L2 {zeros_l2}개). "
            f"규제가 너무 약하거나 (λ={params.strength:g}) 반복이 부족했을 수 있습니다."
        )
    growth, growth_l2 = m["norm_growth_none"], m["norm_growth_l2"]
    if growth > 1.02:
        norms = (
            f" 규제가 없으면 ‖w‖₂가 학습 후반부에도 계속 커졌습니다 (중간 {m['norm_half_none']:.3g} → 끝 "
            f"{m['norm_none']:.3g}, {growth:.2f}배): 분리 가능한 데이터에서는 w를 키울수록 손실이 줄기 때문입니다."
        )
        norms += (
            f" L2를 쓰면 같은 구간에서 ‖w‖₂가 {m['norm_l2']:.3g}에 멈춰 있습니다 ({growth_l2:.3f}배)."
            if growth_l2 < 1.01 else
            f" L2에서도 {growth_l2:.2f}배 커졌지만 규제가 없을 때보다 덜합니다 (끝 {m['norm_l2']:.3g})."
        )
    else:
        norms = (
            f" 이번 설정에서는 규제가 없어도 ‖w‖₂가 후반부에 거의 커지지 않았습니다 ({growth:.2f}배, "
            f"L2는 {growth_l2:.2f}배)."
        )
    accuracy = (
        f" 테스트 정확도는 규제 없음 {m['test_accuracy_none']:.1%}, L2 {m['test_accuracy_l2']:.1%}, "
        f"L1 {m['test_accuracy_l1']:.1%}입니다."
    )
    return sparsity + norms + accuracy


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
    version="1",
)
