"""MLP vs CNN on digits at positions never seen in training (면접 #19-1, #19-2).

The 8×8 digits are pasted on a larger blank canvas. During training they only ever sit in the top-left
corner (a few offsets); the test puts held-out digits at every offset. A small CNN (3×3 filters
shared across positions and a global max-pool before the last layer) is compared with an MLP of
about the same number of parameters and with a much larger MLP. The CNN has no stride-2 pooling
between its convolutions: that would make it shift-invariant only for even shifts, and the point
here is weight sharing plus pooling over all positions. An MLP has one weight per
pixel and unit, so the weights of pixels that were always blank in training never learned anything.

Each seed draws its own split, training offsets, minibatches and initial weights. The three seeds'
CNNs train as one grouped convolution; the MLPs, for which the claim predicts failure, get the
tuning: each picks its Adam learning rate from a grid by accuracy on validation digits at the
training positions (never at the test positions), all MLPs of all rates and seeds as one stack. The
CNN runs at one rate from the top of that grid for every seed, so any tuning advantage goes to the arm
the claim says loses.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from typing import Any

from pydantic import Field, model_validator

from app.demos.base import Chart, Citation, DemoParams, DemoSpec, Measurement, QuestionRef, Series, Table
from app.demos.datasets import DIGIT_CLASSES, DIGIT_SIDE, digits, place_on_canvas
from app.demos.evidence import Claim

N_VAL = 200
N_TEST = 200
BATCH_SIZE = 64
LARGE_MLP_HIDDEN = 256
CNN_LR = 1e-2  # one rate from the MLPs' grid for every seed; the MLPs pick theirs per seed
MLP_LRS = (1e-3, 3e-3, 1e-2)  # each MLP picks its own per seed, on validation digits at training positions
GAP_MARGIN = 0.1  # "recognises where the MLP does not" means ten points more accuracy


class Params(DemoParams):
    canvas: int = Field(12, ge=10, le=16, description="캔버스 한 변의 픽셀 수 (숫자는 8×8)")
    train_span: int = Field(2, ge=1, le=3, description="학습 때 숫자가 놓이는 위치 범위: 왼쪽 위 n×n 가지 오프셋")
    channels: int = Field(8, ge=4, le=32, description="CNN 첫 합성곱층의 채널 수 (둘째 층은 두 배)")
    steps: int = Field(200, ge=20, le=2000, description="학습 스텝 수 (미니배치 64, Adam, 모든 모델에 같은 예산)")
    n_train: int = Field(1000, ge=200, le=1390, description="학습 데이터 수")

    @model_validator(mode="after")
    def _leaves_unseen_positions(self):
        if self.train_span >= self.canvas - DIGIT_SIDE + 1:
            raise ValueError("train_span이 가능한 위치를 모두 덮어 처음 보는 위치가 남지 않습니다: 캔버스를 키우세요")
        return self


SMALLEST = Params(canvas=11, channels=6, steps=70, n_train=600)
# Too few steps for the CNN's filters to form: its advantage at unseen positions has not appeared yet.
BREAKING = Params(canvas=11, channels=6, steps=20, n_train=600)


def _cnn_parameters(params: Params) -> int:
    c = params.channels
    return (9 * c + c) + (9 * c * 2 * c + 2 * c) + (2 * c * DIGIT_CLASSES + DIGIT_CLASSES)


def _mlp_sizes(params: Params, hidden: int) -> list[int]:
    return [params.canvas ** 2, hidden, DIGIT_CLASSES]


@dataclass
class _Data:
    """Each seed's split, stacked over seeds: training and validation digits at the training offsets
    (flattened canvases), the held-out test digits still 8×8 (they are placed at every offset later),
    and the minibatch indices of every step."""

    train_x: Any  # (S, n_train, side²)
    train_y: Any  # (S, n_train)
    val_x: Any  # (S, N_VAL, side²)
    val_y: Any  # (S, N_VAL)
    test_images: list  # per seed (N_TEST, 64), on the CPU
    test_y: Any  # (S, N_TEST)
    batches: Any  # (S, steps, BATCH_SIZE)


def _data(params: Params, generators: list, device) -> _Data:
    """Each seed's order, offsets and minibatches, drawn from its generator in this order."""
    import torch

    from app.demos.datasets import digit_orders

    inputs, labels = digits("cpu")
    parts: dict[str, list[Any]] = {name: [] for name in ("train_x", "train_y", "val_x", "val_y", "test_y", "batches")}
    test_images: list[Any] = []
    for gen, order in zip(generators, digit_orders(generators), strict=True):
        train, val, test = order[:params.n_train], order[params.n_train:params.n_train + N_VAL], order[-N_TEST:]
        for part, name in ((train, "train"), (val, "val")):
            rows = torch.randint(0, params.train_span, (len(part),), generator=gen)
            cols = torch.randint(0, params.train_span, (len(part),), generator=gen)
            parts[f"{name}_x"].append(place_on_canvas(inputs[part], params.canvas, rows, cols).reshape(len(part), -1))
            parts[f"{name}_y"].append(labels[part])
        test_images.append(inputs[test])
        parts["test_y"].append(labels[test])
        parts["batches"].append(torch.randint(0, params.n_train, (params.steps, BATCH_SIZE), generator=gen))
    return _Data(test_images=test_images, **{name: torch.stack(tensors).to(device) for name, tensors in parts.items()})


