"""Snapshot ensembles: one training run, a cyclic learning rate, several models (4주차 p56).

A cosine learning rate that restarts every cycle (SGDR) sends the network to a new minimum each
cycle; the weights at the end of each cycle, where the rate is near zero, are saved as snapshots.
Averaging the snapshots' predicted probabilities on held-out digits is compared with the last
snapshot alone and with a network trained for the same number of steps under one long cosine decay.

Every seed draws its own train/validation/test split of the 1,797 digits, its own initial weights and
minibatches (shared by both schedules). Fair arms: each of the three methods (snapshot ensemble, last
snapshot alone, one long cosine) keeps the peak learning rate of a three-point grid that gives *its*
lowest validation NLL; the claim is judged on the test split. All (schedule, rate, seed) networks train
as one stacked model.
"""

from __future__ import annotations

import math
from typing import Any

from pydantic import Field

from app.demos.base import Chart, Citation, DemoParams, DemoSpec, Measurement, QuestionRef, Series, Table
from app.demos.evidence import Claim, summarise
from app.demos.training import differences

BATCH_SIZE = 64
N_VAL = 300
MOMENTUM = 0.9
GRID_FACTORS = (1 / 3, 1.0, 3.0)  # × max_learning_rate
SCHEDULES = ("cyclic", "single")
METHODS = (("ensemble", "스냅샷 앙상블"), ("final", "마지막 스냅샷 하나"), ("single", "같은 스텝의 긴 코사인 단일 모델"))


class Params(DemoParams):
    cycles: int = Field(6, ge=2, le=12, description="코사인 재시작 주기 수 = 스냅샷 수")
    steps_per_cycle: int = Field(60, ge=30, le=1000, description="주기 하나의 스텝 수")
    max_learning_rate: float = Field(
        0.3, ge=0.01, le=1.0, description="주기 시작 학습률 격자의 가운데 값 (격자: 이 값의 1/3, 1, 3배; SGD, 모멘텀 0.9)")
    hidden: int = Field(32, ge=16, le=512, description="은닉층 너비 (은닉층 2개)")
    n_train: int = Field(150, ge=100, le=1200, description="학습 데이터 수 (검증 300개, 나머지는 평가용)")
    weight_decay: float = Field(5e-4, ge=0.0, le=0.01, description="가중치 감쇠 (손실이 0에 붙어 재시작이 헛돌지 않게)")


SMALLEST = Params(cycles=4, steps_per_cycle=50)
# Issue 14 found the ensemble losing to its own last snapshot with 1,000 training digits.
BREAKING = Params(n_train=1000)


def rate_factor(schedule: str, step: int, params: Params) -> float:
    """torch's CosineAnnealingWarmRestarts(T_0=steps_per_cycle) / CosineAnnealingLR(T_max=total) at ``step``."""
    if schedule == "cyclic":
        return 0.5 * (1 + math.cos(math.pi * (step % params.steps_per_cycle) / params.steps_per_cycle))
    return 0.5 * (1 + math.cos(math.pi * step / (params.cycles * params.steps_per_cycle)))


def _splits(seeds, params: Params, device):
    """Per seed: train / validation / test inputs and labels, stacked (S, n, ...)."""
    import torch

    from app.demos.batched import generator
    from app.demos.datasets import digits

    inputs, labels = digits("cpu")
    n_test = len(labels) - params.n_train - N_VAL
    parts = {"train": [], "val": [], "test": []}
    for seed in seeds:
        order = torch.randperm(len(labels), generator=generator(seed * 7919 + 5))
        bounds = {"train": order[:params.n_train], "val": order[params.n_train:params.n_train + N_VAL],
                  "test": order[params.n_train + N_VAL:params.n_train + N_VAL + n_test]}
        for name, index in bounds.items():
            parts[name].append((inputs[index], labels[index]))
    return {name: (torch.stack([x for x, _ in rows]).to(device), torch.stack([y for _, y in rows]).to(device))
            for name, rows in parts.items()}


