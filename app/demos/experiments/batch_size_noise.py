"""Batch size and gradient noise (4주차 7-3 p20, 7-10 p52; 노드 06-1; 면접 #17-1, #17-2).

A softmax regression on synthetic, noisy five-class data. First, at the starting weights, the
gradient of many random minibatches of size B is compared with the full-batch gradient: it is an
unbiased estimate whose variance is ``σ²/B · (N − B)/(N − 1)`` (σ² the spread of single-example
gradients; the last factor because a minibatch is drawn without replacement), so it falls like 1/B:
that randomness is the "stochastic" in SGD (Bottou, Curtis & Nocedal 2018, §4). Then the same model is
trained with SGD at one learning rate and several batch sizes for the same number of epochs. Counted in
steps, bigger batches make steadier progress; counted in epochs (passes over the data, i.e. compute),
smaller batches make many more updates and get further, until their noise at this learning rate
stops them.
"""

from __future__ import annotations

import math

from pydantic import Field

from app.demos.base import Chart, Citation, DemoParams, DemoResult, DemoSpec, QuestionRef, Series, Table

N_FEATURES = 20
N_CLASSES = 5
LABEL_NOISE = 1.5
DRAWS = 200  # minibatches drawn per batch size to measure the gradient variance
TRAIN_BATCHES = (1, 8, 64, 512)  # plus the full batch
CURVE_POINTS_PER_EPOCH = 16


class Params(DemoParams):
    n_train: int = Field(2048, ge=256, le=8192, description="학습 데이터 수 N (전체 배치 크기)")
    epochs: int = Field(5, ge=1, le=20, description="에폭 수 (모든 배치 크기에 같게)")
    learning_rate: float = Field(0.5, ge=0.01, le=2.0, description="SGD 학습률 (모든 배치 크기에 같게)")


SMALLEST = Params(n_train=1024, epochs=3)


