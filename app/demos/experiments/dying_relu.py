"""Dying ReLU at a high learning rate, and LeakyReLU's way back (면접 #12-3; 2주차 질문 2).

One hidden layer classifies synthetic data, trained by plain SGD at four learning rates, with ReLU
and with LeakyReLU, all eight copies on the same minibatches from the same start. A unit is dead when
its pre-activation is ≤ 0 for every training example: a ReLU unit then outputs 0 and gets gradient 0
from every minibatch, so its weights never change again and it stays dead for good (its input is the
data, which does not move). A LeakyReLU unit in the same place still gets ``slope × gradient`` and can
come back. A large step is what pushes a unit's bias and weights there in the first place (the CS231n
notes warn that a high learning rate can leave "as much as 40%" of a network dead; Maas et al. 2013
proposed the leaky variant).
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
from app.demos.training import differences, equal_splits, sgd_step

N_SPLIT = 512  # examples in each of train, validation and test
N_FEATURES = 10
N_CLASSES = 4
TEACHER_UNITS = 16
LABEL_NOISE = 0.3  # share of training labels replaced by a random class
CHECKS = 30  # times the dead units are counted during training
LR_FRACTIONS = (0.125, 0.25, 0.5, 1.0)  # learning rates tried, as fractions of the largest
EARLY_FRACTION = 0.1  # units dead after this share of training are watched for revival
DEAD_MARGIN = 0.05  # "kills units" means at least 5 points more of the layer dead
TRAIN, VAL, TEST = equal_splits(N_SPLIT, 3)


class Params(DemoParams):
    max_learning_rate: float = Field(4.0, ge=0.1, le=8.0, description="가장 큰 학습률 (그 1/8, 1/4, 1/2도 함께 학습)")
    negative_slope: float = Field(0.1, ge=0.001, le=0.3, description="LeakyReLU의 음수 쪽 기울기")
    hidden_units: int = Field(64, ge=16, le=512, description="은닉 유닛 수")
    steps: int = Field(300, ge=100, le=3000, description="SGD 스텝 수 (모든 학습률과 두 활성화에 같은 예산)")
    batch_size: int = Field(32, ge=8, le=256, description="미니배치 크기")


SMALLEST = Params(hidden_units=32, steps=200)
# Rates too small to push a unit's pre-activation below zero on every example.
BREAKING = Params(max_learning_rate=1.0, hidden_units=32, steps=200)
KINDS = (("relu", "ReLU"), ("leaky", "LeakyReLU"))


def _draw(seed: int, params: Params):
    import torch

    generator = torch.Generator().manual_seed(seed)
    inputs = torch.randn(3 * N_SPLIT, N_FEATURES, generator=generator)
    # A random one-hidden-layer teacher labels the data: learnable by the student, so held-out accuracy means something.
    teacher_hidden = torch.relu(inputs @ torch.randn(N_FEATURES, TEACHER_UNITS, generator=generator))
    labels = (teacher_hidden @ torch.randn(TEACHER_UNITS, N_CLASSES, generator=generator)).argmax(dim=1)
    # Some training labels are wrong: the gradients stay large all through training, as on real data.
    flipped = torch.rand(N_SPLIT, generator=generator) < LABEL_NOISE
    labels[:N_SPLIT] = torch.where(flipped, torch.randint(0, N_CLASSES, (N_SPLIT,), generator=generator),
                                   labels[:N_SPLIT])
    first = torch.randn(N_FEATURES, params.hidden_units, generator=generator) * (2.0 / N_FEATURES) ** 0.5
    second = torch.randn(params.hidden_units, N_CLASSES, generator=generator) * (2.0 / params.hidden_units) ** 0.5
    batches = torch.randint(0, N_SPLIT, (params.steps, params.batch_size), generator=generator)
    return inputs, labels, first, second, batches


@dataclass
class _Copies:
    """Each seed's draw, repeated for every copy along dim 0, which is (activation, rate, seed): each seed's
    data, start and minibatches are shared by its eight copies, so ReLU and LeakyReLU at one rate differ
    only in the activation."""

    inputs: Any
    labels: Any
    first: Any
    second: Any
    batches: Any
    lrs: list[float]
    n_seeds: int

    def by_copy(self, values):  # (copies, ...) → (activation, rate, seed, ...)
        return values.reshape(2, len(self.lrs), self.n_seeds, *values.shape[1:])


def _data(params: Params, seeds, device) -> _Copies:
    import torch

    lrs = [params.max_learning_rate * f for f in LR_FRACTIONS]
    drawn = [_draw(seed, params) for seed in seeds]

    def per_copy(index: int):
        stacked = torch.stack([d[index] for d in drawn]).to(device)  # (seeds, ...)
        return stacked.repeat(2 * len(lrs), *([1] * (stacked.dim() - 1)))

    inputs, labels, first, second, batches = (per_copy(i) for i in range(5))
    return _Copies(inputs, labels, first, second, batches, lrs, len(seeds))


@dataclass
class _Network:
    """Every copy's one-hidden-layer network, with a negative slope per copy (0 is ReLU)."""

    w1: Any
    b1: Any
    w2: Any
    b2: Any
    slope: Any

    def pre_activation(self, x):
        return x @ self.w1 + self.b1  # (copies, examples, units)

    def __call__(self, x):
        import torch

        z = self.pre_activation(x)
        return torch.where(z > 0, z, self.slope * z) @ self.w2 + self.b2


