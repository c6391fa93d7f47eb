"""Dropout at train and test time, as an ensemble, against overfitting, and what it costs (면접 #16-1).

Two identical MLPs learn a small slice of the 8×8 digits, one with inverted dropout (PyTorch's:
surviving units are scaled by 1/(1-p) during training, nothing happens at test time). Then:
- the eval-mode output of the layer after a dropout equals the average of its train-mode outputs
  over many random masks (the error of the average falls like 1/√M), while dropout without the
  rescaling misses it by a bias no amount of averaging removes (노드 07-3, 4주차 p82);
- averaging the predictions of k random sub-networks approaches the single eval-mode prediction
  (4주차 p62: an ensemble trained at once, with shared weights);
- the train/validation gap with and without dropout;
- the cost: a few elementwise operations per step, and more epochs to fit the training set (p71).
"""

from __future__ import annotations

import math
import time

from pydantic import Field

from app.demos.base import Chart, Citation, DemoParams, DemoResult, DemoSpec, QuestionRef, Series, Table
from app.demos.datasets import DIGIT_CLASSES, digits, random_split

PROBE_EXAMPLES = 32
VALIDATION_SIZE = 300
FIT_TARGET_LOSS = 0.05  # "fits the training set": eval-mode training loss at or below this


class Params(DemoParams):
    drop_probability: float = Field(0.5, ge=0.05, le=0.9, description="드롭아웃 확률 p (유닛을 끌 확률)")
    hidden: int = Field(128, ge=32, le=1024, description="은닉층 너비 (은닉층 2개)")
    n_train: int = Field(100, ge=50, le=1000, description="학습 데이터 수 (적을수록 과대적합)")
    epochs: int = Field(300, ge=30, le=2000, description="학습 에폭 수 (전체 배치)")
    max_masks: int = Field(1024, ge=16, le=4096, description="기댓값 확인에 쓰는 최대 마스크 수 M")
    max_subnetworks: int = Field(64, ge=4, le=256, description="앙상블로 평균 내는 최대 서브 네트워크 수 k")


SMALLEST = Params(epochs=250, max_masks=256, max_subnetworks=32)


def _network(torch, params: Params, p: float):
    nn = torch.nn
    return nn.Sequential(
        nn.Linear(64, params.hidden), nn.ReLU(), nn.Dropout(p),
        nn.Linear(params.hidden, params.hidden), nn.ReLU(), nn.Dropout(p),
        nn.Linear(params.hidden, DIGIT_CLASSES),
    )


def _powers_of_two(limit: int) -> list[int]:
    return [2 ** i for i in range(int(math.log2(limit)) + 1)]


