"""Capacity and overfitting, and why a test set must not be used for choosing (면접 #15, #15-1, #15-2).

A small noisy sample of sin(πx) is fitted by polynomials (Legendre features, which keep the fits well
conditioned; above the interpolation threshold the minimum-norm fit). Growing capacity, either the
degree or the number of training epochs of the largest model, drives the training error down while the
validation error turns up. The claim is judged on held-out data nobody chose on: each repeat picks its
capacity (degree, or the largest model's best epoch: early stopping) on its own validation set, and
the largest capacity's error on a large fresh sample is compared with the picked one's. Past the
interpolation threshold the validation error can fall again (double descent); the notes say so when the
curve shows it. Then many candidate models are compared on one small test set: the winner's test error
is optimistic, as its error on the fresh sample shows, and choosing on validation instead is not.

Each seed draws its own ``repeats`` datasets (and its own candidate order); all seeds' repeats are
batched along the first dimension. Per seed, curves are medians over repeats and the bias an average.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import Field

from app.demos.base import Boundary, Chart, Citation, DemoParams, DemoSpec, Measurement, QuestionRef, Series, Table
from app.demos.evidence import Claim, summarise
from app.demos.training import differences, log_spaced_steps

FRESH_SIZE = 2000  # the "real world" the test set is meant to stand for
CURVE_POINTS = 60
RIDGES = 12  # ridge strengths per degree in the candidate grid, log-spaced over 1e-8 … 1
OVERFIT_FACTOR = 1.1  # the claim: the largest capacity is worse on fresh data by more than this factor


class Params(DemoParams):
    capacity_axis: Literal["degree", "epochs"] = Field(
        "degree", description="용량을 키우는 축: 다항식 차수(degree) 또는 가장 큰 모델의 학습 에폭(epochs)"
    )
    n_train: int = Field(20, ge=8, le=200, description="학습 데이터 수")
    noise: float = Field(0.3, ge=0.01, le=1.0, description="관측 잡음의 표준편차")
    max_degree: int = Field(15, ge=3, le=20, description="가장 큰 다항식 차수")
    holdout_size: int = Field(20, ge=5, le=500, description="검증 세트와 테스트 세트의 크기 (각각)")
    n_candidates: int = Field(100, ge=2, le=200, description="테스트 점수로 비교하는 후보 모델 수")
    repeats: int = Field(50, ge=2, le=100, description="데이터를 새로 뽑아 반복하는 횟수")
    epochs: int = Field(1500, ge=100, le=10000, description="에폭 축일 때 학습 스텝 수 (전체 배치)")


SMALLEST = Params(repeats=10, n_candidates=40, epochs=400)
BREAKING = Params(n_train=200)


def _legendre(torch, x, degree: int):
    """Legendre features P_0..P_degree of x in [-1, 1]: shape x.shape + (degree + 1,)."""
    features = [torch.ones_like(x), x]
    for k in range(1, degree):
        features.append(((2 * k + 1) * x * features[k] - k * features[k - 1]) / (k + 1))
    return torch.stack(features[: degree + 1], dim=-1)


def _mse(torch, design, weights, targets):
    return ((design @ weights.unsqueeze(-1)).squeeze(-1) - targets).pow(2).mean(dim=-1)


def _moments(design, targets):
    n = design.shape[-2]
    return (design.transpose(-1, -2) @ design / n, (design.transpose(-1, -2) @ targets.unsqueeze(-1)).squeeze(-1) / n,
            targets.pow(2).mean(dim=-1))


def _mse_from(moments, degree: int, weights):
    """mean((Xw − y)²) = wᵀ(XᵀX/n)w − 2 w·(Xᵀy/n) + mean(y²), over the first ``degree`` + 1 features."""
    gram, cross, square = moments
    k = degree + 1
    quadratic = (weights.unsqueeze(-2) @ gram[..., :k, :k] @ weights.unsqueeze(-1)).squeeze(-1).squeeze(-1)
    return (quadratic - 2 * (weights * cross[..., :k]).sum(dim=-1) + square).clamp(min=0.0)


def _data(params: Params, seeds: list[int], device) -> dict[str, tuple[Any, Any]]:
    """Per set, the Legendre design and the targets, (S*reps, size, ...) seed-major."""
    import torch

    from app.demos.batched import generator

    dtype = torch.float64
    gens = [generator(seed * 7919 + 21) for seed in seeds]

    def draw(size: int):
        # Drawn on the CPU from each seed's generator, so the data do not depend on the device.
        xs, ys = [], []
        for gen in gens:
            x = torch.rand(params.repeats, size, dtype=dtype, generator=gen) * 2 - 1
            xs.append(x)
            ys.append(torch.sin(torch.pi * x)
                      + params.noise * torch.randn(params.repeats, size, dtype=dtype, generator=gen))
        x, y = torch.cat(xs).to(device), torch.cat(ys).to(device)
        return _legendre(torch, x, params.max_degree), y

    return {name: draw(size) for name, size in (
        ("train", params.n_train), ("val", params.holdout_size), ("test", params.holdout_size),
        ("fresh", FRESH_SIZE),
    )}


def _fit(params: Params, train: tuple[Any, Any], degree: int, ridge: float, device):
    """Every repeat's least-squares (ridge > 0: ridge) polynomial of the given degree."""
    import torch

    design, targets = train
    design = design[..., : degree + 1]
    if ridge == 0.0:
        return (torch.linalg.pinv(design) @ targets.unsqueeze(-1)).squeeze(-1)
    gram = design.transpose(-1, -2) @ design
    eye = torch.eye(degree + 1, dtype=torch.float64, device=device)
    rhs = design.transpose(-1, -2) @ targets.unsqueeze(-1)
    return torch.linalg.solve(gram + ridge * params.n_train * eye, rhs).squeeze(-1)


