"""Batch normalisation: training at a high learning rate, and the train-vs-eval mistakes (면접 #16, #16-2).

One deep ReLU network is trained on the 8×8 digits three ways from the same seed: without BatchNorm,
with BatchNorm between the linear layer and the activation, and after the activation (노드 08-3).
Then the trained BatchNorm network is used for prediction the right way (``model.eval()``: running
statistics) and the wrong ways (left in train mode: each batch normalised by its own statistics), so
one example's prediction depends on which other examples share its batch, and the forgotten
``eval()`` quietly overwrites the running statistics.
"""

from __future__ import annotations

import copy
import math

from pydantic import Field

from app.demos.base import Chart, Citation, DemoParams, DemoResult, DemoSpec, QuestionRef, Series, Table
from app.demos.datasets import DIGIT_CLASSES, digits, random_split

N_TRAIN = 1000
BATCH_SIZES = (2, 4, 8, 16, 32, 128)
SORTED_BATCH = 32
VARIANTS = (("plain", "BN 없음"), ("before", "BN: 선형층 → BN → ReLU"), ("after", "BN: 선형층 → ReLU → BN"))


class Params(DemoParams):
    depth: int = Field(8, ge=2, le=16, description="은닉층 수")
    width: int = Field(64, ge=16, le=256, description="은닉층 너비")
    learning_rate: float = Field(0.5, ge=0.001, le=5.0, description="SGD 학습률 (BN 없는 망이 버거운 큰 값이 기본)")
    steps: int = Field(300, ge=20, le=2000, description="학습 스텝 수")
    batch_size: int = Field(64, ge=8, le=256, description="학습 미니배치 크기")


SMALLEST = Params(depth=6, width=32, steps=120)


def _network(torch, params: Params, variant: str):
    nn = torch.nn
    layers, fan_in = [], 64
    for _ in range(params.depth):
        layers.append(nn.Linear(fan_in, params.width))
        if variant == "before":
            layers += [nn.BatchNorm1d(params.width), nn.ReLU()]
        elif variant == "after":
            layers += [nn.ReLU(), nn.BatchNorm1d(params.width)]
        else:
            layers.append(nn.ReLU())
        fan_in = params.width
    layers.append(nn.Linear(fan_in, DIGIT_CLASSES))
    model = nn.Sequential(*layers)
    # He initialisation for every variant, so the plain network trains at a modest learning rate
    # and what BatchNorm adds is tolerance of a large one, not a rescue from a bad start.
    for layer in model:
        if isinstance(layer, nn.Linear):
            nn.init.kaiming_normal_(layer.weight, nonlinearity="relu")
            nn.init.zeros_(layer.bias)
    return model


def _finite_or_none(value: float) -> float | None:
    return value if math.isfinite(value) else None


