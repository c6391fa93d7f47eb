"""Early stopping: stop when the validation loss has not improved for ``patience`` checks, keep the best
weights, and compare the held-out loss with training to the end (Prechelt 1998; Goodfellow et al. §7.8).

A ReLU MLP (10 → 32 → 32 → 3, about 1,500 weights), far larger than the 200 training points need, learns
labels from a random teacher network of which ``label_noise`` are replaced at random. Full-batch Adam runs for
``steps``; every 10 steps the validation and test losses are recorded. Early stopping is a rule
applied to the same run: it stops at the first check that is ``patience`` checks past the best
validation loss so far and returns the weights of that best check. So both arms have the same data,
initialisation and optimiser; early stopping only decides *when*, from the validation set, and the
test set judges the result.

Memorising noisy labels drives the training loss to zero while held-out accuracy falls, so stopping
early should win. Without label noise and with more data there is little to memorise and the accuracy
at the end is as good as at the stop: that is where the headline claim breaks. (The held-out *loss*
still favours stopping there, because a network trained on keeps growing its confidence on the few
test points it gets wrong — the notes say so when it happens.) The
patience trade-off is shown too: too little patience stops on the first wiggle.

Each seed trains REPLICATES independent tasks (teacher, data, flipped labels, initial weights) as one
stacked model and reports their mean: the accuracy one network gains by stopping early varies several-fold
between tasks, and with one task per seed the verdict flipped between seed triples.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from pydantic import Field

from app.demos.base import Chart, Citation, DemoParams, DemoSpec, Measurement, QuestionRef, Series, Table
from app.demos.evidence import Claim, summarise
from app.demos.training import mean_over_tasks, task_seeds

# The initial weights come from their own stream, task·7919 + salt: seeded with the plain task seed, task 1's
# weights were drawn from task 0's teacher-and-data stream (0·7919 + 1) in the default run.
INIT_SALT = 113

INPUTS, HIDDEN, CLASSES, TEACHER_HIDDEN = 10, 32, 3, 16
N_VAL, N_TEST = 200, 1000
CHECK_EVERY = 10
LEARNING_RATE = 0.003
PATIENCES = (1, 2, 5, 10, 20, 50)
ACCURACY_MARGIN = 0.01  # the claim: at least one percentage point of test accuracy
REPLICATES = 4  # independent tasks per seed, averaged (see the module's docstring)


class Params(DemoParams):
    patience: int = Field(10, ge=1, le=200, description="인내(patience): 검증 손실이 몇 번의 확인(10스텝마다) 동안 나아지지 않으면 멈출지")
    label_noise: float = Field(0.3, ge=0.0, le=0.8, description="학습 레이블 중 무작위로 바꾼 비율")
    n_train: int = Field(200, ge=50, le=5000, description="학습 예제 수")
    steps: int = Field(600, ge=100, le=10000, description="끝까지 학습할 때의 스텝 수 (풀배치 Adam)")


SMALLEST = Params(steps=250)
BREAKING = Params(label_noise=0.0, n_train=1000, steps=300)


def stop_check(val_curve: list[float], patience: int) -> tuple[int, int]:
    """(check at which training stops, check whose weights are kept) for a validation-loss curve."""
    best, best_at = math.inf, 0
    for i, value in enumerate(val_curve):
        if value < best:
            best, best_at = value, i
        elif i - best_at >= patience:
            return i, best_at
    return len(val_curve) - 1, best_at


@dataclass
class _Data:
    train: tuple[Any, Any]  # noisy labels
    val: tuple[Any, Any]  # the teacher's own labels, as the test set's
    test: tuple[Any, Any]


@dataclass
class _Curves:
    checks: list[int]  # the steps at which every split was measured
    loss: dict[str, Any]  # "train" | "val" | "test" → (checks, tasks) cross-entropy
    accuracy: Any  # (checks, tasks) test accuracy


def run(params: Params, device, progress, seeds) -> Measurement:
    units = task_seeds(list(seeds), REPLICATES)
    data = _data(params, units, device)
    curves = _train(params, data, _model(units, device), progress)
    per_task, by_patience = _measure(params, curves)
    per_seed = {name: mean_over_tasks(values, REPLICATES) for name, values in per_task.items()}
    charts = _charts(curves, per_task, per_seed, by_patience)
    progress(1.0, "완료", charts)
    return Measurement(per_seed=per_seed, charts=charts, table=_table(params, per_task, by_patience, curves),
                       notes=_notes(params, per_seed, by_patience))


def _data(params: Params, units: list[int], device) -> _Data:
    from app.demos.synthetic import split, teacher_classification

    n = params.n_train + N_VAL + N_TEST
    noisy = teacher_classification(units, n, INPUTS, CLASSES, TEACHER_HIDDEN, params.label_noise, device)
    clean = teacher_classification(units, n, INPUTS, CLASSES, TEACHER_HIDDEN, 0.0, device)
    # Noise only in the training labels: validation and test labels are the teacher's own.
    train, _, _ = split(noisy, [params.n_train, N_VAL, N_TEST])
    _, val, test = split(clean, [params.n_train, N_VAL, N_TEST])
    return _Data(train, val, test)


def _model(units: list[int], device) -> list[Any]:
    from app.demos.batched import generator, init_mlp

    return init_mlp([INPUTS, HIDDEN, HIDDEN, CLASSES], [generator(u * 7919 + INIT_SALT) for u in units], 1, device)


def _train(params: Params, data: _Data, weights: list[Any], progress) -> _Curves:
    """Full-batch Adam to the end, every split measured every CHECK_EVERY steps: early stopping is then a
    rule applied to the validation curve of this one run."""
    import torch

    from app.demos.batched import Adam, mlp_forward, per_model_cross_entropy

    optimizer = Adam(weights, LEARNING_RATE)

    def evaluate(split_):
        with torch.no_grad():
            logits = mlp_forward(weights, split_[0])
            return per_model_cross_entropy(logits, split_[1]), (logits.argmax(dim=2) == split_[1]).float().mean(dim=1)

    checks: list[int] = []
    measured: dict[str, list[Any]] = {"train": [], "val": [], "test": [], "accuracy": []}
    for step in range(params.steps + 1):
        if step % CHECK_EVERY == 0 or step == params.steps:
            checks.append(step)
            measured["train"].append(evaluate(data.train)[0])
            measured["val"].append(evaluate(data.val)[0])
            loss, accuracy = evaluate(data.test)
            measured["test"].append(loss)
            measured["accuracy"].append(accuracy)
            if len(checks) % 20 == 0:
                progress(0.95 * step / params.steps, f"{step}/{params.steps} 스텝")
        if step == params.steps:
            break
        per_model_cross_entropy(mlp_forward(weights, data.train[0]), data.train[1]).sum().backward()
        optimizer.step()
    stacked = {name: torch.stack(values).cpu() for name, values in measured.items()}
    accuracy = stacked.pop("accuracy")
    return _Curves(checks, stacked, accuracy)


def _measure(params: Params, curves: _Curves) -> tuple[dict[str, list[float | None]], dict[int, list[float]]]:
    """Per task: the weights early stopping keeps against the last ones, on the test set; the test loss
    early stopping keeps at each patience of PATIENCES."""
    per_task: dict[str, list[float | None]] = {key: [] for key in (
        "test_loss_early", "test_loss_final", "test_gain", "test_accuracy_early", "test_accuracy_final",
        "test_accuracy_gain", "stop_step", "kept_step", "best_possible_test_loss")}
    by_patience: dict[int, list[float]] = {p: [] for p in PATIENCES}
    test, accuracy = curves.loss["test"], curves.accuracy
    for u in range(test.shape[1]):
        val_u = curves.loss["val"][:, u].tolist()
        stop, kept = stop_check(val_u, params.patience)
        early, final = test[kept, u].item(), test[-1, u].item()
        per_task["test_loss_early"].append(early)
        per_task["test_loss_final"].append(final)
        per_task["test_gain"].append(final - early)
        per_task["test_accuracy_early"].append(accuracy[kept, u].item())
        per_task["test_accuracy_final"].append(accuracy[-1, u].item())
        per_task["test_accuracy_gain"].append(accuracy[kept, u].item() - accuracy[-1, u].item())
        per_task["stop_step"].append(float(curves.checks[stop]))
        per_task["kept_step"].append(float(curves.checks[kept]))
        per_task["best_possible_test_loss"].append(test[:, u].min().item())
        for p in PATIENCES:
            by_patience[p].append(test[stop_check(val_u, p)[1], u].item())
    for p in PATIENCES:
        per_task[f"test_loss_patience_{p}"] = list(by_patience[p])
    return per_task, by_patience


def _charts(curves: _Curves, per_task, per_seed, by_patience) -> list[Chart]:
    x = [float(c) for c in curves.checks]
    series = []
    for key, label in (("train", "학습 (잡음 레이블)"), ("val", "검증"), ("test", "테스트")):
        per_check = [mean_over_tasks(row, REPLICATES) for row in curves.loss[key].tolist()]
        by_seed = [[max(v, 1e-6) if v is not None else None for v in curve] for curve in zip(*per_check)]
        series.append(Series.over_seeds(label, x, by_seed))
    kept = per_task["kept_step"]
    series.append(Series(name="조기 종료가 남긴 가중치 (과제별)", x=kept,
                         y=[max(curves.loss["test"][curves.checks.index(int(step)), u].item(), 1e-6)
                            for u, step in enumerate(kept)]))
    patience_by_seed = [mean_over_tasks(by_patience[p], REPLICATES) for p in PATIENCES]
    final = per_seed["test_loss_final"]
    return [
        Chart(key="loss", title="손실 곡선 (시드 평균, 띠는 최소~최대)", x_label="스텝", y_label="교차 엔트로피", log_y=True,
              series=series),
        Chart(key="patience", title="인내(patience)별 조기 종료의 테스트 손실", x_label="인내 (확인 횟수)", y_label="테스트 손실",
              log_x=True, series=[Series.over_seeds("조기 종료", [float(p) for p in PATIENCES],
                                                    [list(curve) for curve in zip(*patience_by_seed)]),
                                  Series(name="끝까지 학습", x=[float(p) for p in PATIENCES],
                                         y=[sum(final) / len(final)] * len(PATIENCES))]),
    ]


def _table(params: Params, m, by_patience, curves: _Curves) -> Table:
    """Means over every task of the run."""
    def mean(values):
        return float(f"{sum(values) / len(values):.4g}")

    train = curves.loss["train"]
    rows = [["끝까지 학습", params.steps, mean(m["test_loss_final"]), mean(m["test_accuracy_final"]),
             mean(train[-1].tolist())]]
    kept_train = [train[curves.checks.index(int(k)), u].item() for u, k in enumerate(m["kept_step"])]
    rows.append([f"조기 종료 (인내 {params.patience})", mean(m["kept_step"]), mean(m["test_loss_early"]),
                 mean(m["test_accuracy_early"]), mean(kept_train)])
    for p in PATIENCES:
        if p != params.patience:
            rows.append([f"조기 종료 (인내 {p})", "", mean(by_patience[p]), "", ""])
    return Table(columns=["방법", "남긴 가중치의 스텝 (과제 평균)", "테스트 손실", "테스트 정확도", "학습 손실"], rows=rows)


def _notes(params: Params, m, by_patience) -> list[str]:
    tasks = len(by_patience[PATIENCES[0]])
    notes = [f"시드마다 독립 과제 {REPLICATES}개(교사, 데이터, 잡음 레이블, 초기값이 모두 다름)를 학습해 평균했습니다(모두 {tasks}개)."]

    def mean(values):
        return sum(values) / len(values)

    gain = summarise(m["test_accuracy_gain"])
    early, final = mean(m["test_loss_early"]), mean(m["test_loss_final"])
    acc_early, acc_final = mean(m["test_accuracy_early"]), mean(m["test_accuracy_final"])
    stop, kept = mean(m["stop_step"]), mean(m["kept_step"])
    if gain.ci95 is not None and gain.ci95[0] > ACCURACY_MARGIN:
        notes.append(f"검증 손실이 {params.patience}번 확인하는 동안 나아지지 않자 평균 {stop:.0f}스텝에서 멈추고 {kept:.0f}스텝의 "
                     f"가중치를 남겼습니다: 테스트 정확도 {acc_early:.1%}, 끝({params.steps}스텝)까지 학습하면 {acc_final:.1%}. "
                     f"잡음 레이블 {params.label_noise:.0%}를 외우는 동안 테스트 성능이 떨어집니다.")
    else:
        notes.append(f"이번 설정(잡음 레이블 {params.label_noise:.0%}, 학습 예제 {params.n_train})에서는 조기 종료의 테스트 정확도가 "
                     f"{ACCURACY_MARGIN:.0%}p 넘게 낫지 않았습니다: {acc_early:.1%}(평균 {kept:.0f}스텝의 가중치) 대 끝까지 "
                     f"{acc_final:.1%}. 외울 잡음이 적으면 끝까지 학습해도 정확도가 거의 떨어지지 않습니다.")
    loss_gain = summarise(m["test_gain"])
    if loss_gain.ci95 is not None and loss_gain.ci95[0] > 0:
        notes.append(f"테스트 손실은 {early:.3f} 대 {final:.3f}로 조기 종료가 낮았습니다"
                     + (": 정확도가 그대로여도 끝까지 학습한 모델은 틀린 예에 지나치게 확신해 교차 엔트로피가 커집니다."
                        if not (gain.ci95 is not None and gain.ci95[0] > ACCURACY_MARGIN) else "."))
    best = mean(m["best_possible_test_loss"])
    notes.append(f"테스트 곡선의 최저점은 {best:.3f}였습니다(테스트를 보고 고를 수 있다면 닿는 값).")
    hasty = mean(by_patience[1])
    if hasty > early + 0.01:
        notes.append(f"인내가 1이면 첫 출렁임에서 멈춰 테스트 손실이 {hasty:.3f}로 더 나빴습니다.")
    return notes


DEMO = DemoSpec(
    slug="early-stopping",
    title="조기 종료: 검증 손실이 멈추면 그만두기",
    summary=(
        "잡음 레이블이 섞인 작은 데이터로 큰 MLP를 학습하며, 검증 손실이 인내(patience)만큼 나아지지 않으면 멈추고 가장 좋았던 "
        "가중치를 남기는 것이 끝까지 학습하는 것보다 테스트 정확도·손실이 나은지 잽니다. 잡음이 없고 데이터가 많으면 이득이 사라집니다."
    ),
    params=Params,
    smallest=SMALLEST,
    breaking=BREAKING,
    run=run,
    claims=(
        Claim(metric="test_accuracy_gain", direction="greater", margin=ACCURACY_MARGIN,
              statement="조기 종료로 남긴 가중치가 끝까지 학습한 가중치보다 테스트 정확도가 1%p 넘게 높다",
              metric_label="테스트 정확도 이득 (조기 종료 − 끝까지 학습)"),
        Claim(metric="test_gain", direction="greater", margin=0.0,
              statement="조기 종료로 남긴 가중치가 끝까지 학습한 가중치보다 테스트 손실이 낮다",
              metric_label="테스트 손실 이득 (끝까지 학습 − 조기 종료)"),
    ),
    metric_labels={
        "test_loss_early": "테스트 손실 (조기 종료)", "test_loss_final": "테스트 손실 (끝까지 학습)",
        "test_accuracy_early": "테스트 정확도 (조기 종료)", "test_accuracy_final": "테스트 정확도 (끝까지 학습)",
        "stop_step": "학습을 멈춘 스텝", "kept_step": "조기 종료가 남긴 가중치의 스텝",
        "best_possible_test_loss": "가장 낮았던 테스트 손실 (모든 확인 시점 중)",
        "test_loss_patience_{}": "테스트 손실 (조기 종료, 인내 {})",
    },
    concepts=("early_stopping", "overfitting", "validation_set", "regularization", "epoch", "learning_curve", "noise"),
    questions=(
        QuestionRef("면접 #6", "오버피팅일 경우 대처"),
        QuestionRef("노드 07", "복잡한 모델 + 에폭 수 줄이기"),
        QuestionRef("면접 #15-1", "Validation 세트가 따로 있는 이유"),
    ),
    citations=(
        Citation(authors="Prechelt", year=1998, title="Early Stopping — But When?",
                 url="https://doi.org/10.1007/3-540-49430-8_3"),
        Citation(authors="Goodfellow, Bengio & Courville", year=2016, title="Deep Learning, section 7.8: Early Stopping",
                 url="https://www.deeplearningbook.org/contents/regularization.html"),
    ),
    version="3",
)
