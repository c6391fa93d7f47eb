"""An autoencoder's bottleneck against the intrinsic dimension of its data.

Per seed, ``intrinsic_dim`` latent factors z ~ N(0, I) are carried into ``ambient_dim`` dimensions by a
random curved map (a tanh layer and a linear read-out, scaled to unit variance per coordinate), plus a
little Gaussian noise: the data fill a curved d-dimensional sheet in a higher-dimensional space, and
the only way to describe a point with fewer than d numbers is to lose some of it. Autoencoders
(ReLU encoder and decoder, one hidden layer each, a linear code) are trained with bottleneck widths
k = 1 … 2d under the same budget (full-batch Adam, same steps, same learning rate, same data, same
initialisation per seed); the measure is the held-out reconstruction error as a fraction of the data's
variance (0: perfect, 1: no better than the mean).

The claim (Hinton & Salakhutdinov 2006; the manifold view of Bengio, Courville & Vincent 2013): the
error falls steeply until k reaches d and barely moves after it, so the width where the curve bends
reads the data's intrinsic dimension. PCA with the same k, fitted in closed form on the training set,
is the linear reference: a curved sheet needs more than d principal directions. Where the data have no
low-dimensional structure (``structure="none"``: Gaussian noise filling every direction), each extra
code unit keeps one more direction's worth of variance, the curve falls evenly without a bend, and the
claim breaks.

All widths train as one stack: every model has ``2d`` code units and a mask switches off all but its
first k (a switched-off unit gets no gradient and feeds nothing, so it is exactly a width-k network).
"""

from __future__ import annotations

import math
from typing import Any, Literal

from pydantic import Field

from app.demos.base import Chart, Citation, DemoParams, DemoSpec, Measurement, QuestionRef, Series, Table
from app.demos.evidence import Claim, summarise

HIDDEN = 32  # encoder and decoder hidden width
GENERATOR_HIDDEN = 16  # width of the curved map that makes the data
CURVATURE = 1.5  # scale of the tanh layer's input: larger bends the sheet more
N_TEST = 1000
SHARE_MARGIN = 0.9
KNEE_MARGIN = 0.5


class Params(DemoParams):
    intrinsic_dim: int = Field(4, ge=1, le=8, description="데이터의 내재 차원 d (잠재 인자 수)")
    # At least twice the largest intrinsic dimension: the bottleneck is swept up to 2d.
    ambient_dim: int = Field(20, ge=16, le=64, description="관측 공간의 차원 (입력 크기)")
    structure: Literal["curved", "none"] = Field(
        "curved", description="데이터 구조: curved = d차원 곡면 위 + 작은 잡음, none = 모든 방향을 채운 가우시안")
    noise: float = Field(0.05, ge=0.0, le=1.0, description="곡면에 더하는 가우시안 잡음의 표준편차")
    n_train: int = Field(256, ge=64, le=4096, description="학습 예제 수")
    learning_rate: float = Field(0.01, ge=0.0001, le=0.1, description="Adam 학습률 (모든 병목 너비 같음)")
    steps: int = Field(500, ge=50, le=3000, description="풀배치 Adam 스텝 수 (모든 병목 너비 같음)")


SMALLEST = Params(steps=250, n_train=192)
# Noise in every direction; more examples, so that the autoencoders fit it about as well as PCA does
# instead of memorising 256 points of it.
BREAKING = Params(structure="none", n_train=1024, steps=300)


def _data(seeds, params: Params, count: int, device):
    """Per seed ``count`` points: (S, count, ambient_dim), each coordinate of unit variance."""
    import torch

    from app.demos.batched import generator

    d, D = params.intrinsic_dim, params.ambient_dim
    xs = []
    for seed in seeds:
        gen = generator(seed * 7919 + 3)
        if params.structure == "none":
            x = torch.randn(count, D, generator=gen)
        else:
            w1 = torch.randn(d, GENERATOR_HIDDEN, generator=gen) * CURVATURE / math.sqrt(d)
            b1 = torch.randn(GENERATOR_HIDDEN, generator=gen) * 0.5
            w2 = torch.randn(GENERATOR_HIDDEN, D, generator=gen) / math.sqrt(GENERATOR_HIDDEN)
            z = torch.randn(count, d, generator=gen)
            x = torch.tanh(z @ w1 + b1) @ w2
            x = (x - x.mean(dim=0)) / x.std(dim=0)
            x = x + params.noise * torch.randn(count, D, generator=gen)
        xs.append(x)
    return torch.stack(xs).to(device)


