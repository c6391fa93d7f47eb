"""Decoupled weight decay (AdamW) against an L2 penalty in the loss, both under Adam.

Per seed, four regression tasks: a random teacher network of 20 standardised inputs plus noise, and
a student MLP that sees the inputs in units of very different sizes (input j multiplied by a scale
spread log-evenly over ``feature_spread``, as raw features in their own units are). The training set
is small, so regularisation decides the held-out loss. Two arms, the same budget:

* L2: the gradient of ``λ/2 ‖θ‖²`` is added to the loss's gradient, and Adam normalises the sum — a
  weight whose loss gradient is large has its penalty divided by that large second moment, a weight
  with small gradients is shrunk hard;
* AdamW: Adam steps on the loss alone and every weight is shrunk by ``lr · λ`` outside the adaptive
  step (Loshchilov & Hutter 2019), the same relative pull on each weight.

Each arm picks its own learning rate and λ from the same grid (3 learning rates × 5 λ) on a validation split; the test
loss of the chosen run decides. Loshchilov & Hutter's claim is that decoupling generalises better
under Adam; here it should where gradient scales differ between weights. Under plain SGD the two are
one update written twice (``θ − lr(g + λθ)`` = ``θ(1 − lr λ) − lr g``): the arms get the same result
and the claim must not hold — the breaking preset. With standardised inputs (``feature_spread = 1``)
the uneven pull no longer hurts, and the notes say which arm won there.
"""

from __future__ import annotations

import math
from typing import Any, Literal

from pydantic import Field

from app.demos.base import Chart, Citation, DemoParams, DemoSpec, Measurement, QuestionRef, Series, Table
from app.demos.evidence import Claim, summarise

INPUTS, HIDDEN, TEACHER_HIDDEN = 20, 16, 16
TASKS = 4  # independent tasks per seed, averaged: one small training set is a noisy witness
N_VAL, N_TEST = 200, 2000
DECAYS = (0.001, 0.01, 0.1, 1.0, 10.0)
LEARNING_RATES = {"adam": (0.003, 0.01, 0.03), "sgd": (0.0003, 0.001, 0.003)}
MARGIN = 0.02  # the claim: AdamW's test loss at least about 2% lower (log ratio)
ARMS = (("l2", "L2 (손실에 더함)"), ("decoupled", "분리된 가중치 감쇠 (AdamW)"))


class Params(DemoParams):
    optimizer: Literal["adam", "sgd"] = Field("adam", description="옵티마이저: adam 또는 모멘텀 없는 sgd")
    feature_spread: float = Field(100.0, ge=1.0, le=10000.0,
                                  description="입력 단위 크기의 최대/최소 비 (1 = 표준화된 입력)")
    n_train: int = Field(64, ge=16, le=2000, description="과제 하나의 학습 예제 수")
    noise: float = Field(0.5, ge=0.0, le=2.0, description="목표값 잡음의 표준편차 (교사 출력의 분산은 1)")
    steps: int = Field(200, ge=50, le=3000, description="풀배치 스텝 수 (모든 격자점 같음)")


SMALLEST = Params(steps=150)
BREAKING = Params(optimizer="sgd")


def _tasks(seeds, params: Params, device):
    """Per (seed, task) a teacher and its examples, inputs rescaled: x (S·T, n, INPUTS), y (S·T, n, 1)."""
    import torch

    from app.demos.batched import generator
    from app.demos.synthetic import regression_teachers, sample_regression

    pseudo = [seed * 1000 + task for seed in seeds for task in range(TASKS)]  # one stream per task
    teachers = regression_teachers(pseudo, INPUTS, TEACHER_HIDDEN, device)
    count = params.n_train + N_VAL + N_TEST
    x, y = sample_regression(teachers, [generator(p * 31 + 7) for p in pseudo], count, params.noise, device)
    exponents = torch.linspace(-0.5, 0.5, INPUTS, device=device)
    return x * params.feature_spread ** exponents, y


class _DecayedSGD:
    """Plain SGD with both kinds of weight decay, per model: the L2 arm adds λθ to the gradient, the
    decoupled arm shrinks θ by lr·λ before the step."""

    def __init__(self, weights: list, lr, decay, decoupled) -> None:
        self.weights, self.lr = weights, lr
        self.l2 = decay * (~decoupled)
        self.shrink = 1 - lr * decay * decoupled

    def step(self) -> None:
        import torch

        from app.demos.batched import per_model

        with torch.no_grad():
            for p in self.weights:
                gradient = p.grad + per_model(self.l2, p) * p
                p.mul_(per_model(self.shrink, p)).sub_(per_model(self.lr, p) * gradient)
                p.grad = None


