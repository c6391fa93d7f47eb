"""Class-weighted cross-entropy against the plain loss on an imbalanced two-class problem.

Per seed, inputs N(0, I) in 10 dimensions are labelled by a random teacher network: class 1 (the
minority) where the teacher's score is in its top ``minority_fraction``. Training, validation and test
sets share that imbalance. Two arms, the same MLP, steps and data:

* plain: the mean cross-entropy, where the majority class outvotes the minority;
* weighted: each class's examples weighted by the inverse of its training frequency (King & Zeng 2001;
  the ``weight`` of torch's cross-entropy), so both classes weigh the same in the loss.

Each arm picks its own learning rate from the same grid on the validation set's balanced accuracy
(the mean of the two classes' recalls), and the test set's balanced accuracy decides: accuracy alone
rewards never predicting the minority. With balanced classes the weights are all 1 and the two arms
are the same run — the breaking preset.
"""

from __future__ import annotations

import math
from typing import Any

from pydantic import Field

from app.demos.base import Chart, Citation, DemoParams, DemoSpec, Measurement, QuestionRef, Series, Table
from app.demos.evidence import Claim, summarise
from app.demos.training import differences

INPUTS, HIDDEN, TEACHER_HIDDEN = 10, 32, 16
N_VAL, N_TEST = 1000, 4000
LEARNING_RATES = (0.003, 0.01, 0.03)
MARGIN = 0.02  # balanced accuracy at least two points higher
ARMS = (("plain", "가중치 없는 교차 엔트로피"), ("weighted", "클래스 가중 교차 엔트로피"))


class Params(DemoParams):
    minority_fraction: float = Field(0.05, ge=0.01, le=0.5, description="소수 클래스의 비율 (0.5 = 균형)")
    n_train: int = Field(400, ge=100, le=5000, description="학습 예제 수")
    steps: int = Field(300, ge=50, le=3000, description="풀배치 Adam 스텝 수 (두 방법 같음)")


SMALLEST = Params(steps=200)
BREAKING = Params(minority_fraction=0.5)


def _data(seeds, params: Params, device):
    """Per seed (x (S, n, INPUTS), y (S, n)): class 1 where the teacher's score is in its top fraction."""
    import torch

    from app.demos.batched import generator

    count = params.n_train + N_VAL + N_TEST
    xs, ys = [], []
    for seed in seeds:
        gen = generator(seed * 7919 + 11)
        x = torch.randn(count, INPUTS, generator=gen)
        w1 = torch.randn(INPUTS, TEACHER_HIDDEN, generator=gen) / math.sqrt(INPUTS)
        w2 = torch.randn(TEACHER_HIDDEN, generator=gen)
        score = torch.relu(x @ w1) @ w2
        threshold = torch.quantile(score, 1 - params.minority_fraction)
        xs.append(x)
        ys.append((score > threshold).long())
    return torch.stack(xs).to(device), torch.stack(ys).to(device)


def _model(seeds: list[int], device) -> tuple[list, Any]:
    """Model i: arm i // (L·S), learning rate (i // S) % L, seed i % S; every model of a seed starts alike.
    Returns the weights and their Adam."""
    import torch

    from app.demos.batched import Adam, generator, init_mlp

    S = len(seeds)
    weights = init_mlp([INPUTS, HIDDEN, 2], [generator(s * 1000 + 23) for s in seeds], len(ARMS) * len(LEARNING_RATES),
                       device)
    return weights, Adam(weights, torch.tensor(LEARNING_RATES, device=device).repeat_interleave(S).repeat(len(ARMS)))


def _example_weights(train, n: int, device):
    """Each model's weight of each training example: inverse training frequency per seed and class, scaled
    so the weights average 1 over the examples; the plain arm's weights are all 1. Also the labels per model."""
    import torch

    S, L = train[1].shape[0], len(LEARNING_RATES)
    counts = torch.stack([(train[1] == c).sum(dim=1) for c in (0, 1)], dim=1).float().clamp_min(1)  # (S, 2)
    inverse = n / (2 * counts)
    class_weight = torch.cat([torch.ones(L * S, 2, device=device), inverse.repeat(L, 1)])  # (models, 2)
    labels = train[1].repeat(len(ARMS) * L, 1)
    return torch.gather(class_weight, 1, labels), labels