def _errors(moments: dict, degree: int, weights) -> dict[str, Any]:
    return {name: _mse_from(moment, degree, weights) for name, moment in moments.items()}


def _capacity_curves(params: Params, sets, moments, S: int, device, progress) -> tuple[list[int], dict, str]:
    """Part 1: error against capacity, (points, S, reps) per set, and the capacity axis's label."""
    import torch

    if params.capacity_axis == "degree":
        axis = list(range(params.max_degree + 1))
        per_point = [_errors(moments, d, _fit(params, sets["train"], d, 0.0, device)) for d in axis]
        curve = {name: torch.stack([e[name] for e in per_point]).reshape(len(axis), S, params.repeats).cpu()
                 for name in ("train", "val", "fresh")}
        return axis, curve, "다항식 차수"
    axis, curve = _epoch_curves(torch, sets, moments, params, S, progress)
    return axis, curve, "에폭 (전체 배치 스텝)"


def _capacity_chart(params: Params, axis: list[int], curve: dict, axis_label: str, S: int) -> Chart:
    return Chart(
        key="capacity", title="용량에 따른 학습·검증·새 데이터 오차 (반복 중앙값의 시드 평균, 띠는 시드 최소~최대)",
        x_label=axis_label, y_label="평균제곱오차", log_y=True, log_x=params.capacity_axis == "epochs",
        series=[Series.over_seeds(label, [float(a) for a in axis],
                                  [curve[name][:, s].median(dim=1).values.tolist() for s in range(S)])
                for name, label in (("train", "학습"), ("val", "검증"), ("fresh", "새 데이터"))],
    )


@dataclass
class _Selection:
    """Per seed and number of candidates k: (test MSE, fresh MSE, mean log10(fresh / test)) of the pick."""

    ks: list[int]
    by_test: list[list[tuple[float, float, float]]]
    by_val: list[list[tuple[float, float, float]]]
    k_all: int