@dataclass
class _GroupedCnn:
    """The CNNs of all seeds as one grouped network: group g sees only seed g's images."""

    weights: list  # conv1 (w, b), conv2 (w, b), the last layer (w, b)
    seeds: int
    side: int
    channels: int

    def __call__(self, images):
        """images (seeds, n, side·side) → logits (seeds, n, classes)."""
        import torch
        from torch.nn import functional as F

        w1, b1, w2, b2, w3, b3 = self.weights
        x = images.reshape(self.seeds, -1, self.side, self.side).transpose(0, 1)  # (n, seeds, side, side)
        # Channels-last: CPU's grouped convolution runs about 40% faster in that layout, forward and backward.
        x = x.contiguous(memory_format=torch.channels_last)
        x = F.relu(F.conv2d(x, w1, b1, padding=1, groups=self.seeds))
        x = F.relu(F.conv2d(x, w2, b2, padding=1, groups=self.seeds))
        # The strongest response anywhere.
        pooled = x.amax(dim=(2, 3)).reshape(-1, self.seeds, 2 * self.channels).transpose(0, 1)
        return torch.baddbmm(b3, pooled, w3)


def _cnn(params: Params, generators: list, device) -> _GroupedCnn:
    """Each seed's CNN drawn from its generator in nn.Conv2d's and nn.Linear's default ranges."""
    import torch

    def conv_init(out_channels: int, in_channels: int):
        bound = 1 / (in_channels * 9) ** 0.5  # nn.Conv2d's default range
        weights = [(torch.rand(out_channels, in_channels, 3, 3, generator=g) * 2 - 1) * bound for g in generators]
        biases = [(torch.rand(out_channels, generator=g) * 2 - 1) * bound for g in generators]
        return torch.cat(weights).to(device).requires_grad_(), torch.cat(biases).to(device).requires_grad_()

    c = params.channels
    w1, b1 = conv_init(c, 1)
    w2, b2 = conv_init(2 * c, c)
    bound = 1 / (2 * c) ** 0.5
    w3 = torch.stack([(torch.rand(2 * c, DIGIT_CLASSES, generator=g) * 2 - 1) * bound for g in generators])
    b3 = torch.stack([(torch.rand(1, DIGIT_CLASSES, generator=g) * 2 - 1) * bound for g in generators])
    return _GroupedCnn([w1, b1, w2, b2, w3.to(device).requires_grad_(), b3.to(device).requires_grad_()],
                       len(generators), params.canvas, c)


def _matched_hidden(params: Params) -> int:
    """The hidden width whose MLP has about as many parameters as the CNN."""
    return max(1, round((_cnn_parameters(params) - DIGIT_CLASSES) / (params.canvas ** 2 + 1 + DIGIT_CLASSES)))


