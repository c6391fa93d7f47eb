"""Early stopping: stop when the validation loss has not improved for ``patience`` checks, keep the best
weights, and compare the held-out loss with training to the end (Prechelt 1998; Goodfellow et al. §7.8).

A ReLU MLP (20 → 128 → 128 → 5), far larger than the 200 training points need, learns labels from a
random teacher network of which ``label_noise`` are replaced at random. Full-batch Adam runs for
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
"""

from __future__ import annotations

import math

from pydantic import Field

from app.demos.base import Chart, Citation, DemoParams, DemoSpec, Measurement, QuestionRef, Series, Table
from app.demos.evidence import Claim, summarise

INPUTS, HIDDEN, CLASSES, TEACHER_HIDDEN = 10, 64, 3, 16
N_VAL, N_TEST = 200, 1000
CHECK_EVERY = 10
LEARNING_RATE = 0.001
PATIENCES = (1, 2, 5, 10, 20, 50)
ACCURACY_MARGIN = 0.01  # the claim: at least one percentage point of test accuracy


class Params(DemoParams):
    patience: int = Field(10, ge=1, le=200, description="인내(patience): 검증 손실이 몇 번의 확인(10스텝마다) 동안 나아지지 않으면 멈출지")
    label_noise: float = Field(0.3, ge=0.0, le=0.8, description="학습 레이블 중 무작위로 바꾼 비율")
    n_train: int = Field(200, ge=50, le=5000, description="학습 예제 수")
    steps: int = Field(600, ge=100, le=10000, description="끝까지 학습할 때의 스텝 수 (풀배치 Adam)")


SMALLEST = Params(steps=400)
BREAKING = Params(label_noise=0.0, n_train=1000, steps=400)


def stop_check(val_curve: list[float], patience: int) -> tuple[int, int]:
    """(check at which training stops, check whose weights are kept) for a validation-loss curve."""
    best, best_at = math.inf, 0
    for i, value in enumerate(val_curve):
        if value < best:
            best, best_at = value, i
        elif i - best_at >= patience:
            return i, best_at
    return len(val_curve) - 1, best_at


def run(params: Params, device, progress, seeds) -> Measurement:
    import torch

    from app.demos.batched import Adam, generator, init_mlp, mlp_forward, per_model_cross_entropy
    from app.demos.synthetic import split, teacher_classification

    seeds = list(seeds)
    S = len(seeds)
    n = params.n_train + N_VAL + N_TEST
    noisy = teacher_classification(seeds, n, INPUTS, CLASSES, TEACHER_HIDDEN, params.label_noise, device)
    clean = teacher_classification(seeds, n, INPUTS, CLASSES, TEACHER_HIDDEN, 0.0, device)
    # Noise only in the training labels: validation and test labels are the teacher's own.
    train, _, _ = split(noisy, [params.n_train, N_VAL, N_TEST])
    _, val, test = split(clean, [params.n_train, N_VAL, N_TEST])
    weights = init_mlp([INPUTS, HIDDEN, HIDDEN, CLASSES], [generator(s) for s in seeds], 1, device)
    optimizer = Adam(weights, LEARNING_RATE)

    def evaluate(split_):
        with torch.no_grad():
            logits = mlp_forward(weights, split_[0])
            return per_model_cross_entropy(logits, split_[1]), (logits.argmax(dim=2) == split_[1]).float().mean(dim=1)

    checks, train_curve, val_curve, test_curve, acc_curve = [], [], [], [], []
    for step in range(params.steps + 1):
        if step % CHECK_EVERY == 0 or step == params.steps:
            checks.append(step)
            train_curve.append(evaluate(train)[0])
            val_curve.append(evaluate(val)[0])
            loss, acc = evaluate(test)
            test_curve.append(loss)
            acc_curve.append(acc)
            if len(checks) % 20 == 0:
                progress(0.95 * step / params.steps, f"{step}/{params.steps} 스텝")
        if step == params.steps:
            break
        per_model_cross_entropy(mlp_forward(weights, train[0]), train[1]).sum().backward()
        optimizer.step()
    curves = {name: torch.stack(c).cpu() for name, c in
              (("train", train_curve), ("val", val_curve), ("test", test_curve), ("acc", acc_curve))}

    per_seed: dict[str, list[float | None]] = {key: [] for key in (
        "test_loss_early", "test_loss_final", "test_gain", "test_accuracy_early", "test_accuracy_final",
        "test_accuracy_gain",
        "stop_step", "kept_step", "best_possible_test_loss")}
    by_patience: dict[int, list[float]] = {p: [] for p in PATIENCES}
    for s in range(S):
        val_s = curves["val"][:, s].tolist()
        stop, kept = stop_check(val_s, params.patience)
        early, final = curves["test"][kept, s].item(), curves["test"][-1, s].item()
        per_seed["test_loss_early"].append(early)
        per_seed["test_loss_final"].append(final)
        per_seed["test_gain"].append(final - early)
        per_seed["test_accuracy_early"].append(curves["acc"][kept, s].item())
        per_seed["test_accuracy_final"].append(curves["acc"][-1, s].item())
        per_seed["test_accuracy_gain"].append(curves["acc"][kept, s].item() - curves["acc"][-1, s].item())
        per_seed["stop_step"].append(float(checks[stop]))
        per_seed["kept_step"].append(float(checks[kept]))
        per_seed["best_possible_test_loss"].append(curves["test"][:, s].min().item())
        for p in PATIENCES:
            by_patience[p].append(curves["test"][stop_check(val_s, p)[1], s].item())
    for p in PATIENCES:
        per_seed[f"test_loss_patience_{p}"] = by_patience[p]

    charts = _charts(checks, curves, per_seed, by_patience)
    table = _table(params, per_seed, by_patience, checks, curves)
    progress(1.0, "완료", charts)
    return Measurement(per_seed=per_seed, charts=charts, table=table, notes=_notes(params, per_seed, by_patience))