def _train(params: Params, weights: list, optimiser, train, device, progress) -> None:
    import torch

    from app.demos.batched import mlp_forward

    example_weight, labels = _example_weights(train, params.n_train, device)
    for step in range(params.steps):
        logits = mlp_forward(weights, train[0])
        losses = torch.nn.functional.cross_entropy(logits.transpose(1, 2), labels, reduction="none")
        ((losses * example_weight).sum(dim=1) / example_weight.sum(dim=1)).sum().backward()
        optimiser.step()
        if (step + 1) % 50 == 0:
            progress(0.95 * (step + 1) / params.steps, f"{step + 1}/{params.steps} 스텝")


def _recalls(weights: list, split_):
    """(arms, L, S, 2): recall of each class."""
    import torch

    from app.demos.batched import mlp_forward

    copies = len(ARMS) * len(LEARNING_RATES)
    with torch.no_grad():
        predicted = mlp_forward(weights, split_[0]).argmax(dim=2)
    truth = split_[1].repeat(copies, 1)
    per_class = [((predicted == c) & (truth == c)).sum(dim=1).float() / (truth == c).sum(dim=1).clamp_min(1)
                 for c in (0, 1)]
    return torch.stack(per_class, dim=1).reshape(len(ARMS), len(LEARNING_RATES), split_[1].shape[0], 2).cpu()


def _measure(weights: list, val, test) -> tuple[dict[str, list[float | None]], list[list[float]], Any]:
    """Per seed and arm, at the rate with the best validation balanced accuracy: test balanced accuracy,
    recalls and plain accuracy; also each seed's rates and the test recalls."""
    import torch

    from app.demos.batched import best_per_seed, mlp_forward

    S, L = test[1].shape[0], len(LEARNING_RATES)
    val_recall, test_recall = _recalls(weights, val), _recalls(weights, test)
    with torch.no_grad():
        test_accuracy = (mlp_forward(weights, test[0]).argmax(dim=2) == test[1].repeat(len(ARMS) * L, 1)).float().mean(
            dim=1).reshape(len(ARMS), L, S).cpu()
    per_seed: dict[str, list[float | None]] = {"balanced_accuracy_gain": []}
    for key, _ in ARMS:
        for metric in ("balanced_accuracy", "minority_recall", "majority_recall", "accuracy"):
            per_seed[f"{metric}_{key}"] = []
    picks: list[list[float]] = [[], []]
    balanced: list[list[float]] = [[], []]
    for a, (key, _) in enumerate(ARMS):
        chosen = best_per_seed(-val_recall[a].mean(dim=2))  # highest validation balanced accuracy
        for s in range(S):
            r = test_recall[a, chosen[s], s]
            balanced[a].append(r.mean().item())
            per_seed[f"balanced_accuracy_{key}"].append(balanced[a][-1])
            per_seed[f"minority_recall_{key}"].append(r[1].item())
            per_seed[f"majority_recall_{key}"].append(r[0].item())
            per_seed[f"accuracy_{key}"].append(test_accuracy[a, chosen[s], s].item())
            picks[a].append(LEARNING_RATES[int(chosen[s])])
    per_seed["balanced_accuracy_gain"] = differences(balanced[1], balanced[0])
    return per_seed, picks, test_recall


def run(params: Params, device, progress, seeds) -> Measurement:
    from app.demos.synthetic import split

    seeds = list(seeds)
    x, y = _data(seeds, params, device)
    train, val, test = split((x, y), [params.n_train, N_VAL, x.shape[1] - params.n_train - N_VAL])
    weights, optimiser = _model(seeds, device)
    _train(params, weights, optimiser, train, device, progress)
    per_seed, picks, test_recall = _measure(weights, val, test)
    charts = _charts(test_recall)
    table = _table(params, per_seed, picks)
    progress(1.0, "완료", charts)
    return Measurement(per_seed=per_seed, charts=charts, table=table, notes=_notes(params, per_seed))


def _charts(test_recall) -> list[Chart]:
    """Minority and majority recall at each learning rate, per arm (mean over seeds)."""
    xs = [float(v) for v in LEARNING_RATES]
    series = []
    for a, (_, name) in enumerate(ARMS):
        mean = test_recall[a].mean(dim=1)  # (L, 2)
        series.append(Series(name=f"{name}: 소수 클래스 재현율", x=xs, y=mean[:, 1].tolist()))
        series.append(Series(name=f"{name}: 다수 클래스 재현율", x=xs, y=mean[:, 0].tolist()))
    return [Chart(key="recall_by_lr", title="학습률별 클래스 재현율 (테스트, 시드 평균)", x_label="학습률",
                  y_label="재현율", log_x=True, series=series)]