def _mlps(params: Params, generators: list, device) -> dict[str, list]:
    """The matched and the large MLP, each as one stack over (rate, seed): model i belongs to seed i % S."""
    from app.demos.batched import init_mlp

    widths = {"mlp": _matched_hidden(params), "mlp_large": LARGE_MLP_HIDDEN}
    return {key: init_mlp(_mlp_sizes(params, h), generators, len(MLP_LRS), device) for key, h in widths.items()}


def _train(params: Params, cnn: _GroupedCnn, mlps: dict[str, list], data: _Data, progress) -> dict[str, Any]:
    """Every model on the same minibatches (Adam, the CNN at CNN_LR, the MLPs at each rate of the grid);
    the loss curves per model, (steps, models) each."""
    import torch

    from app.demos.batched import Adam, mlp_forward, per_model_cross_entropy

    n_seeds, copies = cnn.seeds, len(MLP_LRS)
    rates = torch.tensor(MLP_LRS).repeat_interleave(n_seeds)
    optimizers = [torch.optim.Adam(cnn.weights, lr=CNN_LR)]
    optimizers += [Adam(p, lr=rates) for p in mlps.values()]
    curves: dict[str, list] = {"cnn": [], **{key: [] for key in mlps}}
    for step in range(params.steps):
        index = data.batches[:, step]  # (S, B)
        x = torch.gather(data.train_x, 1, index.unsqueeze(-1).expand(-1, -1, data.train_x.shape[-1]))
        y = torch.gather(data.train_y, 1, index)
        cnn_loss = per_model_cross_entropy(cnn(x), y)  # (S,)
        mlp_losses = {key: per_model_cross_entropy(mlp_forward(p, x.repeat(copies, 1, 1)), y.repeat(copies, 1))
                      for key, p in mlps.items()}
        optimizers[0].zero_grad(set_to_none=True)
        (cnn_loss.sum() + sum(v.sum() for v in mlp_losses.values())).backward()
        for optimizer in optimizers:
            optimizer.step()
        curves["cnn"].append(cnn_loss.detach())
        for key, value in mlp_losses.items():
            curves[key].append(value.detach())
        if (step + 1) % 50 == 0:
            progress(0.8 * (step + 1) / params.steps, f"{step + 1}/{params.steps} 스텝")
    return curves


def _chosen_rates(mlps: dict[str, list], data: _Data) -> dict[str, Any]:
    """Per MLP and seed, the index of the rate with the best validation accuracy (at training positions)."""
    import torch

    from app.demos.batched import mlp_forward

    copies, n_seeds = len(MLP_LRS), data.val_y.shape[0]
    chosen = {}
    with torch.no_grad():
        for key, p in mlps.items():
            correct = mlp_forward(p, data.val_x.repeat(copies, 1, 1)).argmax(-1) == data.val_y.repeat(copies, 1)
            chosen[key] = correct.float().mean(-1).view(copies, n_seeds).argmax(0)  # (S,)
    return chosen


def _accuracy_by_offset(params: Params, cnn: _GroupedCnn, mlps: dict[str, list], chosen: dict[str, Any],
                        data: _Data) -> dict[str, dict[tuple[int, int], Any]]:
    """Test accuracy per model at every offset of the test digits, (S,) each; an MLP at its chosen rate."""
    import torch

    from app.demos.batched import mlp_forward

    copies, n_seeds, side, m = len(MLP_LRS), cnn.seeds, params.canvas, N_TEST
    spread = side - DIGIT_SIDE + 1
    by_offset: dict[str, dict[tuple[int, int], Any]] = {"cnn": {}, **{key: {} for key in mlps}}
    with torch.no_grad():
        for row in range(spread):
            for col in range(spread):
                placed = torch.stack([place_on_canvas(t, side, torch.full((m,), row), torch.full((m,), col))
                                      .reshape(m, -1) for t in data.test_images]).to(cnn.weights[0].device)
                by_offset["cnn"][(row, col)] = (cnn(placed).argmax(-1) == data.test_y).float().mean(-1)
                for key, p in mlps.items():
                    hit = (mlp_forward(p, placed.repeat(copies, 1, 1)).argmax(-1) == data.test_y.repeat(copies, 1))
                    accuracy = hit.float().mean(-1).view(copies, n_seeds)
                    by_offset[key][(row, col)] = accuracy.gather(0, chosen[key].unsqueeze(0)).squeeze(0)
    return by_offset