def _model(params: Params, seeds: list[int], grid: list[float], device) -> tuple[list, Any, Any]:
    """Model i: schedule i // (L*S), grid point (i // S) % L, seed i % S (init_mlp's layout). Returns the
    weights, their SGD and each model's learning-rate factor at every step, (steps, models)."""
    import torch

    from app.demos.batched import SGD, generator, init_mlp

    S, L, A = len(seeds), len(GRID_FACTORS), len(SCHEDULES)
    models = A * L * S
    lrs = torch.tensor([grid[(i // S) % L] for i in range(models)], device=device)
    weights = init_mlp([64, params.hidden, params.hidden, 10], [generator(s) for s in seeds], A * L, device)
    total = params.cycles * params.steps_per_cycle
    factors = torch.tensor([[rate_factor(kind, step, params) for kind in SCHEDULES] for step in range(total)],
                           device=device)[:, torch.arange(models, device=device) // (L * S)]
    return weights, SGD(weights, lrs, momentum=MOMENTUM), factors


def _train(params: Params, weights: list, optimizer, factors, data, seeds: list[int], seed_of,
           progress) -> tuple[dict[str, list], list]:
    """Minibatch SGD with weight decay on each model's schedule; a snapshot of the validation and test
    probabilities at the end of every cycle. Returns the snapshots and the loss of every step."""
    import torch

    from app.demos.batched import generator, mlp_forward, per_model_cross_entropy, rows

    total = params.cycles * params.steps_per_cycle
    stream = [generator(s * 7919 + 6) for s in seeds]
    train_x, train_y = data["train"]

    def probabilities(split: str):
        x, _ = data[split]
        with torch.no_grad():
            return torch.softmax(mlp_forward(weights, x[seed_of]), dim=-1)

    snapshots: dict[str, list] = {"val": [], "test": []}  # per cycle: (models, n, 10)
    losses = []
    for step in range(total):
        batch = torch.stack([torch.randint(params.n_train, (BATCH_SIZE,), generator=g) for g in stream])
        batch = batch.to(seed_of.device)
        x, y = rows(train_x, batch), torch.gather(train_y, 1, batch)
        loss = per_model_cross_entropy(mlp_forward(weights, x[seed_of]), y[seed_of])
        loss.sum().backward()
        with torch.no_grad():
            for p in weights:  # L2 weight decay in the gradient, as torch.optim.SGD(weight_decay=...) adds it
                p.grad.add_(p, alpha=params.weight_decay)
        optimizer.step(factors[step])
        losses.append(loss.detach())
        if (step + 1) % params.steps_per_cycle == 0:
            for split in snapshots:
                snapshots[split].append(probabilities(split))
            cycle = (step + 1) // params.steps_per_cycle
            progress(0.9 * (step + 1) / total, f"스냅샷 {cycle}/{params.cycles} 저장")
    return snapshots, losses


def _measure(params: Params, snapshots: dict[str, list], data, grid: list[float], seed_of,
             S: int) -> tuple[dict[str, list[float | None]], dict, Any]:
    """Per seed, each method at its own rate: test NLL and accuracy and the gains of the ensemble; how
    often its snapshots disagree, and how many snapshots were best. Also the picks and the NLL by size."""
    import torch

    L, A = len(GRID_FACTORS), len(SCHEDULES)
    scores = {split: _scores(torch, snapshots[split], data[split][1], seed_of, params.cycles) for split in snapshots}
    per_seed, chosen = _choose(scores, grid, A, L, S)
    per_seed["nll_gain_vs_final_snapshot"] = differences(per_seed["test_nll_final"], per_seed["test_nll_ensemble"])
    per_seed["nll_gain_vs_single_cosine"] = differences(per_seed["test_nll_single"], per_seed["test_nll_ensemble"])
    per_seed["accuracy_gain_vs_final_snapshot"] = differences(per_seed["test_accuracy_ensemble"],
                                                              per_seed["test_accuracy_final"])
    # How often two snapshots of the ensemble's run disagree on a test digit.
    test_snaps = torch.stack(snapshots["test"]).argmax(-1)  # (cycles, models, n)
    disagreement = []
    for s in range(S):
        model = chosen["ensemble"][s] * S + s  # schedule 0 (cyclic)
        predictions = test_snaps[:, model]
        pairs = [(i, j) for i in range(params.cycles) for j in range(i + 1, params.cycles)]
        disagreement.append(sum((predictions[i] != predictions[j]).float().mean().item() for i, j in pairs) / len(pairs))
    per_seed["mean_pairwise_disagreement"] = disagreement
    # The ensemble of the last m snapshots, m = 1 .. cycles, at the ensemble's chosen rate.
    by_m = scores["test"]["by_m_nll"]  # (cycles, models)
    per_seed["best_ensemble_size"] = [float(by_m[:, chosen["ensemble"][s] * S + s].argmin().item() + 1)
                                      for s in range(S)]
    return per_seed, chosen, by_m


def run(params: Params, device, progress, seeds) -> Measurement:
    import torch

    seeds = list(seeds)
    S, L, A = len(seeds), len(GRID_FACTORS), len(SCHEDULES)
    data = _splits(seeds, params, device)
    seed_of = torch.arange(A * L * S, device=device) % S
    grid = [params.max_learning_rate * f for f in GRID_FACTORS]
    weights, optimizer, factors = _model(params, seeds, grid, device)
    snapshots, losses = _train(params, weights, optimizer, factors, data, seeds, seed_of, progress)
    per_seed, chosen, by_m = _measure(params, snapshots, data, grid, seed_of, S)
    charts = _charts(params, grid, by_m, chosen, torch.stack(losses).cpu(), S, L)
    table = _table(params, grid, per_seed, S)
    progress(1.0, "완료", charts)
    return Measurement(per_seed=per_seed, charts=charts, table=table, notes=_notes(params, per_seed))


def _scores(torch, snaps, labels, seed_of, cycles: int) -> dict:
    """NLL and accuracy per model of: every last-m ensemble (m = 1 .. cycles), the last snapshot alone."""
    y = labels[seed_of]  # (models, n)

    def nll_acc(p):
        nll = -(p.clamp_min(1e-12).log().gather(-1, y[..., None])[..., 0]).mean(-1)
        return nll, (p.argmax(-1) == y).float().mean(-1)

    stacked = torch.stack(snaps)  # (cycles, models, n, 10)
    by_m = [nll_acc(stacked[-m:].mean(0)) for m in range(1, cycles + 1)]
    return {"by_m_nll": torch.stack([n for n, _ in by_m]).cpu(), "by_m_acc": torch.stack([a for _, a in by_m]).cpu()}


def _choose(scores, grid, A: int, L: int, S: int):
    """Each method's peak rate by its validation NLL, per seed; its test NLL and accuracy there."""
    from app.demos.batched import best_per_seed

    def pick(split: str, key: str, m_index: int, schedule: int):
        return scores[split][key][m_index].reshape(A, L, S)[schedule]  # (L, S)

    per_seed: dict[str, list[float | None]] = {}
    chosen = {}
    # ensemble: all snapshots of the cyclic run; final: its last snapshot; single: the long cosine's end.
    for method, m_index, schedule in (("ensemble", -1, 0), ("final", 0, 0), ("single", 0, 1)):
        best = best_per_seed(pick("val", "by_m_nll", m_index, schedule))
        chosen[method] = best.tolist()
        nll, acc = pick("test", "by_m_nll", m_index, schedule), pick("test", "by_m_acc", m_index, schedule)
        per_seed[f"test_nll_{method}"] = [_finite(nll[best[s], s].item()) for s in range(S)]
        per_seed[f"test_accuracy_{method}"] = [acc[best[s], s].item() for s in range(S)]
        per_seed[f"lr_{method}"] = [grid[i] for i in chosen[method]]
    return per_seed, chosen


def _finite(value: float) -> float | None:
    return value if math.isfinite(value) else None


def _charts(params: Params, grid, by_m, chosen, losses, S: int, L: int) -> list[Chart]:
    from app.demos.batched import band

    total = params.cycles * params.steps_per_cycle
    steps = [float(s + 1) for s in range(total)]
    snapshot_steps = [float((c + 1) * params.steps_per_cycle) for c in range(params.cycles)]
    lr = params.max_learning_rate
    cyclic = [lr * rate_factor("cyclic", s, params) for s in range(total)]
    schedule = Chart(key="learning_rate", title="학습률 일정과 스냅샷 시점 (격자 가운데 값 기준)", x_label="스텝",
                     y_label="학습률", series=[
                         Series(name="코사인 재시작 (스냅샷 앙상블)", x=steps, y=cyclic),
                         Series(name="한 번의 긴 코사인 감소", x=steps, y=[lr * rate_factor("single", s, params)
                                                                     for s in range(total)]),
                         Series(name="스냅샷 저장", x=snapshot_steps, y=[cyclic[int(s) - 1] for s in snapshot_steps]),
                     ])
    ms = [float(m) for m in range(1, params.cycles + 1)]
    per = [[by_m[m, chosen["ensemble"][s] * S + s].item() for m in range(params.cycles)] for s in range(S)]
    y, low, high = band(per)
    ensemble = Chart(key="ensemble", title="평가 세트 NLL: 마지막 m개 스냅샷의 앙상블 (시드 평균, 띠는 최소~최대)",
                     x_label="앙상블에 넣은 스냅샷 수 m", y_label="NLL (낮을수록 좋음)",
                     series=[Series(name="스냅샷 앙상블", x=ms, y=y, lower=low, upper=high)])
    stride = max(total // 200, 1)
    curves = []
    for a, name in enumerate(("코사인 재시작", "긴 코사인 감소")):
        per = [[losses[t, a * L * S + chosen["ensemble" if a == 0 else "single"][s] * S + s].item()
                for t in range(0, total, stride)] for s in range(S)]
        y, low, high = band(per)
        curves.append(Series(name=name, x=steps[::stride], y=y, lower=low, upper=high))
    loss = Chart(key="loss", title="학습 손실 (미니배치, 각자 고른 학습률)", x_label="스텝", y_label="교차 엔트로피",
                 log_y=True, series=curves)
    return [schedule, ensemble, loss]


def _table(params: Params, grid, m: dict, S: int) -> Table:
    rows = []
    for method, label in METHODS:
        lrs = "/".join(f"{v:.3g}" for v in m[f"lr_{method}"])
        nll = summarise(m[f"test_nll_{method}"])
        rows.append([label, lrs, round(nll.mean, 4), round(_mean(m[f"test_accuracy_{method}"]), 4),
                     f"{params.cycles * params.steps_per_cycle}스텝 학습 1번"])
    return Table(columns=["방법", "고른 최대 학습률 (시드별, 검증 NLL 기준)", "평가 NLL (평균)", "평가 정확도 (평균)", "학습 비용"],
                 rows=rows)


def _mean(values) -> float:
    return sum(values) / len(values)


def _notes(params: Params, m: dict) -> list[str]:
    k = params.cycles
    ens, fin, sin = (_mean(m[f"test_nll_{x}"]) for x in ("ensemble", "final", "single"))
    acc = {x: _mean(m[f"test_accuracy_{x}"]) for x in ("ensemble", "final", "single")}
    notes = [f"학습 데이터 {params.n_train}개, 한 번의 학습({k * params.steps_per_cycle}스텝)에서 저장한 스냅샷 {k}개의 "
             f"평균: 평가 NLL {ens:.3g}, 정확도 {acc['ensemble']:.1%}. 마지막 스냅샷 하나는 NLL {fin:.3g}, 정확도 "
             f"{acc['final']:.1%}, 같은 스텝의 긴 코사인 단일 모델은 NLL {sin:.3g}, 정확도 {acc['single']:.1%} "
             f"(셋 다 자기 최대 학습률을 검증 NLL로 고름)."]
    gain = summarise(m["nll_gain_vs_final_snapshot"])
    spread = f"스냅샷끼리는 평가 예제의 {_mean(m['mean_pairwise_disagreement']):.1%}에서 예측이 갈렸습니다"
    if gain.ci95 is not None and gain.ci95[0] > 0:
        notes.append(f"추가 학습 비용 없이 앙상블이 마지막 스냅샷보다 NLL을 {gain.mean:.3g} 낮췄습니다. {spread}: "
                     f"재시작마다 조금씩 다른 해에 도착했고, 평균이 그 차이를 상쇄합니다.")
    elif gain.ci95 is not None and gain.ci95[1] < 0:
        notes.append(f"학습 데이터 {params.n_train}개에서는 앙상블이 마지막 스냅샷 하나보다 나빴습니다 (NLL {ens:.3g} 대 "
                     f"{fin:.3g}). {spread}: 스냅샷이 서로 비슷하면 평균으로 얻을 것이 적고, 덜 학습된 앞쪽 스냅샷이 "
                     f"평균을 끌어내립니다.")
    else:
        notes.append(f"학습 데이터 {params.n_train}개에서는 앙상블과 마지막 스냅샷의 차이(NLL {ens:.3g} 대 {fin:.3g})가 "
                     f"시드 사이 흔들림 안에 있어, 앙상블이 낫다고 말할 수 없습니다. {spread}.")
    best_m = max(set(m["best_ensemble_size"]), key=m["best_ensemble_size"].count)
    if best_m < k:
        notes.append(f"평가 NLL은 스냅샷 {k}개를 모두 넣을 때보다 마지막 {best_m:.0f}개만 평균 낼 때 가장 낮았습니다 "
                     f"(시드 다수결): 앞쪽 스냅샷은 덜 학습되어 있습니다.")
    versus = summarise(m["nll_gain_vs_single_cosine"])
    if versus.ci95 is not None and versus.ci95[0] > 0:
        notes.append(f"긴 코사인 단일 모델보다도 NLL이 {versus.mean:.3g} 낮았습니다.")
    elif versus.ci95 is not None and versus.ci95[1] < 0:
        notes.append(f"같은 스텝을 한 번의 긴 코사인으로 학습한 단일 모델이 앙상블보다 나았습니다 (NLL {sin:.3g} 대 {ens:.3g}): "
                     f"주기가 짧으면 각 스냅샷이 덜 수렴합니다.")
    else:
        notes.append(f"긴 코사인 단일 모델과의 차이(NLL {sin:.3g} 대 {ens:.3g})는 시드 사이 흔들림 안에 있습니다.")
    accuracy_gap = _mean(m["accuracy_gain_vs_final_snapshot"])
    if abs(accuracy_gap) < 0.01:
        notes.append(f"정확도 차이는 작습니다 ({accuracy_gap * 100:+.1f}%p): 앙상블의 이득은 주로 확률의 보정(NLL)에 있습니다.")
    return notes


DEMO = DemoSpec(
    slug="snapshot-ensemble",
    title="스냅샷 앙상블: 코사인 재시작 학습률로 한 번에 여러 모델",
    summary=(
        "학습률을 주기마다 재시작하고 주기 끝마다 저장한 스냅샷들을 평균 내면, 추가 학습 비용 없이 "
        "마지막 모델 하나보다 처음 보는 데이터에서 확률이 더 잘 맞는지(음의 로그 가능도) 시드 3개로 잽니다. "
        "학습 데이터가 많으면 이득이 사라집니다."
    ),
    params=Params,
    smallest=SMALLEST,
    breaking=BREAKING,
    run=run,
    claims=(
        Claim(metric="nll_gain_vs_final_snapshot", direction="greater", margin=0.0,
              statement="스냅샷 앙상블이 같은 학습의 마지막 스냅샷보다 평가 NLL이 낮다",
              metric_label="평가 NLL 이득 (마지막 스냅샷 − 앙상블)"),
        Claim(metric="nll_gain_vs_single_cosine", direction="greater", margin=0.0,
              statement="스냅샷 앙상블이 같은 스텝의 긴 코사인 단일 모델보다 평가 NLL이 낮다",
              metric_label="평가 NLL 이득 (긴 코사인 단일 모델 − 앙상블)"),
    ),
    metric_labels={
        **{f"{name}_{method}": f"{label} ({arm})" for method, arm in (
            ("ensemble", "스냅샷 앙상블"), ("final", "마지막 스냅샷"), ("single", "긴 코사인 단일 모델"))
           for name, label in (("test_nll", "평가 NLL"), ("test_accuracy", "평가 정확도"), ("lr", "고른 최대 학습률"))},
        "accuracy_gain_vs_final_snapshot": "평가 정확도 이득 (앙상블 − 마지막 스냅샷)",
        "mean_pairwise_disagreement": "두 스냅샷의 예측이 다른 비율 (모든 쌍의 평균)",
        "best_ensemble_size": "평가 NLL이 가장 낮은 앙상블의 스냅샷 수 (마지막 m개)",
    },
    concepts=("snapshot", "ensemble", "learning_rate_schedule", "calibration"),
    questions=(QuestionRef("4주차 p56", "snapshot이 뭐지?"),),
    citations=(
        Citation(authors="Huang, Li, Pleiss, Liu, Hopcroft & Weinberger", year=2017,
                 title="Snapshot Ensembles: Train 1, Get M for Free", url="https://arxiv.org/abs/1704.00109"),
        Citation(authors="Loshchilov & Hutter", year=2017, title="SGDR: Stochastic Gradient Descent with Warm Restarts",
                 url="https://arxiv.org/abs/1608.03983"),
    ),
    version="2",
)
