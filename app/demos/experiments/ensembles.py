"""An ensemble of small networks against one wider network with the same number of parameters.

Points in 10 dimensions are labelled (3 classes) by a random teacher network, a fifth of the training
labels replaced at random. Two arms share the data, the optimiser (full-batch Adam), the steps and the
parameter budget:

* ensemble: ``members`` one-hidden-layer MLPs of ``member_width`` units, trained independently from their
  own initialisations; the prediction is the mean of their softmax probabilities (Lakshminarayanan et
  al. 2017, without the adversarial part);
* single: one MLP whose hidden width is chosen so that its parameter count matches the ensemble's.

Both arms get the same budget — steps, learning rate, data, parameters — and both are trained to fit
their training data (no early stopping: that remedy is the early-stopping experiment's subject; a
network stopped early, or trained with a tiny learning rate that acts like it, can match the ensemble).
On noisy labels every network overfits in its own way and averaging cancels much of it, so the ensemble
should have the lower test loss (Kondratyuk et al. 2020 find ensembles of smaller models competitive
with one larger model). With clean labels and more data there is little variance to average away,
and members of 4 units are each too small for the function: averaging underfit members cannot recover
what none of them learned, and the single wider network wins — that is where the claim breaks.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from pydantic import Field

from app.demos.base import Chart, Citation, DemoParams, DemoSpec, Measurement, QuestionRef, Series, Table
from app.demos.evidence import Claim, summarise

# The members' initial weights come from their own streams, (seed·1000 + member)·7919 + salt: seeded with
# seed·1000 + member, seed 0's second member started from seed 0's own teacher-and-data stream (0·7919 + 1).
INIT_SALT = 113

INPUTS, CLASSES, TEACHER_HIDDEN = 10, 3, 16
N_VAL, N_TEST = 300, 2000
ARMS = (("ensemble", "앙상블"), ("single", "넓은 단일 망"))


class Params(DemoParams):
    members: int = Field(4, ge=2, le=32, description="앙상블의 작은 망 수")
    member_width: int = Field(16, ge=1, le=128, description="작은 망 하나의 은닉 유닛 수")
    n_train: int = Field(200, ge=50, le=5000, description="학습 예제 수")
    label_noise: float = Field(0.3, ge=0.0, le=0.8, description="학습 레이블 중 무작위로 바꾼 비율")
    learning_rate: float = Field(0.01, ge=0.0001, le=0.3, description="Adam 학습률 (두 방법 같음)")
    steps: int = Field(300, ge=50, le=3000, description="풀배치 Adam 스텝 수 (두 방법 같음)")


SMALLEST = Params(steps=200)
BREAKING = Params(label_noise=0.0, n_train=1000, member_width=4, steps=200)


def width_for(params_budget: int) -> int:
    """The hidden width whose one-hidden-layer MLP has the parameter count closest to the budget."""
    per_unit = INPUTS + 1 + CLASSES  # weights in and out of a unit, and its bias
    return max(1, round((params_budget - CLASSES) / per_unit))


def _data(params: Params, seeds: list[int], device) -> tuple[Any, Any, Any]:
    """Train on noisy labels; validation and test on the same teacher's clean labels."""
    from app.demos.synthetic import split, teacher_classification

    n = params.n_train + N_VAL + N_TEST
    noisy = teacher_classification(seeds, n, INPUTS, CLASSES, TEACHER_HIDDEN, params.label_noise, device)
    clean = teacher_classification(seeds, n, INPUTS, CLASSES, TEACHER_HIDDEN, 0.0, device)
    train = split(noisy, [params.n_train])[0]
    _, val, test = split(clean, [params.n_train, N_VAL, N_TEST])
    return train, val, test


@dataclass
class _Stack:
    """Stacked models with their optimiser; model i reads seed i % S."""

    weights: list
    optimizer: Any
    seed_index: Any
    shape: tuple[int, ...]  # how the model axis splits, seed last

    def probabilities(self, split_):
        import torch

        from app.demos.batched import mlp_forward

        with torch.no_grad():
            probs = torch.softmax(mlp_forward(self.weights, split_[0]), dim=2)  # (models, n, C)
            return probs.reshape(*self.shape, *probs.shape[1:])