def run(params: Params, device, progress) -> DemoResult:
    import torch

    inputs, labels = digits(device)
    train_i, val_i = random_split(len(labels), [params.n_train, VALIDATION_SIZE], device)
    train_x, train_y, val_x, val_y = inputs[train_i], labels[train_i], inputs[val_i], labels[val_i]

    init_state = torch.get_rng_state()
    trained, curves, fit = {}, {}, {}
    for i, (key, p) in enumerate((("plain", 0.0), ("dropout", params.drop_probability))):
        torch.set_rng_state(init_state)  # both start from the same weights
        model = _network(torch, params, p).to(device)
        curves[key], fit[key] = _train(torch, model, params, train_x, train_y, val_x, val_y, device)
        trained[key] = model
        progress(0.2 + 0.25 * i, "드롭아웃 없이 학습" if key == "plain" else "드롭아웃으로 학습",
                 [_curve_chart(curves, params)])

    model = trained["dropout"]
    expectation = _expectation(torch, model, params, val_x[:PROBE_EXAMPLES])
    progress(0.75, "마스크 평균과 eval 출력을 비교했습니다")
    ensemble = _ensemble(torch, model, params, val_x, val_y)

    metrics: dict[str, float] = {}
    for key in ("plain", "dropout"):
        last = curves[key][-1]
        metrics |= {
            f"train_accuracy_{key}": last["train_accuracy"], f"val_accuracy_{key}": last["val_accuracy"],
            f"val_loss_{key}": last["val_loss"], f"train_loss_{key}": last["train_loss"],
            f"gap_{key}": last["train_accuracy"] - last["val_accuracy"],
            f"loss_gap_{key}": last["val_loss"] - last["train_loss"],
            f"epochs_to_fit_{key}": float(fit[key]["epochs_to_fit"]),
            f"ms_per_step_{key}": fit[key]["ms_per_step"],
        }
    metrics["time_ratio_per_step"] = metrics["ms_per_step_dropout"] / metrics["ms_per_step_plain"]
    masks = expectation["masks"]
    metrics |= {
        "masks_max": float(masks[-1]),
        "rel_error_1_mask": expectation["inverted"][0],
        "rel_error_max_masks": expectation["inverted"][-1],
        "rel_error_unscaled_max_masks": expectation["unscaled"][-1],
        "rel_error_logits_max_masks": expectation["logits"][-1],
        "error_slope": (math.log(expectation["inverted"][-1]) - math.log(expectation["inverted"][0]))
        / (math.log(masks[-1]) - math.log(masks[0])),
        "eval_accuracy": ensemble["eval_accuracy"],
        "subnetworks_max": float(ensemble["ks"][-1]),
        "ensemble_accuracy_1": ensemble["accuracy"][0],
        "ensemble_accuracy_max": ensemble["accuracy"][-1],
        "agreement_with_eval_1": ensemble["agreement"][0],
        "agreement_with_eval_max": ensemble["agreement"][-1],
        # Per step, dropout adds: drawing the mask, and one multiply forward and one backward per
        # dropped-out activation. Matrix products cost 2·in·out multiply-adds per example forward
        # and about twice that backward.
        "extra_elementwise_ops_per_step": float(3 * 2 * params.n_train * params.hidden),
        "matmul_flops_per_step": float(3 * 2 * params.n_train * (64 * params.hidden + params.hidden ** 2
                                                                  + params.hidden * DIGIT_CLASSES)),
    }
    metrics["extra_ops_fraction"] = metrics["extra_elementwise_ops_per_step"] / metrics["matmul_flops_per_step"]

    charts = [
        Chart(key="expectation", title="M개 마스크의 train 출력 평균과 eval 출력의 상대 오차", x_label="마스크 수 M",
              y_label="‖평균 − eval‖ / ‖eval‖", log_x=True, log_y=True,
              series=[
                  Series(name="역드롭아웃(학습 때 1/(1−p) 배): 드롭아웃 다음 선형층", x=masks, y=expectation["inverted"]),
                  Series(name="다시 곱하지 않은 드롭아웃: 같은 층", x=masks, y=expectation["unscaled"]),
                  Series(name="역드롭아웃: 최종 출력 (비선형을 한 번 더 지남)", x=masks, y=expectation["logits"]),
                  Series(name="1/√M 기준선", x=masks,
                         y=[expectation["inverted"][0] / math.sqrt(m) for m in masks]),
              ]),
        Chart(key="ensemble", title="서브 네트워크 k개의 예측 평균 (검증 세트)", x_label="평균 낸 서브 네트워크 수 k",
              y_label="비율", log_x=True,
              series=[
                  Series(name="앙상블 정확도", x=ensemble["ks"], y=ensemble["accuracy"]),
                  Series(name="eval() 예측과 일치율", x=ensemble["ks"], y=ensemble["agreement"]),
                  Series(name="eval() 정확도", x=ensemble["ks"], y=[ensemble["eval_accuracy"]] * len(ensemble["ks"])),
              ]),
        _curve_chart(curves, params),
    ]
    fit_text = {k: (str(fit[k]["epochs_to_fit"]) if fit[k]["epochs_to_fit"] <= params.epochs else "도달 못 함")
                for k in fit}
    table = Table(
        columns=["", "드롭아웃 없음", f"드롭아웃 p={params.drop_probability:g}"],
        rows=[
            ["학습 정확도", round(metrics["train_accuracy_plain"], 4), round(metrics["train_accuracy_dropout"], 4)],
            ["검증 정확도", round(metrics["val_accuracy_plain"], 4), round(metrics["val_accuracy_dropout"], 4)],
            ["학습−검증 정확도 차", round(metrics["gap_plain"], 4), round(metrics["gap_dropout"], 4)],
            ["학습 손실", round(metrics["train_loss_plain"], 4), round(metrics["train_loss_dropout"], 4)],
            ["검증 손실", round(metrics["val_loss_plain"], 4), round(metrics["val_loss_dropout"], 4)],
            ["검증−학습 손실 차", round(metrics["loss_gap_plain"], 4), round(metrics["loss_gap_dropout"], 4)],
            [f"학습 손실 {FIT_TARGET_LOSS}까지 에폭", fit_text["plain"], fit_text["dropout"]],
            ["스텝당 시간 (ms, 이 기기)", round(metrics["ms_per_step_plain"], 3), round(metrics["ms_per_step_dropout"], 3)],
            ["스텝당 추가 원소 연산", 0, int(metrics["extra_elementwise_ops_per_step"])],
        ],
    )
    progress(1.0, "완료", charts)
    return DemoResult(charts=charts, table=table, conclusion=_conclusion(params, metrics, device), metrics=metrics)