def _selection(params: Params, sets, moments, seeds: list[int], device) -> _Selection:
    """Part 2: the whole (degree, ridge) grid is fitted once; each seed compares its own random
    n_candidates of it on the test set, in its own order."""
    import torch

    from app.demos.batched import generator

    S = len(seeds)
    ridges = torch.logspace(-8, 0, RIDGES).tolist()
    grid = [(d, r) for d in range(params.max_degree + 1) for r in ridges]
    scores = [_errors(moments, d, _fit(params, sets["train"], d, r, device)) for d, r in grid]
    table_of = {name: torch.stack([sc[name] for sc in scores], dim=1).reshape(S, params.repeats, len(grid)).cpu()
                for name in ("val", "test", "fresh")}
    k_all = min(params.n_candidates, len(grid))
    orders = [torch.randperm(len(grid), generator=generator(seed * 7919 + 22))[:k_all] for seed in seeds]

    def chosen(by: str, k: int, s: int) -> tuple[float, float, float]:
        """Over the seed's repeats: the median of the pick's test MSE and of its fresh MSE (a few repeats whose
        pick fails badly on fresh data would otherwise be the whole mean), and the mean of log10(fresh / test)."""
        order = orders[s][:k]
        pick = table_of[by][s][:, order].argmin(dim=1, keepdim=True)
        test = table_of["test"][s][:, order].gather(1, pick).squeeze(1)
        fresh = table_of["fresh"][s][:, order].gather(1, pick).squeeze(1)
        return test.median().item(), fresh.median().item(), torch.log10(fresh / test).mean().item()

    ks = sorted({k for k in (1, 2, 3, 5, 10, 20, 50, 100, 150, 200) if k <= k_all} | {k_all})
    return _Selection(ks=ks, by_test=[[chosen("test", k, s) for k in ks] for s in range(S)],
                      by_val=[[chosen("val", k, s) for k in ks] for s in range(S)], k_all=k_all)


def _selection_metrics(selection: _Selection, S: int) -> dict[str, list[float | None]]:
    per_seed: dict[str, list[float | None]] = {}
    optimism = {}
    for name, rows in (("test", selection.by_test), ("val", selection.by_val)):
        optimism[name] = [row[-1][2] for row in rows]
        per_seed[f"{name}_selected_reported_mse"] = [row[-1][0] for row in rows]
        per_seed[f"{name}_selected_fresh_mse"] = [row[-1][1] for row in rows]
        per_seed[f"log10_{name}_selected_optimism"] = list(optimism[name])
    per_seed["log10_optimism_test_over_val_selected"] = differences(optimism["test"], optimism["val"])
    per_seed["n_candidates"] = [float(selection.k_all)] * S
    return per_seed


def _contamination_chart(selection: _Selection) -> Chart:
    x = [float(k) for k in selection.ks]
    by_test, by_val = selection.by_test, selection.by_val
    return Chart(
        key="contamination", title="후보 k개 중 가장 좋은 모델을 고른 뒤의 오차 (반복 중앙값의 시드 평균)",
        x_label="비교한 후보 모델 수 k", y_label="평균제곱오차", log_x=True,
        series=[
            Series.over_seeds("테스트로 고름: 보고된 테스트 오차", x, [[c[0] for c in row] for row in by_test]),
            Series.over_seeds("테스트로 고름: 새 데이터 오차", x, [[c[1] for c in row] for row in by_test]),
            Series.over_seeds("검증으로 고름: 테스트 오차", x, [[c[0] for c in row] for row in by_val]),
            Series.over_seeds("검증으로 고름: 새 데이터 오차", x, [[c[1] for c in row] for row in by_val]),
        ],
    )


def run(params: Params, device, progress, seeds) -> Measurement:
    seeds = list(seeds)
    S = len(seeds)
    sets = _data(params, seeds, device)
    # Each set's MSE from its moments (XᵀX/n, Xᵀy/n, mean y²), so that scoring a fit costs a (d×d) product
    # per repeat, not a pass over the 2,000 fresh points; float64 keeps the expansion exact enough.
    moments = {name: _moments(design, targets) for name, (design, targets) in sets.items()}
    axis, curve, axis_label = _capacity_curves(params, sets, moments, S, device, progress)
    progress(0.5, "용량별 오차를 계산했습니다")
    per_seed = _capacity_metrics(axis, curve)
    capacity_chart = _capacity_chart(params, axis, curve, axis_label, S)
    progress(0.6, "후보 모델들을 테스트 세트로 비교합니다", [capacity_chart])
    selection = _selection(params, sets, moments, seeds, device)
    per_seed |= _selection_metrics(selection, S)
    charts = [capacity_chart, _contamination_chart(selection)]
    progress(1.0, "완료", charts)
    return Measurement(per_seed=per_seed, charts=charts, table=_table(params, per_seed),
                       notes=_notes(params, per_seed))


