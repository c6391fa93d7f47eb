"""Skip connections: gradient flow and trainability of a deep plain network against a residual one.

Both networks have the same layers and the same initial weights (PyTorch's default initialisation):
an input layer, ``depth`` hidden layers of width ``width`` and a linear output. The plain network
computes ``h ← W·relu(h) + b`` at every hidden layer; the residual one ``h ← h + W·relu(h) + b`` (a
pre-activation residual block, He et al. 2016): the same parameters, only the identity path added.

Measured per seed on a seeded regression task (targets from a random two-layer teacher plus noise):

* at initialisation, the gradient norm of each hidden layer's weights; how much smaller the first layer's
  gradient is than the last's tells whether the error signal reaches the bottom of the network;
* after training (Adam, the same number of steps for both, each network its best learning rate of a
  small grid, picked on a validation split), the test loss as a fraction of the targets' variance.

In a deep plain network each layer scales the signal (forward and backward) by a factor below one, so
the first layers' gradients vanish geometrically with depth; the identity path of the residual network
carries it unchanged. In a shallow network there is nothing to vanish: that is where the claim breaks.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from pydantic import Field

from app.demos.base import Chart, Citation, DemoParams, DemoSpec, Measurement, QuestionRef, Series, Table
from app.demos.evidence import Claim, summarise

ARMS = ("plain", "residual")
ARM_NAMES = {"plain": "평범한 망", "residual": "잔차 망 (스킵 연결)"}
LEARNING_RATES = (3e-3, 1e-2)
INPUTS, TEACHER_HIDDEN = 16, 32
N_TRAIN, N_VAL, N_TEST, BATCH = 256, 256, 512, 32
NOISE = 0.1


class Params(DemoParams):
    depth: int = Field(30, ge=2, le=60, description="은닉층 수 (두 망이 같음)")
    width: int = Field(16, ge=8, le=64, description="은닉층 너비")
    steps: int = Field(200, ge=50, le=2000, description="학습 스텝 수 (Adam, 미니배치 32, 두 망이 같음)")


SMALLEST = Params(depth=20, steps=100)
BREAKING = Params(depth=2)


def _data(seeds, device):
    """Per seed: inputs (S, n, 16) and teacher targets (S, n, 1) for train + val + test, scaled to unit variance."""
    import torch

    from app.demos.batched import generator

    xs, ys = [], []
    for seed in seeds:
        gen = generator(seed * 7919 + 3)
        n = N_TRAIN + N_VAL + N_TEST
        x = torch.randn(n, INPUTS, generator=gen)
        w1 = torch.randn(INPUTS, TEACHER_HIDDEN, generator=gen) / math.sqrt(INPUTS)
        w2 = torch.randn(TEACHER_HIDDEN, 1, generator=gen) / math.sqrt(TEACHER_HIDDEN)
        y = torch.tanh(2 * x @ w1) @ w2
        y = (y - y.mean()) / y.std()
        y = y + NOISE * torch.randn(n, 1, generator=gen)
        xs.append(x)
        ys.append(y)
    return torch.stack(xs).to(device), torch.stack(ys).to(device)


def _init(seeds, params: Params, copies: int, device):
    """nn.Linear's default initialisation per seed, repeated for every (arm, learning rate) copy."""
    import torch

    from app.demos.batched import generator

    def linear(gen, fan_in, fan_out, count=None):
        bound = 1 / math.sqrt(fan_in)
        shape = (fan_in, fan_out) if count is None else (count, fan_in, fan_out)
        bias = (1, fan_out) if count is None else (count, 1, fan_out)
        # kaiming_uniform(a=√5) and the bias rule both come to U(−1/√fan_in, 1/√fan_in)
        return (torch.rand(shape, generator=gen) * 2 - 1) * bound, (torch.rand(bias, generator=gen) * 2 - 1) * bound

    per_seed = []
    for seed in seeds:
        gen = generator(seed * 7919 + 17)
        w_in, b_in = linear(gen, INPUTS, params.width)
        w_h, b_h = linear(gen, params.width, params.width, params.depth)
        w_out, b_out = linear(gen, params.width, 1)
        per_seed.append((w_in, b_in, w_h, b_h, w_out, b_out))
    tensors = []
    for k in range(6):
        stacked = torch.stack([p[k] for p in per_seed])
        tensors.append(stacked.repeat(copies, *([1] * (stacked.dim() - 1))).to(device).requires_grad_())
    return tensors