def _table(params: Params, m, picks) -> Table:
    S = len(m["balanced_accuracy_plain"])

    def mean(key):
        return float(f"{sum(m[key]) / S:.4g}")

    return Table(columns=["방법", "검증으로 고른 학습률 (시드별)", "스텝", "균형 정확도", "소수 클래스 재현율",
                          "다수 클래스 재현율", "정확도"],
                 rows=[[name, ", ".join(f"{v:g}" for v in picks[a]), params.steps, mean(f"balanced_accuracy_{key}"),
                        mean(f"minority_recall_{key}"), mean(f"majority_recall_{key}"), mean(f"accuracy_{key}")]
                       for a, (key, name) in enumerate(ARMS)])


def _notes(params: Params, m) -> list[str]:
    S = len(m["balanced_accuracy_plain"])

    def mean(key):
        return sum(m[key]) / S

    gain = summarise(m["balanced_accuracy_gain"])
    low, high = gain.ci95 if gain.ci95 is not None else (-math.inf, math.inf)
    plain, weighted = mean("balanced_accuracy_plain"), mean("balanced_accuracy_weighted")
    if low > MARGIN:
        notes = [f"소수 클래스가 {params.minority_fraction:.0%}일 때 클래스 가중 손실의 균형 정확도가 더 높았습니다 "
                 f"({weighted:.3f} 대 {plain:.3f}): 소수 클래스 재현율 {mean('minority_recall_weighted'):.1%} 대 "
                 f"{mean('minority_recall_plain'):.1%}, 그 대가로 다수 클래스 재현율 "
                 f"{mean('majority_recall_weighted'):.1%} 대 {mean('majority_recall_plain'):.1%}."]
        if mean("accuracy_weighted") < mean("accuracy_plain"):
            notes.append(f"정확도만 보면 가중치 없는 쪽이 높습니다 ({mean('accuracy_plain'):.1%} 대 "
                         f"{mean('accuracy_weighted'):.1%}): 불균형 데이터에서 정확도는 소수 클래스를 놓쳐도 "
                         f"거의 떨어지지 않아, 판정은 균형 정확도로 합니다.")
        return notes
    if high < MARGIN and params.minority_fraction >= 0.45:
        return [f"클래스가 거의 균형이라 가중치가 1에 가까워 두 방법의 균형 정확도가 같았습니다 ({weighted:.3f} 대 "
                f"{plain:.3f}): 클래스 가중치는 불균형이 있을 때만 달라지게 합니다."]
    return [f"클래스 가중 손실({weighted:.3f})과 가중치 없는 손실({plain:.3f})의 균형 정확도 차이가 2%p 기준을 "
            f"확실히 넘지 못했습니다."]


DEMO = DemoSpec(
    slug="class-imbalance",
    title="클래스 불균형: 클래스 가중 손실 대 가중치 없는 손실",
    summary=(
        "소수 클래스가 5%인 이진 분류에서, 클래스 빈도의 역수로 가중한 교차 엔트로피가 가중치 없는 것보다 균형 정확도"
        "(두 클래스 재현율의 평균)가 높은지 잽니다. 클래스가 균형이면 가중치가 모두 1이라 차이가 없습니다."
    ),
    params=Params,
    smallest=SMALLEST,
    breaking=BREAKING,
    run=run,
    claims=(
        Claim(metric="balanced_accuracy_gain", direction="greater", margin=MARGIN,
              statement="불균형 데이터에서 클래스 가중 손실이 가중치 없는 손실보다 균형 정확도가 2%p 이상 높다",
              metric_label="균형 정확도 이득 (클래스 가중 − 가중치 없음)"),
    ),
    metric_labels={
        f"{name}_{key}": f"{label} ({arm})" for key, arm in (("plain", "가중치 없음"), ("weighted", "클래스 가중"))
        for name, label in (("balanced_accuracy", "균형 정확도"), ("minority_recall", "소수 클래스 재현율"),
                            ("majority_recall", "다수 클래스 재현율"), ("accuracy", "테스트 정확도"))},
    concepts=("class_imbalance", "recall", "f1_score", "precision", "oversampling"),
    questions=(QuestionRef("면접 #2", "Cost Function과 Activation Function"),),
    citations=(
        Citation(authors="King & Zeng", year=2001, title="Logistic Regression in Rare Events Data",
                 url="https://doi.org/10.1093/oxfordjournals.pan.a004868"),
    ),
    version="1",
)
