"""Capacity and overfitting, and why a test set must not be used for choosing (면접 #15, #15-1, #15-2).

A small noisy sample of sin(πx) is fitted by polynomials (Legendre features, which keep the fits well
conditioned). Growing capacity, either the degree or the number of training epochs of the largest
model, drives the training error down while the validation error turns up; the validation set picks
the model. Then many candidate models are compared on one small test set: the winner's test error is
optimistic, as its error on a large fresh sample shows. Everything is repeated on fresh draws of the
data, batched along the first dimension, so the curves are medians and the bias is an average.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from app.demos.base import Chart, Citation, DemoParams, DemoResult, DemoSpec, QuestionRef, Series, Table
from app.demos.training import log_spaced_steps

FRESH_SIZE = 2000  # the "real world" the test set is meant to stand for
CURVE_POINTS = 60


class Params(DemoParams):
    capacity_axis: Literal["degree", "epochs"] = Field(
        "degree", description="용량을 키우는 축: 다항식 차수(degree) 또는 가장 큰 모델의 학습 에폭(epochs)"
    )
    n_train: int = Field(20, ge=8, le=200, description="학습 데이터 수")
    noise: float = Field(0.3, ge=0.01, le=1.0, description="관측 잡음의 표준편차")
    max_degree: int = Field(15, ge=3, le=20, description="가장 큰 다항식 차수")
    holdout_size: int = Field(20, ge=5, le=500, description="검증 세트와 테스트 세트의 크기 (각각)")
    n_candidates: int = Field(100, ge=2, le=200, description="테스트 점수로 비교하는 후보 모델 수")
    repeats: int = Field(30, ge=2, le=100, description="데이터를 새로 뽑아 반복하는 횟수")
    epochs: int = Field(1500, ge=100, le=10000, description="에폭 축일 때 학습 스텝 수 (전체 배치)")


SMALLEST = Params(repeats=10, n_candidates=40, epochs=400)


def _legendre(torch, x, degree: int):
    """Legendre features P_0..P_degree of x in [-1, 1]: shape x.shape + (degree + 1,)."""
    features = [torch.ones_like(x), x]
    for k in range(1, degree):
        features.append(((2 * k + 1) * x * features[k] - k * features[k - 1]) / (k + 1))
    return torch.stack(features[: degree + 1], dim=-1)


def _mse(torch, design, weights, targets):
    return ((design @ weights.unsqueeze(-1)).squeeze(-1) - targets).pow(2).mean(dim=-1)


def run(params: Params, device, progress) -> DemoResult:
    import torch

    dtype = torch.float64
    reps, top = params.repeats, params.max_degree

    def draw(size: int):
        x = torch.rand(reps, size, dtype=dtype, device=device) * 2 - 1
        y = torch.sin(torch.pi * x) + params.noise * torch.randn(reps, size, dtype=dtype, device=device)
        return _legendre(torch, x, top), y

    sets = {name: draw(size) for name, size in (
        ("train", params.n_train), ("val", params.holdout_size), ("test", params.holdout_size),
        ("fresh", FRESH_SIZE),
    )}

    def fit(degree: int, ridge: float):
        design, targets = sets["train"]
        design = design[..., : degree + 1]
        if ridge == 0.0:
            return (torch.linalg.pinv(design) @ targets.unsqueeze(-1)).squeeze(-1)
        gram = design.transpose(-1, -2) @ design
        eye = torch.eye(degree + 1, dtype=dtype, device=device)
        rhs = design.transpose(-1, -2) @ targets.unsqueeze(-1)
        return torch.linalg.solve(gram + ridge * params.n_train * eye, rhs).squeeze(-1)

    def errors(degree: int, weights) -> dict[str, object]:
        return {name: _mse(torch, design[..., : degree + 1], weights, targets)
                for name, (design, targets) in sets.items()}

    # Part 1: error against capacity, median over the repeated draws.
    if params.capacity_axis == "degree":
        axis = list(range(top + 1))
        per_point = [errors(d, fit(d, 0.0)) for d in axis]
        curves = {name: [e[name].median().item() for e in per_point] for name in ("train", "val", "test")}
        axis_label = "다항식 차수"
    else:
        axis, curves = _epoch_curves(torch, sets, params, device, progress)
        axis_label = "에폭 (전체 배치 스텝)"
    progress(0.5, "용량별 오차를 계산했습니다")

    best = min(range(len(axis)), key=lambda i: curves["val"][i])
    capacity_chart = Chart(
        key="capacity", title="용량에 따른 학습·검증·테스트 오차 (반복 중앙값)", x_label=axis_label,
        y_label="평균제곱오차", log_y=True, log_x=params.capacity_axis == "epochs",
        series=[Series(name=label, x=[float(a) for a in axis], y=curves[name])
                for name, label in (("train", "학습"), ("val", "검증"), ("test", "테스트"))],
    )
    progress(0.6, "후보 모델들을 테스트 세트로 비교합니다", [capacity_chart])

    # Part 2: a grid of (degree, ridge) candidates, in a random order, compared on the test set.
    ridges = torch.logspace(-8, 0, 12).tolist()
    grid = [(d, r) for d in range(top + 1) for r in ridges]
    order = torch.randperm(len(grid)).tolist()[: params.n_candidates]
    candidates = [grid[i] for i in order]
    scores = [errors(d, fit(d, r)) for d, r in candidates]
    table_of = {name: torch.stack([s[name] for s in scores], dim=1) for name in ("val", "test", "fresh")}

    def chosen(by: str, k: int):
        pick = table_of[by][:, :k].argmin(dim=1, keepdim=True)
        return (table_of["test"].gather(1, pick).mean().item(), table_of["fresh"].gather(1, pick).mean().item())

    ks = sorted({k for k in (1, 2, 3, 5, 10, 20, 50, 100, 150, 200) if k <= len(candidates)} | {len(candidates)})
    by_test = [chosen("test", k) for k in ks]
    by_val = [chosen("val", k) for k in ks]
    contamination_chart = Chart(
        key="contamination", title="후보 k개 중 가장 좋은 모델을 고른 뒤의 오차 (반복 평균)",
        x_label="비교한 후보 모델 수 k", y_label="평균제곱오차", log_x=True,
        series=[
            Series(name="테스트로 고름: 보고된 테스트 오차", x=[float(k) for k in ks], y=[t for t, _ in by_test]),
            Series(name="테스트로 고름: 새 데이터 오차", x=[float(k) for k in ks], y=[f for _, f in by_test]),
            Series(name="검증으로 고름: 테스트 오차", x=[float(k) for k in ks], y=[t for t, _ in by_val]),
            Series(name="검증으로 고름: 새 데이터 오차", x=[float(k) for k in ks], y=[f for _, f in by_val]),
        ],
    )
    test_reported, test_fresh = by_test[-1]
    val_reported, val_fresh = by_val[-1]
    last = len(axis) - 1
    metrics = {
        "best_capacity": float(axis[best]),
        "max_capacity": float(axis[last]),
        "train_mse_at_best": curves["train"][best],
        "train_mse_at_max": curves["train"][last],
        "val_mse_at_best": curves["val"][best],
        "val_mse_at_max": curves["val"][last],
        "test_mse_at_best": curves["test"][best],
        "n_candidates": float(len(candidates)),
        "test_selected_reported_mse": test_reported,
        "test_selected_fresh_mse": test_fresh,
        "val_selected_reported_mse": val_reported,
        "val_selected_fresh_mse": val_fresh,
        "test_selected_optimism": test_fresh / test_reported,
        "val_selected_optimism": val_fresh / val_reported,
    }
    table = Table(
        columns=["고르는 방법", "보고된 테스트 MSE", "새 데이터 MSE", "새 데이터 / 보고"],
        rows=[
            ["테스트 점수로 고름 (오염)", round(test_reported, 4), round(test_fresh, 4),
             round(metrics["test_selected_optimism"], 3)],
            ["검증 점수로 고르고 테스트는 한 번", round(val_reported, 4), round(val_fresh, 4),
             round(metrics["val_selected_optimism"], 3)],
        ],
    )
    progress(1.0, "완료", [capacity_chart, contamination_chart])
    return DemoResult(charts=[capacity_chart, contamination_chart], table=table,
                      conclusion=_conclusion(params, metrics), metrics=metrics)


def _epoch_curves(torch, sets, params: Params, device, progress):
    """Train the largest polynomial by full-batch Adam, every repeat at once, recording errors per epoch."""
    design, targets = sets["train"]
    weights = torch.zeros(params.repeats, params.max_degree + 1, dtype=design.dtype, device=device,
                          requires_grad=True)
    optimizer = torch.optim.Adam([weights], lr=0.05)
    marks = log_spaced_steps(params.epochs, CURVE_POINTS)
    axis, curves = [], {"train": [], "val": [], "test": []}
    for epoch in range(1, params.epochs + 1):
        optimizer.zero_grad(set_to_none=True)
        # Summed over repeats: each repeat's weights get only their own gradient.
        _mse(torch, design, weights, targets).sum().backward()
        optimizer.step()
        if epoch in marks:
            with torch.no_grad():
                axis.append(epoch)
                for name in curves:
                    d, t = sets[name]
                    curves[name].append(_mse(torch, d, weights, t).median().item())
            if epoch % 200 == 0:
                progress(0.5 * epoch / params.epochs, f"{epoch} 에폭")
    return axis, curves


def _times(ratio: float) -> str:
    return f"{ratio:,.0f}배" if ratio >= 100 else f"{ratio:.2f}배"


def _conclusion(params: Params, m: dict[str, float]) -> str:
    unit = "차수" if params.capacity_axis == "degree" else "에폭"
    best, top = int(m["best_capacity"]), int(m["max_capacity"])
    turn_up = m["val_mse_at_max"] / m["val_mse_at_best"]
    if best < top and turn_up > 1.1:
        part1 = (
            f"용량을 키우는 동안 학습 오차는 계속 줄었습니다 ({unit} {best}: {m['train_mse_at_best']:.3g} → "
            f"{unit} {top}: {m['train_mse_at_max']:.3g}). 검증 오차는 {unit} {best}에서 가장 낮고"
            f" ({m['val_mse_at_best']:.3g}) {unit} {top}에서는 {_times(turn_up)}가 됐습니다"
            f" ({m['val_mse_at_max']:.3g}). 그래서 학습 오차가 아니라 검증 오차로 모델을 고릅니다: {unit} {best}."
        )
    else:
        part1 = (
            f"이번 설정에서는 검증 오차가 뚜렷하게 다시 오르지 않았습니다 ({unit} {best}: {m['val_mse_at_best']:.3g}, "
            f"{unit} {top}: {m['val_mse_at_max']:.3g}, {_times(turn_up)}). 데이터가 많거나 잡음이 작으면 "
            f"큰 모델도 과대적합이 덜합니다."
        )
    k = int(m["n_candidates"])
    optimism = m["test_selected_optimism"]
    if optimism > 1.05:
        part2 = (
            f" 후보 {k}개를 테스트 점수로 비교해 고르면 그 테스트 점수는 실제보다 좋게 보고됩니다 "
            f"(보고된 테스트 MSE: {m['test_selected_reported_mse']:.3g}, 처음 보는 데이터: "
            f"{m['test_selected_fresh_mse']:.3g}, {_times(optimism)}). "
            f"선택에 쓰인 테스트 세트는 오염되어 성능을 부풀립니다. 검증 세트로 고르고 테스트는 한 번만 재면 "
            f"테스트 {m['val_selected_reported_mse']:.3g}, 새 데이터 {m['val_selected_fresh_mse']:.3g}"
            f" ({_times(m['val_selected_optimism'])})로 테스트 점수가 실제 성능을 정직하게 추정합니다."
        )
    else:
        part2 = (
            f" 후보 {k}개를 테스트 점수로 골랐을 때의 낙관 편향은 이번 설정에서 작았습니다 "
            f"(보고 {m['test_selected_reported_mse']:.3g}, 새 데이터 {m['test_selected_fresh_mse']:.3g}, "
            f"{_times(optimism)}). 후보가 많고 테스트 세트가 작을수록 이 편향이 커집니다."
        )
    return part1 + part2


DEMO = DemoSpec(
    slug="capacity-overfitting",
    title="모델 용량과 과대적합, 그리고 테스트 세트 오염",
    summary=(
        "용량(다항식 차수나 에폭)을 키우면 학습 오차는 계속 줄지만 검증 오차는 다시 오릅니다. "
        "여러 모델을 테스트 점수로 비교해 고르면 그 테스트 점수는 새 데이터에서의 오차보다 낙관적입니다."
    ),
    params=Params,
    smallest=SMALLEST,
    run=run,
    concepts=(
        "overfitting", "underfitting", "model_capacity", "validation_set", "test_set", "bias_variance_tradeoff",
        "hyperparameter_tuning",
    ),
    questions=(
        QuestionRef("면접 #15", "학습/테스트 분리"), QuestionRef("면접 #15-1", "검증 세트"),
        QuestionRef("면접 #15-2", "테스트 세트 오염"), QuestionRef("노드 07-1"), QuestionRef("노드 07-2", "에폭 줄이기"),
    ),
    citations=(
        Citation(authors="Hastie, Tibshirani & Friedman", year=2009,
                 title="The Elements of Statistical Learning, 2nd ed., §7.2–7.10 (model assessment and selection)",
                 url="https://hastie.su.domains/ElemStatLearn/"),
        Citation(authors="Cawley & Talbot", year=2010,
                 title="On Over-fitting in Model Selection and Subsequent Selection Bias in Performance Evaluation",
                 url="https://jmlr.org/papers/v11/cawley10a.html"),
    ),
    version="1",
)
