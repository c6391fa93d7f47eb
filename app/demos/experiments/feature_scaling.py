"""Feature scaling and the condition number (면접 #4; 4주차 7-1 p15, 7-8 p38).

Linear regression on two features, one of them ``scale_ratio`` times larger than the other and the
two correlated, fitted by full-batch gradient descent on the mean squared error. The loss is a
quadratic bowl whose Hessian is ``XᵀX/n``; the ratio of its largest to smallest eigenvalue, the
condition number κ, says how stretched (taco-shaped, tilted when the features correlate) the bowl is.
Gradient descent must keep its step under ``2/λ_max`` or it diverges along the steep direction, and
then crawls along the flat one: the number of steps grows like κ. Standardising each feature (subtract
the mean, divide by the standard deviation) makes the bowl nearly round. Three runs: the raw features
at the best safe step ``1/λ_max``, the raw features at the step the standardised problem uses, and the
standardised features at theirs.
"""

from __future__ import annotations

import math

from pydantic import Field

from app.demos.base import Chart, Citation, DemoParams, DemoResult, DemoSpec, QuestionRef, Series, Table
from app.demos.training import log_spaced_steps

N_SAMPLES = 256
NOISE = 0.1
TOLERANCE = 1e-3  # converged: the reducible loss is down to this fraction of where it started
DIVERGED = 1e6  # a run whose reducible loss grew this many times is stopped
MAX_PATH_POINTS = 300
RUNS = (
    ("raw", "원래 특성, 학습률 1/λ_max"),
    ("raw_at_scaled_lr", "원래 특성, 표준화한 문제의 학습률"),
    ("scaled", "표준화한 특성, 학습률 1/λ_max"),
)


class Params(DemoParams):
    scale_ratio: float = Field(30.0, ge=1.0, le=1000.0, description="두 번째 특성이 첫 번째보다 몇 배 큰가")
    correlation: float = Field(0.5, ge=0.0, le=0.95, description="두 특성의 상관계수 (손실 타원이 기울어짐)")
    max_steps: int = Field(6000, ge=100, le=20000, description="경사 하강 최대 스텝 수")


SMALLEST = Params(scale_ratio=10.0, max_steps=1500)


