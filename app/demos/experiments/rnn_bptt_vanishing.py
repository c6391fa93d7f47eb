"""Backpropagation through time: how much gradient reaches the first step as sequences get longer.

A tanh RNN (hidden size ``hidden``, recurrent weights N(0, g²/hidden), so their spectral radius is about
the gain g) reads sequences of unit Gaussian inputs, one network and one batch of sequences per seed. The
loss is a random readout of the last hidden state. For each sequence length T, BPTT gives the gradient
of that loss with respect to the first hidden state h₁; its norm (mean over the batch) is what a weight
update could learn about step 1 from the end of the sequence.

Through BPTT that gradient is a product of T − 1 Jacobians ``diag(1 − h²)·W_hᵀ``; when their typical
gain is below one it shrinks geometrically with T (Bengio et al. 1994; Pascanu et al. 2013), so
learning to use what happened at step 1 becomes hopeless for long sequences. With a large recurrent gain
the product grows instead (the exploding case): there the claim that it vanishes breaks.
"""

from __future__ import annotations

import math
from typing import Any

from pydantic import Field

from app.demos.base import Chart, Citation, DemoParams, DemoSpec, Measurement, QuestionRef, Series, Table
from app.demos.evidence import Claim

INPUTS, BATCH = 8, 16
LENGTH_FRACTIONS = (0.0625, 0.125, 0.25, 0.5, 1.0)


class Params(DemoParams):
    recurrent_gain: float = Field(1.0, ge=0.1, le=4.0, description="순환 가중치의 크기 g (스펙트럼 반지름 ≈ g)")
    hidden: int = Field(32, ge=4, le=128, description="은닉 상태 크기")
    max_length: int = Field(64, ge=16, le=200, description="가장 긴 시퀀스 길이 T (1/16, 1/8, 1/4, 1/2, 1배 길이를 잰다)")


SMALLEST = Params(max_length=32)
BREAKING = Params(recurrent_gain=2.5)


def lengths(params: Params) -> list[int]:
    return sorted({max(2, round(params.max_length * f)) for f in LENGTH_FRACTIONS})


def _backward(weights: list, inputs, T: int) -> list:
    """The hidden states of the first T steps, with ∂L/∂h_t kept on each, for L the sum of the last output."""
    import torch

    from app.demos.sequences import rnn_states

    states = rnn_states(weights, inputs[:, :, :T])
    for state in states:
        state.retain_grad()
    torch.baddbmm(weights[4], states[-1], weights[3]).sum().backward()
    for w in weights:
        w.grad = None
    return states


def _gradients(params: Params, weights: list, inputs, grid: list[int], progress) -> tuple[dict, Any, Any]:
    """Per length T: the mean ‖∂L/∂h₁‖ per seed; for the longest, ‖∂L/∂h_t‖ at every t (S, T) and the mean
    tanh derivative 1 − h², how much of the recurrent gain each step lets through."""
    import torch

    first_grad = {}
    states: list = []
    for index, T in enumerate(grid):
        states = _backward(weights, inputs, T)
        first_grad[T] = states[0].grad.norm(dim=2).mean(dim=1).detach().cpu()
        progress(0.9 * (index + 1) / len(grid), f"T = {T}")
    profile = torch.stack([s.grad.norm(dim=2).mean(dim=1) for s in states], dim=1).detach().cpu()
    saturation = torch.stack([(1 - s.detach() ** 2).mean(dim=(1, 2)) for s in states], dim=1).mean(dim=1).cpu()
    return first_grad, profile, saturation