def _capacity_metrics(axis: list[int], curve) -> dict[str, list[float | None]]:
    """Per seed, from (points, S, reps) errors: the median curves' shape, and the claim's fresh-data ratio
    with each repeat's own validation pick."""
    import torch

    points, S, reps = curve["val"].shape
    medians = {name: values.median(dim=2).values for name, values in curve.items()}  # (points, S)
    best = medians["val"].argmin(dim=0)  # (S,)
    last = points - 1
    picks = curve["val"].argmin(dim=0)  # (S, reps): each repeat's own validation choice
    fresh_at_pick = curve["fresh"].gather(0, picks.unsqueeze(0)).squeeze(0)
    ratio = torch.log10(curve["fresh"][last] / fresh_at_pick).median(dim=1).values
    # The validation curve's highest point after its minimum: above the end point, a second descent.
    peak = [int(best[s]) + int(medians["val"][best[s]:, s].argmax()) for s in range(S)]

    def at(name: str, index) -> list[float | None]:
        return [medians[name][int(index[s]), s].item() for s in range(S)]

    return {
        "best_capacity": [float(axis[int(b)]) for b in best],
        "picked_capacity_median": [float(axis[int(p)]) for p in picks.median(dim=1).values],
        "max_capacity": [float(axis[last])] * S,
        "train_mse_at_best": at("train", best),
        "train_mse_at_max": at("train", [last] * S),
        "val_mse_at_best": at("val", best),
        "val_mse_at_max": at("val", [last] * S),
        "val_peak_capacity": [float(axis[p]) for p in peak],
        "val_mse_at_peak": at("val", peak),
        "fresh_mse_at_max": at("fresh", [last] * S),
        "fresh_mse_at_picked": [fresh_at_pick[s].median().item() for s in range(S)],
        "log10_fresh_max_over_picked": ratio.tolist(),
    }


def _epoch_curves(torch, sets, moments, params: Params, S: int, progress):
    """Train the largest polynomial by full-batch Adam, every repeat of every seed at once, recording each
    repeat's errors at log-spaced epochs: (marks, S, reps) per set."""
    design, targets = sets["train"]
    weights = torch.zeros(design.shape[0], params.max_degree + 1, dtype=design.dtype, device=design.device,
                          requires_grad=True)
    optimizer = torch.optim.Adam([weights], lr=0.05)
    marks = log_spaced_steps(params.epochs, CURVE_POINTS)
    axis: list[int] = []
    curves: dict[str, list] = {"train": [], "val": [], "fresh": []}
    for epoch in range(1, params.epochs + 1):
        optimizer.zero_grad(set_to_none=True)
        # Summed over repeats: each repeat's weights get only their own gradient.
        _mse(torch, design, weights, targets).sum().backward()
        optimizer.step()
        if epoch in marks:
            with torch.no_grad():
                axis.append(epoch)
                for name in curves:
                    curves[name].append(_mse_from(moments[name], params.max_degree, weights))
            if epoch % 200 == 0:
                progress(0.5 * epoch / params.epochs, f"{epoch} 에폭")
    return axis, {name: torch.stack(values).reshape(len(axis), S, params.repeats).cpu()
                  for name, values in curves.items()}


def _times(ratio: float) -> str:
    return f"{ratio:.2g}배" if ratio >= 1e4 else f"{ratio:,.0f}배" if ratio >= 100 else f"{ratio:.2f}배"


def _mean(values) -> float:
    return sum(values) / len(values)


def _geomean(values) -> float:
    # An interpolating fit's training MSE is exactly 0 (clamped from rounding): kept as the smallest double.
    return 10 ** _mean([math.log10(max(v, 1e-300)) for v in values])