def _forward(weights, mask, x):
    """ReLU encoder → linear code (masked to each model's width) → ReLU decoder: (models, n, D)."""
    import torch

    w1, b1, w2, b2, w3, b3, w4, b4 = weights
    code = torch.baddbmm(b2, torch.relu(torch.baddbmm(b1, x, w1)), w2) * mask
    return torch.baddbmm(b4, torch.relu(torch.baddbmm(b3, code, w3)), w4)


def _pca_errors(train, test, widths: int):
    """Held-out fraction of variance unexplained by the top k principal directions of the training set,
    k = 0 … widths: (S, widths + 1)."""
    import torch

    mean = train.mean(dim=1, keepdim=True)
    _, _, vh = torch.linalg.svd(train - mean, full_matrices=False)  # vh (S, D, D), rows = directions
    centred = test - mean
    total = (centred ** 2).sum(dim=(1, 2))
    projected = (centred @ vh.transpose(1, 2)) ** 2  # (S, n, D): variance along each direction
    kept = projected.sum(dim=1).cumsum(dim=1)[:, :widths]
    return torch.cat([torch.ones_like(total).unsqueeze(1), 1 - kept / total.unsqueeze(1)], dim=1)


def _model(params: Params, seeds: list[int], device) -> tuple[list, Any, Any]:
    """Widths 1 … K = 2·intrinsic_dim, one model per width and seed: model i has width i // S + 1. Returns
    the weights, each model's code mask (models, 1, K) and its seed."""
    import torch

    from app.demos.batched import generator, init_mlp

    S, K = len(seeds), 2 * params.intrinsic_dim
    weights = init_mlp([params.ambient_dim, HIDDEN, K, HIDDEN, params.ambient_dim],
                       [generator(s * 1000 + 5) for s in seeds], K, device)
    width = torch.arange(K * S, device=device) // S + 1
    mask = (torch.arange(K, device=device) < width.unsqueeze(1)).float().unsqueeze(1)
    return weights, mask, torch.arange(K * S, device=device) % S


def _train(params: Params, weights: list, mask, x_train, progress) -> None:
    from app.demos.batched import Adam

    optimiser = Adam(weights, params.learning_rate)
    for step in range(params.steps):
        ((_forward(weights, mask, x_train) - x_train) ** 2).mean(dim=(1, 2)).sum().backward()
        optimiser.step()
        if (step + 1) % 50 == 0:
            progress(0.95 * (step + 1) / params.steps, f"{step + 1}/{params.steps} 스텝")


def _held_out_errors(weights: list, mask, train, test, model_seed, K: int) -> tuple[Any, Any]:
    """Held-out fraction of variance unexplained by width k = 0 … K, (S, K + 1): the autoencoders' and PCA's."""
    import torch

    S = train.shape[0]
    x_test = test[model_seed]
    with torch.no_grad():
        residual = ((_forward(weights, mask, x_test) - x_test) ** 2).sum(dim=(1, 2))
        centred = x_test - train[model_seed].mean(dim=1, keepdim=True)
        fvu = (residual / (centred ** 2).sum(dim=(1, 2))).reshape(K, S).T  # (S, K)
        curves = torch.cat([torch.ones(S, 1, device=fvu.device), fvu], dim=1).cpu()  # k = 0 … K
        return curves, _pca_errors(train, test, K).cpu()


