"""Transfer learning: pretrain on digits 0–4, fine-tune on a few labelled 5–9s (4주차 p87, p90).

The digits sit at random positions on a 12×12 canvas, so that a few labelled examples are not enough
to learn them from scratch (on the centred 8×8 digits a from-scratch MLP already does well from 25
labels, and there is nothing left for pretraining to show). A network first learns digits 0–4 from
every example of them. Its body (all layers but the output)
is then reused for digits 5–9, of which only a few per class are labelled: fine-tuned at a low
learning rate, at a high one, kept frozen, or trained from scratch on the same few examples. The new
output layer learns at the same rate in every case, so the variants differ only in what happens to
the pretrained features, whose drift is measured directly.
"""

from __future__ import annotations

import copy

from pydantic import Field

from app.demos.base import Chart, Citation, DemoParams, DemoResult, DemoSpec, QuestionRef, Series, Table
from app.demos.datasets import DIGIT_SIDE, digits, place_on_canvas

CANVAS = 12
HEAD_LEARNING_RATE = 0.1
PRETRAIN_STEPS = 400
CURVE_EVERY = 10
DATA_SWEEP = (1, 2, 5, 10, 20, 50)
SOURCE_CLASSES, TARGET_CLASSES = (0, 1, 2, 3, 4), (5, 6, 7, 8, 9)


class Params(DemoParams):
    labelled_per_class: int = Field(5, ge=1, le=50, description="새 과제(5–9)에서 클래스마다 레이블이 있는 예제 수")
    low_learning_rate: float = Field(0.01, ge=1e-4, le=0.1, description="미리 학습된 층의 작은 학습률")
    high_learning_rate: float = Field(1.0, ge=0.1, le=5.0, description="미리 학습된 층의 큰 학습률")
    steps: int = Field(150, ge=20, le=2000, description="미세 조정 스텝 수 (전체 배치, SGD 모멘텀 0.9)")
    hidden: int = Field(128, ge=16, le=512, description="은닉층 너비 (은닉층 2개)")


SMALLEST = Params(steps=80, hidden=64)

VARIANTS = (
    ("low", "사전학습 + 작은 학습률"),
    ("high", "사전학습 + 큰 학습률"),
    ("frozen", "사전학습, 몸통 고정"),
    ("scratch", "처음부터 학습"),
)


def _body(torch, hidden: int):
    nn = torch.nn
    return nn.Sequential(nn.Linear(CANVAS * CANVAS, hidden), nn.ReLU(), nn.Linear(hidden, hidden), nn.ReLU())