def _table(params: Params, m: dict) -> Table:
    unit = "차수" if params.capacity_axis == "degree" else "에폭"

    def row(label: str, key: str, digits: int = 4):
        s = summarise(m[key])
        interval = f"[{s.ci95[0]:.{digits}g}, {s.ci95[1]:.{digits}g}]" if s.ci95 else "-"
        return [label, round(s.mean, digits) if s.mean is not None else None, interval]

    return Table(columns=["항목 (시드마다 반복 중앙값·평균)", "시드 평균", "95% 구간"], rows=[
        row(f"검증으로 고른 {unit} (반복마다 고른 값의 중앙값)", "picked_capacity_median"),
        row(f"새 데이터 MSE: 고른 {unit}", "fresh_mse_at_picked"),
        row(f"새 데이터 MSE: 가장 큰 {unit}", "fresh_mse_at_max"),
        row("log10(가장 큰 용량 ÷ 고른 용량, 새 데이터 MSE)", "log10_fresh_max_over_picked"),
        row("테스트로 고름: 보고된 테스트 MSE (반복 중앙값)", "test_selected_reported_mse"),
        row("테스트로 고름: 새 데이터 MSE", "test_selected_fresh_mse"),
        row("검증으로 고름: 테스트 MSE (한 번만 잼)", "val_selected_reported_mse"),
        row("검증으로 고름: 새 데이터 MSE", "val_selected_fresh_mse"),
        row("log10(새 데이터 ÷ 테스트): 테스트로 고름", "log10_test_selected_optimism"),
        row("log10(새 데이터 ÷ 테스트): 검증으로 고름", "log10_val_selected_optimism"),
    ])


def _notes(params: Params, m: dict) -> list[str]:
    unit = "차수" if params.capacity_axis == "degree" else "에폭"
    topic = "차수는" if params.capacity_axis == "degree" else "에폭은"
    best, top = round(_mean(m["best_capacity"])), int(m["max_capacity"][0])
    train_best, train_top = _geomean(m["train_mse_at_best"]), _geomean(m["train_mse_at_max"])
    val_best, val_top = _geomean(m["val_mse_at_best"]), _geomean(m["val_mse_at_max"])
    ratio = 10 ** _mean(m["log10_fresh_max_over_picked"])
    picked, fresh_picked, fresh_top = (_mean(m["picked_capacity_median"]), _geomean(m["fresh_mse_at_picked"]),
                                       _geomean(m["fresh_mse_at_max"]))
    notes = []
    if ratio > OVERFIT_FACTOR:
        notes.append(
            f"용량을 키우는 동안 학습 오차는 줄었고 ({unit} {best}: {train_best:.3g} → {unit} {top}: {train_top:.3g}), "
            f"검증 오차는 {unit} {best} 근처에서 가장 낮았습니다 ({val_best:.3g}; {unit} {top}에서는 {val_top:.3g}). "
            f"반복마다 검증으로 고른 {unit}(중앙값 {picked:.0f})에서 새 데이터 2,000개의 MSE는 {fresh_picked:.3g}, "
            f"가장 큰 {topic} {fresh_top:.3g}로, 고르지 않고 가장 큰 모델을 쓰면 {_times(ratio)} 나빴습니다.")
    else:
        notes.append(
            f"이번 설정에서는 가장 큰 {unit}도 새 데이터에서 거의 나빠지지 않았습니다 (검증으로 고른 {unit} 중앙값 "
            f"{picked:.0f}: {fresh_picked:.3g}, {unit} {top}: {fresh_top:.3g}, {_times(ratio)}): 학습 데이터 "
            f"{params.n_train}개에 잡음 {params.noise:g}이면 큰 모델도 과대적합이 덜합니다.")
    peak_at, peak = round(_mean(m["val_peak_capacity"])), _geomean(m["val_mse_at_peak"])
    if peak > 3 * val_top and peak_at < top:
        notes.append(
            f"검증 오차는 단조롭지 않습니다: {unit} {peak_at} 근처에서 {peak:.3g}까지 치솟았다가 {unit} {top}에서 "
            f"{val_top:.3g}로 다시 내려갔습니다 (이중 하강). 학습 데이터 {params.n_train}개를 정확히 지나는 "
            f"보간 경계 근처가 가장 나쁘고, 그보다 큰 모델은 최소 노름 해가 골라져 오히려 덜 흔들립니다.")
    k = int(m["n_candidates"][0])
    optimism = 10 ** _mean(m["log10_test_selected_optimism"])
    val_optimism = 10 ** _mean(m["log10_val_selected_optimism"])
    reported, fresh = _mean(m["test_selected_reported_mse"]), _mean(m["test_selected_fresh_mse"])
    if optimism > 1.05:
        notes.append(
            f"후보 {k}개를 테스트 점수로 비교해 고르면 그 테스트 점수는 실제보다 좋게 보고됩니다 (보고된 테스트 MSE "
            f"{reported:.3g}, 처음 보는 데이터 {fresh:.3g}, {_times(optimism)}). 검증 세트로 고르고 테스트는 한 번만 "
            f"재면 테스트 {_mean(m['val_selected_reported_mse']):.3g}, 새 데이터 "
            f"{_mean(m['val_selected_fresh_mse']):.3g} ({_times(val_optimism)})입니다.")
    else:
        notes.append(
            f"후보 {k}개를 테스트 점수로 골랐을 때의 낙관 편향은 이번 설정에서 작았습니다 (보고 {reported:.3g}, "
            f"새 데이터 {fresh:.3g}, {_times(optimism)}). 후보가 많고 테스트 세트가 작을수록 이 편향이 커집니다.")
    return notes