def _measure(curves, pca, d: int, K: int) -> dict[str, list[float | None]]:
    per_seed: dict[str, list[float | None]] = {"share_by_intrinsic": [], "knee": [], "error_at_intrinsic": [],
                                               "error_at_widest": [], "pca_error_at_intrinsic": []}
    for s in range(curves.shape[0]):
        c = curves[s].tolist()
        # Share of the whole fall (from k = 0, the mean, to the lowest error of any width) already reached
        # at k = d; 0 where no width beats the mean, negative where width d does worse than the mean.
        fall = c[0] - min(c)
        per_seed["share_by_intrinsic"].append((c[0] - c[d]) / fall if fall > 0 else 0.0)
        # The bend: how much more the last unit before d cut the error than the first unit after it.
        per_seed["knee"].append(math.log(c[d - 1] / c[d]) - math.log(c[d] / c[d + 1]))
        per_seed["error_at_intrinsic"].append(c[d])
        per_seed["error_at_widest"].append(c[K])
        per_seed["pca_error_at_intrinsic"].append(pca[s, d].item())
    return per_seed


def run(params: Params, device, progress, seeds) -> Measurement:
    seeds = list(seeds)
    d, K = params.intrinsic_dim, 2 * params.intrinsic_dim
    data = _data(seeds, params, params.n_train + N_TEST, device)
    train, test = data[:, :params.n_train], data[:, params.n_train:]
    weights, mask, model_seed = _model(params, seeds, device)
    _train(params, weights, mask, train[model_seed], progress)
    curves, pca = _held_out_errors(weights, mask, train, test, model_seed, K)
    per_seed = _measure(curves, pca, d, K)
    charts = _charts(curves.tolist(), pca.tolist(), d)
    table = _table(params, curves.tolist(), pca.tolist())
    progress(1.0, "완료", charts)
    return Measurement(per_seed=per_seed, charts=charts, table=table,
                       notes=_notes(params, per_seed, curves.tolist(), pca.tolist()))


def _mean_curve(curves) -> list[float]:
    return [sum(column) / len(column) for column in zip(*curves)]


def _charts(curves, pca, d: int) -> list[Chart]:
    from app.demos.batched import band

    widths = [float(k) for k in range(len(curves[0]))]
    y, low, high = band(curves)
    pca_y, pca_low, pca_high = band(pca)
    return [Chart(key="error_by_width", title=f"병목 너비별 테스트 재구성 오차 (내재 차원 d = {d})", x_label="병목 너비 k",
                  y_label="설명되지 않은 분산 비율",
                  series=[Series(name="오토인코더", x=widths, y=y, lower=low, upper=high),
                          Series(name="PCA (주성분 k개)", x=widths, y=pca_y, lower=pca_low, upper=pca_high)])]


def _table(params: Params, curves, pca) -> Table:
    ae, linear = _mean_curve(curves), _mean_curve(pca)
    rows = [[k, float(f"{ae[k]:.4g}"), float(f"{linear[k]:.4g}"), params.learning_rate, params.steps]
            for k in range(1, len(ae))]
    return Table(columns=["병목 너비 k", "오토인코더 테스트 오차", "PCA 테스트 오차", "학습률", "스텝"], rows=rows)