def _train(torch, model, params: Params, train_x, train_y, val_x, val_y, device):
    """Full-batch Adam; eval-mode accuracy and loss after every epoch; training time kept apart."""
    functional = torch.nn.functional
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    curve, step_seconds, epochs_to_fit = [], 0.0, params.epochs + 1
    for epoch in range(1, params.epochs + 1):
        model.train()
        if device.type == "cuda":
            torch.cuda.synchronize()
        started = time.perf_counter()
        optimizer.zero_grad(set_to_none=True)
        functional.cross_entropy(model(train_x), train_y).backward()
        optimizer.step()
        if device.type == "cuda":
            torch.cuda.synchronize()
        step_seconds += time.perf_counter() - started
        model.eval()
        with torch.no_grad():
            train_logits, val_logits = model(train_x), model(val_x)
            train_loss = functional.cross_entropy(train_logits, train_y).item()
            curve.append({
                "train_loss": train_loss,
                "train_accuracy": (train_logits.argmax(1) == train_y).float().mean().item(),
                "val_accuracy": (val_logits.argmax(1) == val_y).float().mean().item(),
                "val_loss": functional.cross_entropy(val_logits, val_y).item(),
            })
        if train_loss <= FIT_TARGET_LOSS and epochs_to_fit > params.epochs:
            epochs_to_fit = epoch
    return curve, {"epochs_to_fit": epochs_to_fit, "ms_per_step": 1000 * step_seconds / params.epochs}


def _expectation(torch, model, params: Params, probe):
    """Relative error between the mean over M train-mode masks and the eval-mode output."""
    p = params.drop_probability
    first, relu, _, second = model[0], model[1], model[2], model[3]
    masks = _powers_of_two(params.max_masks)
    with torch.no_grad():
        hidden = relu(first(probe))  # what the first dropout sees
        eval_next = second(hidden)  # eval mode: dropout is the identity
        eval_logits = model.eval()(probe)
        sums = {"inverted": torch.zeros_like(eval_next), "unscaled": torch.zeros_like(eval_next),
                "logits": torch.zeros_like(eval_logits)}
        out: dict[str, list[float]] = {key: [] for key in sums}
        drawn = 0
        model.train()
        for m in masks:
            new = m - drawn
            keep = (torch.rand(new, *hidden.shape, device=probe.device) >= p).float()
            sums["inverted"] += second(hidden * keep / (1 - p)).sum(0)
            sums["unscaled"] += second(hidden * keep).sum(0)
            # The whole network in train mode, with the same masks on the first dropout.
            after_first = (hidden * keep / (1 - p)).reshape(-1, hidden.shape[-1])
            sums["logits"] += model[4:](second(after_first)).reshape(new, *eval_logits.shape).sum(0)
            drawn = m
            for key, reference in (("inverted", eval_next), ("unscaled", eval_next), ("logits", eval_logits)):
                out[key].append(((sums[key] / m - reference).norm() / reference.norm()).item())
        model.eval()
    return {"masks": [float(m) for m in masks], **out}