def _parameter_counts(params: Params) -> dict[str, int]:
    from app.demos.batched import parameter_count

    return {"cnn": _cnn_parameters(params), "mlp": parameter_count(_mlp_sizes(params, _matched_hidden(params))),
            "mlp_large": parameter_count(_mlp_sizes(params, LARGE_MLP_HIDDEN))}


def _measure(params: Params, by_offset: dict[str, dict], chosen: dict[str, Any]
             ) -> tuple[dict[str, list[float | None]], dict[str, list[list[float | None]]]]:
    """Per seed: accuracy at seen, unseen and the farthest offsets, parameter counts, chosen rates and the
    CNN's lead at unseen offsets; and per model the accuracy by distance from the corner, (S, distances)."""
    import torch

    from app.demos.training import differences

    spread = params.canvas - DIGIT_SIDE + 1
    n_seeds = len(chosen["mlp"])
    counts = _parameter_counts(params)

    def seen(offset) -> bool:
        return offset[0] < params.train_span and offset[1] < params.train_span

    per_seed: dict[str, list[float | None]] = {}
    by_distance: dict[str, list[list[float | None]]] = {}
    unseen: dict[str, list[float]] = {}  # the same numbers as per_seed's, typed for the gaps below
    for key, table_of in by_offset.items():
        # Offsets along each seed's row: a mean down a (offsets, seeds) column adds in an order that depends
        # on how many seeds ran, so a seed alone got other last bits.
        seen_mean = torch.stack([v for o, v in table_of.items() if seen(o)], dim=1).mean(1)
        unseen_mean = torch.stack([v for o, v in table_of.items() if not seen(o)], dim=1).mean(1)
        per_seed[f"seen_accuracy_{key}"] = seen_mean.tolist()
        unseen[key] = unseen_mean.tolist()
        per_seed[f"unseen_accuracy_{key}"] = list(unseen[key])
        per_seed[f"farthest_accuracy_{key}"] = table_of[(spread - 1, spread - 1)].tolist()
        per_seed[f"params_{key}"] = [float(counts[key])] * n_seeds
        # Chebyshev distance of an offset from the top-left corner.
        rings = [torch.stack([v for o, v in table_of.items() if max(o) == d], dim=1).mean(1) for d in range(spread)]
        by_distance[key] = torch.stack(rings, dim=1).tolist()  # (S, distances)
    for key, picked in chosen.items():
        per_seed[f"lr_{key}"] = [MLP_LRS[int(i)] for i in picked]
    per_seed["unseen_gap_mlp"] = differences(unseen["cnn"], unseen["mlp"])
    per_seed["unseen_gap_mlp_large"] = differences(unseen["cnn"], unseen["mlp_large"])
    return per_seed, by_distance


def _names(params: Params) -> dict[str, str]:
    return {"cnn": "CNN", "mlp": f"MLP (은닉 {_matched_hidden(params)})",
            "mlp_large": f"큰 MLP (은닉 {LARGE_MLP_HIDDEN})"}