def _measure(grid: list[int], first_grad: dict, saturation) -> tuple[dict[str, list[float | None]], dict]:
    log_first = {T: [math.log10(v) if v > 0 else None for v in first_grad[T].tolist()] for T in grid}
    per_seed: dict[str, list[float | None]] = {f"log10_grad_h1_T{T}": log_first[T] for T in grid}
    shortest, longest = grid[0], grid[-1]
    per_seed["log10_drop_short_to_long"] = [
        None if a is None or b is None else a - b for a, b in zip(log_first[shortest], log_first[longest])]
    # The per-step factor, from the slope of log10 ‖∂L/∂h₁‖ against T between the shortest and longest length.
    per_seed["factor_per_step"] = [None if d is None else 10 ** (-d / (longest - shortest))
                                   for d in per_seed["log10_drop_short_to_long"]]
    per_seed["mean_tanh_derivative"] = saturation.tolist()
    return per_seed, log_first


def run(params: Params, device, progress, seeds) -> Measurement:
    import torch

    from app.demos.batched import generator
    from app.demos.sequences import init_rnn

    seeds = list(seeds)
    weights = init_rnn([generator(seed * 7919 + 59) for seed in seeds], 1, INPUTS, params.hidden, 1,
                       params.recurrent_gain, device)
    inputs = torch.stack([torch.randn(BATCH, params.max_length, INPUTS, generator=generator(seed * 7919 + 61))
                          for seed in seeds]).to(device)
    grid = lengths(params)
    first_grad, profile, saturation = _gradients(params, weights, inputs, grid, progress)
    per_seed, log_first = _measure(grid, first_grad, saturation)
    charts = _charts(grid, log_first, profile)
    table = _table(grid, log_first)
    progress(1.0, "완료", charts)
    return Measurement(per_seed=per_seed, charts=charts, table=table, notes=_notes(params, grid, per_seed))


def _charts(grid, log_first, profile) -> list[Chart]:
    from app.demos.batched import band

    S = profile.shape[0]
    y, low, high = band([[10 ** log_first[T][s] if log_first[T][s] is not None else None for T in grid]
                         for s in range(S)])
    by_length = Chart(key="grad_by_length", title="시퀀스 길이 T에 따른 첫 스텝 기울기 ‖∂L/∂h₁‖ (띠는 시드 최소~최대)",
                      x_label="시퀀스 길이 T", y_label="‖∂L/∂h₁‖", log_y=True,
                      series=[Series(name="측정", x=[float(T) for T in grid], y=_positive(y), lower=_positive(low),
                                     upper=_positive(high))])
    T = profile.shape[1]
    y, low, high = band([[max(v, 1e-300) for v in profile[s].tolist()] for s in range(S)])
    by_step = Chart(key="grad_by_step", title=f"길이 {T}인 시퀀스에서 스텝별 ‖∂L/∂h_t‖ (손실은 마지막 스텝)",
                    x_label="스텝 t", y_label="‖∂L/∂h_t‖", log_y=True,
                    series=[Series(name="측정", x=[float(t + 1) for t in range(T)], y=y, lower=low, upper=high)])
    return [by_length, by_step]


def _positive(values):
    return [v if v is not None and v > 0 else None for v in values]


def _mean(values) -> float | None:
    finite = [v for v in values if v is not None]
    return sum(finite) / len(finite) if finite else None


def _table(grid, log_first) -> Table:
    rows = [[T, _round(_mean(log_first[T])), _round(min((v for v in log_first[T] if v is not None), default=None)),
             _round(max((v for v in log_first[T] if v is not None), default=None))] for T in grid]
    return Table(columns=["시퀀스 길이 T", "log10 ‖∂L/∂h₁‖ (시드 평균)", "최소", "최대"], rows=rows)


def _round(value):
    return None if value is None else round(value, 2)