def _ensemble(torch, model, params: Params, val_x, val_y):
    """Accuracy of the average of k sub-networks' probabilities, and agreement with eval()."""
    ks = _powers_of_two(params.max_subnetworks)
    with torch.no_grad():
        eval_predictions = model.eval()(val_x).argmax(1)
        model.train()
        total = torch.zeros(val_x.shape[0], DIGIT_CLASSES, device=val_x.device)
        accuracy, agreement, drawn = [], [], 0
        for k in ks:
            for _ in range(k - drawn):
                total += torch.softmax(model(val_x), dim=1)
            drawn = k
            predictions = total.argmax(1)
            accuracy.append((predictions == val_y).float().mean().item())
            agreement.append((predictions == eval_predictions).float().mean().item())
        model.eval()
    return {"ks": [float(k) for k in ks], "accuracy": accuracy, "agreement": agreement,
            "eval_accuracy": (eval_predictions == val_y).float().mean().item()}


def _curve_chart(curves, params: Params) -> Chart:
    series = []
    for key, label in (("plain", "드롭아웃 없음"), ("dropout", f"드롭아웃 p={params.drop_probability:g}")):
        if key not in curves:
            continue
        x = [float(e + 1) for e in range(len(curves[key]))]
        series.append(Series(name=f"{label}: 학습", x=x, y=[c["train_accuracy"] for c in curves[key]]))
        series.append(Series(name=f"{label}: 검증", x=x, y=[c["val_accuracy"] for c in curves[key]]))
    return Chart(key="overfitting", title=f"학습/검증 정확도 (학습 데이터 {params.n_train}개)", x_label="에폭",
                 y_label="정확도", series=series)