def _charts(params: Params, by_distance: dict[str, list], curves: dict[str, list], chosen: dict[str, Any]
            ) -> list[Chart]:
    """Accuracy by shift, and the training loss at each MLP's chosen rate."""
    import torch

    names, n_seeds = _names(params), len(chosen["mlp"])
    losses = {"cnn": torch.stack(curves["cnn"], 1)}  # (S, steps)
    for key, picked in chosen.items():
        stacked = torch.stack(curves[key], 1).view(len(MLP_LRS), n_seeds, -1)
        losses[key] = stacked[picked, torch.arange(n_seeds)]
    distances = [float(d) for d in range(params.canvas - DIGIT_SIDE + 1)]
    steps_x = [float(s + 1) for s in range(params.steps)]
    return [
        Chart(key="by_shift", title="테스트 정확도: 숫자를 얼마나 멀리 옮겼나 (시드 범위)",
              x_label="왼쪽 위에서의 이동 (픽셀, 체비셰프 거리)", y_label="테스트 정확도",
              series=[Series.over_seeds(names[k], distances, by_distance[k]) for k in names]
              + [Series(name="학습 때 본 위치의 끝", x=[float(params.train_span - 1)] * 2, y=[0.0, 1.0])]),
        Chart(key="loss", title="학습 손실 (미니배치, 고른 학습률, 시드 범위)", x_label="스텝", y_label="교차 엔트로피",
              log_y=True, series=[Series.over_seeds(names[k], steps_x, losses[k].tolist()) for k in names]),
    ]


def _table(params: Params, per_seed: dict[str, list]) -> Table:
    def mean(name: str) -> float:
        return statistics.fmean(v for v in per_seed[name] if v is not None)

    names, c, hidden = _names(params), params.channels, _matched_hidden(params)
    counts = _parameter_counts(params)
    rates_shown = {"cnn": f"{CNN_LR:g} (고정)",
                   **{k: ", ".join(f"{r:g}" for r in per_seed[f"lr_{k}"]) + " (검증으로 고름)" for k in ("mlp", "mlp_large")}}
    last_layers = {"cnn": f"Linear({2 * c}→{DIGIT_CLASSES})", "mlp": f"Linear({hidden}→{DIGIT_CLASSES})",
                   "mlp_large": f"Linear({LARGE_MLP_HIDDEN}→{DIGIT_CLASSES})"}
    return Table(
        columns=["모델", "파라미터 수", "Adam 학습률 (시드별)", "본 위치 정확도", "처음 보는 위치 정확도", "가장 먼 위치 정확도",
                 "마지막 층"],
        rows=[[names[k], counts[k], rates_shown[k], round(mean(f"seen_accuracy_{k}"), 4),
               round(mean(f"unseen_accuracy_{k}"), 4), round(mean(f"farthest_accuracy_{k}"), 4), last_layers[k]]
              for k in names],
    )


def run(params: Params, device, progress, seeds) -> Measurement:
    from app.demos.batched import generator

    generators = [generator(seed) for seed in seeds]
    data = _data(params, generators, device)
    cnn = _cnn(params, generators, device)  # drawn after the data, from the same generators
    mlps = _mlps(params, generators, device)
    curves = _train(params, cnn, mlps, data, progress)
    chosen = _chosen_rates(mlps, data)
    by_offset = _accuracy_by_offset(params, cnn, mlps, chosen, data)
    progress(0.9, "모든 위치에서 평가했습니다")
    per_seed, by_distance = _measure(params, by_offset, chosen)
    charts = _charts(params, by_distance, curves, chosen)
    progress(1.0, "완료", charts)
    spread = params.canvas - DIGIT_SIDE + 1
    return Measurement(per_seed=per_seed, charts=charts, table=_table(params, per_seed),
                       notes=_notes(params, per_seed, spread ** 2 - params.train_span ** 2))