def _notes(params: Params, grid, m: dict) -> list[str]:
    notes = []
    drop, factor = _mean(m["log10_drop_short_to_long"]), _mean(m["factor_per_step"])
    derivative = _mean(m["mean_tanh_derivative"])
    if drop is None or factor is None or derivative is None:
        return ["기울기가 수치 범위를 벗어나 일부 시드의 값을 낼 수 없었습니다."]
    if drop > 0:
        notes.append(f"T = {grid[0]}에서 {grid[-1]}로 늘리자 첫 스텝의 기울기가 10^{drop:.1f}배 작아졌습니다: 스텝마다 평균 "
                     f"{factor:.3f}배씩 곱해져, {grid[-1]}스텝 떨어진 정보는 가중치 갱신에 거의 닿지 않습니다.")
    else:
        notes.append(f"순환 이득 g = {params.recurrent_gain:g}에서는 T = {grid[0]}에서 {grid[-1]}로 늘리자 첫 스텝의 기울기가 오히려 "
                     f"10^{-drop:.1f}배 커졌습니다(스텝마다 {factor:.3f}배): 사라지는 대신 폭주하는 쪽이며, 이때 필요한 것은 "
                     f"기울기 클리핑입니다.")
    product = params.recurrent_gain * derivative
    if (product < 1) == (drop > 0):
        notes.append(f"tanh의 미분 1 − h²는 평균 {derivative:.2f}로, 순환 가중치의 이득 g = {params.recurrent_gain:g}을 스텝마다 "
                     f"그만큼 깎습니다: 두 값의 곱 {product:.2f}가 1보다 {'작아' if product < 1 else '커'} 측정대로 기울기가 "
                     f"{'사라지는' if product < 1 else '커지는'} 쪽입니다.")
    else:
        notes.append(f"tanh의 미분 1 − h²의 평균 {derivative:.2f}와 이득 g = {params.recurrent_gain:g}의 곱 {product:.2f}만 보면 "
                     f"기울기가 {'사라져야' if product < 1 else '커져야'} 하는데 측정은 반대였습니다: 평균의 곱이 아니라 스텝마다 "
                     f"곱해지는 야코비안 행렬들의 곱이 얼마나 늘어나는지가 정합니다(포화되지 않은 유닛 몇 개의 큰 이득이 지배).")
    return notes


DEMO = DemoSpec(
    slug="rnn-bptt-vanishing",
    title="RNN의 BPTT: 시퀀스가 길어지면 첫 스텝 기울기가 사라진다",
    summary=(
        "tanh RNN에서 마지막 스텝의 손실을 BPTT로 첫 은닉 상태까지 되돌려, 그 기울기 노름을 시퀀스 길이마다 잽니다. "
        "순환 이득이 1 근처이면 길이가 늘수록 기울기가 지수적으로 줄어듭니다. 이득이 크면 오히려 폭주합니다."
    ),
    params=Params,
    smallest=SMALLEST,
    breaking=BREAKING,
    run=run,
    claims=(
        Claim(metric="log10_drop_short_to_long", direction="greater", margin=2.0,
              statement="가장 긴 시퀀스에서 첫 스텝 기울기가 가장 짧은 시퀀스보다 100배 이상 작다",
              metric_label="첫 스텝 기울기 비 (가장 짧은 시퀀스 ÷ 가장 긴 시퀀스, log10)"),
    ),
    metric_labels={
        "log10_grad_h1_T{}": "첫 은닉 상태의 기울기 (log10, 시퀀스 길이 {})",
        "factor_per_step": "한 스텝 거슬러 갈 때마다 곱해지는 기울기 배율",
        "mean_tanh_derivative": "tanh 미분의 평균",
    },
    concepts=("rnn", "bptt", "vanishing_gradient", "jacobian"),
    questions=(
        QuestionRef("CS224n 6강", "RNN에서 시퀀스가 길어지면 기울기가 사라지는 이유"),
    ),
    citations=(
        Citation(authors="Bengio, Simard, Frasconi", year=1994,
                 title="Learning long-term dependencies with gradient descent is difficult",
                 url="https://doi.org/10.1109/72.279181"),
        Citation(authors="Pascanu, Mikolov, Bengio", year=2013, title="On the difficulty of training recurrent neural networks",
                 url="https://arxiv.org/abs/1211.5063"),
    ),
    version="1",
)