def _models(params: Params, seeds: list[int], member_sizes: list[int], single_sizes: list[int],
            device) -> tuple[_Stack, _Stack]:
    """Ensemble stack: model i is member i // S, seed i % S; each member its own initialisation (a
    generator per seed and member). L = 1: one learning rate, kept as an axis so a grid could come back.
    The single wide network: one per seed."""
    import torch

    from app.demos.batched import Adam, generator, init_mlp

    S, L, M = len(seeds), 1, params.members
    ens_gens = [generator((seeds[i % S] * 1000 + i // S) * 7919 + INIT_SALT) for i in range(M * S)]
    ens_weights = init_mlp(member_sizes, ens_gens, L, device)
    single_weights = init_mlp(single_sizes, [generator(s * 1000 + 999) for s in seeds], L, device)
    return (_Stack(ens_weights, Adam(ens_weights, params.learning_rate),
                   torch.arange(L * M * S, device=device) % S, (L, M, S)),
            _Stack(single_weights, Adam(single_weights, params.learning_rate),
                   torch.arange(L * S, device=device) % S, (L, S)))


def _train(params: Params, stacks: tuple[_Stack, ...], train, progress) -> None:
    from app.demos.batched import mlp_forward, per_model_cross_entropy

    for step in range(params.steps):
        for stack in stacks:
            per_model_cross_entropy(mlp_forward(stack.weights, train[0]), train[1][stack.seed_index]).sum().backward()
            stack.optimizer.step()
        if (step + 1) % 50 == 0:
            progress(0.9 * (step + 1) / params.steps, f"{step + 1}/{params.steps} 스텝")


def _nll(probs, labels):  # probs (..., S, n, C), labels (S, n) → (..., S)
    import torch

    picked = torch.gather(probs, -1, labels.expand(*probs.shape[:-1]).unsqueeze(-1)).squeeze(-1)
    return -picked.clamp_min(1e-12).log().mean(dim=-1)


def _accuracy(probs, labels):
    return (probs.argmax(dim=-1) == labels).float().mean(dim=-1)


def _measure(ensemble: _Stack, single: _Stack, train, val, test,
             M: int) -> tuple[dict[str, list[float | None]], list[list[float]]]:
    """Per seed: test loss and accuracy of the averaged ensemble, the single network and a member; and
    the test NLL of the mean of the first m members."""
    import torch

    from app.demos.batched import best_per_seed

    ens_val, ens_test = ensemble.probabilities(val), ensemble.probabilities(test)
    single_val, single_test = single.probabilities(val), single.probabilities(test)
    ens_train, single_train = ensemble.probabilities(train), single.probabilities(train)
    ens_best = best_per_seed(_nll(ens_val.mean(dim=1), val[1]).cpu())
    single_best = best_per_seed(_nll(single_val, val[1]).cpu())

    per_seed: dict[str, list[float | None]] = {key: [] for key in (
        "test_loss_ensemble", "test_loss_single", "test_accuracy_ensemble",
        "test_accuracy_single", "test_loss_member", "train_loss_ensemble", "train_loss_single")}
    by_size: list[list[float]] = []  # per seed: test NLL of the mean of the first m members
    for s in range(len(test[1])):
        probs = ens_test[ens_best[s], :, s]  # (M, n, C)
        labels = test[1][s]
        average = probs.mean(dim=0)
        single_probs = single_test[single_best[s], s]
        per_seed["test_loss_ensemble"].append(_nll(average, labels).item())
        per_seed["test_loss_single"].append(_nll(single_probs, labels).item())
        per_seed["test_accuracy_ensemble"].append(_accuracy(average, labels).item())
        per_seed["test_accuracy_single"].append(_accuracy(single_probs, labels).item())
        per_seed["test_loss_member"].append(_nll(probs, labels).mean().item())
        per_seed["train_loss_ensemble"].append(_nll(ens_train[ens_best[s], :, s].mean(dim=0), train[1][s]).item())
        per_seed["train_loss_single"].append(_nll(single_train[single_best[s], s], train[1][s]).item())
        running = probs.cumsum(dim=0) / torch.arange(1, M + 1, device=probs.device).reshape(M, 1, 1)
        by_size.append(_nll(running, labels).tolist())
    return per_seed, by_size


def run(params: Params, device, progress, seeds) -> Measurement:
    from app.demos.batched import parameter_count

    seeds = list(seeds)
    S, M = len(seeds), params.members
    train, val, test = _data(params, seeds, device)
    member_sizes = [INPUTS, params.member_width, CLASSES]
    budget = M * parameter_count(member_sizes)
    wide = width_for(budget)
    single_sizes = [INPUTS, wide, CLASSES]
    ensemble, single = _models(params, seeds, member_sizes, single_sizes, device)
    _train(params, (ensemble, single), train, progress)
    per_seed, by_size = _measure(ensemble, single, train, val, test, M)
    # log of the ratio: cross-entropy of an overconfident network has a long tail, and the ratio is what
    # compares across seeds whose tasks differ in difficulty.
    per_seed["log_test_loss_ratio"] = [math.log(a / b) for a, b in zip(per_seed["test_loss_single"],
                                                                        per_seed["test_loss_ensemble"])]
    per_seed["parameters_ensemble"] = [float(budget)] * S
    per_seed["parameters_single"] = [float(parameter_count(single_sizes))] * S

    charts = _charts(M, by_size, per_seed)
    table = _table(params, per_seed, budget, wide, parameter_count(single_sizes))
    progress(1.0, "완료", charts)
    return Measurement(per_seed=per_seed, charts=charts, table=table, notes=_notes(params, per_seed, by_size, wide))


def _charts(M, by_size, m) -> list[Chart]:
    from app.demos.batched import band

    S = len(by_size)
    sizes = [float(k) for k in range(1, M + 1)]
    y, low, high = band(by_size)
    single = sum(m["test_loss_single"]) / S
    return [Chart(key="by_members", title="앙상블 크기별 테스트 손실 (처음 m개의 확률 평균)", x_label="망 수 m",
                  y_label="테스트 교차 엔트로피",
                  series=[Series(name="작은 망 m개의 앙상블", x=sizes, y=y, lower=low, upper=high),
                          Series(name="같은 파라미터 수의 넓은 단일 망", x=sizes, y=[single] * M)])]


def _table(params: Params, m, budget: int, wide: int, single_count: int) -> Table:
    S = len(m["test_loss_single"])

    def mean(key):
        return float(f"{sum(m[key]) / S:.4g}")

    lr = params.learning_rate
    return Table(
        columns=["방법", "구성", "파라미터 수", "학습률", "스텝", "학습 손실 (잡음 레이블)", "테스트 손실", "테스트 정확도"],
        rows=[["앙상블", f"{params.members} × 은닉 {params.member_width}", budget, lr, params.steps,
               mean("train_loss_ensemble"), mean("test_loss_ensemble"), mean("test_accuracy_ensemble")],
              ["넓은 단일 망", f"은닉 {wide}", single_count, lr, params.steps, mean("train_loss_single"),
               mean("test_loss_single"), mean("test_accuracy_single")],
              ["(앙상블의 망 하나)", f"은닉 {params.member_width}", budget // params.members, lr, params.steps, "",
               mean("test_loss_member"), ""]])


def _notes(params: Params, m, by_size, wide: int) -> list[str]:
    notes = []
    S = len(by_size)
    ens, single, member = (sum(m[k]) / S for k in ("test_loss_ensemble", "test_loss_single", "test_loss_member"))
    acc_e, acc_s = sum(m["test_accuracy_ensemble"]) / S, sum(m["test_accuracy_single"]) / S
    gain = summarise(m["log_test_loss_ratio"])
    if gain.ci95 is not None and gain.ci95[0] > 0:
        notes.append(f"은닉 {params.member_width}짜리 망 {params.members}개의 앙상블이 같은 파라미터 수의 은닉 {wide} 단일 망보다 "
                     f"테스트 손실이 낮았습니다 ({ens:.3f} 대 {single:.3f}, 정확도 {acc_e:.1%} 대 {acc_s:.1%}). 망 하나만 "
                     f"쓰면 {member:.3f}: 각자 다르게 외운 잡음이 평균에서 상쇄됩니다.")
    elif member > single and ens > single:
        notes.append(f"은닉 {params.member_width}짜리 망은 혼자서 {member:.3f}에 그쳐, {params.members}개를 평균해도 "
                     f"({ens:.3f}) 같은 파라미터 수의 은닉 {wide} 단일 망({single:.3f})을 이기지 못했습니다: 평균은 "
                     f"분산을 줄이지만 망마다 모자란 표현력(편향)은 채우지 못합니다.")
    else:
        notes.append(f"앙상블({ens:.3f})과 단일 망({single:.3f})의 테스트 손실 차이가 시드마다 엇갈렸습니다 (망 하나는 "
                     f"{member:.3f}).")
    curve = [sum(by_size[s][k] for s in range(S)) / S for k in range(params.members)]
    beats = next((k + 1 for k, v in enumerate(curve) if v < single), None)
    if beats is not None:
        notes.append(f"앙상블은 망 {beats}개부터 단일 망보다 손실이 낮았습니다.")
    return notes


DEMO = DemoSpec(
    slug="ensembles",
    title="작은 망 여러 개의 앙상블 대 같은 파라미터 수의 넓은 망 하나",
    summary=(
        "잡음 레이블이 섞인 분류에서, 작은 MLP 여러 개의 확률 평균이 파라미터 수가 같은 넓은 MLP 하나보다 테스트 손실이 "
        "낮은지 잽니다. 잡음이 없고 데이터가 많아 평균으로 줄일 분산이 작고, 망 하나하나가 너무 작으면 넓은 망이 이깁니다."
    ),
    params=Params,
    smallest=SMALLEST,
    breaking=BREAKING,
    run=run,
    claims=(
        Claim(metric="log_test_loss_ratio", direction="greater", margin=0.0,
              statement="작은 망들의 앙상블이 같은 파라미터 수의 단일 망보다 테스트 손실이 낮다",
              metric_label="테스트 손실 비 (단일 망 ÷ 앙상블, 로그)"),
    ),
    metric_labels={
        "test_loss_ensemble": "테스트 손실 (앙상블)", "test_loss_single": "테스트 손실 (같은 파라미터 수의 단일 망)",
        "test_accuracy_ensemble": "테스트 정확도 (앙상블)", "test_accuracy_single": "테스트 정확도 (단일 망)",
        "test_loss_member": "멤버 하나의 테스트 손실 (멤버 평균)",
        "train_loss_ensemble": "학습 손실 (앙상블)", "train_loss_single": "학습 손실 (단일 망)",
        "parameters_ensemble": "파라미터 수 (앙상블 전체)", "parameters_single": "파라미터 수 (단일 망)",
    },
    concepts=("ensemble", "parameter_count", "variance", "overfitting", "hidden_size", "model_capacity"),
    questions=(
        QuestionRef("4주차 p56", "스냅샷 앙상블"),
        QuestionRef("면접 #6", "오버피팅 대처"),
    ),
    citations=(
        Citation(authors="Lakshminarayanan, Pritzel & Blundell", year=2017,
                 title="Simple and Scalable Predictive Uncertainty Estimation using Deep Ensembles",
                 url="https://arxiv.org/abs/1612.01474"),
        Citation(authors="Kondratyuk, Tan, Brown & Gong", year=2020,
                 title="When Ensembling Smaller Models is More Efficient than Single Large Models",
                 url="https://arxiv.org/abs/2005.00570"),
    ),
    version="2",
)
