"""Transfer learning: pretrain on digits 0–4, fine-tune on a few labelled 5–9s (4주차 p87, p90).

The digits sit at random positions on a 12×12 canvas, so that a few labelled examples are not enough
to learn them from scratch (on the centred 8×8 digits a from-scratch MLP already does well from 25
labels, and there is nothing left for pretraining to show). Per seed, a network first learns digits
0–4 from every example of them. Its body (all layers but the output) is then reused for digits 5–9, of
which only a few per class are labelled, in three arms:

* frozen: the pretrained body kept fixed, only the new output layer learns;
* fine-tuned: the body learns at ``body_lr_factor`` times the head's rate (a tenth by default; 0 is
  the frozen arm again, large factors overwrite what pretraining learned);
* scratch: a fresh body, every layer at the head's rate.

Fair arms: the same labelled examples, steps and fresh head for every arm; each arm keeps the head
rate from a grid (0.01 … 1; SGD with momentum 0.9, full batch) and the checkpoint (every 10 steps) with
the best accuracy on a labelled validation set of 20 per class, and is judged on the remaining 5–9
digits. Seeds change the placements, the pretraining, which examples are labelled and the initial
weights; within a seed, each arm is measured on three labelled sets (draws) and averaged, since which
few examples carry labels moves the result by several points. All (arm, rate, draw, seed) networks
fine-tune as one stacked model.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from pydantic import Field

from app.demos.base import Boundary, Chart, Citation, DemoParams, DemoSpec, Measurement, QuestionRef, Series, Table
from app.demos.evidence import Claim, summarise
from app.demos.training import differences

CANVAS = 12
PRETRAIN_STEPS = 300
PRETRAIN_BATCH = 64
PRETRAIN_LR = 3e-3
HEAD_GRID = (0.01, 0.03, 0.1, 0.3, 1.0)
VAL_PER_CLASS = 20
MAX_LABELLED = 50
CURVE_EVERY = 10
DRAWS = 3  # labelled sets per seed
SOURCE_CLASSES, TARGET_CLASSES = (0, 1, 2, 3, 4), (5, 6, 7, 8, 9)
ARMS = (
    ("frozen", "사전학습, 몸통 고정"),
    ("tuned", "사전학습 + 몸통 미세 조정"),
    ("scratch", "처음부터 학습"),
)


class Params(DemoParams):
    labelled_per_class: int = Field(5, ge=1, le=MAX_LABELLED, description="새 과제(5–9)에서 클래스마다 레이블이 있는 예제 수")
    steps: int = Field(100, ge=20, le=2000, description="미세 조정 스텝 수 (전체 배치, SGD 모멘텀 0.9)")
    hidden: int = Field(48, ge=16, le=256, description="은닉층 너비 (은닉층 2개)")
    body_lr_factor: float = Field(0.1, ge=0.0, le=100.0,
                                  description="미세 조정할 때 몸통의 학습률 ÷ 헤드의 학습률 (0이면 몸통 고정과 같음)")


SMALLEST = Params(steps=60, hidden=32)
BREAKING = Params(labelled_per_class=50)


def _data(seeds, device):
    """Per seed: canvas inputs of the 0–4 digits (S, n_src, 144) with labels, and of the 5–9 digits split
    per class into labelled candidates (first MAX_LABELLED), validation (next VAL_PER_CLASS) and test."""
    import torch

    from app.demos.batched import generator
    from app.demos.datasets import DIGIT_SIDE, digits, place_on_canvas

    digit_inputs, labels = digits("cpu")
    n, spread = len(labels), CANVAS - DIGIT_SIDE + 1
    source = torch.isin(labels, torch.tensor(SOURCE_CLASSES))
    per_class_count = min(int((labels == c).sum()) for c in TARGET_CLASSES)
    out = {"src_x": [], "src_y": [], "lab_x": [], "val_x": [], "test_x": []}
    for seed in seeds:
        gen = generator(seed * 7919 + 7)
        rows, cols = torch.randint(0, spread, (n,), generator=gen), torch.randint(0, spread, (n,), generator=gen)
        inputs = place_on_canvas(digit_inputs, CANVAS, rows, cols).reshape(n, -1)
        out["src_x"].append(inputs[source])
        out["src_y"].append(labels[source])
        # (classes, per_class_count, 144) in a per-seed order: the first k of each class are labelled.
        ordered = []
        for c in TARGET_CLASSES:
            index = (labels == c).nonzero().flatten()
            ordered.append(inputs[index[torch.randperm(len(index), generator=gen)[:per_class_count]]])
        ordered = torch.stack(ordered)
        out["lab_x"].append(ordered[:, :MAX_LABELLED])
        out["val_x"].append(ordered[:, MAX_LABELLED:MAX_LABELLED + VAL_PER_CLASS])
        out["test_x"].append(ordered[:, MAX_LABELLED + VAL_PER_CLASS:])
    return {key: torch.stack(values).to(device) for key, values in out.items()}


def _flatten(per_class):
    """(S, classes, m, 144) → inputs (S, classes*m, 144) and labels (S, classes*m)."""
    import torch

    S, classes, m, d = per_class.shape
    labels = torch.arange(classes, device=per_class.device).repeat_interleave(m).expand(S, -1)
    return per_class.reshape(S, classes * m, d), labels


def _pretrain(data, seeds, params: Params, device):
    import torch

    from app.demos.batched import Adam, generator, init_mlp, mlp_forward, per_model_cross_entropy, rows

    weights = init_mlp([CANVAS * CANVAS, params.hidden, params.hidden, len(SOURCE_CLASSES)],
                       [generator(s * 7919 + 8) for s in seeds], 1, device)
    optimizer = Adam(weights, PRETRAIN_LR)
    stream = [generator(s * 7919 + 9) for s in seeds]
    n = data["src_x"].shape[1]
    for _ in range(PRETRAIN_STEPS):
        batch = torch.stack([torch.randint(n, (PRETRAIN_BATCH,), generator=g) for g in stream]).to(device)
        x, y = rows(data["src_x"], batch), torch.gather(data["src_y"], 1, batch)
        per_model_cross_entropy(mlp_forward(weights, x), y).sum().backward()
        optimizer.step()
    with torch.no_grad():
        accuracy = (mlp_forward(weights, data["src_x"]).argmax(-1) == data["src_y"]).float().mean(-1)
    return [w.detach() for w in weights[:4]], accuracy.tolist()


@dataclass(frozen=True)
class _Layout:
    """Model i: arm i // (G*V), head rate (i // V) % G, draw (i % V) // S, seed i % S; a (draw, seed)
    pair v is draw v // S of seed v % S."""

    S: int
    G: int
    A: int
    D: int
    seed_of: Any
    draw_of: Any
    arm_of: list[str]

    @property
    def V(self) -> int:
        return self.S * self.D

    @property
    def models(self) -> int:
        return self.A * self.G * self.V

    def over_draws(self, values: list[float]) -> list[float]:  # per (draw, seed) → mean per seed
        return [sum(values[d * self.S + s] for d in range(self.D)) / self.D for s in range(self.S)]