DEMO = DemoSpec(
    slug="capacity-overfitting",
    title="모델 용량과 과대적합, 그리고 테스트 세트 오염",
    summary=(
        "용량(다항식 차수나 에폭)을 키우면 학습 오차는 계속 줄지만 검증 오차는 다시 오릅니다. "
        "여러 모델을 테스트 점수로 비교해 고르면 그 테스트 점수는 새 데이터에서의 오차보다 낙관적입니다."
    ),
    params=Params,
    smallest=SMALLEST,
    breaking=BREAKING,
    boundary=Boundary("n_train", (10, 20, 50, 100, 200)),
    run=run,
    claims=(
        Claim(metric="log10_fresh_max_over_picked", direction="greater", margin=math.log10(OVERFIT_FACTOR),
              statement="가장 큰 용량의 모델은 검증으로 고른 모델보다 새 데이터에서 오차가 10% 넘게 크다",
              metric_label="새 데이터 오차 비 (가장 큰 모델 ÷ 검증으로 고른 모델, log10)"),
        Claim(metric="log10_optimism_test_over_val_selected", direction="greater", margin=0.0,
              statement="테스트 점수로 고른 모델의 테스트 점수는 검증으로 고른 모델의 것보다 더 낙관적이다",
              metric_label="낙관 정도의 차 (테스트로 고름 − 검증으로 고름, log10)"),
    ),
    # Capacity is the polynomial degree or the largest model's epoch, as capacity_axis says; the errors
    # are medians over a seed's repeats.
    metric_labels={
        "best_capacity": "검증 오차가 가장 낮은 용량 (차수 또는 에폭)",
        "picked_capacity_median": "반복마다 검증으로 고른 용량의 중앙값 (차수 또는 에폭)",
        "max_capacity": "가장 큰 용량 (차수 또는 에폭)",
        "val_peak_capacity": "검증 최저점 뒤 검증 오차가 가장 높은 용량 (차수 또는 에폭)",
        "train_mse_at_best": "검증 최저 용량의 학습 평균제곱오차",
        "train_mse_at_max": "가장 큰 용량의 학습 평균제곱오차",
        "val_mse_at_best": "검증 최저 용량의 검증 평균제곱오차",
        "val_mse_at_max": "가장 큰 용량의 검증 평균제곱오차",
        "val_mse_at_peak": "검증 최저점 뒤 정점 용량의 검증 평균제곱오차",
        "fresh_mse_at_max": "가장 큰 용량의 새 데이터 평균제곱오차",
        "fresh_mse_at_picked": "반복마다 검증으로 고른 용량의 새 데이터 평균제곱오차",
        **{name.format(by): label.format(shown) for by, shown in (("test", "테스트로"), ("val", "검증으로"))
           for name, label in (
               ("{}_selected_reported_mse", "후보 중 {} 고른 모델의 테스트 평균제곱오차"),
               ("{}_selected_fresh_mse", "후보 중 {} 고른 모델의 새 데이터 평균제곱오차"),
               ("log10_{}_selected_optimism", "{} 고른 모델의 낙관 정도 (log10 새 데이터 ÷ 테스트 오차)"))},
        "n_candidates": "비교한 후보 모델 수",
    },
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
    version="2",
)