def _model(params: Params, copies: _Copies, device) -> _Network:
    import torch

    n_copies = len(copies.inputs)
    return _Network(
        w1=copies.first.clone().requires_grad_(),
        b1=torch.zeros(n_copies, 1, params.hidden_units, device=device, requires_grad=True),
        w2=copies.second.clone().requires_grad_(),
        b2=torch.zeros(n_copies, 1, N_CLASSES, device=device, requires_grad=True),
        slope=torch.tensor([0.0, params.negative_slope], device=device).repeat_interleave(
            len(copies.lrs) * copies.n_seeds).view(-1, 1, 1),
    )


def _dead_units(net: _Network, copies: _Copies):
    import torch

    with torch.no_grad():
        return (net.pre_activation(copies.inputs[:, TRAIN]) <= 0).all(dim=1)  # (copies, units)


@dataclass
class _Training:
    """What training watched: the dead share at each check, and which units were dead early on."""

    checked_steps: list[int]
    dead_curve: list[list[float]]  # per check, the dead share of each copy
    early_step: int
    early_dead: Any = None
    early_w1: Any = None


def _train(params: Params, copies: _Copies, net: _Network, device, progress) -> _Training:
    import torch

    step_size = torch.tensor(copies.lrs, device=device).repeat_interleave(copies.n_seeds).repeat(2).view(-1, 1, 1)
    copy_index = torch.arange(len(copies.inputs), device=device).unsqueeze(1)
    check_every = max(params.steps // CHECKS, 1)
    watched = _Training(checked_steps=[0], dead_curve=[_dead_units(net, copies).float().mean(dim=1).tolist()],
                        early_step=max(int(params.steps * EARLY_FRACTION), 1))
    weights = (net.w1, net.b1, net.w2, net.b2)
    for step in range(1, params.steps + 1):
        batch = copies.batches[:, step - 1]  # (copies, batch): each seed its own minibatches
        logits = net(copies.inputs[copy_index, batch])
        loss = torch.nn.functional.cross_entropy(
            logits.reshape(-1, N_CLASSES), copies.labels[copy_index, batch].reshape(-1),
            reduction="sum") / params.batch_size
        sgd_step(weights, torch.autograd.grad(loss, weights), step_size)
        if step == watched.early_step:
            watched.early_dead, watched.early_w1 = _dead_units(net, copies), net.w1.detach().clone()
        if step % check_every == 0 or step == params.steps:
            watched.checked_steps.append(step)
            watched.dead_curve.append(_dead_units(net, copies).float().mean(dim=1).tolist())
        if step % 100 == 0:
            progress(step / params.steps, f"{step}/{params.steps} 스텝", [_dead_chart(copies, watched)])
    return watched


@dataclass
class _Outcome:
    """Per (activation, rate, seed): what the trained networks measure, NaN where a copy diverged."""

    dead_fraction: Any
    test_acc: Any
    val_acc: Any
    finite: Any
    early_count: Any
    revived: Any
    early_moved: Any


def _measure(copies: _Copies, net: _Network, watched: _Training) -> _Outcome:
    import torch

    final_dead = _dead_units(net, copies)
    with torch.no_grad():
        def accuracy(part):
            return (net(copies.inputs[:, part]).argmax(dim=2) == copies.labels[:, part]).float().mean(dim=1)

        val_acc, test_acc = copies.by_copy(accuracy(VAL)), copies.by_copy(accuracy(TEST))
        moved = (net.w1 - watched.early_w1).abs().amax(dim=1)  # (copies, units): largest change of each unit's weights
        # A copy whose weights blew up (the largest rate with tiny batches) has no dead units to speak of.
        finite = copies.by_copy(torch.isfinite(net.w1).flatten(1).all(1) & torch.isfinite(net.w2).flatten(1).all(1))
    dead_fraction = copies.by_copy(final_dead.float().mean(dim=1))
    dead_fraction = torch.where(finite, dead_fraction, torch.full_like(dead_fraction, float("nan")))
    early_dead = watched.early_dead
    # Largest move of an early-dead unit's weights after it died (0 where none died or the copy diverged).
    early_moved = copies.by_copy(torch.where(early_dead, moved, torch.zeros_like(moved)).amax(dim=1))
    return _Outcome(
        dead_fraction=dead_fraction,
        test_acc=torch.where(finite, test_acc, torch.full_like(test_acc, float("nan"))),
        val_acc=torch.where(finite, val_acc, torch.full_like(val_acc, -1.0)),
        finite=finite,
        early_count=copies.by_copy(early_dead).sum(dim=-1).float(),
        revived=copies.by_copy((early_dead & ~final_dead).sum(dim=1).float()),
        early_moved=torch.where(finite, early_moved, torch.zeros_like(early_moved)),
    )


def _per_seed(outcome: _Outcome, lrs: list[float]) -> dict[str, list[float | None]]:
    """Metric names end in the learning rate's rank: 0 is the smallest (max/8), 3 the largest."""
    per_seed: dict[str, list[float | None]] = {}
    top = len(lrs) - 1
    for a, (kind, _) in enumerate(KINDS):
        for r in range(len(lrs)):
            per_seed[f"dead_{kind}_{r}"] = outcome.dead_fraction[a, r].tolist()
            per_seed[f"accuracy_{kind}_{r}"] = outcome.test_acc[a, r].tolist()
            per_seed[f"diverged_{kind}_{r}"] = (~outcome.finite[a, r]).float().tolist()
        per_seed[f"early_dead_{kind}"] = outcome.early_count[a].sum(dim=0).tolist()
        per_seed[f"revived_{kind}"] = outcome.revived[a].sum(dim=0).tolist()
        per_seed[f"early_dead_weight_change_{kind}"] = outcome.early_moved[a].amax(dim=0).tolist()
        # Each activation's own rate: the one with the best validation accuracy, per seed.
        best = outcome.val_acc[a].argmax(dim=0)
        per_seed[f"best_rate_{kind}"] = [lrs[int(r)] for r in best]
        per_seed[f"best_accuracy_{kind}"] = [outcome.test_acc[a, int(r), s].item() for s, r in enumerate(best)]
    per_seed["dead_increase_relu"] = differences(per_seed[f"dead_relu_{top}"], per_seed["dead_relu_0"])
    per_seed["dead_gap_top"] = differences(per_seed[f"dead_relu_{top}"], per_seed[f"dead_leaky_{top}"])
    per_seed["accuracy_gap_best"] = differences(per_seed["best_accuracy_leaky"], per_seed["best_accuracy_relu"])
    per_seed["accuracy_gap_top"] = differences(per_seed[f"accuracy_leaky_{top}"], per_seed[f"accuracy_relu_{top}"])
    return per_seed


def _dead_chart(copies: _Copies, watched: _Training) -> Chart:
    import torch

    x = [float(s) for s in watched.checked_steps]
    fractions = copies.by_copy(torch.tensor(watched.dead_curve).T)  # (activation, rate, seed, checks)
    return Chart(
        key="dead", title="죽은 유닛 비율 (모든 학습 예제에서 출력 0, 시드 범위)", x_label="스텝",
        y_label="죽은 유닛 비율",
        series=[Series.over_seeds(f"{label} lr={lr:g}", x, fractions[a, r].tolist())
                for a, (_, label) in enumerate(KINDS) for r, lr in enumerate(copies.lrs)],
    )


def _report(copies: _Copies, watched: _Training, outcome: _Outcome,
            per_seed: dict[str, list[float | None]]) -> tuple[list[Chart], Table]:
    lrs = copies.lrs
    charts = [
        _dead_chart(copies, watched),
        Chart(
            key="dead_vs_lr", title="학습 끝의 죽은 유닛 비율 (시드 범위)", x_label="학습률", y_label="죽은 유닛 비율",
            log_x=True,
            series=[Series.over_seeds(label, lrs, outcome.dead_fraction[a].T.tolist())
                    for a, (_, label) in enumerate(KINDS)],
        ),
        Chart(
            key="accuracy_vs_lr", title="시험 정확도 (시드 범위)", x_label="학습률", y_label="시험 정확도", log_x=True,
            series=[Series.over_seeds(label, lrs, outcome.test_acc[a].T.tolist())
                    for a, (_, label) in enumerate(KINDS)],
        ),
    ]

    def mean(name: str) -> float | None:
        values = [v for v in per_seed[name] if v is not None and math.isfinite(v)]
        return statistics.fmean(values) if values else None

    rows = []
    for a, (kind, label) in enumerate(KINDS):
        for r, lr in enumerate(lrs):
            accuracy_mean, dead_mean = mean(f"accuracy_{kind}_{r}"), mean(f"dead_{kind}_{r}")
            rows.append([label, lr, f"{dead_mean:.0%}" if dead_mean is not None else "발산",
                         round(float(outcome.early_count[a, r].mean()), 1),
                         round(float(outcome.revived[a, r].mean()), 1),
                         round(accuracy_mean, 3) if accuracy_mean is not None else "발산"])
    table = Table(
        columns=["활성화", "학습률", "끝의 죽은 유닛 (평균)", f"{watched.early_step}스텝에 죽은 유닛 (평균 개수)",
                 "그중 되살아난 유닛 (평균)", "시험 정확도 (평균)"],
        rows=rows,
    )
    return charts, table


def run(params: Params, device, progress, seeds) -> Measurement:
    copies = _data(params, seeds, device)
    net = _model(params, copies, device)
    watched = _train(params, copies, net, device, progress)
    outcome = _measure(copies, net, watched)
    per_seed = _per_seed(outcome, copies.lrs)
    charts, table = _report(copies, watched, outcome, per_seed)
    progress(1.0, "완료", charts)
    notes = _notes(params, per_seed, copies.lrs, watched.early_step)
    return Measurement(per_seed=per_seed, charts=charts, table=table, notes=notes)


def _notes(params: Params, per_seed: dict[str, list], lrs: list[float], early_step: int) -> list[str]:
    def mean(name: str) -> float:
        values = [v for v in per_seed[name] if v is not None and math.isfinite(v)]
        return statistics.fmean(values) if values else float("nan")

    top = len(lrs) - 1
    lo_lr, hi_lr = lrs[0], lrs[top]
    relu_hi, relu_lo, leaky_hi = mean(f"dead_relu_{top}"), mean("dead_relu_0"), mean(f"dead_leaky_{top}")
    notes = []
    if relu_hi - relu_lo >= DEAD_MARGIN:
        notes.append(
            f"학습률 {hi_lr:g}에서 학습한 ReLU 망은 은닉 유닛의 평균 {relu_hi:.0%}가 모든 학습 예제에서 0을 내는 죽은 "
            f"유닛이 되었고, 학습률 {lo_lr:g}에서는 {relu_lo:.0%}였습니다: 큰 스텝이 유닛을 음수 쪽으로 밀어 넣습니다."
        )
    else:
        notes.append(
            f"여기서는 주장이 무너집니다: 학습률 {hi_lr:g}에서도 ReLU 유닛이 평균 {relu_hi:.0%}만 죽어 학습률 {lo_lr:g}"
            f"({relu_lo:.0%})와 {DEAD_MARGIN:.0%}p 넘게 차이 나지 않았습니다. 유닛을 죽이는 것은 ReLU 자체가 아니라 큰 스텝입니다."
        )
    early_relu, revived_relu = mean("early_dead_relu"), mean("revived_relu")
    early_leaky, revived_leaky = mean("early_dead_leaky"), mean("revived_leaky")
    if early_relu:
        change = max(per_seed["early_dead_weight_change_relu"])
        notes.append(
            f"네 학습률을 합쳐 {early_step}스텝에 죽어 있던 ReLU 유닛은 시드마다 평균 {early_relu:.1f}개이고 끝까지 되살아난 "
            f"것은 평균 {revived_relu:.1f}개이며, "
            + ("그 유닛들의 가중치는 그 뒤로 전혀 움직이지 않았습니다 (변화 0): 기울기가 정확히 0이라 한 번 죽으면 "
               "그대로입니다." if change == 0 else f"그 유닛들의 가중치는 그 뒤로 최대 {change:.3g}만큼 움직였습니다.")
        )
    if early_leaky:
        notes.append(
            f"LeakyReLU(음수 쪽 기울기 {params.negative_slope:g})는 음수 구간에서도 기울기가 남아, {early_step}스텝에 모든 "
            f"예제에서 음수 구간에 있던 유닛 평균 {early_leaky:.1f}개 중 {revived_leaky:.1f}개가 되살아났고, 같은 학습률 "
            f"{hi_lr:g}에서 끝까지 그런 유닛은 평균 {leaky_hi:.0%}입니다."
        )
    else:
        notes.append(f"LeakyReLU(음수 쪽 기울기 {params.negative_slope:g})는 학습률 {hi_lr:g}에서 끝의 음수 구간 비율이 "
                     f"{leaky_hi:.0%}입니다.")
    # Fewer dead units is not the same as a better network: compare each at its own best rate.
    relu_best, leaky_best = mean("best_accuracy_relu"), mean("best_accuracy_leaky")
    gap = leaky_best - relu_best
    spread = statistics.stdev(per_seed["accuracy_gap_best"]) if len(per_seed["accuracy_gap_best"]) > 1 else 0.0
    rates = (f"ReLU {'/'.join(f'{r:g}' for r in sorted(set(per_seed['best_rate_relu'])))}, LeakyReLU "
             f"{'/'.join(f'{r:g}' for r in sorted(set(per_seed['best_rate_leaky'])))}")
    if min(per_seed["best_rate_relu"] + per_seed["best_rate_leaky"]) == lrs[0]:
        rates += ", 격자의 가장 작은 값이 뽑힌 시드가 있어 더 작은 학습률이 더 나을 수도 있습니다"
    versus = f"시험 정확도는 LeakyReLU {leaky_best:.1%}, ReLU {relu_best:.1%}"
    if gap < -max(spread, 0.005):
        notes.append(
            f"그러나 유닛이 덜 죽는다고 더 잘 배우는 것은 아닙니다: 각자 검증으로 고른 학습률({rates})에서 {versus}로 "
            f"LeakyReLU가 {-gap:.1%}p 낮았습니다 (음수 쪽 기울기 {params.negative_slope:g})."
        )
    elif gap > max(spread, 0.005):
        notes.append(f"각자 검증으로 고른 학습률({rates})에서 {versus}로 LeakyReLU가 {gap:.1%}p 높았습니다.")
    else:
        notes.append(
            f"각자 검증으로 고른 학습률({rates})에서 {versus}로 차이가 시드 사이의 흔들림({spread:.1%}p) 안에 있습니다: "
            f"죽은 유닛이 적다고 정확도가 오르지는 않았습니다."
        )
    top_relu, top_leaky = mean(f"accuracy_relu_{top}"), mean(f"accuracy_leaky_{top}")
    if leaky_hi < relu_hi and top_leaky < top_relu:
        notes.append(
            f"가장 큰 학습률 {hi_lr:g}에서도 LeakyReLU는 죽은 유닛이 더 적었지만 시험 정확도는 {top_leaky:.1%}로 ReLU"
            f"({top_relu:.1%})보다 낮았습니다: 살아 있는 유닛이 많다고 그 학습률이 알맞아지지는 않습니다."
        )
    elif leaky_hi < relu_hi:
        notes.append(f"가장 큰 학습률 {hi_lr:g}에서의 시험 정확도는 LeakyReLU {top_leaky:.1%}, ReLU {top_relu:.1%}입니다.")
    diverged = [f"{label} 학습률 {lr:g}" for kind, label in KINDS for r, lr in enumerate(lrs)
                if any(per_seed[f"diverged_{kind}_{r}"])]
    if diverged:
        notes.append(f"({', '.join(diverged)}의 학습은 일부 시드에서 발산해 그 망의 수치는 뜻이 없습니다.)")
    return notes


DEMO = DemoSpec(
    slug="dying-relu",
    title="죽은 ReLU: 큰 학습률과 LeakyReLU",
    summary=(
        "학습률이 크면 많은 ReLU 유닛이 모든 입력에서 0을 내는 죽은 유닛이 되고, 기울기가 0이라 다시 살아나지 "
        "못합니다. LeakyReLU는 음수 쪽에도 기울기가 있어 유닛이 되살아날 수 있습니다."
    ),
    params=Params,
    smallest=SMALLEST,
    run=run,
    claims=(
        Claim(metric="dead_increase_relu", direction="greater", margin=DEAD_MARGIN,
              statement="학습률을 8배 키우면 ReLU 망의 죽은 유닛 비율이 5%p 넘게 늘어난다",
              metric_label="ReLU 죽은 유닛 비율의 증가 (가장 큰 학습률 − 그 1/8)"),
        Claim(metric="dead_gap_top", direction="greater", margin=DEAD_MARGIN,
              statement="가장 큰 학습률에서 LeakyReLU는 ReLU보다 죽은(모든 예제에서 음수인) 유닛이 5%p 넘게 적다",
              metric_label="가장 큰 학습률의 죽은 유닛 비율 차 (ReLU − LeakyReLU)"),
    ),
    breaking=BREAKING,
    # A dead unit: its pre-activation ≤ 0 on every training example. Rates are named as fractions of the
    # largest; the early-death counts add up the four rates' networks.
    metric_labels={
        **{f"{name}_{kind}_{r}": label.format(shown, "가장 큰 학습률" if f == 1 else f"가장 큰 학습률의 1/{round(1 / f)}")
           for kind, shown in KINDS for r, f in enumerate(LR_FRACTIONS) for name, label in (
               ("dead", "학습 끝 죽은 유닛 비율 ({}, {}, 0–1)"),
               ("accuracy", "테스트 정확도 ({}, {}, 0–1)"),
               ("diverged", "발산 ({}, {}, 1 = 발산)"))},
        **{f"{name}_{kind}": label.format(shown) for kind, shown in KINDS for name, label in (
            ("early_dead", f"학습 {EARLY_FRACTION:.0%} 시점에 죽어 있던 유닛 수 ({{}}, 네 학습률 합)"),
            ("revived", f"학습 {EARLY_FRACTION:.0%} 시점에 죽었다가 끝에 되살아난 유닛 수 ({{}}, 네 학습률 합)"),
            ("early_dead_weight_change", "일찍 죽은 유닛 가중치가 그 뒤 움직인 최대 |Δw| ({})"),
            ("best_rate", "검증 정확도로 고른 학습률 ({})"),
            ("best_accuracy", "고른 학습률의 테스트 정확도 ({}, 0–1)"))},
        "accuracy_gap_best": "각자 고른 학습률의 테스트 정확도 차 (LeakyReLU − ReLU)",
        "accuracy_gap_top": "가장 큰 학습률의 테스트 정확도 차 (LeakyReLU − ReLU)",
    },
    concepts=("dead_relu", "relu", "leaky_relu", "learning_rate"),
    questions=(
        QuestionRef("면접 #12-3", "ReLU의 문제점: 죽은 뉴런"),
        QuestionRef("2주차 질문 2", "ReLU 도함수가 1과 0인 것"),
        QuestionRef("면접 #5", "Dead ReLU와 LeakyReLU"),
    ),
    citations=(
        Citation(authors="Maas, Hannun & Ng", year=2013,
                 title="Rectifier Nonlinearities Improve Neural Network Acoustic Models",
                 url="https://ai.stanford.edu/~amaas/papers/relu_hybrid_icml2013_final.pdf"),
        Citation(authors="Karpathy (Stanford CS231n course notes)", year=2015,
                 title="Neural Networks Part 1: Commonly Used Activation Functions",
                 url="https://cs231n.github.io/neural-networks-1/#actfun"),
    ),
    version="2",
)
