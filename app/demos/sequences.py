"""Recurrent networks trained as one stack: a tanh RNN and an LSTM with one weight set per model.

The sequence experiments (BPTT, gradient clipping, the forget gate, teacher forcing) compare arms over
seeds and learning rates; like ``app.demos.batched`` they stack every model's weights along a leading
axis, ``(models, fan_in, fan_out)``, so a time step of all models is one ``baddbmm``. Inputs are
``(models, batch, time, features)``. Weights are drawn per seed from that seed's CPU generator and
repeated for every copy, so all arms of one seed start from the same weights and a seed means the same
numbers on any device. torch is imported inside the functions: experiment modules import this file in
the web process.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any


def _stack(per_seed: list[list[Any]], copies: int, device: Any) -> list[Any]:
    import torch

    out = []
    for k in range(len(per_seed[0])):
        stacked = torch.stack([tensors[k] for tensors in per_seed])
        out.append(stacked.repeat(copies, *([1] * (stacked.dim() - 1))).to(device).requires_grad_())
    return out


def init_rnn(generators: Sequence[Any], copies: int, inputs: int, hidden: int, outputs: int, gain: float,
             device: Any) -> list[Any]:
    """``[W_x, W_h, b, W_out, b_out]`` of a tanh RNN per model; ``W_h`` ~ N(0, gain²/hidden), so its
    spectral radius is about ``gain``. Model ``i`` is copy ``i // len(generators)`` of seed ``i % len(generators)``."""
    import torch

    per_seed = []
    for gen in generators:
        per_seed.append([
            torch.randn(inputs, hidden, generator=gen) / math.sqrt(inputs),
            torch.randn(hidden, hidden, generator=gen) * gain / math.sqrt(hidden),
            torch.zeros(1, hidden),
            torch.randn(hidden, outputs, generator=gen) / math.sqrt(hidden),
            torch.zeros(1, outputs),
        ])
    return _stack(per_seed, copies, device)


def rnn_states(weights: Sequence[Any], inputs: Any, h0: Any = None) -> list[Any]:
    """Hidden states of every step: ``inputs`` (M, B, T, F) → T tensors (M, B, H)."""
    import torch

    w_x, w_h, b = weights[0], weights[1], weights[2]
    M, B, T, _ = inputs.shape
    h = torch.zeros(M, B, w_h.shape[1], device=inputs.device) if h0 is None else h0
    projected = torch.baddbmm(b, inputs.reshape(M, B * T, -1), w_x).reshape(M, B, T, -1)  # all steps at once
    states = []
    for t in range(T):
        h = torch.tanh(projected[:, :, t] + torch.bmm(h, w_h))
        states.append(h)
    return states


def readout(weights: Sequence[Any], state: Any) -> Any:
    """The output layer (the last two tensors of ``weights``) on one step's states (M, B, H)."""
    import torch

    return torch.baddbmm(weights[-1], state, weights[-2])


def init_lstm(generators: Sequence[Any], copies: int, inputs: int, hidden: int, outputs: int,
              device: Any) -> list[Any]:
    """``[W_x, W_h, b, W_out, b_out]`` of an LSTM per model, gates in the order (input, forget, cell, output),
    drawn as ``nn.LSTM`` draws them: U(−1/√hidden, 1/√hidden). The bias starts at zero; set the forget
    gate's slice with :func:`set_forget_bias`."""
    import torch

    bound = 1 / math.sqrt(hidden)
    per_seed = []
    for gen in generators:
        per_seed.append([
            (torch.rand(inputs, 4 * hidden, generator=gen) * 2 - 1) * bound,
            (torch.rand(hidden, 4 * hidden, generator=gen) * 2 - 1) * bound,
            torch.zeros(1, 4 * hidden),
            torch.randn(hidden, outputs, generator=gen) / math.sqrt(hidden),
            torch.zeros(1, outputs),
        ])
    return _stack(per_seed, copies, device)


def set_forget_bias(weights: Sequence[Any], forget_bias: Any) -> None:
    """Per model: the forget gate's bias (a (models,) tensor) in an LSTM's stacked bias."""
    import torch

    bias = weights[2]
    hidden = bias.shape[2] // 4
    with torch.no_grad():
        bias[:, :, hidden:2 * hidden] = forget_bias.reshape(-1, 1, 1).to(bias)


def lstm_states(weights: Sequence[Any], inputs: Any) -> tuple[list[Any], list[Any]]:
    """Hidden states and forget-gate activations of every step: ``inputs`` (M, B, T, F) → T × (M, B, H) each."""
    import torch

    w_x, w_h, b = weights[0], weights[1], weights[2]
    M, B, T, _ = inputs.shape
    hidden = w_h.shape[1]
    h = torch.zeros(M, B, hidden, device=inputs.device)
    c = torch.zeros_like(h)
    projected = torch.baddbmm(b, inputs.reshape(M, B * T, -1), w_x).reshape(M, B, T, -1)
    states, forgets = [], []
    for t in range(T):
        gates = projected[:, :, t] + torch.bmm(h, w_h)
        i, f, g, o = gates.chunk(4, dim=2)
        f = torch.sigmoid(f)
        c = f * c + torch.sigmoid(i) * torch.tanh(g)
        h = torch.sigmoid(o) * torch.tanh(c)
        states.append(h)
        forgets.append(f)
    return states, forgets


def per_model_grad_norm(params: Sequence[Any]) -> Any:
    """The global gradient norm of each model over all its parameters: (models,)."""
    import torch

    squares = [p.grad.reshape(p.shape[0], -1).pow(2).sum(dim=1) for p in params]
    return torch.stack(squares).sum(dim=0).sqrt()


def clip_per_model(params: Sequence[Any], max_norm: Any) -> Any:
    """``clip_grad_norm_`` for each model on its own: rescale a model's gradients to at most ``max_norm``
    (a (models,) tensor; inf leaves a model unclipped). Returns the norms before clipping."""
    import torch

    norms = per_model_grad_norm(params)
    scale = (max_norm / (norms + 1e-6)).clamp(max=1.0)
    scale = torch.where(torch.isfinite(max_norm), scale, torch.ones_like(scale))
    with torch.no_grad():
        for p in params:
            p.grad.mul_(scale.reshape(-1, *([1] * (p.dim() - 1))))
    return norms
