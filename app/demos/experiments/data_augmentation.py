"""Data augmentation, too little and too much: held-out accuracy against the strength of random shifts.

A small synthetic image task, drawn per seed: four classes, each a random 4×4 binary glyph, pasted on a
12×12 image with pixel noise. The few training images show each glyph near the centre (within
``train_jitter`` pixels); validation and test images put it anywhere within ``test_jitter`` pixels of the
centre. An MLP (no built-in shift invariance) is trained on the same images, steps and learning-rate grid
for every augmentation strength ``a``: each minibatch is shifted by a random (dx, dy) in [−a, a]², the
uncovered border filled with zeros.

Too little augmentation leaves the positions the test uses unseen. Too much moves the glyph partly or
wholly out of the frame, so the network learns from images whose label it cannot read, and spreads its
capacity over positions the test never uses. The strength is picked on the validation split and judged on
the test split. When the training images already cover the test's positions, augmentation has little
left to teach: that is where the headline claim breaks.
"""

from __future__ import annotations

import math
from typing import Any

from pydantic import Field

from app.demos.base import Chart, Citation, DemoParams, DemoSpec, Measurement, QuestionRef, Series, Table
from app.demos.evidence import Claim, summarise

SIDE, GLYPH, CLASSES = 12, 4, 4
STRENGTHS = (0, 1, 2, 3, 5, 8)
LEARNING_RATES = (3e-3, 1e-2)
HIDDEN, BATCH = 32, 32
N_VAL, N_TEST = 200, 600
NOISE = 0.2


class Params(DemoParams):
    per_class: int = Field(8, ge=2, le=100, description="클래스마다 학습 이미지 수")
    train_jitter: int = Field(0, ge=0, le=4, description="학습 이미지에서 글리프가 중앙에서 벗어나는 최대 픽셀")
    test_jitter: int = Field(3, ge=0, le=4, description="검증·테스트 이미지에서 글리프가 중앙에서 벗어나는 최대 픽셀")
    steps: int = Field(300, ge=50, le=2000, description="학습 스텝 수 (Adam, 미니배치 32, 강도마다 같음)")


SMALLEST = Params(steps=150)
BREAKING = Params(test_jitter=0)


def _place(glyphs, labels, jitter: int, gen):
    """Images (n, SIDE, SIDE): each label's glyph at the centre moved by up to ``jitter`` pixels, plus noise."""
    import torch

    n = len(labels)
    centre = (SIDE - GLYPH) // 2
    rows = centre + torch.randint(-jitter, jitter + 1, (n,), generator=gen)
    cols = centre + torch.randint(-jitter, jitter + 1, (n,), generator=gen)
    images = torch.zeros(n, SIDE, SIDE)
    for i in range(n):
        images[i, rows[i]:rows[i] + GLYPH, cols[i]:cols[i] + GLYPH] = glyphs[labels[i]]
    return images + NOISE * torch.randn(n, SIDE, SIDE, generator=gen)


def _data(seed: int, params: Params):
    import torch

    from app.demos.batched import generator

    gen = generator(seed * 7919 + 41)
    while True:  # four glyphs that differ in at least four pixels each
        glyphs = (torch.rand(CLASSES, GLYPH, GLYPH, generator=gen) < 0.5).float()
        flat = glyphs.flatten(1)
        if (torch.cdist(flat, flat, p=1) + 99 * torch.eye(CLASSES)).min() >= 4:
            break
    train_y = torch.arange(CLASSES).repeat(params.per_class)
    val_y = torch.randint(0, CLASSES, (N_VAL,), generator=gen)
    test_y = torch.randint(0, CLASSES, (N_TEST,), generator=gen)
    return (_place(glyphs, train_y, params.train_jitter, gen), train_y,
            _place(glyphs, val_y, params.test_jitter, gen), val_y,
            _place(glyphs, test_y, params.test_jitter, gen), test_y)


def shifted_batch(padded, rows, dy, dx, pad: int):
    """Images ``rows`` (M, B) of ``padded`` (N, S+2·pad, S+2·pad), each moved by its own (dy, dx) in (M, B):
    one ``take`` of the S×S window per image (zeros where the window leaves the original)."""
    import torch

    N, P, _ = padded.shape
    side = P - 2 * pad
    base = torch.arange(side, device=padded.device)
    window = (base[:, None] * P + base[None, :]).flatten()  # (S·S,) offsets within one padded image
    start = rows * P * P + (pad - dy) * P + (pad - dx)  # (M, B) flat index of each window's corner
    return torch.take(padded, start[..., None] + window)


