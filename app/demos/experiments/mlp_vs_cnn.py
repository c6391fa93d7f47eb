"""MLP vs CNN on digits at positions never seen in training (면접 #19-1, #19-2).

The 8×8 digits are pasted on a larger blank canvas. During training they only ever sit in the top-left
corner (a few offsets); the test puts held-out digits at every offset. A small CNN (3×3 filters
shared across positions and a global max-pool before the last layer) is compared with an MLP of
about the same number of parameters and with a much larger MLP. The CNN has no stride-2 pooling
between its convolutions: that would make it shift-invariant only for even shifts, and the point
here is weight sharing plus pooling over all positions. An MLP has one weight per
pixel and unit, so the weights of pixels that were always blank in training never learned anything.
"""

from __future__ import annotations

from pydantic import Field, model_validator

from app.demos.base import Chart, Citation, DemoParams, DemoResult, DemoSpec, QuestionRef, Series, Table
from app.demos.datasets import DIGIT_CLASSES, DIGIT_SIDE, digits, place_on_canvas, random_split

N_TEST = 400
BATCH_SIZE = 64
LARGE_MLP_HIDDEN = 256


class Params(DemoParams):
    canvas: int = Field(12, ge=10, le=16, description="캔버스 한 변의 픽셀 수 (숫자는 8×8)")
    train_span: int = Field(2, ge=1, le=3, description="학습 때 숫자가 놓이는 위치 범위: 왼쪽 위 n×n 가지 오프셋")
    channels: int = Field(8, ge=4, le=32, description="CNN 첫 합성곱층의 채널 수 (둘째 층은 두 배)")
    steps: int = Field(300, ge=50, le=2000, description="학습 스텝 수 (미니배치 64, Adam)")
    n_train: int = Field(1000, ge=200, le=1390, description="학습 데이터 수")

    @model_validator(mode="after")
    def _leaves_unseen_positions(self):
        if self.train_span >= self.canvas - DIGIT_SIDE + 1:
            raise ValueError("train_span이 가능한 위치를 모두 덮어 처음 보는 위치가 남지 않습니다: 캔버스를 키우세요")
        return self


SMALLEST = Params(steps=150, n_train=600)


def _cnn(torch, params: Params):
    nn = torch.nn
    c = params.channels
    return nn.Sequential(
        nn.Unflatten(1, (1, params.canvas, params.canvas)),
        nn.Conv2d(1, c, 3, padding=1), nn.ReLU(),
        nn.Conv2d(c, 2 * c, 3, padding=1), nn.ReLU(),
        nn.AdaptiveMaxPool2d(1), nn.Flatten(),  # the strongest response anywhere: position drops out
        nn.Linear(2 * c, DIGIT_CLASSES),
    )


def _mlp(torch, params: Params, hidden: int):
    nn = torch.nn
    return nn.Sequential(nn.Linear(params.canvas ** 2, hidden), nn.ReLU(), nn.Linear(hidden, DIGIT_CLASSES))


def _count(model) -> int:
    return sum(p.numel() for p in model.parameters())


def run(params: Params, device, progress) -> DemoResult:
    import torch

    from app.demos.training import fit_classifier

    inputs, labels = digits(device)
    train_i, test_i = random_split(len(labels), [params.n_train, min(N_TEST, len(labels) - params.n_train)], device)
    n = len(train_i)
    rows = torch.randint(0, params.train_span, (n,), device=device)
    cols = torch.randint(0, params.train_span, (n,), device=device)
    train_x = place_on_canvas(inputs[train_i], params.canvas, rows, cols).reshape(n, -1)
    train_y = labels[train_i]

    cnn = _cnn(torch, params).to(device)
    # The matched MLP: the hidden width that brings its parameter count closest to the CNN's.
    per_unit = params.canvas ** 2 + 1 + DIGIT_CLASSES
    matched_hidden = max(1, round((_count(cnn) - DIGIT_CLASSES) / per_unit))
    models = {
        "cnn": ("CNN", cnn),
        "mlp": (f"MLP (은닉 {matched_hidden})", _mlp(torch, params, matched_hidden).to(device)),
        "mlp_large": (f"큰 MLP (은닉 {LARGE_MLP_HIDDEN})", _mlp(torch, params, LARGE_MLP_HIDDEN).to(device)),
    }
    losses = {}
    for i, (key, (label, model)) in enumerate(models.items()):
        optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)
        losses[key] = fit_classifier(model, train_x, train_y, optimizer=optimizer, steps=params.steps,
                                     batch_size=BATCH_SIZE)
        model.eval()
        progress(0.2 * (i + 1), f"{label} 학습 완료")

    # Every test digit at every offset.
    spread = params.canvas - DIGIT_SIDE + 1
    test_inputs, test_y = inputs[test_i], labels[test_i]
    m = len(test_i)
    by_offset = {key: {} for key in models}
    with torch.no_grad():
        for row in range(spread):
            for col in range(spread):
                placed = place_on_canvas(test_inputs, params.canvas, torch.full((m,), row, device=device),
                                         torch.full((m,), col, device=device)).reshape(m, -1)
                for key, (_, model) in models.items():
                    by_offset[key][(row, col)] = (model(placed).argmax(1) == test_y).float().mean().item()
    progress(0.9, "모든 위치에서 평가했습니다")

    def seen(offset) -> bool:
        return offset[0] < params.train_span and offset[1] < params.train_span

    distances = list(range(spread))  # Chebyshev distance of an offset from the top-left corner
    metrics: dict[str, float] = {}
    accuracy_by_distance = {}
    for key in models:
        table_of = by_offset[key]
        seen_values = [v for o, v in table_of.items() if seen(o)]
        unseen_values = [v for o, v in table_of.items() if not seen(o)]
        metrics[f"params_{key}"] = float(_count(models[key][1]))
        metrics[f"seen_accuracy_{key}"] = sum(seen_values) / len(seen_values)
        metrics[f"unseen_accuracy_{key}"] = sum(unseen_values) / len(unseen_values)
        metrics[f"farthest_accuracy_{key}"] = table_of[(spread - 1, spread - 1)]
        accuracy_by_distance[key] = [
            sum(v for o, v in table_of.items() if max(o) == d) / sum(1 for o in table_of if max(o) == d)
            for d in distances
        ]
    metrics["unseen_offsets"] = float(spread ** 2 - params.train_span ** 2)

    charts = [
        Chart(key="by_shift", title="테스트 정확도: 숫자를 얼마나 멀리 옮겼나", x_label="왼쪽 위에서의 이동 (픽셀, 체비셰프 거리)",
              y_label="테스트 정확도",
              series=[Series(name=models[k][0], x=[float(d) for d in distances], y=accuracy_by_distance[k])
                      for k in models]
              + [Series(name="학습 때 본 위치의 끝", x=[float(params.train_span - 1)] * 2, y=[0.0, 1.0])]),
        Chart(key="loss", title="학습 손실 (미니배치)", x_label="스텝", y_label="교차 엔트로피", log_y=True,
              series=[Series(name=models[k][0], x=[float(s + 1) for s in range(len(v))], y=v)
                      for k, v in losses.items()]),
    ]
    last_layers = {"cnn": f"Linear({2 * params.channels}→{DIGIT_CLASSES})",
                   "mlp": f"Linear({matched_hidden}→{DIGIT_CLASSES})",
                   "mlp_large": f"Linear({LARGE_MLP_HIDDEN}→{DIGIT_CLASSES})"}
    table = Table(
        columns=["모델", "파라미터 수", "본 위치 정확도", "처음 보는 위치 정확도", "가장 먼 위치 정확도", "마지막 층"],
        rows=[[models[k][0], int(metrics[f"params_{k}"]), round(metrics[f"seen_accuracy_{k}"], 4),
               round(metrics[f"unseen_accuracy_{k}"], 4), round(metrics[f"farthest_accuracy_{k}"], 4), last_layers[k]]
              for k in models],
    )
    progress(1.0, "완료", charts)
    return DemoResult(charts=charts, table=table, conclusion=_conclusion(params, metrics), metrics=metrics)