def _conclusion(params: Params, m: dict[str, float], device) -> str:
    masks = int(m["masks_max"])
    parts = []
    if m["rel_error_max_masks"] < 0.5 * m["rel_error_1_mask"]:
        parts.append(
            f"마스크 {masks}개로 train 모드 출력을 평균 내면 eval 모드 출력과의 상대 오차가 "
            f"{m['rel_error_1_mask']:.3g}(마스크 1개)에서 {m['rel_error_max_masks']:.3g}로 줄었습니다 "
            f"(로그 기울기 {m['error_slope']:.2f}, 1/√M이면 -0.5): eval 출력이 train 출력의 기댓값입니다. "
            f"학습 때 살아남은 유닛을 1/(1−p)배 하기 때문이며, 그렇게 하지 않으면 평균은 "
            f"{m['rel_error_unscaled_max_masks']:.3g}만큼 어긋난 채 남습니다 (그래서 원 논문은 테스트 때 "
            f"가중치에 1−p를 곱합니다). 비선형층을 한 번 더 지난 최종 출력에서는 이 관계가 근사라서 작은 오차가 남습니다 "
            f"({m['rel_error_logits_max_masks']:.3g})."
        )
    else:
        parts.append(
            f"이번에는 마스크를 {masks}개까지 평균해도 eval 출력과의 오차가 충분히 줄지 않았습니다 "
            f"({m['rel_error_1_mask']:.3g} → {m['rel_error_max_masks']:.3g})."
        )
    k = int(m["subnetworks_max"])
    parts.append(
        f" 서브 네트워크 하나의 정확도는 {m['ensemble_accuracy_1']:.1%}, {k}개를 평균 내면 {m['ensemble_accuracy_max']:.1%}이고 "
        f"eval() 예측과의 일치율은 {m['agreement_with_eval_1']:.1%}에서 {m['agreement_with_eval_max']:.1%}로 올라갑니다 "
        f"(eval() 정확도 {m['eval_accuracy']:.1%}): eval()은 가중치를 공유한 서브 네트워크 앙상블을 한 번에 계산합니다."
    )
    if m["loss_gap_dropout"] < 0.9 * m["loss_gap_plain"]:
        parts.append(
            f" 학습 데이터 {params.n_train}개에서 검증−학습 손실 차는 드롭아웃 없이 {m['loss_gap_plain']:.3g}, "
            f"드롭아웃으로 {m['loss_gap_dropout']:.3g}로 줄었습니다 (검증 손실 {m['val_loss_plain']:.3g} 대 "
            f"{m['val_loss_dropout']:.3g}, 검증 정확도 {m['val_accuracy_plain']:.1%} 대 {m['val_accuracy_dropout']:.1%})."
        )
    else:
        parts.append(
            f" 이번 설정에서는 드롭아웃이 과대적합을 줄이지 못했습니다 (검증−학습 손실 차 {m['loss_gap_plain']:.3g} 대 "
            f"{m['loss_gap_dropout']:.3g})."
        )
    plain_fit, drop_fit = int(m["epochs_to_fit_plain"]), int(m["epochs_to_fit_dropout"])
    target = f"학습 손실이 {FIT_TARGET_LOSS} 아래로 내려가기까지"
    if drop_fit <= params.epochs and plain_fit <= params.epochs:
        cost = f" 비용: {target} 드롭아웃 없이 {plain_fit}에폭, 드롭아웃으로 {drop_fit}에폭이 걸렸습니다."
    elif plain_fit <= params.epochs:
        cost = (f" 비용: {target} 드롭아웃 없이 {plain_fit}에폭이 걸렸고, 드롭아웃으로는 {params.epochs}에폭 안에 "
                f"내려가지 못했습니다.")
    else:
        cost = f" 비용: 이번에는 둘 다 {params.epochs}에폭 안에 학습 손실이 {FIT_TARGET_LOSS} 아래로 내려가지 못했습니다."
    parts.append(
        cost + f" 스텝마다 추가되는 원소 연산은 {int(m['extra_elementwise_ops_per_step']):,}개로 행렬곱 연산의 "
        f"{m['extra_ops_fraction']:.1%}입니다. 이 기기({device.type})에서 잰 스텝당 시간은 "
        f"{m['ms_per_step_plain']:.2f}ms 대 {m['ms_per_step_dropout']:.2f}ms ({m['time_ratio_per_step']:.2f}배)입니다."
    )
    return "".join(parts)


DEMO = DemoSpec(
    slug="dropout",
    title="드롭아웃: 학습과 테스트, 앙상블, 과대적합, 비용",
    summary=(
        "역드롭아웃의 eval 출력은 train 출력의 기댓값이고, 서브 네트워크 예측을 많이 평균 낼수록 eval 예측에 "
        "가까워집니다. 적은 데이터에서 학습−검증 차를 줄이는 대신 수렴에 더 많은 에폭이 듭니다."
    ),
    params=Params,
    smallest=SMALLEST,
    run=run,
    concepts=("dropout", "inverted_dropout", "dropout_rate", "overfitting", "ensemble", "sub_network"),
    questions=(
        QuestionRef("면접 #16-1", "Dropout의 효과"), QuestionRef("4주차 p62", "서브 네트워크 앙상블"),
        QuestionRef("4주차 p71", "학습 시간"), QuestionRef("4주차 p82", "test 때 marginalize out"),
        QuestionRef("노드 07-3", "테스트 단계의 드롭아웃"),
    ),
    citations=(
        Citation(authors="Srivastava, Hinton, Krizhevsky, Sutskever & Salakhutdinov", year=2014,
                 title="Dropout: A Simple Way to Prevent Neural Networks from Overfitting",
                 url="https://jmlr.org/papers/v15/srivastava14a.html"),
    ),
    timing_metrics=("ms_per_step_plain", "ms_per_step_dropout", "time_ratio_per_step"),
    version="1",
)