def _model(seeds: list[int], device) -> tuple[list, Any, Any, Any]:
    """Model i: strength i // (L·S), learning rate (i // S) % L, seed i % S. Returns the weights, their Adam,
    each model's seed and its augmentation strength."""
    import torch

    from app.demos.batched import Adam, generator, init_mlp

    S, G, L = len(seeds), len(STRENGTHS), len(LEARNING_RATES)
    models = G * L * S
    strength = torch.tensor([STRENGTHS[i // (L * S)] for i in range(models)], device=device)
    lrs = torch.tensor([LEARNING_RATES[(i // S) % L] for i in range(models)], device=device)
    weights = init_mlp([SIDE * SIDE, HIDDEN, CLASSES], [generator(seed * 7919 + 43) for seed in seeds], G * L, device)
    return weights, Adam(weights, lr=lrs), torch.arange(models, device=device) % S, strength


def _train(params: Params, weights: list, optimizer, seed_of, strength, train_x, train_y, seeds: list[int], device,
           progress) -> None:
    """Adam on minibatches, each image shifted by a uniform integer in [−a, a] per axis, a = the model's
    strength."""
    import torch

    from app.demos.batched import generator, mlp_forward, per_model_cross_entropy

    # Each seed draws its own batches and shifts, so a seed's numbers do not depend on the seeds run beside it.
    draws = [generator(seed * 7919 + 47) for seed in seeds]
    n_train = train_x.shape[1]
    pad = max(STRENGTHS)
    padded = torch.nn.functional.pad(train_x, (pad, pad, pad, pad)).flatten(0, 1)  # (S·n, S+2p, S+2p)
    copies = len(seed_of) // len(seeds)  # models per seed: strengths × learning rates
    for step in range(params.steps):
        per_seed = [(torch.randint(0, n_train, (BATCH,), generator=g), torch.rand(2, copies, BATCH, generator=g))
                    for g in draws]
        batch = torch.stack([b for b, _ in per_seed]).to(device)[seed_of]  # (models, BATCH)
        # (2, copies, S, BATCH) → (2, models, BATCH): model i is copy i // S of seed i % S
        offsets = torch.stack([o for _, o in per_seed], dim=2).flatten(1, 2).to(device)
        dy, dx = (torch.floor(offsets * (2 * strength[:, None] + 1)) - strength[:, None]).long()
        images = shifted_batch(padded, seed_of[:, None] * n_train + batch, dy, dx, pad)
        logits = mlp_forward(weights, images)
        per_model_cross_entropy(logits, train_y[seed_of[:, None], batch]).sum().backward()
        optimizer.step()
        if (step + 1) % 50 == 0:
            progress(0.9 * (step + 1) / params.steps, f"{step + 1}/{params.steps} 스텝")


def _by_strength(weights: list, seed_of, val_x, val_y, test_x, test_y) -> tuple[Any, Any, Any]:
    """Each strength at its better learning rate on validation: validation and test accuracy (G, S), and
    that rate's index."""
    import torch

    from app.demos.batched import mlp_forward

    G, L, S = len(STRENGTHS), len(LEARNING_RATES), val_x.shape[0]
    with torch.no_grad():
        def accuracy(x, y):
            logits = mlp_forward(weights, x[seed_of].flatten(2))
            return (logits.argmax(dim=2) == y[seed_of]).float().mean(dim=1)

        val_acc = accuracy(val_x, val_y).cpu().reshape(G, L, S)
        test_acc = accuracy(test_x, test_y).cpu().reshape(G, L, S)
    best_lr = val_acc.argmax(dim=1)  # (G, S)
    return val_acc.gather(1, best_lr[:, None])[:, 0], test_acc.gather(1, best_lr[:, None])[:, 0], best_lr


def _measure(params: Params, val_by_strength, test_by_strength) -> tuple[dict[str, list[float | None]], Any]:
    """Per seed: the test accuracy of each strength, and of the strength picked on validation (returned
    too) against none and the strongest."""
    chosen = val_by_strength.argmax(dim=0)  # (S,)
    per_seed: dict[str, list[float | None]] = {}
    for g, value in enumerate(STRENGTHS):
        per_seed[f"test_acc_shift_{value}"] = test_by_strength[g].tolist()
    chosen_acc = test_by_strength.gather(0, chosen[None])[0]
    per_seed["chosen_strength"] = [float(STRENGTHS[i]) for i in chosen.tolist()]
    per_seed["test_acc_chosen"] = chosen_acc.tolist()
    per_seed["test_acc_chosen_minus_none"] = (chosen_acc - test_by_strength[0]).tolist()
    per_seed["test_acc_chosen_minus_strongest"] = (chosen_acc - test_by_strength[-1]).tolist()
    per_seed["train_positions_cover_test"] = [float(params.train_jitter >= params.test_jitter)] * len(chosen)
    return per_seed, chosen


def run(params: Params, device, progress, seeds) -> Measurement:
    import torch

    seeds = list(seeds)
    data = [_data(seed, params) for seed in seeds]
    train_x, train_y, val_x, val_y, test_x, test_y = (torch.stack([d[k] for d in data]).to(device) for k in range(6))
    weights, optimizer, seed_of, strength = _model(seeds, device)
    _train(params, weights, optimizer, seed_of, strength, train_x, train_y, seeds, device, progress)
    val_by_strength, test_by_strength, best_lr = _by_strength(weights, seed_of, val_x, val_y, test_x, test_y)
    per_seed, chosen = _measure(params, val_by_strength, test_by_strength)
    charts = [_chart(test_by_strength, val_by_strength)]
    table = _table(params, test_by_strength, val_by_strength, best_lr, chosen)
    progress(1.0, "완료", charts)
    return Measurement(per_seed=per_seed, charts=charts, table=table, notes=_notes(params, per_seed))


def _chart(test_by_strength, val_by_strength) -> Chart:
    from app.demos.batched import band

    S = test_by_strength.shape[1]
    x = [float(v) for v in STRENGTHS]
    series = []
    for name, values in (("테스트 정확도", test_by_strength), ("검증 정확도", val_by_strength)):
        y, low, high = band([values[:, s].tolist() for s in range(S)])
        series.append(Series(name=name, x=x, y=y, lower=low, upper=high))
    return Chart(key="accuracy_by_strength", title="증강 강도(무작위 이동 최대 픽셀)에 따른 정확도 (띠는 시드 최소~최대)",
                 x_label="이동 증강 강도 a (픽셀)", y_label="정확도", series=series)


def _table(params: Params, test_by_strength, val_by_strength, best_lr, chosen) -> Table:
    rows = []
    for g, value in enumerate(STRENGTHS):
        lrs = sorted({LEARNING_RATES[i] for i in best_lr[g].tolist()})
        picked = sum(int(c) == g for c in chosen.tolist())
        rows.append([value, "/".join(f"{v:g}" for v in lrs), round(val_by_strength[g].mean().item(), 3),
                     round(test_by_strength[g].mean().item(), 3), picked])
    return Table(columns=["이동 증강 강도 (픽셀)", "고른 학습률 (검증)", "검증 정확도", "테스트 정확도", "검증으로 고른 시드 수"],
                 rows=rows)


def _mean(values) -> float:
    return sum(values) / len(values)


def _notes(params: Params, m: dict) -> list[str]:
    notes = []
    none, strongest = _mean(m["test_acc_shift_0"]), _mean(m[f"test_acc_shift_{STRENGTHS[-1]}"])
    chosen = _mean(m["test_acc_chosen"])
    picked = sorted({int(v) for v in m["chosen_strength"]})
    best_strength = max(STRENGTHS, key=lambda v: _mean(m[f"test_acc_shift_{v}"]))
    gain = summarise(m["test_acc_chosen_minus_none"])
    picked_text = "/".join(str(v) for v in picked)
    if gain.ci95 is not None and gain.ci95[0] > 0:
        notes.append(f"검증으로 고른 강도({picked_text}픽셀)의 테스트 정확도는 {chosen:.2f}로, 증강 없이 {none:.2f}보다 "
                     f"높았습니다: 학습 이미지는 글리프가 중앙에서 {params.train_jitter}픽셀 안에만 있는데 테스트는 "
                     f"{params.test_jitter}픽셀까지 벗어나고, 이동 증강이 그 위치들을 보여 줍니다.")
    else:
        reason = ("학습 이미지가 이미 테스트의 위치를 모두 덮어 증강이 새로 보여 줄 것이 없습니다"
                  if params.train_jitter >= params.test_jitter else "이 설정에서는 증강의 이득이 시드 사이의 차이보다 작았습니다")
        notes.append(f"증강 없이 {none:.2f}, 검증으로 고른 강도({picked_text}픽셀) {chosen:.2f}로 차이가 뚜렷하지 않았습니다: "
                     f"{reason}.")
    drop = summarise(m["test_acc_chosen_minus_strongest"])
    if drop.ci95 is not None and drop.ci95[0] > 0:
        notes.append(f"너무 센 증강({STRENGTHS[-1]}픽셀 이동)은 {strongest:.2f}로 떨어졌습니다: 4×4 글리프가 12×12 틀 밖으로 "
                     f"밀려나 레이블을 읽을 수 없는 이미지로 배우고, 테스트에 없는 위치에 용량을 씁니다.")
    else:
        notes.append(f"가장 센 증강({STRENGTHS[-1]}픽셀)도 {strongest:.2f}로 고른 강도보다 뚜렷이 나쁘지 않았습니다.")
    notes.append(f"테스트 정확도가 가장 높았던 강도는 평균으로 {best_strength}픽셀이었습니다(곡선 참고).")
    return notes


DEMO = DemoSpec(
    slug="data-augmentation",
    title="데이터 증강: 너무 적게 / 너무 많이",
    summary=(
        "글리프가 중앙에만 있는 적은 학습 이미지로 MLP를 학습하되, 무작위 이동 증강의 세기를 0부터 8픽셀까지 바꿔 가며 "
        "위치가 흩어진 테스트 이미지의 정확도를 잽니다. 적당한 증강은 정확도를 크게 올리고, 너무 센 증강은 다시 떨어뜨립니다. "
        "학습 데이터가 이미 위치를 덮으면 증강의 이득이 사라집니다."
    ),
    params=Params,
    smallest=SMALLEST,
    breaking=BREAKING,
    run=run,
    claims=(
        Claim(metric="test_acc_chosen_minus_none", direction="greater", margin=0.02,
              statement="검증으로 고른 증강 강도가 증강 없음보다 테스트 정확도가 높다",
              metric_label="테스트 정확도 차 (고른 강도 − 증강 없음)"),
        Claim(metric="test_acc_chosen_minus_strongest", direction="greater", margin=0.02,
              statement="너무 센 증강은 고른 강도보다 테스트 정확도가 낮다",
              metric_label="테스트 정확도 차 (고른 강도 − 가장 센 증강)"),
    ),
    metric_labels={
        "test_acc_shift_{}": "테스트 정확도 (이동 증강 ±{}픽셀, 0–1)",
        "chosen_strength": "검증으로 고른 증강 강도 (±픽셀)",
        "test_acc_chosen": "고른 강도의 테스트 정확도 (0–1)",
        "train_positions_cover_test": "학습 이미지 위치가 테스트 위치를 덮는지 (덮으면 1)",
    },
    concepts=("data_augmentation", "overfitting", "generalization", "regularization", "translation_invariance",
              "test_set", "validation_set"),
    questions=(
        QuestionRef("면접 #6", "오버피팅일 경우 대처"),
        QuestionRef("면접 #15-3", "Regularization이란"),
    ),
    citations=(
        Citation(authors="Shorten, Khoshgoftaar", year=2019, title="A survey on Image Data Augmentation for Deep Learning",
                 url="https://doi.org/10.1186/s40537-019-0197-0"),
        Citation(authors="Simard, Steinkraus, Platt", year=2003,
                 title="Best Practices for Convolutional Neural Networks Applied to Visual Document Analysis",
                 url="https://doi.org/10.1109/ICDAR.2003.1227801"),
    ),
    version="2",  # 2: each seed draws its own batches and shifts (they came from the first seed's generator)
)
