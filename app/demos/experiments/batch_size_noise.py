"""Batch size and gradient noise (4주차 7-3 p20, 7-10 p52; 노드 06-1; 면접 #17-1, #17-2).

A softmax regression on synthetic, noisy five-class data whose features come on scales from 0.1 to 3
(an ill-conditioned loss, as raw inputs give: the largest scale bounds a stable step). First, at the starting weights, the
gradient of many random minibatches of size B is compared with the full-batch gradient: it is an
unbiased estimate whose variance is ``σ²/B · (N − B)/(N − 1)`` (σ² the spread of single-example
gradients; the last factor because a minibatch is drawn without replacement), so it falls like 1/B:
that randomness is the "stochastic" in SGD (Bottou, Curtis & Nocedal 2018, §4). Then the same model is
trained with SGD at several batch sizes for the same number of epochs (the same examples seen, the same
compute). Counted in steps, bigger batches make steadier progress; counted in epochs, smaller batches
make many more updates and get further.

Evidence: each seed draws its own teacher, data and split (train / validation / test). Every batch size
trains at every learning rate of one grid and keeps, per seed, the rate with the lowest validation loss;
the claims are judged on the test loss. All seeds, batch sizes and rates train as one stack of weights,
reading each epoch's shuffled examples in the same order: a model with batch size B sums the gradients
of B/8 consecutive chunks of 8 examples at fixed weights and steps once, which is exactly a batch-B step.
With many epochs on little data the full batch also reaches the optimum and the epoch advantage goes
(the breaking preset).
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass
from typing import Any

from pydantic import Field

from app.demos.base import Boundary, Chart, Citation, DemoParams, DemoSpec, Measurement, QuestionRef, Series, Table
from app.demos.evidence import Claim
from app.demos.training import differences

N_FEATURES = 20
N_CLASSES = 5
LABEL_NOISE = 1.5
# Features on scales from 0.1 to 3, as raw measurements come: the loss is steep along the large ones and
# flat along the small, so a stable step is a small step and the full batch needs many of them.
FEATURE_SCALES_RANGE = (0.1, 3.0)
N_HELD = 1024  # validation and test examples each
DRAWS = 64  # minibatches drawn per batch size to measure the gradient variance
CHUNK = 8  # the smallest batch: every batch size is a whole number of these
TRAIN_BATCHES = (8, 32, 128, 512)  # plus the full batch
LEARNING_RATES = (0.03, 0.1, 0.3, 1.0, 3.0, 10.0)  # each batch size picks its own per seed on validation
CURVE_POINTS_PER_EPOCH = 4
EPOCH_MARGIN = 0.01  # nats of test loss: "gets further" means at least this much lower
STEP_MARGIN = 0.01
SLOPE_TOLERANCE = 0.15  # "falls like 1/B": the log-log slope within this of −1


class Params(DemoParams):
    n_train: int = Field(2048, ge=512, le=8192, multiple_of=512,
                         description="학습 데이터 수 N (전체 배치 크기, 512의 배수)")
    epochs: int = Field(5, ge=1, le=100, description="에폭 수 (모든 배치 크기에 같게: 같은 계산량)")


SMALLEST = Params(n_train=1024, epochs=3)
# Little data seen many times: the full batch takes enough steps to reach the optimum too.
BREAKING = Params(n_train=512, epochs=100)


def batch_sizes(n: int) -> list[int]:
    return [b for b in TRAIN_BATCHES if b < n] + [n]


def label(b: int, n: int) -> str:
    return f"전체 배치 ({b})" if b == n else f"배치 {b}"


# -- data --------------------------------------------------------------------------------------------


@dataclass
class Data:
    train: Any  # (seeds, n, features + 1), a constant 1 for the bias last
    train_labels: Any  # (seeds, n)
    val: Any
    val_labels: Any
    test: Any
    test_labels: Any


def _data(params: Params, seeds, device) -> Data:
    """Per seed its own teacher and noisy labels, split into train / validation / test."""
    import torch

    from app.demos.batched import generator

    n, total = params.n_train, params.n_train + 2 * N_HELD
    low, high = FEATURE_SCALES_RANGE
    scales = torch.logspace(math.log10(low), math.log10(high), N_FEATURES)
    inputs, labels = [], []
    for seed in seeds:
        gen = generator(seed * 7919)
        x = torch.randn(total, N_FEATURES, generator=gen) * scales
        teacher = torch.randn(N_FEATURES, N_CLASSES, generator=gen)
        labels.append((x @ teacher + LABEL_NOISE * torch.randn(total, N_CLASSES, generator=gen)).argmax(dim=1))
        inputs.append(torch.cat([x, torch.ones(total, 1)], dim=1))
    x, y = torch.stack(inputs).to(device), torch.stack(labels).to(device)
    return Data(x[:, :n], y[:, :n], x[:, n:n + N_HELD], y[:, n:n + N_HELD], x[:, n + N_HELD:], y[:, n + N_HELD:])


# -- measure: the gradient's variance ----------------------------------------------------------------


@dataclass
class Variance:
    sizes: list[int]
    measured: list[list[float]]  # per seed, per size
    theory: list[list[float]]
    slope: list[float]  # per seed, the log-log slope over sizes up to N/16


def _gradient_variance(data: Data, seeds, device) -> Variance:
    """Per-example gradients of the cross-entropy at the starting weights (all zero): for softmax
    regression each is the outer product of the input and (p − y). Minibatches without replacement are
    0/1 masks of the first B ranks of a random order, one order per draw, shared by every B."""
    import torch
    from torch.nn import functional as F

    from app.demos.batched import generator

    x, y = data.train, data.train_labels
    seed_count, n, _ = x.shape
    p_minus_y = 1.0 / N_CLASSES - F.one_hot(y, N_CLASSES).float()
    per_example = (x.unsqueeze(3) * p_minus_y.unsqueeze(2)).flatten(2)  # (seeds, n, params)
    full = per_example.mean(dim=1, keepdim=True)
    sigma2 = (per_example - full).pow(2).sum(dim=2).mean(dim=1)  # (seeds,)
    order = torch.stack([torch.rand(DRAWS, n, generator=generator(seed * 7919 + 1)) for seed in seeds]).to(device)
    ranks = order.argsort(dim=2).argsort(dim=2)
    sizes = [2 ** k for k in range(int(math.log2(n)))]  # 1, 2, …, N/2
    measured = []
    for b in sizes:
        batch_means = torch.bmm((ranks < b).float(), per_example) / b
        measured.append((batch_means - full).pow(2).sum(dim=2).mean(dim=1))  # (seeds,)
    by_seed = torch.stack(measured, dim=1).tolist()
    theory = [[s2 / b * (n - b) / (n - 1) for b in sizes] for s2 in sigma2.tolist()]
    small = [i for i, b in enumerate(sizes) if b <= n // 16]  # away from the without-replacement bend
    slope = [_slope([math.log(sizes[i]) for i in small], [math.log(row[i]) for i in small]) for row in by_seed]
    return Variance(sizes=sizes, measured=by_seed, theory=theory, slope=slope)


def _slope(xs: list[float], ys: list[float]) -> float:
    mean_x, mean_y = sum(xs) / len(xs), sum(ys) / len(ys)
    return (sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True))
            / sum((x - mean_x) ** 2 for x in xs))


# -- model and training ------------------------------------------------------------------------------


@dataclass
class Trained:
    """Every (batch size, learning rate) arm of every seed: arms are batch-major, (batches × rates)."""

    final: Any  # weights after all epochs, (seeds, arms, features + 1, classes)
    at_common_step: Any  # weights after the full batch's number of updates (= epochs)
    curve_epochs: list[float]  # where the training loss was recorded
    curve_loss: Any  # (points, seeds, arms)


def _losses(weights: Any, x: Any, y: Any) -> Any:
    """Cross-entropy of every arm on one split: (seeds, arms). One product per seed for all its arms, with
    the classes before the arms so that the log-sum-exp runs over a long inner axis."""
    import torch

    seed_count, arms, features, classes = weights.shape
    side_by_side = weights.permute(0, 2, 3, 1).reshape(seed_count, features, classes * arms)
    logits = torch.bmm(x, side_by_side).view(seed_count, -1, classes, arms)  # (seeds, examples, classes, arms)
    picked = torch.gather(logits, 2, y.view(seed_count, -1, 1, 1).expand(-1, -1, 1, arms)).squeeze(2)
    return (torch.logsumexp(logits, dim=2) - picked).mean(dim=1)


def _train(params: Params, data: Data, seeds, device, progress) -> Trained:
    """Plain SGD for ``epochs`` passes, every arm reading each epoch's shuffled examples in the same order.

    Arms are batch-major and every batch size divides the next (and N), so the arms that complete a
    batch at a chunk are always a leading slice of the stack: one in-place step on that slice.
    """
    import torch
    from torch.nn import functional as F

    from app.demos.batched import generator

    n, batches, rates_per_batch = params.n_train, batch_sizes(params.n_train), len(LEARNING_RATES)
    chunks = [b // CHUNK for b in batches]
    scale = (torch.tensor(LEARNING_RATES, device=device).repeat(len(batches))
             / torch.tensor(batches, device=device).repeat_interleave(rates_per_batch)).view(1, -1, 1, 1)
    weights = torch.zeros(len(seeds), len(scale[0]), N_FEATURES + 1, N_CLASSES, device=device)
    summed = torch.zeros_like(weights)
    at_common = weights.clone()
    one_hot = F.one_hot(data.train_labels, N_CLASSES).float()
    gens = [generator(seed * 7919 + 2) for seed in seeds]
    per_epoch = n // CHUNK
    record_every = max(per_epoch // CURVE_POINTS_PER_EPOCH, 1)
    curve_epochs, curve_loss = [0.0], [_losses(weights, data.train, data.train_labels)]
    for epoch in range(params.epochs):
        order = torch.stack([torch.randperm(n, generator=gen) for gen in gens]).to(device)
        shuffled = torch.gather(data.train, 1, order.unsqueeze(2).expand(-1, -1, data.train.shape[2]))
        targets = torch.gather(one_hot, 1, order.unsqueeze(2).expand(-1, -1, N_CLASSES))
        for k in range(per_epoch):
            x, target = shuffled[:, k * CHUNK:(k + 1) * CHUNK], targets[:, k * CHUNK:(k + 1) * CHUNK]
            logits = x.unsqueeze(1) @ weights
            # softmax written out: torch.softmax over five classes costs three times as much per call here.
            exp = (logits - logits.amax(dim=3, keepdim=True)).exp_()
            error = exp / exp.sum(dim=3, keepdim=True) - target.unsqueeze(1)
            # Σ over the chunk's examples of x (p − y). As an einsum: a broadcast matmul of the transposed
            # inputs rounds differently with the seed's place in the stack, and a seed must repeat alone.
            summed += torch.einsum("sbf,sabc->safc", x, error)
            done = sum(1 for c in chunks if (k + 1) % c == 0) * rates_per_batch  # arms whose batch is complete
            weights[:, :done] -= scale[:, :done] * summed[:, :done]
            summed[:, :done] = 0
            for j, c in enumerate(chunks):  # the full batch's whole run: every batch size's first `epochs` steps
                if j * rates_per_batch < done and epoch * (n // batches[j]) + (k + 1) // c == params.epochs:
                    at_common[:, j * rates_per_batch:(j + 1) * rates_per_batch] = \
                        weights[:, j * rates_per_batch:(j + 1) * rates_per_batch]
            if (k + 1) % record_every == 0:
                curve_epochs.append(epoch + (k + 1) / per_epoch)
                curve_loss.append(_losses(weights, data.train, data.train_labels))
        progress(0.1 + 0.85 * (epoch + 1) / params.epochs, f"{epoch + 1}/{params.epochs} 에폭")
    return Trained(final=weights, at_common_step=at_common, curve_epochs=curve_epochs,
                   curve_loss=torch.stack(curve_loss))


# -- measure: pick each batch size's rate on validation, score on test --------------------------------


def _measure(params: Params, data: Data, trained: Trained, variance: Variance, seeds) -> tuple[dict, Any]:
    """Every metric per seed, and the rate index each seed chose per batch size (seeds, batches)."""
    from app.demos.batched import best_per_seed

    n, batches = params.n_train, batch_sizes(params.n_train)
    rates = len(LEARNING_RATES)

    def per_batch(weights) -> dict[str, Any]:
        val = _losses(weights, data.val, data.val_labels).view(len(seeds), len(batches), rates)
        test = _losses(weights, data.test, data.test_labels).view(len(seeds), len(batches), rates)
        train = _losses(weights, data.train, data.train_labels).view(len(seeds), len(batches), rates)
        chosen = best_per_seed(val.permute(2, 0, 1))  # (seeds, batches): the rate index
        pick = chosen.unsqueeze(2)
        return {"chosen": chosen, "val": val.gather(2, pick).squeeze(2), "test": test.gather(2, pick).squeeze(2),
                "train": train.gather(2, pick).squeeze(2)}

    final, common = per_batch(trained.final), per_batch(trained.at_common_step)
    per_seed: dict[str, list[float | None]] = {}
    for j, b in enumerate(batches):
        key = "full" if b == n else str(b)
        per_seed[f"test_loss_b{key}"] = final["test"][:, j].tolist()
        per_seed[f"final_loss_b{key}"] = final["train"][:, j].tolist()
        per_seed[f"chosen_lr_b{key}"] = [LEARNING_RATES[i] for i in final["chosen"][:, j].tolist()]
        per_seed[f"test_loss_at_common_step_b{key}"] = common["test"][:, j].tolist()
        per_seed[f"steps_b{key}"] = [float(params.epochs * (n // b))] * len(seeds)
    # The minibatch a practitioner would pick (lowest validation loss among the smaller batches), on test.
    small = final["val"][:, :-1].argmin(dim=1)
    per_seed["best_minibatch"] = [float(batches[i]) for i in small.tolist()]
    per_seed["test_loss_best_minibatch"] = final["test"][:, :-1].gather(1, small.unsqueeze(1)).squeeze(1).tolist()
    per_seed["epoch_gain_of_minibatch"] = differences(per_seed["test_loss_bfull"], per_seed["test_loss_best_minibatch"])
    per_seed["step_gain_of_full_batch"] = differences(per_seed[f"test_loss_at_common_step_b{batches[0]}"],
                                                      per_seed["test_loss_at_common_step_bfull"])
    per_seed["variance_slope"] = list(variance.slope)
    per_seed["variance_slope_error"] = [abs(s + 1) for s in variance.slope]
    per_seed["theory_max_relative_error"] = [max(abs(m / t - 1) for m, t in zip(ms, ts, strict=True))
                                             for ms, ts in zip(variance.measured, variance.theory, strict=True)]
    for i, b in enumerate(variance.sizes):
        per_seed[f"variance_b{b}"] = [row[i] for row in variance.measured]
    return per_seed, final["chosen"]


# -- report ------------------------------------------------------------------------------------------


def _charts(params: Params, variance: Variance, trained: Trained | None, chosen: Any = None) -> list[Chart]:
    sizes = [float(b) for b in variance.sizes]
    theory = [statistics.fmean(col) for col in zip(*variance.theory, strict=True)]
    charts = [Chart(
        key="variance", title="미니배치 기울기의 분산 E‖g_B − g‖² (띠: 시드 범위)", x_label="배치 크기 B", y_label="분산",
        log_x=True, log_y=True,
        series=[Series.over_seeds("측정", sizes, [list(row) for row in variance.measured]),
                Series(name="이론 σ²/B·(N−B)/(N−1)", x=sizes, y=theory)],
    )]
    if trained is None:
        return charts
    n, batches = params.n_train, batch_sizes(params.n_train)
    rates = len(LEARNING_RATES)
    seed_count = trained.curve_loss.shape[1]
    # Each seed's curve at the rate that seed chose for that batch size.
    loss = trained.curve_loss.view(-1, seed_count, len(batches), rates)
    curves: dict[int, list[list[float | None]]] = {
        b: [loss[:, s, j, int(chosen[s, j])].tolist() for s in range(seed_count)] for j, b in enumerate(batches)}
    epochs = trained.curve_epochs
    charts.append(Chart(
        key="loss_by_epoch", title="에폭(데이터를 본 횟수)에 따른 학습 손실 (배치 크기마다 고른 학습률)", x_label="에폭",
        y_label="교차 엔트로피",
        series=[Series.over_seeds(label(b, n), epochs, curves[b]) for b in batches],
    ))
    charts.append(Chart(
        key="loss_by_step", title="업데이트 횟수에 따른 학습 손실", x_label="스텝", y_label="교차 엔트로피", log_x=True,
        # Step 0 has no place on a log axis, nor has a point before the batch's first step.
        series=[Series.over_seeds(label(b, n), [e * (n // b) for e in epochs if e * (n // b) >= 1],
                                  [[v for e, v in zip(epochs, c, strict=True) if e * (n // b) >= 1] for c in curves[b]])
                for b in batches],
    ))
    return charts


def _table(params: Params, m: dict[str, float], per_seed: dict[str, list]) -> Table:
    n = params.n_train
    rows = []
    for b in batch_sizes(n):
        key = "full" if b == n else str(b)
        rows.append([label(b, n), n // b, " / ".join(f"{v:g}" for v in per_seed[f"chosen_lr_b{key}"]),
                     round(m[f"test_loss_at_common_step_b{key}"], 4), round(m[f"final_loss_b{key}"], 4),
                     round(m[f"test_loss_b{key}"], 4)])
    return Table(
        columns=["배치 크기", "에폭당 스텝", "고른 학습률 (시드별)", f"{params.epochs}스텝 뒤 테스트 손실",
                 f"{params.epochs}에폭 뒤 학습 손실", f"{params.epochs}에폭 뒤 테스트 손실"],
        rows=rows,
    )


def _notes(params: Params, m: dict[str, float], per_seed: dict[str, list]) -> list[str]:
    """From the seeds' means."""
    n, batches = params.n_train, batch_sizes(params.n_train)
    smallest = batches[0]
    notes = [
        f"미니배치 기울기는 전체 기울기를 중심으로 흩어지며, 그 분산은 배치 크기 B가 커질수록 줄었습니다 "
        f"(로그-로그 기울기 {m['variance_slope']:.2f}, 이론은 −1): B = 1에서 {m['variance_b1']:.3g}, "
        f"B = {n // 2}에서 {m[f'variance_b{n // 2}']:.3g}입니다. 이론식 σ²/B·(N−B)/(N−1)과는 최대 "
        f"{m['theory_max_relative_error']:.0%} 차이입니다."
    ]
    step = params.epochs
    small_step, full_step = m[f"test_loss_at_common_step_b{smallest}"], m["test_loss_at_common_step_bfull"]
    if m["step_gain_of_full_batch"] > STEP_MARGIN:
        notes.append(f"같은 {step}스텝 뒤 (각자 그 예산에 맞는 학습률) 테스트 손실은 배치 {smallest} {small_step:.3g}, "
                     f"전체 배치 {full_step:.3g}입니다: 스텝 수로 세면 큰 배치가 잡음이 적어 유리합니다.")
    else:
        notes.append(f"같은 {step}스텝 뒤 테스트 손실은 배치 {smallest} {small_step:.3g}, 전체 배치 {full_step:.3g}로 "
                     f"큰 배치가 뚜렷이 앞서지 않았습니다.")
    full, best = m["test_loss_bfull"], m["test_loss_best_minibatch"]
    picks = sorted({int(b) for b in per_seed["best_minibatch"]})
    picked = ", ".join(f"배치 {b}" for b in picks)
    if m["epoch_gain_of_minibatch"] > EPOCH_MARGIN:
        notes.append(f"하지만 같은 {params.epochs}에폭(같은 계산량) 뒤에는 검증 손실로 고른 미니배치({picked})의 테스트 "
                     f"손실이 {best:.3g}로, 업데이트를 {params.epochs}번밖에 못 한 전체 배치({full:.3g})보다 "
                     f"{m['epoch_gain_of_minibatch']:.3g} 낮았습니다.")
    else:
        notes.append(f"여기서는 주장이 무너집니다: 같은 {params.epochs}에폭 뒤 전체 배치의 테스트 손실({full:.3g})이 검증으로 "
                     f"고른 미니배치({picked}, {best:.3g})와 {abs(m['epoch_gain_of_minibatch']):.3g}밖에 차이 나지 "
                     f"않았습니다: 데이터 {n}개를 {params.epochs}번 보면 전체 배치도 {params.epochs}번의 업데이트로 "
                     f"최적점 근처에 이릅니다.")
    lr_small = statistics.median(per_seed[f"chosen_lr_b{smallest}"])
    lr_full = statistics.median(per_seed["chosen_lr_bfull"])
    if lr_small < lr_full:
        notes.append(f"검증 손실로 고른 학습률은 배치 {smallest}에서 {lr_small:g}, 전체 배치에서 {lr_full:g}(시드 중앙값)였습니다: "
                     f"작은 배치는 잡음이 커 더 작은 학습률이 필요합니다.")
    else:
        notes.append(f"검증 손실로 고른 학습률은 배치 {smallest}에서 {lr_small:g}, 전체 배치에서 {lr_full:g}(시드 중앙값)로, "
                     f"이번에는 작은 배치가 더 작은 학습률을 고르지 않았습니다.")
    return notes