def _model(params: Params, seeds: list[int], grid: list[tuple], device) -> tuple[list, Any]:
    """Model i: grid point i // D on dataset i % D (init_mlp's layout); all grid points of a dataset start
    from the same weights. Returns the weights and their optimiser (Adam, or SGD, with both decays)."""
    import torch

    from app.demos.batched import Adam, generator, init_mlp

    D = len(seeds) * TASKS
    pseudo = [seed * 1000 + task for seed in seeds for task in range(TASKS)]
    weights = init_mlp([INPUTS, HIDDEN, 1], [generator(p * 1000 + 17) for p in pseudo], len(grid), device)
    lr = torch.tensor([g[1] for g in grid], device=device).repeat_interleave(D)
    decay = torch.tensor([g[2] for g in grid], device=device).repeat_interleave(D)
    decoupled = torch.tensor([g[0] == "decoupled" for g in grid], device=device).repeat_interleave(D)
    if params.optimizer == "adam":
        return weights, Adam(weights, lr, weight_decay=decay, decoupled=decoupled)
    return weights, _DecayedSGD(weights, lr, decay, decoupled)


def _losses(weights: list, split_, G: int):
    from app.demos.batched import mlp_forward

    return ((mlp_forward(weights, split_[0]) - split_[1].repeat(G, 1, 1)) ** 2).mean(dim=(1, 2))


def _train(params: Params, weights: list, optimizer, train, G: int, progress) -> None:
    for step in range(params.steps):
        _losses(weights, train, G).sum().backward()
        optimizer.step()
        if (step + 1) % 50 == 0:
            progress(0.95 * (step + 1) / params.steps, f"{step + 1}/{params.steps} 스텝")