def _notes(params: Params, per_seed: dict[str, list], unseen_offsets: int) -> list[str]:
    def mean(name: str) -> float:
        return statistics.fmean(v for v in per_seed[name] if v is not None)

    span, side = params.train_span, params.canvas
    notes = [(
        f"학습 때 숫자는 {side}×{side} 캔버스의 왼쪽 위 {span}×{span}가지 위치에만 있었습니다. "
        f"처음 보는 {unseen_offsets}가지 위치에서 CNN(파라미터 {int(mean('params_cnn')):,}개)의 정확도는 "
        f"{mean('unseen_accuracy_cnn'):.1%}, 비슷한 크기의 MLP({int(mean('params_mlp')):,}개)는 "
        f"{mean('unseen_accuracy_mlp'):.1%}, 큰 MLP({int(mean('params_mlp_large')):,}개)도 "
        f"{mean('unseen_accuracy_mlp_large'):.1%}입니다 (본 위치에서는 각각 {mean('seen_accuracy_cnn'):.1%}, "
        f"{mean('seen_accuracy_mlp'):.1%}, {mean('seen_accuracy_mlp_large'):.1%}; 시드 평균)."
    )]
    gap = min(mean("unseen_gap_mlp"), mean("unseen_gap_mlp_large"))
    if gap >= GAP_MARGIN:
        notes.append(
            "CNN은 같은 3×3 필터를 모든 위치에 쓰고(가중치 공유) 마지막에 위치와 상관없이 가장 강한 반응만 모으므로"
            "(전역 최댓값 풀링) 옮겨진 숫자도 알아봅니다. MLP는 픽셀마다 따로 가중치를 두어, 학습 때 늘 비어 있던 픽셀의 "
            "가중치는 배운 것이 없습니다: 학습률을 검증으로 골라 주고 파라미터를 늘려도 해결되지 않습니다. 마지막 "
            "완전연결층은 두 모델 모두 이렇게 모은 특징을 10개 숫자 점수로 바꿉니다."
        )
    else:
        notes.append(
            f"여기서는 주장이 무너집니다: 처음 보는 위치에서 CNN이 MLP보다 {gap:.1%}p밖에 앞서지 않았습니다"
            + (f". {params.steps}스텝으로는 CNN도 본 위치에서 {mean('seen_accuracy_cnn'):.0%}에 그쳐, 필터가 아직 숫자의 "
               f"모양을 배우지 못했습니다: 구조의 이점은 학습한 뒤에야 나타납니다."
               if mean("seen_accuracy_cnn") < 0.8 else
               ". 학습 위치 범위를 좁히거나 캔버스를 키우면 차이가 커집니다.")
        )
    return notes


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
    claims=(
        Claim(metric="unseen_gap_mlp", direction="greater", margin=GAP_MARGIN,
              statement="처음 보는 위치의 숫자를 CNN이 비슷한 크기의 MLP보다 10%p 넘게 더 알아본다",
              metric_label="처음 보는 위치의 정확도 차 (CNN − MLP)"),
        Claim(metric="unseen_gap_mlp_large", direction="greater", margin=GAP_MARGIN,
              statement="파라미터가 훨씬 많은 MLP보다도 10%p 넘게 더 알아본다",
              metric_label="처음 보는 위치의 정확도 차 (CNN − 큰 MLP)"),
    ),
    breaking=BREAKING,
    metric_labels={
        **{f"{name}_{key}": label.format(shown)
           for key, shown in (("cnn", "CNN"), ("mlp", "비슷한 크기의 MLP"), ("mlp_large", f"큰 MLP, 은닉 {LARGE_MLP_HIDDEN}"))
           for name, label in (
               ("seen_accuracy", "학습 때 본 위치의 테스트 정확도 ({}, 0–1)"),
               ("unseen_accuracy", "처음 보는 위치의 테스트 정확도 ({}, 0–1)"),
               ("farthest_accuracy", "가장 먼 위치(오른쪽 아래 끝)의 테스트 정확도 ({}, 0–1)"),
               ("params", "파라미터 수 ({})"),
               ("lr", "검증으로 고른 Adam 학습률 ({})"))},
    },
    concepts=("cnn", "mlp", "weight_sharing", "pooling", "parameter_count", "inductive_bias"),
    questions=(QuestionRef("면접 #19-1", "CNN이 아닌 MLP로 해도 될까"), QuestionRef("면접 #19-2", "마지막 레이어")),
    citations=(
        Citation(authors="LeCun, Bottou, Bengio & Haffner", year=1998,
                 title="Gradient-Based Learning Applied to Document Recognition",
                 url="https://doi.org/10.1109/5.726791"),
    ),
    # 4: the means over offsets taken per seed, so a seed alone gives the numbers it gives beside others
    version="4",
)