def run(params: Params, device, progress, seeds) -> Measurement:
    data = _data(params, seeds, device)
    variance = _gradient_variance(data, seeds, device)
    progress(0.1, "기울기 분산 측정 완료", _charts(params, variance, None))
    trained = _train(params, data, seeds, device, progress)
    per_seed, chosen = _measure(params, data, trained, variance, seeds)
    means = {name: statistics.fmean(values) for name, values in per_seed.items()}
    charts = _charts(params, variance, trained, chosen)
    progress(1.0, "완료", charts)
    return Measurement(per_seed=per_seed, charts=charts, table=_table(params, means, per_seed),
                       notes=_notes(params, means, per_seed))


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
    claims=(
        Claim(metric="epoch_gain_of_minibatch", direction="greater", margin=EPOCH_MARGIN,
              statement="같은 에폭(계산량)이면 검증으로 고른 미니배치가 전체 배치보다 테스트 손실이 낮다",
              metric_label="같은 에폭에서 미니배치의 테스트 손실 이득 (전체 배치 − 고른 미니배치)"),
        Claim(metric="step_gain_of_full_batch", direction="greater", margin=STEP_MARGIN,
              statement="같은 업데이트 횟수면 전체 배치가 가장 작은 배치보다 테스트 손실이 낮다",
              metric_label=f"같은 업데이트 횟수에서 전체 배치의 테스트 손실 이득 (배치 {CHUNK} − 전체 배치)"),
        Claim(metric="variance_slope_error", direction="less", margin=SLOPE_TOLERANCE,
              statement="미니배치 기울기의 분산은 1/B로 줄어든다 (로그-로그 기울기가 −1에서 0.15 안)",
              metric_label="기울기 분산의 로그-로그 기울기와 −1의 차이"),
    ),
    breaking=BREAKING,
    # Exact names for the full batch first: the "{}" patterns would carry its code word "full".
    metric_labels={
        **{f"{name}_b{key}": f"{label} ({part})" for key, part in (("full", "전체 배치"), ("{}", "배치 {}"))
           for name, label in (
               ("test_loss", "학습 끝 테스트 교차 엔트로피"),
               ("final_loss", "학습 끝 학습 교차 엔트로피"),
               ("chosen_lr", "검증 손실로 고른 학습률"),
               ("test_loss_at_common_step", "에폭 수만큼 업데이트한 뒤 테스트 교차 엔트로피"),
               ("steps", "업데이트 횟수"))},
        "best_minibatch": "검증 손실로 고른 미니배치 크기",
        "test_loss_best_minibatch": "고른 미니배치의 테스트 교차 엔트로피",
        "variance_slope": "기울기 분산의 로그-로그 기울기 (B ≤ N/16)",
        "theory_max_relative_error": "기울기 분산의 이론값 σ²/B·(N−B)/(N−1) 대비 최대 상대 오차",
        "variance_b{}": "미니배치 기울기 분산 E‖g_B − g‖² (배치 {})",
    },
    boundary=Boundary("epochs", (2, 5, 20, 50)),
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
    version="2",
)