def run(params: Params, device, progress) -> DemoResult:
    import torch

    rho = params.correlation
    z = torch.randn(N_SAMPLES, 2, device=device)
    raw = torch.stack([z[:, 0], params.scale_ratio * (rho * z[:, 0] + math.sqrt(1 - rho * rho) * z[:, 1])], dim=1)
    # Both features matter once standardised (the raw weight of the big feature is small), with
    # opposite signs so that the optimum does not lie along one eigenvector of the bowl by accident.
    true_weights = torch.tensor([1.0, -0.5 / params.scale_ratio], device=device)
    targets = raw @ true_weights + NOISE * torch.randn(N_SAMPLES, device=device)
    scaled = (raw - raw.mean(dim=0)) / raw.std(dim=0)
    centred_targets = targets - targets.mean()  # the standardised model has no intercept either

    def hessian(x):
        return x.T @ x / N_SAMPLES

    eig_raw, eig_scaled = torch.linalg.eigvalsh(hessian(raw)), torch.linalg.eigvalsh(hessian(scaled))
    lr_raw, lr_scaled = 1.0 / eig_raw[-1].item(), 1.0 / eig_scaled[-1].item()
    features = torch.stack([raw, raw, scaled])  # (runs, n, 2)
    goals = torch.stack([targets, targets, centred_targets])  # (runs, n)
    rates = torch.tensor([lr_raw, lr_scaled, lr_scaled], device=device)
    # Normal equations in float64 rather than lstsq: LAPACK's least squares may take a different path
    # with the number of threads, and the same seed must give the same numbers.
    gram = features.double().transpose(1, 2) @ features.double()
    moments = features.double().transpose(1, 2) @ goals.double().unsqueeze(-1)
    optimum = torch.linalg.solve(gram, moments).squeeze(-1).float()  # (runs, 2)

    def loss(w):
        return 0.5 * ((features @ w.unsqueeze(-1)).squeeze(-1) - goals).pow(2).mean(dim=1)

    best = loss(optimum)
    weights = torch.zeros(len(RUNS), 2, device=device)
    start_gap = loss(weights) - best
    active = torch.ones(len(RUNS), dtype=torch.bool, device=device)
    converged_at: list[int | None] = [None] * len(RUNS)
    diverged_at: list[int | None] = [None] * len(RUNS)
    marks = set(log_spaced_steps(params.max_steps, MAX_PATH_POINTS))
    gap_curve: list[list[float | None]] = [[1.0] * len(RUNS)]
    curve_steps = [0.0]
    paths: list[list[list[float]]] = [[[0.0, 0.0]] for _ in RUNS]
    def loss_chart() -> Chart:
        return Chart(
            key="loss", title="줄일 수 있는 손실 중 남은 비율", x_label="스텝", y_label="(L − L*) / (L₀ − L*)",
            log_y=True,
            series=[Series(name=label, x=curve_steps, y=[row[i] for row in gap_curve])
                    for i, (_, label) in enumerate(RUNS)],
        )

    def path_chart() -> Chart:
        return Chart(
            key="path", title="가중치 경로 (각 좌표를 최적값으로 나눈 값, 1·1이 최적)", x_label="w₁ / w₁*",
            y_label="w₂ / w₂*",
            series=[Series(name=label, x=[p[0] for p in paths[i]], y=[p[1] for p in paths[i]])
                    for i, (key, label) in enumerate(RUNS) if key != "raw_at_scaled_lr"],
        )

    for step in range(1, params.max_steps + 1):
        residual = (features @ weights.unsqueeze(-1)).squeeze(-1) - goals
        gradient = (features * residual.unsqueeze(-1)).mean(dim=1)
        weights = torch.where(active.unsqueeze(1), weights - rates.unsqueeze(1) * gradient, weights)
        if step in marks or step == params.max_steps:
            gaps = ((loss(weights) - best) / start_gap).tolist()
            fractions = (weights / optimum).tolist()
            row: list[float | None] = []
            for i in range(len(RUNS)):
                if diverged_at[i] is None:
                    row.append(max(gaps[i], 1e-16))
                    paths[i].append(fractions[i])
                else:
                    row.append(None)
            gap_curve.append(row)
            curve_steps.append(float(step))
        gaps = ((loss(weights) - best) / start_gap).tolist()
        for i, gap in enumerate(gaps):
            if converged_at[i] is None and gap <= TOLERANCE:
                converged_at[i] = step
            if diverged_at[i] is None and not (gap < DIVERGED):  # also catches inf and nan
                diverged_at[i] = step
        active = torch.tensor([c is None and d is None for c, d in zip(converged_at, diverged_at)], device=device)
        if not bool(active.any()):
            break
        if step % 1000 == 0:
            progress(step / params.max_steps, f"{step}/{params.max_steps} 스텝", [loss_chart(), path_chart()])

    metrics: dict[str, float] = {
        "condition_raw": (eig_raw[-1] / eig_raw[0]).item(),
        "condition_scaled": (eig_scaled[-1] / eig_scaled[0]).item(),
        "lambda_max_raw": eig_raw[-1].item(),
        "lambda_max_scaled": eig_scaled[-1].item(),
        "lr_raw": lr_raw,
        "lr_scaled": lr_scaled,
    }
    for i, (key, _) in enumerate(RUNS):
        metrics[f"converged_{key}"] = 1.0 if converged_at[i] else 0.0
        metrics[f"steps_{key}"] = float(converged_at[i] or diverged_at[i] or params.max_steps)
        metrics[f"diverged_{key}"] = 1.0 if diverged_at[i] else 0.0

    charts = [loss_chart(), path_chart()]
    table = Table(
        columns=["실행", "λ_max", "λ_min", "조건수 κ", "학습률", "결과"],
        rows=[[label, float(f"{e[-1].item():.4g}"), float(f"{e[0].item():.4g}"),
               float(f"{(e[-1] / e[0]).item():.4g}"), float(f"{rates[i].item():.3g}"), _outcome(metrics, key)]
              for i, ((key, label), e) in enumerate(zip(RUNS, (eig_raw, eig_raw, eig_scaled)))],
    )
    progress(1.0, "완료", charts)
    return DemoResult(charts=charts, table=table, conclusion=_conclusion(params, metrics), metrics=metrics)