def run(params: Params, device, progress) -> DemoResult:
    import torch

    from app.demos.training import accuracy, fit_classifier

    digit_inputs, labels = digits(device)
    n, spread = len(labels), CANVAS - DIGIT_SIDE + 1
    rows, cols = torch.randint(0, spread, (n,), device=device), torch.randint(0, spread, (n,), device=device)
    inputs = place_on_canvas(digit_inputs, CANVAS, rows, cols).reshape(n, -1)
    source = torch.isin(labels, torch.tensor(SOURCE_CLASSES, device=device))
    source_x, source_y = inputs[source], labels[source]
    target_x, target_y = inputs[~source], labels[~source] - len(SOURCE_CLASSES)

    # Pretraining on every 0–4 example.
    body = _body(torch, params.hidden).to(device)
    source_model = torch.nn.Sequential(body, torch.nn.Linear(params.hidden, len(SOURCE_CLASSES))).to(device)
    fit_classifier(source_model, source_x, source_y, optimizer=torch.optim.Adam(source_model.parameters(), lr=3e-3),
                   steps=PRETRAIN_STEPS, batch_size=64)
    source_accuracy = accuracy(source_model, source_x, source_y)
    pretrained = copy.deepcopy(body.state_dict())
    progress(0.2, "0–4 숫자로 사전학습을 마쳤습니다")

    # A fixed order of each 5–9 class: the first k are labelled, the rest are held out for every k.
    per_class = [(target_y == c).nonzero().flatten() for c in range(len(TARGET_CLASSES))]
    per_class = [index[torch.randperm(len(index), device=device)] for index in per_class]
    held_out = torch.cat([index[max(DATA_SWEEP):] for index in per_class])
    test_x, test_y = target_x[held_out], target_y[held_out]

    def labelled(k: int):
        chosen = torch.cat([index[:k] for index in per_class])
        return target_x[chosen], target_y[chosen]

    def fine_tune(variant: str, k: int, curve: list[float] | None = None):
        new_body = _body(torch, params.hidden).to(device)
        if variant != "scratch":
            new_body.load_state_dict(pretrained)
        head = torch.nn.Linear(params.hidden, len(TARGET_CLASSES)).to(device)
        model = torch.nn.Sequential(new_body, head)
        body_rate = {"low": params.low_learning_rate, "high": params.high_learning_rate,
                     "frozen": 0.0, "scratch": HEAD_LEARNING_RATE}[variant]
        optimizer = torch.optim.SGD([
            {"params": new_body.parameters(), "lr": body_rate},
            {"params": head.parameters(), "lr": HEAD_LEARNING_RATE},
        ], momentum=0.9)

        def record(step: int, loss: float) -> None:
            if curve is not None and (step + 1) % CURVE_EVERY == 0:
                curve.append(accuracy(model, test_x, test_y))

        train_x, train_y = labelled(k)
        fit_classifier(model, train_x, train_y, optimizer=optimizer, steps=params.steps, after_step=record)
        first_layer = new_body[0].weight.detach()
        drift = ((first_layer - pretrained["0.weight"]).norm() / pretrained["0.weight"].norm()).item()
        return accuracy(model, test_x, test_y), drift

    metrics: dict[str, float] = {}
    curves: dict[str, list[float]] = {}
    init_state = torch.get_rng_state()
    for i, (variant, label) in enumerate(VARIANTS):
        torch.set_rng_state(init_state)  # the same fresh head for every variant
        curves[variant] = []
        held_out_accuracy, drift = fine_tune(variant, params.labelled_per_class, curves[variant])
        metrics[f"accuracy_{variant}"] = held_out_accuracy
        if variant != "scratch":
            metrics[f"feature_drift_{variant}"] = drift
        progress(0.2 + 0.1 * (i + 1), f"{label}: 정확도 {held_out_accuracy:.1%}", [_curve_chart(curves, params)])

    sweep: dict[str, list[float]] = {"low": [], "scratch": []}
    for j, k in enumerate(DATA_SWEEP):
        for variant in sweep:
            torch.set_rng_state(init_state)
            sweep[variant].append(fine_tune(variant, k)[0])
        progress(0.6 + 0.4 * (j + 1) / len(DATA_SWEEP), f"클래스당 {k}개")
    metrics |= {
        "pretrain_accuracy": source_accuracy,
        "labelled_examples": float(params.labelled_per_class * len(TARGET_CLASSES)),
        "held_out_examples": float(len(test_y)),
        "sweep_low_at_1": sweep["low"][0], "sweep_scratch_at_1": sweep["scratch"][0],
        "sweep_low_at_50": sweep["low"][-1], "sweep_scratch_at_50": sweep["scratch"][-1],
    }
    sizes = [float(k) for k in DATA_SWEEP]
    charts = [
        _curve_chart(curves, params),
        Chart(key="data", title="레이블 수에 따른 정확도 (5–9 평가 세트)", x_label="클래스당 레이블 예제 수",
              y_label="정확도", log_x=True,
              series=[Series(name="사전학습 + 작은 학습률", x=sizes, y=sweep["low"]),
                      Series(name="처음부터 학습", x=sizes, y=sweep["scratch"])]),
    ]
    table = Table(
        columns=["방법", "몸통 학습률", "5–9 평가 정확도", "첫 층 가중치 변화율"],
        rows=[[label, {"low": params.low_learning_rate, "high": params.high_learning_rate, "frozen": 0.0,
                       "scratch": HEAD_LEARNING_RATE}[v],
               round(metrics[f"accuracy_{v}"], 4),
               round(metrics[f"feature_drift_{v}"], 4) if v != "scratch" else None]
              for v, label in VARIANTS],
    )
    progress(1.0, "완료", charts)
    return DemoResult(charts=charts, table=table, conclusion=_conclusion(params, metrics), metrics=metrics)