def run(params: Params, device, progress) -> DemoResult:
    import torch

    from app.demos.training import accuracy, fit_classifier

    inputs, labels = digits(device)
    train_index, test_index = random_split(len(labels), [N_TRAIN, len(labels) - N_TRAIN], device)
    train_x, train_y = inputs[train_index], labels[train_index]
    test_x, test_y = inputs[test_index], labels[test_index]

    init_state = torch.get_rng_state()
    models, curves, metrics = {}, {}, {}
    for i, (variant, label) in enumerate(VARIANTS):
        torch.set_rng_state(init_state)  # same weights where shapes agree, same minibatches
        model = _network(torch, params, variant).to(device)
        optimizer = torch.optim.SGD(model.parameters(), lr=params.learning_rate)
        losses = fit_classifier(model, train_x, train_y, optimizer=optimizer, steps=params.steps,
                                batch_size=params.batch_size)
        model.eval()
        models[variant] = model
        curves[variant] = _smoothed(losses)
        tail = losses[-max(1, params.steps // 10):]
        diverged_at = next((step for step, loss in enumerate(losses, 1) if not math.isfinite(loss)), None)
        metrics[f"diverged_{variant}"] = float(diverged_at is not None)
        if diverged_at is None:
            metrics[f"final_loss_{variant}"] = sum(tail) / len(tail)
        else:  # NaN is no number to compare or serialise: record when it happened instead
            metrics[f"diverged_at_step_{variant}"] = float(diverged_at)
        metrics[f"test_accuracy_{variant}"] = accuracy(model, test_x, test_y)
        loss_chart = _loss_chart(curves)
        progress(0.2 * (i + 1), f"{label} 학습 완료", [loss_chart])

    metrics |= _train_mode_mistakes(torch, models["before"], test_x, test_y)

    batch_chart = Chart(
        key="batch_dependence", title="학습된 BN 망의 테스트 정확도: eval() vs train 모드로 예측",
        x_label="예측할 때의 배치 크기", y_label="테스트 정확도", log_x=True,
        series=[
            Series(name="eval(): 이동 평균 통계", x=[float(b) for b in BATCH_SIZES],
                   y=[metrics["test_accuracy_before"]] * len(BATCH_SIZES)),
            Series(name="train 모드: 섞인 배치", x=[float(b) for b in BATCH_SIZES],
                   y=[metrics[f"train_mode_accuracy_b{b}"] for b in BATCH_SIZES]),
            Series(name=f"train 모드: 한 클래스만 모인 배치 ({SORTED_BATCH}개)", x=[float(SORTED_BATCH)],
                   y=[metrics["train_mode_accuracy_sorted"]]),
        ],
    )
    charts = [_loss_chart(curves), batch_chart]
    table = Table(
        columns=["예측 방법", "테스트 정확도"],
        rows=[
            ["BN 없는 망 (eval)", round(metrics["test_accuracy_plain"], 4)],
            ["BN 망, model.eval()", round(metrics["test_accuracy_before"], 4)],
            ["BN 망, train 모드, 섞인 배치 2개씩", round(metrics["train_mode_accuracy_b2"], 4)],
            ["BN 망, train 모드, 섞인 배치 128개씩", round(metrics["train_mode_accuracy_b128"], 4)],
            [f"BN 망, train 모드, 같은 클래스끼리 {SORTED_BATCH}개씩", round(metrics["train_mode_accuracy_sorted"], 4)],
            ["BN 망, train 모드, 배치 1개", "오류 (배치 통계를 낼 수 없음)" if metrics["batch1_raises"] else "실행됨"],
            ["eval()을 잊은 채 예측한 뒤 다시 eval()", round(metrics["eval_accuracy_after_forgotten_eval"], 4)],
        ],
    )
    progress(1.0, "완료", charts)
    return DemoResult(charts=charts, table=table, conclusion=_conclusion(params, metrics), metrics=metrics)


def _smoothed(losses: list[float], window: int = 10) -> list[float | None]:
    out: list[float | None] = []
    for i in range(len(losses)):
        chunk = losses[max(0, i - window + 1): i + 1]
        out.append(_finite_or_none(sum(chunk) / len(chunk)))
    return out


def _loss_chart(curves: dict[str, list[float | None]]) -> Chart:
    labels = dict(VARIANTS)
    return Chart(
        key="loss", title="학습 손실 (10스텝 이동 평균)", x_label="스텝", y_label="교차 엔트로피", log_y=True,
        series=[Series(name=labels[v], x=[float(i + 1) for i in range(len(c))], y=c) for v, c in curves.items()],
    )


def _train_mode_mistakes(torch, model, test_x, test_y) -> dict[str, float]:
    """Predict with a copy left in train mode, as code that forgot ``model.eval()`` does."""
    out: dict[str, float] = {}
    forgetful = copy.deepcopy(model).train()
    with torch.no_grad():
        eval_predictions = model(test_x).argmax(dim=1)
        try:
            forgetful(test_x[:1])
            out["batch1_raises"] = 0.0
        except ValueError:  # "Expected more than 1 value per channel when training"
            out["batch1_raises"] = 1.0
        n = test_x.shape[0]
        for size in BATCH_SIZES:
            usable = n - n % size
            predictions = torch.cat([forgetful(test_x[s: s + size]).argmax(dim=1) for s in range(0, usable, size)])
            out[f"train_mode_accuracy_b{size}"] = (predictions == test_y[:usable]).float().mean().item()
        # The same examples, batched with others of their own class.
        order = torch.argsort(test_y, stable=True)
        sorted_x, sorted_y = test_x[order], test_y[order]
        predictions, kept = [], []
        for c in range(DIGIT_CLASSES):
            members = (sorted_y == c).nonzero().flatten()
            members = members[: len(members) - len(members) % SORTED_BATCH]
            for s in range(0, len(members), SORTED_BATCH):
                chunk = members[s: s + SORTED_BATCH]
                predictions.append(forgetful(sorted_x[chunk]).argmax(dim=1))
                kept.append(chunk)
        predictions_sorted, kept_index = torch.cat(predictions), torch.cat(kept)
        out["train_mode_accuracy_sorted"] = (predictions_sorted == sorted_y[kept_index]).float().mean().item()
        out["changed_vs_eval_sorted"] = (
            predictions_sorted != eval_predictions[order][kept_index]).float().mean().item()
        # Every train-mode forward pass above also moved the running statistics.
        first_bn = next(layer for layer in model if isinstance(layer, torch.nn.BatchNorm1d))
        first_bn_copy = next(layer for layer in forgetful if isinstance(layer, torch.nn.BatchNorm1d))
        out["running_mean_shift"] = ((first_bn_copy.running_mean - first_bn.running_mean).norm()
                                     / first_bn.running_mean.norm()).item()
        forgetful.eval()
        out["eval_accuracy_after_forgotten_eval"] = (forgetful(test_x).argmax(dim=1) == test_y).float().mean().item()
    return out


def _conclusion(params: Params, m: dict[str, float]) -> str:
    lr, depth = params.learning_rate, params.depth
    bn = m.get("final_loss_before")
    bn_text = (f"손실 {bn:.3g}, 테스트 정확도 {m['test_accuracy_before']:.1%}까지 학습됐습니다" if bn is not None
               else f"{int(m['diverged_at_step_before'])}번째 스텝에서 발산했습니다")
    if m["diverged_plain"]:
        part1 = (f"학습률 {lr:g}에서 BN 없는 {depth}층 망은 {int(m['diverged_at_step_plain'])}번째 스텝에서 발산했고 "
                 f"(손실 NaN, 테스트 정확도 {m['test_accuracy_plain']:.1%}), BN을 넣은 같은 망은 {bn_text}.")
    elif bn is not None and m["final_loss_plain"] > max(3 * bn, bn + 0.2):
        part1 = (f"학습률 {lr:g}에서 BN 없는 {depth}층 망은 마지막 손실 {m['final_loss_plain']:.3g} "
                 f"(테스트 정확도 {m['test_accuracy_plain']:.1%})에 머물렀고, BN을 넣은 같은 망은 {bn_text}.")
    else:
        part1 = (f"이번 설정(학습률 {lr:g})에서는 BN이 학습을 크게 돕지 않았습니다: BN 없는 망의 마지막 손실 "
                 f"{m['final_loss_plain']:.3g}, BN을 넣은 망은 {bn_text}. 학습률을 키우면 BN 없는 망부터 무너집니다.")
    if bn is not None and "final_loss_after" in m:
        same = abs(m["test_accuracy_before"] - m["test_accuracy_after"]) < 0.02
        part1 += (f" BN 위치는 활성화 앞이 손실 {bn:.3g} (정확도 {m['test_accuracy_before']:.1%}), 뒤가 "
                  f"{m['final_loss_after']:.3g} ({m['test_accuracy_after']:.1%})로 이 설정에서는 "
                  + ("큰 차이가 없었습니다." if same else
                     f"활성화 {'앞' if m['test_accuracy_before'] > m['test_accuracy_after'] else '뒤'}이 나았습니다."))
    drop_sorted = m["test_accuracy_before"] - m["train_mode_accuracy_sorted"]
    part2 = (f" 예측할 때 model.eval()을 잊으면 배치마다 자기 평균과 분산으로 정규화됩니다. 섞인 배치 2개씩이면 "
             f"정확도 {m['train_mode_accuracy_b2']:.1%}, 128개씩이면 {m['train_mode_accuracy_b128']:.1%}로 "
             f"배치 크기에 따라 결과가 달라집니다 (eval() {m['test_accuracy_before']:.1%}).")
    if drop_sorted > 0.05:
        part2 += (f" 같은 클래스끼리 {SORTED_BATCH}개씩 묶으면 정확도가 {m['train_mode_accuracy_sorted']:.1%}로 "
                  f"떨어지고 예측의 {m['changed_vs_eval_sorted']:.1%}가 eval()과 달라집니다: 한 예제의 답이 "
                  f"함께 들어온 다른 예제에 달린 것입니다.")
    else:
        part2 += (f" 같은 클래스끼리 묶어도 이번에는 정확도가 {m['train_mode_accuracy_sorted']:.1%}로 "
                  f"크게 떨어지지 않았습니다 (예측 변화 {m['changed_vs_eval_sorted']:.1%}).")
    if m["batch1_raises"]:
        part2 += " 배치 1개로 train 모드 예측은 아예 오류가 납니다 (분산을 낼 값이 하나뿐)."
    after = m["eval_accuracy_after_forgotten_eval"]
    part2 += (f" 게다가 train 모드의 순전파는 no_grad 안에서도 이동 평균 통계를 덮어씁니다 (첫 BN층 평균이 "
              f"{m['running_mean_shift']:.0%} 바뀜). ")
    part2 += (f"그 뒤 eval()로 돌아가도 정확도가 {m['test_accuracy_before']:.1%}에서 {after:.1%}로 떨어졌습니다."
              if m["test_accuracy_before"] - after > 0.01 else
              f"이번에는 그 뒤 eval() 정확도가 거의 그대로였습니다 ({m['test_accuracy_before']:.1%} → {after:.1%}).")
    return part1 + part2


DEMO = DemoSpec(
    slug="batchnorm",
    title="배치 정규화: 큰 학습률에서의 학습과 train/eval 모드 실수",
    summary=(
        "BN을 넣은 깊은 망은 BN 없는 망이 버거운 큰 학습률에서도 학습됩니다. 학습 뒤 model.eval()을 잊으면 "
        "예측이 배치 구성에 따라 달라지고, 이동 평균 통계까지 망가집니다."
    ),
    params=Params,
    smallest=SMALLEST,
    run=run,
    concepts=("batch_normalization", "learning_rate", "eval_mode", "internal_covariate_shift"),
    questions=(
        QuestionRef("면접 #16", "BN의 효과"), QuestionRef("면접 #16-2", "추론 시 주의점"),
        QuestionRef("노드 02-1", "BN과 과적합"), QuestionRef("노드 08-3", "BN의 위치"),
    ),
    citations=(
        Citation(authors="Ioffe & Szegedy", year=2015,
                 title="Batch Normalization: Accelerating Deep Network Training by Reducing Internal Covariate Shift",
                 url="https://arxiv.org/abs/1502.03167"),
    ),
    version="1",
)