def _outcome(m: dict[str, float], key: str) -> str:
    steps = int(m[f"steps_{key}"])
    if m[f"diverged_{key}"]:
        return f"{steps}스텝에 발산"
    return f"{steps}스텝에 수렴" if m[f"converged_{key}"] else f"{steps}스텝 안에 수렴 못 함"


def _conclusion(params: Params, m: dict[str, float]) -> str:
    kappa_raw, kappa_scaled = m["condition_raw"], m["condition_scaled"]
    text = (
        f"원래 특성의 손실 헤시안은 조건수 κ = {kappa_raw:.4g}이고, 표준화하면 κ = {kappa_scaled:.3g}입니다. "
    )
    raw, scaled = m["steps_raw"], m["steps_scaled"]
    if m["converged_raw"] and m["converged_scaled"]:
        ratio = raw / scaled
        text += (
            f"각자 안전한 가장 큰 학습률(1/λ_max)로 경사 하강을 하면 원래 특성은 {int(raw)}스텝, 표준화한 특성은 "
            f"{int(scaled)}스텝 만에 수렴했습니다"
        )
        text += f" ({ratio:.0f}배)." if ratio >= 2 else f": 이번 설정에서는 차이가 크지 않았습니다 ({ratio:.1f}배)."
    elif m["converged_scaled"]:
        text += (
            f"표준화한 특성은 {int(scaled)}스텝 만에 수렴했지만, 원래 특성은 {params.max_steps}스텝 안에 수렴하지 못했습니다: "
            f"가파른 방향 때문에 학습률을 1/λ_max = {m['lr_raw']:.3g} 아래로 묶어야 해서 완만한 방향으로는 거의 못 갑니다."
        )
    else:
        text += f"표준화한 특성도 {params.max_steps}스텝 안에 수렴하지 못했습니다 (원래 특성 {_outcome(m, 'raw')})."
    if m["diverged_raw_at_scaled_lr"]:
        text += (
            f" 표준화한 문제가 견디는 학습률({m['lr_scaled']:.3g})을 원래 특성에 쓰면 λ_max = {m['lambda_max_raw']:.4g} 때문에 "
            f"{int(m['steps_raw_at_scaled_lr'])}스텝 만에 발산했습니다."
        )
    else:
        text += (
            f" 표준화한 문제의 학습률({m['lr_scaled']:.3g})을 원래 특성에 써도 발산하지 않았습니다 "
            f"({_outcome(m, 'raw_at_scaled_lr')}): 두 특성의 크기가 비슷하기 때문입니다."
        )
    if kappa_scaled > 2:
        text += (
            f" 상관계수 {params.correlation:g} 때문에 표준화한 뒤에도 타원이 기울어 있어 κ는 {kappa_scaled:.3g}입니다: "
            f"표준화는 크기를 맞출 뿐 상관을 없애지는 않습니다."
        )
    return text


DEMO = DemoSpec(
    slug="feature-scaling",
    title="특성 스케일링과 조건수",
    summary=(
        "특성의 크기가 크게 다르면 손실의 헤시안 조건수가 커져, 경사 하강이 발산하지 않을 학습률로는 수렴에 훨씬 "
        "많은 스텝이 걸립니다. 특성을 표준화하면 조건수가 1 가까이로 줄어 몇 스텝 만에 수렴합니다."
    ),
    params=Params,
    smallest=SMALLEST,
    run=run,
    concepts=("feature_scaling", "standardization", "data_normalization", "condition_number", "preprocessing"),
    questions=(
        QuestionRef("면접 #4", "Data Normalization은 왜 필요한가"),
        QuestionRef("4주차 p15", "condition number"),
        QuestionRef("4주차 p38", "기울어진 타원형 손실"),
    ),
    citations=(
        Citation(authors="LeCun, Bottou, Orr & Müller", year=1998, title="Efficient BackProp",
                 url="https://doi.org/10.1007/3-540-49430-8_2"),
    ),
    version="1",
)