def _forward(weights, inputs, residual):
    """``residual`` (models,) 1.0 where the model adds the identity path."""
    import torch

    w_in, b_in, w_h, b_h, w_out, b_out = weights
    skip = residual[:, None, None]
    h = torch.baddbmm(b_in, inputs, w_in)
    for w, b in zip(w_h.unbind(1), b_h.unbind(1)):  # unbind: one stack in backward, not a copy per layer
        h = skip * h + torch.baddbmm(b, torch.relu(h), w)
    return torch.baddbmm(b_out, torch.relu(h), w_out)


@dataclass
class _Stack:
    """Model i: arm i // (L·S), learning rate (i // S) % L, seed i % S."""

    weights: list
    residual: Any  # (models,) 1.0 where the model has skip connections
    lrs: Any
    seed_of: Any

    def loss(self, x, y):
        return ((_forward(self.weights, x, self.residual) - y) ** 2).mean(dim=(1, 2))


def _model(params: Params, seeds: list[int], device) -> _Stack:
    import torch

    S, A, L = len(seeds), len(ARMS), len(LEARNING_RATES)
    models = A * L * S
    return _Stack(
        weights=_init(seeds, params, A * L, device),
        residual=torch.tensor([float(ARMS[i // (L * S)] == "residual") for i in range(models)], device=device),
        lrs=torch.tensor([LEARNING_RATES[(i // S) % L] for i in range(models)], device=device),
        seed_of=torch.arange(models, device=device) % S,
    )


def _initial_gradients(stack: _Stack, train_x, train_y):
    """Gradient norms at initialisation, on the whole training set: (models, depth)."""
    stack.loss(train_x, train_y).sum().backward()
    layer_grads = stack.weights[2].grad.flatten(2).norm(dim=2).detach()
    for w in stack.weights:
        w.grad = None
    return layer_grads


def _train(params: Params, stack: _Stack, train_x, train_y, seeds: list[int], device, progress) -> list:
    """Minibatch Adam, every model of a seed on that seed's batches; returns (step, loss per model) about 30 times."""
    import torch

    from app.demos.batched import Adam, generator

    optimizer = Adam(stack.weights, lr=stack.lrs)
    # Each seed draws its own batches, so a seed's numbers do not depend on the seeds run beside it; the
    # models of one seed (arms, learning rates) all see the same batches.
    order_gens = [generator(seed * 7919 + 29) for seed in seeds]
    rows = torch.arange(len(stack.seed_of), device=device)[:, None]
    curve = []
    for step in range(params.steps):
        per_seed = torch.stack([torch.randint(0, N_TRAIN, (BATCH,), generator=g) for g in order_gens]).to(device)
        batch = per_seed[stack.seed_of]  # (models, BATCH)
        loss = stack.loss(train_x[rows, batch], train_y[rows, batch])
        loss.sum().backward()
        optimizer.step()
        if step % max(params.steps // 30, 1) == 0 or step == params.steps - 1:
            curve.append((step, loss.detach().cpu()))
        if (step + 1) % 50 == 0:
            progress(0.9 * (step + 1) / params.steps, f"{step + 1}/{params.steps} 스텝")
    return curve


def _measure(params: Params, stack: _Stack, x, y, layer_grads, S: int) -> tuple[dict[str, list[float | None]], Any,
                                                                                 dict[str, Any]]:
    """Per seed and arm, at the rate picked on validation: the test loss as a fraction of the targets'
    variance; and the first layer's gradient against the last's at the start. Also returns the gradient
    norms per layer and the picks."""
    import torch

    from app.demos.batched import best_per_seed

    A, L = len(ARMS), len(LEARNING_RATES)
    val, test = slice(N_TRAIN, N_TRAIN + N_VAL), slice(N_TRAIN + N_VAL, None)
    with torch.no_grad():
        val_loss = stack.loss(x[stack.seed_of, val], y[stack.seed_of, val])
        test_loss = stack.loss(x[stack.seed_of, test], y[stack.seed_of, test])
    variance = y[:, test].var(dim=(1, 2)).cpu()  # (S,)

    val_grid = val_loss.cpu().reshape(A, L, S)
    test_grid = test_loss.cpu().reshape(A, L, S)
    grads = layer_grads.cpu().reshape(A, L, S, params.depth)[:, 0]  # the same start for every learning rate
    per_seed: dict[str, list[float | None]] = {}
    best = {}
    for a, arm in enumerate(ARMS):
        best[arm] = best_per_seed(val_grid[a])  # (S,)
        chosen = test_grid[a].gather(0, best[arm][None])[0] / variance
        per_seed[f"test_loss_fraction_{arm}"] = [v if math.isfinite(v) else None for v in chosen.tolist()]
        per_seed[f"best_lr_{arm}"] = [LEARNING_RATES[i] for i in best[arm].tolist()]
        ratio = grads[a, :, 0] / grads[a, :, -1]
        per_seed[f"log10_first_over_last_grad_{arm}"] = [math.log10(v) if v > 0 else None for v in ratio.tolist()]
    per_seed["log10_gradient_flow_gain"] = [
        None if r is None or p is None else r - p for r, p in
        zip(per_seed["log10_first_over_last_grad_residual"], per_seed["log10_first_over_last_grad_plain"])]
    per_seed["test_loss_fraction_plain_minus_residual"] = [
        None if p is None or r is None else p - r for p, r in
        zip(per_seed["test_loss_fraction_plain"], per_seed["test_loss_fraction_residual"])]
    return per_seed, grads, best


def run(params: Params, device, progress, seeds) -> Measurement:
    seeds = list(seeds)
    S = len(seeds)
    x, y = _data(seeds, device)
    stack = _model(params, seeds, device)
    train_x, train_y = x[stack.seed_of, :N_TRAIN], y[stack.seed_of, :N_TRAIN]
    layer_grads = _initial_gradients(stack, train_x, train_y)
    curve = _train(params, stack, train_x, train_y, seeds, device, progress)
    per_seed, grads, best = _measure(params, stack, x, y, layer_grads, S)
    charts = _charts(params, grads, curve, best, S, len(LEARNING_RATES))
    table = _table(per_seed, grads)
    progress(1.0, "완료", charts)
    return Measurement(per_seed=per_seed, charts=charts, table=table, notes=_notes(params, per_seed))


def _charts(params: Params, grads, curve, best, S: int, L: int) -> list[Chart]:
    from app.demos.batched import band

    layers = [float(i + 1) for i in range(params.depth)]
    grad_series = []
    for a, arm in enumerate(ARMS):
        y, low, high = band([[max(v, 1e-30) for v in grads[a, s].tolist()] for s in range(S)])
        grad_series.append(Series(name=ARM_NAMES[arm], x=layers, y=y, lower=low, upper=high))
    grad_chart = Chart(key="layer_gradients", title="초기화 직후 은닉층별 가중치 기울기 노름", x_label="은닉층 (1 = 입력 쪽)",
                       y_label="‖∂L/∂W‖", log_y=True, series=grad_series)
    steps = [float(step) for step, _ in curve]
    loss_series = []
    for a, arm in enumerate(ARMS):
        per = [[max(float(losses[a * L * S + best[arm][s].item() * S + s]), 1e-12) for _, losses in curve]
               for s in range(S)]
        y, low, high = band(per)
        loss_series.append(Series(name=ARM_NAMES[arm], x=steps, y=y, lower=low, upper=high))
    loss_chart = Chart(key="train_loss", title="미니배치 학습 손실 (각자 고른 학습률)", x_label="스텝", y_label="MSE",
                       log_y=True, series=loss_series)
    return [grad_chart, loss_chart]


def _mean(values) -> float | None:
    finite = [v for v in values if v is not None]
    return sum(finite) / len(finite) if finite else None


def _table(m: dict, grads) -> Table:
    rows = []
    for a, arm in enumerate(ARMS):
        lrs = sorted(set(m[f"best_lr_{arm}"]))
        rows.append([ARM_NAMES[arm], "/".join(f"{v:g}" for v in lrs), f"{grads[a, :, 0].mean().item():.2e}",
                     f"{grads[a, :, -1].mean().item():.2e}", _rounded(_mean(m[f"log10_first_over_last_grad_{arm}"])),
                     _rounded(_mean(m[f"test_loss_fraction_{arm}"]))])
    return Table(columns=["망", "고른 학습률 (격자 3e-3/1e-2, 검증 손실로)", "첫 은닉층 기울기", "마지막 은닉층 기울기",
                          "log10(첫/마지막)", "테스트 손실 / 목표 분산"], rows=rows)


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


def _notes(params: Params, m: dict) -> list[str]:
    notes = []
    plain, res = _mean(m["log10_first_over_last_grad_plain"]), _mean(m["log10_first_over_last_grad_residual"])
    if plain is not None and res is not None:
        if plain < -1:
            notes.append(f"은닉층 {params.depth}개의 평범한 망에서는 첫 층 기울기가 마지막 층의 10^{plain:.1f}배로 사라졌고, "
                         f"같은 가중치에 스킵 연결만 더한 잔차 망에서는 10^{res:.1f}배였습니다: 항등 경로가 기울기를 줄이지 않고 "
                         f"아래층까지 전합니다.")
        else:
            notes.append(f"은닉층이 {params.depth}개뿐이면 평범한 망에서도 첫 층 기울기가 마지막 층의 10^{plain:.1f}배로 "
                         f"사라지지 않았습니다(잔차 망 10^{res:.1f}배): 곱해질 층이 적어 스킵 연결이 고칠 것이 없습니다.")
    gap = summarise(m["test_loss_fraction_plain_minus_residual"])
    plain_loss, res_loss = _mean(m["test_loss_fraction_plain"]), _mean(m["test_loss_fraction_residual"])
    if gap.ci95 is not None and plain_loss is not None and res_loss is not None:
        if gap.ci95[0] > 0:
            notes.append(f"학습 뒤 테스트 손실(목표 분산 대비)은 평범한 망 {plain_loss:.2f}, 잔차 망 {res_loss:.2f}였습니다"
                         f"(각자 가장 좋은 학습률, 같은 {params.steps}스텝).")
        elif gap.ci95[1] < 0:
            notes.append(f"학습 뒤 테스트 손실은 오히려 평범한 망({plain_loss:.2f})이 잔차 망({res_loss:.2f})보다 낮았습니다.")
        else:
            notes.append(f"학습 뒤 테스트 손실은 평범한 망 {plain_loss:.2f}, 잔차 망 {res_loss:.2f}로 시드 사이에서 갈리지 "
                         f"않았습니다: Adam은 작은 기울기도 키워 걸음을 맞추므로, 기울기 흐름의 차이가 곧바로 성능 차이가 되지는 않습니다.")
    return notes


DEMO = DemoSpec(
    slug="skip-connections",
    title="스킵 연결: 깊은 평범한 망 vs 잔차 망의 기울기 흐름",
    summary=(
        "같은 층·같은 초기 가중치에 항등 경로만 더한 잔차 망은 은닉층 30개에서도 첫 층까지 기울기가 살아 있고, 평범한 망은 "
        "기울기가 층마다 줄어 사라집니다. 학습 뒤 테스트 손실도 함께 잽니다. 얕은 망에서는 차이가 없습니다."
    ),
    params=Params,
    smallest=SMALLEST,
    breaking=BREAKING,
    run=run,
    claims=(
        Claim(metric="log10_gradient_flow_gain", direction="greater", margin=1.0,
              statement="잔차 망의 첫 층 기울기(마지막 층 대비)가 평범한 망보다 10배 이상 크다",
              metric_label="첫 층 기울기 비 (잔차 망 ÷ 평범한 망, log10)"),
        Claim(metric="test_loss_fraction_plain_minus_residual", direction="greater", margin=0.0,
              statement="같은 스텝을 학습한 뒤 잔차 망의 테스트 손실이 더 낮다",
              metric_label="테스트 손실 비율의 차 (평범한 망 − 잔차 망)"),
    ),
    metric_labels={
        **{f"test_loss_fraction_{arm}": f"테스트 손실 비율 ({name})" for arm, name in ARM_NAMES.items()},
        **{f"best_lr_{arm}": f"고른 학습률 ({name})" for arm, name in ARM_NAMES.items()},
        **{f"log10_first_over_last_grad_{arm}": f"첫 층 ÷ 마지막 층 기울기 (log10, {name})"
           for arm, name in ARM_NAMES.items()},
    },
    concepts=("skip_connection", "resnet", "vanishing_gradient", "depth", "backpropagation", "gradient",
              "stochastic_depth"),
    questions=(
        QuestionRef("CS231n 9강", "ResNet의 스킵 연결이 깊은 망의 학습을 돕는 이유"),
        QuestionRef("4주차 p85", "stochastic depth: 잔차 블록을 통째로 건너뛸 수 있는 이유"),
    ),
    citations=(
        Citation(authors="He, Zhang, Ren, Sun", year=2016, title="Identity Mappings in Deep Residual Networks",
                 url="https://arxiv.org/abs/1603.05027"),
        Citation(authors="He, Zhang, Ren, Sun", year=2016, title="Deep Residual Learning for Image Recognition",
                 url="https://arxiv.org/abs/1512.03385"),
    ),
    version="2",  # 2: each seed draws its own batches (they came from the first seed's generator)
)