def _curve_chart(curves: dict[str, list[float]], params: Params) -> Chart:
    labels = dict(VARIANTS)
    return Chart(
        key="fine_tune", title=f"미세 조정 중 5–9 평가 정확도 (클래스당 레이블 {params.labelled_per_class}개)",
        x_label="스텝", y_label="정확도",
        series=[Series(name=labels[v], x=[float((i + 1) * CURVE_EVERY) for i in range(len(c))], y=c)
                for v, c in curves.items()],
    )


def _conclusion(params: Params, m: dict[str, float]) -> str:
    n = int(m["labelled_examples"])
    low, high, scratch, frozen = (m[f"accuracy_{v}"] for v in ("low", "high", "scratch", "frozen"))
    text = (
        f"위치가 제각각인 숫자에서, 레이블이 {n}개뿐인 5–9 과제에 0–4로 사전학습한 몸통을 작은 학습률({params.low_learning_rate:g})로 "
        f"미세 조정하면 정확도 {low:.1%}, 큰 학습률({params.high_learning_rate:g})이면 {high:.1%}, "
        f"몸통을 고정하면 {frozen:.1%}, 처음부터 학습하면 {scratch:.1%}입니다."
    )
    if low > high and low > scratch:
        text += (
            f" 작은 학습률이 큰 학습률이나 처음부터 학습보다 나았습니다: 첫 층 가중치가 {m['feature_drift_low']:.1%}만 바뀌어 사전학습한 특징이 "
            f"남았습니다. 큰 학습률은 첫 층을 {m['feature_drift_high']:.0%} 바꿨고, "
        )
        text += ("그 특징이 지워져 처음부터 학습한 것과 다를 바 없어졌습니다: 적은 레이블로는 다시 배울 수 없습니다."
                 if high <= scratch + 0.02 else "그만큼 사전학습한 특징의 일부를 잃었습니다.")
    elif high >= low:
        text += (
            f" 이번 설정에서는 큰 학습률이 작은 학습률보다 나빠지지 않았습니다 (첫 층 변화율 "
            f"{m['feature_drift_high']:.0%} 대 {m['feature_drift_low']:.1%})."
        )
    else:
        text += " 이번 설정에서는 사전학습이 처음부터 학습보다 낫지 않았습니다."
    gain_small = m["sweep_low_at_1"] - m["sweep_scratch_at_1"]
    gain_large = m["sweep_low_at_50"] - m["sweep_scratch_at_50"]
    text += (
        f" 사전학습의 이득은 레이블이 적을수록 큽니다: 클래스당 1개일 때 {gain_small * 100:+.1f}%p "
        f"({m['sweep_low_at_1']:.1%} 대 {m['sweep_scratch_at_1']:.1%}), 50개일 때 {gain_large * 100:+.1f}%p."
        if gain_small > gain_large else
        f" 레이블 수에 따른 이득은 클래스당 1개일 때 {gain_small * 100:+.1f}%p, 50개일 때 {gain_large * 100:+.1f}%p입니다."
    )
    return text


DEMO = DemoSpec(
    slug="transfer-learning",
    title="전이 학습: 적은 데이터, 작은 학습률",
    summary=(
        "0–4 숫자로 사전학습한 망을 레이블이 몇 개뿐인 5–9 숫자에 미세 조정하면, 작은 학습률은 특징을 지키며 "
        "처음부터 학습보다 훨씬 낫고, 큰 학습률은 특징을 망가뜨립니다."
    ),
    params=Params,
    smallest=SMALLEST,
    run=run,
    concepts=("transfer_learning", "fine_tuning", "pretrained_model", "learning_rate"),
    questions=(QuestionRef("4주차 p87", "전이 학습과 적은 데이터"), QuestionRef("4주차 p90", "사전학습 가중치의 학습률")),
    citations=(
        Citation(authors="Yosinski, Clune, Bengio & Lipson", year=2014,
                 title="How transferable are features in deep neural networks?", url="https://arxiv.org/abs/1411.1792"),
    ),
    version="1",
)