def _notes(params: Params, m, curves, pca) -> list[str]:
    d = params.intrinsic_dim
    ae, linear = _mean_curve(curves), _mean_curve(pca)
    share, knee = summarise(m["share_by_intrinsic"]), summarise(m["knee"])
    notes = []
    holds = share.ci95 is not None and share.ci95[0] > SHARE_MARGIN and knee.ci95 is not None \
        and knee.ci95[0] > KNEE_MARGIN
    if holds:
        notes.append(f"오차는 병목 너비가 내재 차원 d = {d}에 닿을 때까지 가파르게 떨어져 (k = {d - 1}: {ae[d - 1]:.3f} → "
                     f"k = {d}: {ae[d]:.3f}) 전체 하락의 {share.mean:.0%}를 이뤘고, 그 뒤로는 거의 그대로였습니다 (k = {2 * d}: "
                     f"{ae[2 * d]:.3f}): 곡선이 꺾이는 너비가 데이터의 내재 차원입니다.")
    elif share.mean is not None and share.mean <= 0:
        notes.append(f"병목 너비 d = {d}의 테스트 오차({ae[d]:.3f})가 평균만 내놓는 것(1)보다도 낮지 않았고 더 넓은 병목에서야 "
                     f"내려갔습니다 (k = {2 * d}: {ae[2 * d]:.3f}): 낮은 차원의 구조가 없으면 d에서 꺾일 까닭이 없습니다.")
    else:
        notes.append(f"병목 너비 d = {d}까지 이룬 하락은 전체의 {share.mean:.0%}뿐이고 (k = {d}: {ae[d]:.3f}, "
                     f"k = {2 * d}: {ae[2 * d]:.3f}), d에서 뚜렷하게 꺾이지 않았습니다: 낮은 차원의 구조가 없으면 "
                     f"코드 한 칸이 늘 때마다 한 방향만큼의 분산을 더 담을 뿐이라 곡선이 고르게 내려갑니다.")
    k_pca = next((k for k, v in enumerate(linear) if v <= ae[d]), None)
    if ae[d] > 1.1 * linear[d]:
        notes.append(f"너비 {d}에서 오토인코더({ae[d]:.3f})가 PCA({linear[d]:.3f})보다 오히려 나빴습니다: 학습 예제 "
                     f"{params.n_train}개에 맞춘 비선형 인코더가 처음 보는 점에서는 선형 압축만큼도 일반화하지 못했습니다.")
    elif linear[d] > 1.5 * ae[d]:
        reach = (f"주성분 {k_pca}개에서야 그만큼 낮아졌습니다" if k_pca is not None
                 else f"주성분 {2 * d}개로도 그만큼 낮아지지 않았습니다")
        notes.append(f"같은 너비 {d}의 PCA는 {linear[d]:.3f}로 오토인코더({ae[d]:.3f})보다 컸고 {reach}: 데이터가 "
                     f"평평한 부분공간이 아니라 휘어진 곡면이라 선형 압축에는 차원이 더 필요합니다.")
    else:
        notes.append(f"너비 {d}에서 PCA({linear[d]:.3f})와 오토인코더({ae[d]:.3f})의 오차가 비슷했습니다: 비선형 "
                     f"인코더가 선형 압축보다 더 찾아낸 구조가 없습니다.")
    return notes


DEMO = DemoSpec(
    slug="autoencoder-bottleneck",
    title="오토인코더의 병목 너비와 데이터의 내재 차원",
    summary=(
        "d차원 곡면 위의 데이터를 병목 너비 k = 1…2d의 오토인코더로 압축했다 복원해, 테스트 재구성 오차가 k = d까지 "
        "떨어지고 그 뒤로 평평해지는지 잽니다. 낮은 차원의 구조가 없는 데이터에서는 꺾이는 곳이 없습니다."
    ),
    params=Params,
    smallest=SMALLEST,
    breaking=BREAKING,
    run=run,
    claims=(
        Claim(metric="share_by_intrinsic", direction="greater", margin=SHARE_MARGIN,
              statement="재구성 오차의 하락 대부분(90% 넘게)이 병목 너비가 내재 차원에 닿을 때까지 일어난다",
              metric_label="내재 차원까지 일어난 오차 하락의 비율"),
        Claim(metric="knee", direction="greater", margin=KNEE_MARGIN,
              statement="오차 곡선이 내재 차원에서 꺾인다 (그 앞 한 칸의 로그 하락이 그 뒤 한 칸보다 크다)",
              metric_label="내재 차원에서 꺾인 정도 (앞뒤 로그 하락의 차)"),
    ),
    metric_labels={
        "error_at_intrinsic": "재구성 오차 (병목 = 내재 차원)", "error_at_widest": "재구성 오차 (가장 넓은 병목)",
        "pca_error_at_intrinsic": "PCA 재구성 오차 (성분 수 = 내재 차원)",
    },
    concepts=("autoencoder", "reconstruction_error", "latent_space", "dimensionality_reduction",
              "manifold", "pca", "generative_model"),
    questions=(QuestionRef("노드 03-3", "dense 유닛 수가 많을 때와 적을 때의 차이"),),
    citations=(
        Citation(authors="Hinton & Salakhutdinov", year=2006,
                 title="Reducing the Dimensionality of Data with Neural Networks",
                 url="https://doi.org/10.1126/science.1127647"),
        Citation(authors="Bengio, Courville & Vincent", year=2013,
                 title="Representation Learning: A Review and New Perspectives",
                 url="https://arxiv.org/abs/1206.5538"),
    ),
    version="1",
)