def _measure(weights: list, grid: list[tuple], train, val, test,
             S: int) -> tuple[dict[str, list[float | None]], Any, list]:
    """Per seed, the mean over its tasks of each arm's test loss at its grid point picked on validation,
    and of predicting the training mean; also the test losses and each dataset's picks."""
    import torch

    from app.demos.batched import best_per_seed

    G, D, A = len(grid), S * TASKS, len(ARMS)
    with torch.no_grad():
        val_loss = _losses(weights, val, G).reshape(A, G // A, D).cpu()
        test_loss = _losses(weights, test, G).reshape(A, G // A, D).cpu()
    per_arm = G // A
    chosen = [best_per_seed(val_loss[a]) for a in range(A)]  # (D,) grid index per dataset
    best = [[test_loss[a, chosen[a][k], k].item() for k in range(D)] for a in range(A)]

    # What predicting the training mean scores: how much of the task either arm learned at all.
    mean_only = ((test[1] - train[1].mean(dim=1, keepdim=True)) ** 2).mean(dim=(1, 2)).cpu()
    per_seed: dict[str, list[float | None]] = {"log_test_loss_ratio": [], "test_loss_l2": [],
                                               "test_loss_decoupled": [], "test_loss_mean_only": []}
    for s in range(S):
        ks = range(s * TASKS, (s + 1) * TASKS)
        ratios = [math.log(best[0][k] / best[1][k]) if math.isfinite(best[0][k] / best[1][k]) else math.nan
                  for k in ks]
        per_seed["log_test_loss_ratio"].append(sum(ratios) / TASKS)
        per_seed["test_loss_l2"].append(sum(best[0][k] for k in ks) / TASKS)
        per_seed["test_loss_decoupled"].append(sum(best[1][k] for k in ks) / TASKS)
        per_seed["test_loss_mean_only"].append(sum(mean_only[k].item() for k in ks) / TASKS)
    picks = [[grid[a * per_arm + int(chosen[a][k])][1:] for k in range(D)] for a in range(A)]
    return per_seed, test_loss, picks


def run(params: Params, device, progress, seeds) -> Measurement:
    from app.demos.synthetic import split

    seeds = list(seeds)
    lrs = LEARNING_RATES[params.optimizer]
    grid = [(arm, lr, decay) for arm, _ in ARMS for lr in lrs for decay in DECAYS]
    x, y = _tasks(seeds, params, device)
    train, val, test = split((x, y), [params.n_train, N_VAL, x.shape[1] - params.n_train - N_VAL])
    weights, optimizer = _model(params, seeds, grid, device)
    _train(params, weights, optimizer, train, len(grid), progress)
    per_seed, test_loss, picks = _measure(weights, grid, train, val, test, len(seeds))
    charts = _charts(test_loss, lrs)
    table = _table(params, per_seed, picks)
    progress(1.0, "완료", charts)
    return Measurement(per_seed=per_seed, charts=charts, table=table, notes=_notes(params, per_seed))


def _charts(test_loss, lrs) -> list[Chart]:
    """Test loss against λ for each arm, at the learning rate best on average for that arm."""
    import torch

    series = []
    for a, (_, name) in enumerate(ARMS):
        by_point = test_loss[a].reshape(len(lrs), len(DECAYS), -1)
        finite = torch.where(torch.isfinite(by_point), by_point, torch.full_like(by_point, float("inf")))
        lr_index = int(finite.mean(dim=2).min(dim=1).values.argmin())
        y = [v if math.isfinite(v) else None for v in by_point[lr_index].mean(dim=1).tolist()]
        series.append(Series(name=f"{name}, 학습률 {lrs[lr_index]:g}", x=list(DECAYS), y=y))
    return [Chart(key="loss_by_decay", title="λ에 따른 테스트 손실 (각 방법에 가장 좋은 학습률, 과제·시드 평균)",
                  x_label="λ", y_label="테스트 MSE", log_x=True, series=series)]


def _table(params: Params, m, picks) -> Table:
    S = len(m["test_loss_l2"])

    def mean(key):
        return float(f"{sum(m[key]) / S:.4g}")

    def chosen(arm):
        counts: dict[tuple, int] = {}
        for pick in picks[arm]:
            counts[pick] = counts.get(pick, 0) + 1
        return ", ".join(f"({lr:g}, {decay:g})×{c}" for (lr, decay), c in sorted(counts.items()))

    grid = f"학습률 {'/'.join(f'{v:g}' for v in LEARNING_RATES[params.optimizer])} × λ {'/'.join(f'{v:g}' for v in DECAYS)}"
    return Table(columns=["방법", "옵티마이저", "격자", "검증으로 고른 (학습률, λ) × 과제 수", "스텝", "테스트 손실"],
                 rows=[*([name, params.optimizer, grid, chosen(a), params.steps, mean(f"test_loss_{key}")]
                         for a, (key, name) in enumerate(ARMS)),
                       ["(학습 평균만 예측)", "", "", "", "", mean("test_loss_mean_only")]])


def _notes(params: Params, m) -> list[str]:
    S = len(m["test_loss_l2"])
    l2, decoupled = sum(m["test_loss_l2"]) / S, sum(m["test_loss_decoupled"]) / S
    baseline = sum(m["test_loss_mean_only"]) / S
    gain = summarise(m["log_test_loss_ratio"])
    low, high = gain.ci95 if gain.ci95 is not None else (-math.inf, math.inf)
    if params.optimizer == "sgd" and high < MARGIN and low > -MARGIN:
        return [f"SGD에서는 두 방법의 테스트 손실이 같았습니다 ({l2:.4f} 대 {decoupled:.4f}): θ − lr(g + λθ)와 "
                f"θ(1 − lr·λ) − lr·g는 같은 갱신이라, 가중치 감쇠와 L2 정규화의 차이는 Adam처럼 기울기를 "
                f"좌표마다 나누는 옵티마이저에서만 생깁니다."]
    if low > MARGIN:
        note = (f"분리된 가중치 감쇠(AdamW)의 테스트 손실이 L2보다 낮았습니다 ({decoupled:.3f} 대 {l2:.3f}, "
                f"{1 - decoupled / l2:.0%} 낮음; 평균만 예측하면 {baseline:.3f}). 입력 단위 크기가 "
                f"{params.feature_spread:g}배까지 차이 나면 가중치마다 기울기 크기가 달라, Adam이 나누는 L2 항은 어떤 가중치는 거의 줄이지 못하고 어떤 "
                f"가중치는 세게 줄입니다.")
    elif high < -MARGIN:
        note = (f"이 설정에서는 L2의 테스트 손실이 더 낮았습니다 ({l2:.3f} 대 AdamW {decoupled:.3f})"
                + (": 입력이 표준화되어 기울기 크기가 고르면 AdamW가 고치는 불균형이 없고, 여기서는 L2가 더 잘 일반화했습니다."
                   if params.feature_spread <= 3 else "."))
    else:
        note = (f"두 방법의 테스트 손실 차이가 시드마다 엇갈렸습니다 (L2 {l2:.3f}, AdamW {decoupled:.3f}, 로그 비 "
                f"평균 {gain.mean:.3f}).")
    return [note]


DEMO = DemoSpec(
    slug="adamw-vs-l2",
    title="Adam에서 분리된 가중치 감쇠(AdamW) 대 손실에 더한 L2",
    summary=(
        "입력의 단위 크기가 제각각인 작은 회귀 과제에서, Adam에 L2 항을 손실로 더한 것과 가중치 감쇠를 분리한 AdamW를 "
        "각자 검증으로 고른 학습률·λ로 학습해 테스트 손실을 비교합니다. 모멘텀 없는 SGD에서는 두 방법이 같은 갱신이라 "
        "차이가 없고, 입력을 표준화하면 오히려 L2가 낫습니다."
    ),
    params=Params,
    smallest=SMALLEST,
    breaking=BREAKING,
    run=run,
    claims=(
        Claim(metric="log_test_loss_ratio", direction="greater", margin=MARGIN,
              statement="Adam에서 분리된 가중치 감쇠(AdamW)가 손실에 더한 L2보다 테스트 손실이 낮다",
              metric_label="테스트 손실 비 (L2 ÷ AdamW, 로그)"),
    ),
    metric_labels={
        "test_loss_l2": "테스트 손실 (L2, 과제 평균)", "test_loss_decoupled": "테스트 손실 (AdamW, 과제 평균)",
        "test_loss_mean_only": "평균만 예측할 때의 테스트 손실 (과제 평균)",
    },
    concepts=("adamw", "weight_decay", "l2_regularization", "adam", "regularization"),
    questions=(QuestionRef("면접 #17", "SGD, RMSprop, Adam"), QuestionRef("면접 #15-3", "Regularization이란")),
    citations=(
        Citation(authors="Loshchilov & Hutter", year=2019, title="Decoupled Weight Decay Regularization",
                 url="https://arxiv.org/abs/1711.05101"),
    ),
    version="1",
)