def _layout(seeds: list[int], device) -> _Layout:
    import torch

    S, G, A, D = len(seeds), len(HEAD_GRID), len(ARMS), DRAWS
    models = A * G * S * D
    return _Layout(S=S, G=G, A=A, D=D, seed_of=torch.arange(models, device=device) % S,
                   draw_of=torch.arange(models, device=device) % (S * D),
                   arm_of=[ARMS[i // (G * S * D)][0] for i in range(models)])


def _model(params: Params, layout: _Layout, body, seeds: list[int], device) -> tuple[list, Any, Any]:
    """Every model's weights, with the body pretrained where the arm reuses it, and one optimiser for the
    body and one for the head, each with its own rate per model."""
    import torch

    from app.demos.batched import SGD, generator, init_mlp

    fresh = init_mlp([CANVAS * CANVAS, params.hidden, params.hidden, len(TARGET_CLASSES)],
                     [generator(s * 7919 + 10 + 101 * d) for d in range(layout.D) for s in seeds],
                     layout.A * layout.G, device)
    pretrained = torch.tensor([arm != "scratch" for arm in layout.arm_of], device=device)
    with torch.no_grad():
        for k in range(4):  # the body: pretrained weights where the arm reuses them, fresh ones for scratch
            fresh[k].copy_(torch.where(pretrained.reshape(-1, 1, 1), body[k][layout.seed_of], fresh[k]))
    head_rate = torch.tensor([HEAD_GRID[(i // layout.V) % layout.G] for i in range(layout.models)], device=device)
    body_factor = torch.tensor([{"frozen": 0.0, "tuned": params.body_lr_factor, "scratch": 1.0}[arm]
                                for arm in layout.arm_of], device=device)
    return fresh, SGD(fresh[:4], head_rate * body_factor, momentum=0.9), SGD(fresh[4:], head_rate, momentum=0.9)


def _splits(params: Params, data, layout: _Layout, seeds: list[int], device) -> tuple[Any, ...]:
    """Train, validation and test inputs and labels, train and validation laid out per model once (not
    gathered again at every step). Each draw labels its own k of the seed's candidates: the gain is
    averaged over D labelled sets per seed, since which few examples carry labels moves a 25-label result
    by several points."""
    import torch

    from app.demos.batched import generator

    k, S = params.labelled_per_class, layout.S
    picks = torch.stack([torch.randperm(MAX_LABELLED, generator=generator(s * 7919 + 11 + 101 * d))[:k]
                         for d in range(layout.D) for s in seeds]).to(device)
    labelled = torch.stack([data["lab_x"][v % S][:, picks[v]] for v in range(layout.V)])
    train_x, train_y = _flatten(labelled)
    val_x, val_y = _flatten(data["val_x"])
    test_x, test_y = _flatten(data["test_x"])
    return (train_x[layout.draw_of], train_y[layout.draw_of], val_x[layout.seed_of], val_y[layout.seed_of],
            test_x, test_y)


def _evaluate(weights, x, y):
    """Each model's loss (inf where it diverged) and accuracy."""
    import torch

    from app.demos.batched import mlp_forward, per_model_cross_entropy

    with torch.no_grad():
        logits = mlp_forward(weights, x)
        loss = per_model_cross_entropy(logits, y)
        return torch.nan_to_num(loss, nan=float("inf")), (logits.argmax(-1) == y).float().mean(-1)


@dataclass
class _FineTuned:
    """Each model at its best checkpoint on validation, the step of that checkpoint, and the validation
    accuracy at every checkpoint."""

    kept: list
    best_score: Any
    best_step: Any
    checkpoints: list[int]
    val_curves: list


def _fine_tune(params: Params, fresh: list, optimizers: tuple, train_x, train_y, val_x, val_y, device,
               progress) -> _FineTuned:
    """Each (arm, rate, draw) is kept at its own best checkpoint on the validation set (early stopping), so
    that a rate which overfits late is not punished for the steps after its best point. Validation
    accuracy picks it, the quantity the claim is about; its loss only breaks ties (100 examples move
    accuracy in steps of 1%). The loss alone picks the first checkpoints, where a barely trained head
    is least confident rather than most often right."""
    import torch

    from app.demos.batched import mlp_forward, per_model, per_model_cross_entropy

    models = fresh[0].shape[0]
    tuned = _FineTuned(kept=[w.detach().clone() for w in fresh],
                       best_score=torch.full((models,), float("inf"), device=device),
                       best_step=torch.zeros(models, device=device), checkpoints=[], val_curves=[])
    for step in range(params.steps):
        per_model_cross_entropy(mlp_forward(fresh, train_x), train_y).sum().backward()
        for optimizer in optimizers:
            optimizer.step()
        if (step + 1) % CURVE_EVERY == 0 or step + 1 == params.steps:
            tuned.checkpoints.append(step + 1)
            loss, accuracy = _evaluate(fresh, val_x, val_y)
            score = loss.clamp(max=1e3) * 1e-4 - accuracy
            better = score < tuned.best_score
            tuned.best_score = torch.where(better, score, tuned.best_score)
            tuned.best_step = torch.where(better, torch.full_like(tuned.best_step, step + 1), tuned.best_step)
            with torch.no_grad():
                for w, keep in zip(fresh, tuned.kept):
                    keep.copy_(torch.where(per_model(better, keep), w, keep))
            tuned.val_curves.append(accuracy)
            progress(0.3 + 0.65 * (step + 1) / params.steps, f"미세 조정 {step + 1}/{params.steps} 스텝")
    return tuned


def _measure(layout: _Layout, tuned: _FineTuned, start, test_x, test_y,
             pretrain_accuracy: list[float | None],
             ) -> tuple[dict[str, list[float | None]], dict[str, list[list[float]]]]:
    """Per seed and arm, at the head rate with the best validation score: test accuracy and more; and
    the validation curves of those runs."""
    import torch

    A, G, V, T = layout.A, layout.G, layout.V, len(tuned.checkpoints)
    score = tuned.best_score.reshape(A, G, V).cpu()
    test = _evaluate(tuned.kept, test_x[layout.seed_of], test_y[layout.seed_of])[1].reshape(A, G, V).cpu()
    moved = ((tuned.kept[0] - start).flatten(1).norm(dim=1) / start.flatten(1).norm(dim=1)).reshape(A, G, V).cpu()
    stopped = tuned.best_step.reshape(A, G, V).cpu()
    curve = torch.stack(tuned.val_curves).reshape(T, A, G, V).cpu()
    per_seed: dict[str, list[float | None]] = {"pretrain_accuracy": pretrain_accuracy}
    curves: dict[str, list[list[float]]] = {}
    arm_accuracy: dict[str, list[float]] = {}
    over_draws = layout.over_draws
    for a, (arm, _) in enumerate(ARMS):
        rate = score[a].argmin(dim=0).tolist()  # (V,): the head rate with the best validation score
        arm_accuracy[arm] = over_draws([test[a, g, v].item() for v, g in enumerate(rate)])
        per_seed[f"accuracy_{arm}"] = list(arm_accuracy[arm])
        per_seed[f"log10_head_lr_{arm}"] = list(over_draws([math.log10(HEAD_GRID[g]) for g in rate]))
        per_seed[f"best_step_{arm}"] = list(over_draws([stopped[a, g, v].item() for v, g in enumerate(rate)]))
        per_seed[f"first_layer_change_{arm}"] = list(over_draws([moved[a, g, v].item() for v, g in enumerate(rate)]))
        curves[arm] = [over_draws([curve[t, a, g, v].item() for v, g in enumerate(rate)]) for t in range(T)]
    per_seed["gain_tuned_vs_scratch"] = differences(arm_accuracy["tuned"], arm_accuracy["scratch"])
    per_seed["gain_tuned_vs_frozen"] = differences(arm_accuracy["tuned"], arm_accuracy["frozen"])
    per_seed["gain_frozen_vs_scratch"] = differences(arm_accuracy["frozen"], arm_accuracy["scratch"])
    return per_seed, curves


def run(params: Params, device, progress, seeds) -> Measurement:
    seeds = list(seeds)
    data = _data(seeds, device)
    body, pretrain_accuracy = _pretrain(data, seeds, params, device)
    progress(0.3, "0–4 숫자로 사전학습을 마쳤습니다")
    layout = _layout(seeds, device)
    fresh, body_optimizer, head_optimizer = _model(params, layout, body, seeds, device)
    start = fresh[0].detach().clone()
    train_x, train_y, val_x, val_y, test_x, test_y = _splits(params, data, layout, seeds, device)
    tuned = _fine_tune(params, fresh, (body_optimizer, head_optimizer), train_x, train_y, val_x, val_y, device,
                       progress)
    per_seed, curves = _measure(layout, tuned, start, test_x, test_y, pretrain_accuracy)
    charts = _charts(params, curves, tuned.checkpoints, layout.S)
    table = _table(params, per_seed)
    progress(1.0, "완료", charts)
    return Measurement(per_seed=per_seed, charts=charts, table=table, notes=_notes(params, per_seed))


def _charts(params: Params, curves, checkpoints, S: int) -> list[Chart]:
    from app.demos.batched import band

    series = []
    for arm, label in ARMS:
        per = [[curves[arm][t][s] for t in range(len(checkpoints))] for s in range(S)]
        y, low, high = band(per)
        series.append(Series(name=label, x=[float(t) for t in checkpoints], y=y, lower=low, upper=high))
    return [Chart(key="fine_tune",
                  title=f"미세 조정 중 5–9 검증 정확도 (클래스당 레이블 {params.labelled_per_class}개, 각자 고른 헤드 "
                        f"학습률, 시드 평균, 띠는 최소~최대)",
                  x_label="스텝", y_label="정확도", series=series)]


def _mean(values) -> float:
    return sum(values) / len(values)


def _table(params: Params, m: dict) -> Table:
    rows = []
    for arm, label in ARMS:
        heads = [10 ** h for h in m[f"log10_head_lr_{arm}"]]
        factor = {"frozen": 0.0, "tuned": params.body_lr_factor, "scratch": 1.0}[arm]
        acc = summarise(m[f"accuracy_{arm}"])
        interval = f"[{acc.ci95[0]:.3f}, {acc.ci95[1]:.3f}]" if acc.ci95 else "-"
        rows.append([label, "/".join(f"{h:.3g}" for h in heads), "/".join(f"{h * factor:.3g}" for h in heads),
                     "/".join(f"{s:.0f}" for s in m[f"best_step_{arm}"]), round(_mean(m[f"accuracy_{arm}"]), 4), interval,
                     round(_mean(m[f"first_layer_change_{arm}"]), 4) if arm != "scratch" else None])
    return Table(columns=["방법", f"헤드 학습률 (시드별 기하평균, 레이블 세트 {DRAWS}개마다 검증 정확도로 고름)", "몸통 학습률", "고른 스텝 (검증 정확도 최대)",
                          "5–9 평가 정확도 (평균)", "95% 구간", "첫 층 가중치 변화율"], rows=rows)


def _compare(m: dict, key: str) -> str:
    s = summarise(m[key])
    if s.ci95 is None:
        return "unclear"
    return "better" if s.ci95[0] > 0 else "worse" if s.ci95[1] < 0 else "unclear"


def _notes(params: Params, m: dict) -> list[str]:
    n = params.labelled_per_class * len(TARGET_CLASSES)
    acc = {arm: _mean(m[f"accuracy_{arm}"]) for arm, _ in ARMS}
    factor = params.body_lr_factor
    notes = [f"레이블 {n}개(클래스당 {params.labelled_per_class}개)로 5–9를 배울 때 평가 정확도(시드 평균, 각자 검증 정확도가 "
             f"가장 높은 학습률과 스텝에서): 몸통 고정 {acc['frozen']:.1%}, 몸통을 헤드의 {factor:g}배 학습률로 미세 조정 "
             f"{acc['tuned']:.1%}, 처음부터 {acc['scratch']:.1%} (0–4 사전학습 정확도 {_mean(m['pretrain_accuracy']):.1%})."]
    gain = (acc["tuned"] - acc["scratch"]) * 100
    verdict = _compare(m, "gain_tuned_vs_scratch")
    if verdict == "better":
        notes.append(f"사전학습한 몸통을 미세 조정하면 처음부터 학습보다 {gain:.1f}%p 높았습니다.")
    elif verdict == "worse":
        notes.append(f"여기서는 처음부터 학습이 오히려 나았습니다 ({acc['scratch']:.1%} 대 {acc['tuned']:.1%}).")
    else:
        notes.append(f"미세 조정의 이득({gain:+.1f}%p)은 시드 사이 흔들림 안에 있습니다.")
    change = _mean(m["first_layer_change_tuned"])
    frozen = _compare(m, "gain_tuned_vs_frozen")
    diff = (acc["tuned"] - acc["frozen"]) * 100
    if factor == 0:
        notes.append("몸통 학습률 0배의 미세 조정은 몸통 고정과 같은 계산입니다.")
    elif frozen == "better":
        notes.append(f"몸통을 고정한 것보다 미세 조정이 {diff:.1f}%p 나았습니다: 0–4에서 배운 특징이 5–9에 그대로 맞지는 "
                     f"않고, 첫 층이 {change:.1%} 바뀌며 맞춰졌습니다.")
    elif frozen == "worse" and change > 0.5:
        notes.append(f"몸통을 고정한 쪽이 미세 조정보다 나았습니다 ({acc['frozen']:.1%} 대 {acc['tuned']:.1%}): 몸통 학습률이 "
                     f"헤드의 {factor:g}배라 첫 층이 {change:.0%} 바뀌어, 사전학습한 특징이 지워지고 처음부터 학습에 가까워졌습니다.")
    elif frozen == "worse":
        notes.append(f"몸통을 고정한 쪽이 미세 조정보다 나았습니다 ({acc['frozen']:.1%} 대 {acc['tuned']:.1%}, 첫 층 변화 "
                     f"{change:.1%}): 레이블이 이만큼 적으면 몸통을 움직이는 것이 과적합만 키웁니다.")
    else:
        notes.append(f"몸통 고정과 미세 조정의 차이({diff:+.1f}%p)는 시드 사이 흔들림 안에 있어, 이 설정에서는 몸통을 "
                     f"고정해서 손해를 봤다고 말할 수 없습니다.")
    frozen_vs_scratch = _compare(m, "gain_frozen_vs_scratch")
    if frozen_vs_scratch == "worse":
        notes.append(f"몸통을 고정하면 처음부터 학습보다 못했습니다 ({acc['frozen']:.1%} 대 {acc['scratch']:.1%}): 레이블이 "
                     f"클래스당 {params.labelled_per_class}개면 새 과제가 스스로 배운 특징이 0–4에서 옮겨 온 특징을 앞섭니다.")
    elif frozen_vs_scratch == "unclear":
        notes.append(f"0–4에서 배운 몸통을 고정한 채로는 처음부터 학습보다 낫다고 할 수 없었습니다 ({acc['frozen']:.1%} 대 "
                     f"{acc['scratch']:.1%}).")
    for rate, word in ((HEAD_GRID[0], "작은"), (HEAD_GRID[-1], "큰")):
        edge = [label for arm, label in ARMS
                if all(abs(h - math.log10(rate)) < 1e-9 for h in m[f"log10_head_lr_{arm}"])]
        if edge:
            notes.append(f"{', '.join(edge)}은(는) 모든 레이블 세트에서 격자의 가장 {word} 헤드 학습률({rate:g})을 "
                         f"골랐습니다: 격자 밖의 학습률이 더 나았을 수 있습니다.")
    return notes


DEMO = DemoSpec(
    slug="transfer-learning",
    title="전이 학습: 적은 데이터, 작은 학습률",
    summary=(
        "0–4 숫자로 사전학습한 망을 레이블이 몇 개뿐인 5–9 숫자에 옮길 때, 몸통 고정·작은 학습률 미세 조정·처음부터 "
        "학습을 각자 고른 학습률과 조기 종료 시점으로 비교합니다. 레이블이 적으면 사전학습이 이기고, 레이블이 많아지거나 "
        "몸통 학습률이 너무 크면 그 이득이 사라집니다."
    ),
    params=Params,
    smallest=SMALLEST,
    breaking=BREAKING,
    boundary=Boundary("body_lr_factor", (0.0, 0.1, 1.0, 10.0, 100.0)),
    run=run,
    claims=(
        Claim(metric="gain_tuned_vs_scratch", direction="greater", margin=0.02,
              statement="레이블이 적을 때 사전학습한 몸통을 미세 조정하면 처음부터 학습보다 정확도가 2%p 넘게 높다",
              metric_label="5–9 테스트 정확도 이득 (미세 조정 − 처음부터 학습)"),
        Claim(metric="gain_frozen_vs_scratch", direction="greater", margin=0.0,
              statement="몸통을 고정해도 처음부터 학습보다 정확도가 높다",
              metric_label="5–9 테스트 정확도 이득 (몸통 고정 − 처음부터 학습)"),
    ),
    # Per seed, the mean over its labelled sets, each at the head rate and checkpoint picked on validation.
    metric_labels={
        "pretrain_accuracy": "0–4 사전학습 데이터에서의 정확도 (학습 데이터, 0–1)",
        **{f"{name}_{arm}": label.format(shown) for arm, shown in ARMS for name, label in (
            ("accuracy", "5–9 테스트 정확도 ({}, 0–1)"),
            ("log10_head_lr", "검증으로 고른 헤드 학습률 ({}, log10)"),
            ("best_step", "검증 정확도가 가장 높은 체크포인트의 스텝 ({})"),
            ("first_layer_change", "미세 조정 동안 첫 층 가중치의 상대 변화 ‖ΔW₁‖ / ‖W₁‖ ({})"))},
        "gain_tuned_vs_frozen": "5–9 테스트 정확도 이득 (미세 조정 − 몸통 고정)",
    },
    concepts=("transfer_learning", "fine_tuning", "pretrained_model", "learning_rate"),
    questions=(QuestionRef("4주차 p87", "전이 학습과 적은 데이터"), QuestionRef("4주차 p90", "사전학습 가중치의 학습률")),
    citations=(
        Citation(authors="Yosinski, Clune, Bengio & Lipson", year=2014,
                 title="How transferable are features in deep neural networks?", url="https://arxiv.org/abs/1411.1792"),
    ),
    version="2",
)