def _charts(checks, curves, m, by_patience) -> list[Chart]:
    from app.demos.batched import band

    S = curves["val"].shape[1]
    x = [float(c) for c in checks]
    series = []
    for key, label in (("train", "학습 (잡음 레이블)"), ("val", "검증"), ("test", "테스트")):
        y, low, high = band([curves[key][:, s].tolist() for s in range(S)])
        series.append(Series(name=label, x=x, y=[max(v, 1e-6) for v in y], lower=[max(v, 1e-6) for v in low],
                             upper=[max(v, 1e-6) for v in high]))
    stops = m["kept_step"]
    series.append(Series(name="조기 종료가 남긴 가중치 (시드별)", x=stops,
                         y=[curves["test"][checks.index(int(step)), s].item() for s, step in enumerate(stops)]))
    y, low, high = band([[by_patience[p][s] for p in PATIENCES] for s in range(S)])
    return [
        Chart(key="loss", title="손실 곡선 (시드 평균, 띠는 최소~최대)", x_label="스텝", y_label="교차 엔트로피", log_y=True,
              series=series),
        Chart(key="patience", title="인내(patience)별 조기 종료의 테스트 손실", x_label="인내 (확인 횟수)", y_label="테스트 손실",
              log_x=True, series=[Series(name="조기 종료", x=[float(p) for p in PATIENCES], y=y, lower=low, upper=high),
                                  Series(name="끝까지 학습", x=[float(p) for p in PATIENCES],
                                         y=[sum(m["test_loss_final"]) / S] * len(PATIENCES))]),
    ]


def _table(params: Params, m, by_patience, checks, curves) -> Table:
    S = len(m["test_loss_final"])

    def mean(values):
        return float(f"{sum(values) / len(values):.4g}")

    rows = [["끝까지 학습", params.steps, mean(m["test_loss_final"]), mean(m["test_accuracy_final"]),
             mean(curves["train"][-1].tolist())]]
    kept_train = [curves["train"][checks.index(int(k)), s].item() for s, k in enumerate(m["kept_step"])]
    rows.append([f"조기 종료 (인내 {params.patience})", mean(m["kept_step"]), mean(m["test_loss_early"]),
                 mean(m["test_accuracy_early"]), mean(kept_train)])
    for p in PATIENCES:
        if p != params.patience:
            rows.append([f"조기 종료 (인내 {p})", "", mean(by_patience[p]), "", ""])
    assert S
    return Table(columns=["방법", "남긴 가중치의 스텝 (평균)", "테스트 손실", "테스트 정확도", "학습 손실"], rows=rows)


def _notes(params: Params, m, by_patience) -> list[str]:
    notes = []

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
              statement="조기 종료로 남긴 가중치가 끝까지 학습한 가중치보다 테스트 정확도가 1%p 넘게 높다"),
        Claim(metric="test_gain", direction="greater", margin=0.0,
              statement="조기 종료로 남긴 가중치가 끝까지 학습한 가중치보다 테스트 손실이 낮다"),
    ),
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
    version="1",
)