def _conclusion(params: Params, m: dict[str, float]) -> str:
    span, side = params.train_span, params.canvas
    head = (
        f"학습 때 숫자는 {side}×{side} 캔버스의 왼쪽 위 {span}×{span}가지 위치에만 있었습니다. "
        f"처음 보는 {int(m['unseen_offsets'])}가지 위치에서 CNN(파라미터 {int(m['params_cnn']):,}개)의 정확도는 "
        f"{m['unseen_accuracy_cnn']:.1%}, 비슷한 크기의 MLP({int(m['params_mlp']):,}개)는 {m['unseen_accuracy_mlp']:.1%}, "
        f"큰 MLP({int(m['params_mlp_large']):,}개)도 {m['unseen_accuracy_mlp_large']:.1%}입니다 "
        f"(본 위치에서는 각각 {m['seen_accuracy_cnn']:.1%}, {m['seen_accuracy_mlp']:.1%}, {m['seen_accuracy_mlp_large']:.1%})."
    )
    if m["unseen_accuracy_cnn"] > max(m["unseen_accuracy_mlp"], m["unseen_accuracy_mlp_large"]) + 0.1:
        verdict = (
            " CNN은 같은 3×3 필터를 모든 위치에 쓰고(가중치 공유) 마지막에 위치와 상관없이 가장 강한 반응만 모으므로"
            "(전역 최댓값 풀링) 옮겨진 숫자도 알아봅니다. "
            "MLP는 픽셀마다 따로 가중치를 두어, 학습 때 늘 비어 있던 픽셀의 가중치는 배운 것이 없습니다: "
            "파라미터를 늘려도 해결되지 않습니다. 마지막 완전연결층은 두 모델 모두 이렇게 모은 특징을 10개 숫자 점수로 바꿉니다."
        )
    else:
        verdict = (
            " 이번 설정에서는 처음 보는 위치에서 CNN과 MLP의 차이가 크지 않았습니다. 학습 위치 범위를 좁히거나 "
            "캔버스를 키우면 차이가 커집니다."
        )
    return head + verdict


DEMO = DemoSpec(
    slug="mlp-vs-cnn",
    title="MLP와 CNN: 처음 보는 위치의 숫자",
    summary=(
        "학습 때 한쪽 구석에만 있던 숫자를 다른 위치로 옮기면, 가중치를 공유하고 풀링하는 작은 CNN은 여전히 알아보지만 "
        "파라미터 수가 비슷하거나 훨씬 많은 MLP는 알아보지 못합니다."
    ),
    params=Params,
    smallest=SMALLEST,
    run=run,
    concepts=("cnn", "mlp", "weight_sharing", "pooling", "parameter_count", "inductive_bias"),
    questions=(QuestionRef("면접 #19-1", "CNN이 아닌 MLP로 해도 될까"), QuestionRef("면접 #19-2", "마지막 레이어")),
    citations=(
        Citation(authors="LeCun, Bottou, Bengio & Haffner", year=1998,
                 title="Gradient-Based Learning Applied to Document Recognition",
                 url="https://doi.org/10.1109/5.726791"),
    ),
    version="1",
)