def run(params: Params, device, progress) -> DemoResult:
    import torch
    from torch.nn import functional as F

    n = params.n_train
    inputs = torch.randn(n, N_FEATURES, device=device)
    teacher = torch.randn(N_FEATURES, N_CLASSES, device=device)
    labels = (inputs @ teacher + LABEL_NOISE * torch.randn(n, N_CLASSES, device=device)).argmax(dim=1)
    one_hot = F.one_hot(labels, N_CLASSES).float()
    with_bias = torch.cat([inputs, torch.ones(n, 1, device=device)], dim=1)

    # Per-example gradients of the cross-entropy at the starting weights (all zero): for softmax
    # regression each is the outer product of the input and (p − y).
    start_probs = torch.full((n, N_CLASSES), 1.0 / N_CLASSES, device=device)
    per_example = (with_bias.unsqueeze(2) * (start_probs - one_hot).unsqueeze(1)).flatten(1)  # (n, params)
    full = per_example.mean(dim=0)
    sigma2 = (per_example - full).pow(2).sum(dim=1).mean().item()
    sizes = [2 ** k for k in range(int(math.log2(n)))]  # 1, 2, …, N/2
    measured, theory = [], []
    for b in sizes:
        # DRAWS minibatches without replacement at once: a 0/1 mask of each row's first b in a random order.
        ranks = torch.rand(DRAWS, n, device=device).argsort(dim=1).argsort(dim=1)
        batch_means = (ranks < b).float() @ per_example / b
        measured.append((batch_means - full).pow(2).sum(dim=1).mean().item())
        theory.append(sigma2 / b * (n - b) / (n - 1))
    variance_chart = Chart(
        key="variance", title="미니배치 기울기의 분산 E‖g_B − g‖²", x_label="배치 크기 B", y_label="분산",
        log_x=True, log_y=True,
        series=[Series(name="측정", x=[float(b) for b in sizes], y=measured),
                Series(name="이론 σ²/B·(N−B)/(N−1)", x=[float(b) for b in sizes], y=theory)],
    )
    progress(0.1, "기울기 분산 측정 완료", [variance_chart])
    small = [i for i, b in enumerate(sizes) if b <= n // 16]  # away from the without-replacement bend
    slope = _slope([math.log(sizes[i]) for i in small], [math.log(measured[i]) for i in small])

    def train_loss(w):
        return F.cross_entropy(with_bias @ w, labels).item()

    batches = [b for b in TRAIN_BATCHES if b < n] + [n]

    def label(b: int) -> str:
        return f"전체 배치 ({b})" if b == n else f"배치 {b}"

    def epoch_chart(trained: list[int]) -> Chart:
        return Chart(
            key="loss_by_epoch", title="에폭(데이터를 본 횟수)에 따른 학습 손실", x_label="에폭", y_label="교차 엔트로피",
            series=[Series(name=label(b), x=by_epoch[b][0], y=by_epoch[b][1]) for b in trained],
        )

    def step_chart(trained: list[int]) -> Chart:
        return Chart(
            key="loss_by_step", title="업데이트 횟수에 따른 학습 손실", x_label="스텝", y_label="교차 엔트로피",
            log_x=True,
            # Step 0 has no place on a log axis: the curves start at the first recorded step.
            series=[Series(name=label(b), x=by_step[b][0][1:], y=by_step[b][1][1:]) for b in trained],
        )

    start_loss = train_loss(torch.zeros(N_FEATURES + 1, N_CLASSES, device=device))
    by_epoch: dict[int, tuple[list[float], list[float]]] = {}
    by_step: dict[int, tuple[list[float], list[float]]] = {}
    loss_at_step: dict[int, float] = {}
    final_loss: dict[int, float] = {}
    common_step = params.epochs  # the full batch's whole run: every batch size gets this far
    for done, b in enumerate(batches):
        w = torch.zeros(N_FEATURES + 1, N_CLASSES, device=device)
        steps_per_epoch = n // b
        record_every = max(steps_per_epoch // CURVE_POINTS_PER_EPOCH, 1)
        epochs_x, steps_x, losses = [0.0], [0.0], [start_loss]
        for epoch in range(params.epochs):
            order = torch.randperm(n, device=device)
            for k in range(steps_per_epoch):
                index = order[k * b:(k + 1) * b]
                x = with_bias[index]
                error = torch.softmax(x @ w, dim=1) - one_hot[index]
                w -= params.learning_rate * (x.T @ error) / b
                step = epoch * steps_per_epoch + k + 1
                if step == common_step:
                    loss_at_step[b] = train_loss(w)
                if (k + 1) % record_every == 0:
                    epochs_x.append(step / steps_per_epoch)
                    steps_x.append(float(step))
                    losses.append(train_loss(w))
        final_loss[b] = losses[-1]
        by_epoch[b] = (epochs_x, losses)
        by_step[b] = (steps_x, losses)
        trained = batches[: done + 1]
        progress(0.1 + 0.9 * (done + 1) / len(batches), f"배치 크기 {b} 학습 완료",
                 [variance_chart, epoch_chart(trained), step_chart(trained)])

    metrics: dict[str, float] = {
        "variance_slope": slope,
        "single_example_variance": sigma2,
        "theory_max_relative_error": max(abs(m / t - 1) for m, t in zip(measured, theory)),
        "n_train": float(n),
        "start_loss": start_loss,
        "common_step": float(common_step),
    }
    for b, value in zip(sizes, measured):
        metrics[f"variance_b{b}"] = value
    for b in batches:
        key = "full" if b == n else str(b)
        metrics[f"final_loss_b{key}"] = final_loss[b]
        metrics[f"loss_at_common_step_b{key}"] = loss_at_step[b]
        metrics[f"steps_b{key}"] = float(params.epochs * (n // b))
    best = min(batches, key=lambda b: final_loss[b])
    metrics["best_batch_by_epoch"] = float(best)

    charts = [variance_chart, epoch_chart(batches), step_chart(batches)]
    table = Table(
        columns=["배치 크기", "에폭당 스텝", f"{common_step}스텝 뒤 손실", f"{params.epochs}에폭 뒤 손실"],
        rows=[[label(b), n // b, round(loss_at_step[b], 4), round(final_loss[b], 4)] for b in batches],
    )
    progress(1.0, "완료", charts)
    return DemoResult(charts=charts, table=table, conclusion=_conclusion(params, metrics, batches), metrics=metrics)


def _slope(xs: list[float], ys: list[float]) -> float:
    mean_x, mean_y = sum(xs) / len(xs), sum(ys) / len(ys)
    return (sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys))
            / sum((x - mean_x) ** 2 for x in xs))


def _conclusion(params: Params, m: dict[str, float], batches: list[int]) -> str:
    n = params.n_train
    v1, v64 = m["variance_b1"], m.get("variance_b64")
    slope = m["variance_slope"]
    text = (
        f"미니배치 기울기는 전체 기울기를 중심으로 흩어지며, 그 분산은 배치 크기 B가 커질수록 줄었습니다 "
        f"(로그-로그 기울기 {slope:.2f}, 이론은 −1)"
    )
    text += f": B = 1에서 {v1:.3g}, B = 64에서 {v64:.3g}입니다." if v64 is not None else "."
    text += f" 이론식 σ²/B·(N−B)/(N−1)과는 최대 {m['theory_max_relative_error']:.0%} 차이입니다."
    step = int(m["common_step"])
    at_step = {b: m[f"loss_at_common_step_b{'full' if b == n else b}"] for b in batches}
    final = {b: m[f"final_loss_b{'full' if b == n else b}"] for b in batches}
    big_batch_ahead = at_step[n] <= 0.95 * at_step[batches[0]]
    if big_batch_ahead:
        text += (
            f" 같은 {step}스텝 뒤의 손실은 배치 {batches[0]} {at_step[batches[0]]:.3g}, 전체 배치 {at_step[n]:.3g}입니다: "
            f"스텝 수로 세면 큰 배치가 잡음이 적어 유리합니다."
        )
    else:
        text += (
            f" 같은 {step}스텝 뒤의 손실은 배치 {batches[0]} {at_step[batches[0]]:.3g}, 전체 배치 {at_step[n]:.3g}이고, "
            f"이번에는 큰 배치가 뚜렷이 앞서지 않았습니다: 학습률이 작아 한 스텝의 잡음도 작습니다."
        )
    best = int(m["best_batch_by_epoch"])
    if best != n:
        text += (
            f" {'하지만' if big_batch_ahead else '한편'} 같은 {params.epochs}에폭(같은 계산량) 뒤에는 "
            f"배치 {best}의 손실이 가장 낮았고 ({final[best]:.3g}), "
            f"전체 배치는 업데이트를 {params.epochs}번밖에 못 해 {final[n]:.3g}에 머물렀습니다."
        )
    else:
        text += f" 같은 {params.epochs}에폭 뒤에도 전체 배치의 손실이 가장 낮았습니다 ({final[n]:.3g})."
    if batches[0] == 1 and final[1] > final[best] * 1.2 and best != 1:
        text += (
            f" 배치 1은 업데이트가 가장 많지만 (에폭당 {n}번) 학습률 {params.learning_rate:g}에서는 잡음이 커 "
            f"{final[1]:.3g}에 그쳤습니다: 작은 배치에는 더 작은 학습률이 필요합니다."
        )
    return text


DEMO = DemoSpec(
    slug="batch-size-noise",
    title="배치 크기와 기울기 잡음",
    summary=(
        "미니배치 기울기는 전체 기울기의 잡음 섞인 추정이고, 그 분산은 배치 크기에 반비례해 줄어듭니다. "
        "스텝 수로 보면 큰 배치가, 에폭(계산량)으로 보면 작은 배치가 유리하며, 전체 배치가 늘 좋은 것은 아닙니다."
    ),
    params=Params,
    smallest=SMALLEST,
    run=run,
    concepts=("batch_size", "mini_batch", "sgd", "full_batch", "mini_batch_gradient_descent", "gradient"),
    questions=(
        QuestionRef("4주차 p20", "explicit stochasticity"),
        QuestionRef("4주차 p52", "stochasticity가 낮은 경우"),
        QuestionRef("노드 06-1", "full batch, batch size는 클수록 좋은가"),
        QuestionRef("면접 #17-1", "SGD에서 Stochastic의 의미"),
        QuestionRef("면접 #17-2", "미니배치를 작게 할 때의 장단점"),
    ),
    citations=(
        Citation(authors="Bottou, Curtis & Nocedal", year=2018,
                 title="Optimization Methods for Large-Scale Machine Learning",
                 url="https://doi.org/10.1137/16M1080173"),
        Citation(authors="Keskar, Mudigere, Nocedal, Smelyanskiy & Tang", year=2017,
                 title="On Large-Batch Training for Deep Learning: Generalization Gap and Sharp Minima",
                 url="https://arxiv.org/abs/1609.04836"),
    ),
    version="1",
)
