"""Seeded synthetic data the batched experiments share: a random teacher network and a stream of noisy
examples drawn from it.

A teacher is a one-hidden-layer ReLU network with random weights, scaled so that its output has unit
variance on N(0, I) inputs; targets are its output plus Gaussian noise of a known size, so the lowest
possible test MSE (the noise floor σ²) is known exactly. Drawing a fresh minibatch from the stream at
every step removes overfitting from the picture: the test loss then measures the optimisation alone.
Each seed has its own teacher; everything is drawn on the CPU from per-seed generators.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any


def regression_teachers(seeds: Sequence[int], inputs: int, hidden: int, device: Any) -> tuple[Any, Any]:
    """Per seed a teacher (W1 (S, inputs, hidden), W2 (S, hidden, 1)) with unit output variance."""
    import torch

    from app.demos.batched import generator

    w1s, w2s = [], []
    for seed in seeds:
        gen = generator(seed * 7919 + 1)
        w1 = torch.randn(inputs, hidden, generator=gen) / math.sqrt(inputs)
        w2 = torch.randn(hidden, 1, generator=gen)
        probe = torch.relu(torch.randn(4096, inputs, generator=gen) @ w1) @ w2
        w1s.append(w1)
        w2s.append(w2 / probe.std())
    return torch.stack(w1s).to(device), torch.stack(w2s).to(device)


def sample_regression(teachers: tuple[Any, Any], generators: Sequence[Any], count: int, noise: float,
                      device: Any) -> tuple[Any, Any]:
    """``count`` fresh (input, target) pairs per seed from its generator: (S, count, inputs), (S, count, 1)."""
    import torch

    w1, w2 = teachers
    x = torch.stack([torch.randn(count, w1.shape[1], generator=gen) for gen in generators]).to(device)
    eps = torch.stack([torch.randn(count, 1, generator=gen) for gen in generators]).to(device)
    return x, torch.relu(x @ w1) @ w2 + noise * eps


def teacher_classification(seeds: Sequence[int], count: int, inputs: int, classes: int, hidden: int,
                           label_noise: float, device: Any) -> tuple[Any, Any]:
    """Per seed ``count`` inputs N(0, I) labelled by a random teacher MLP (argmax of its outputs), a
    ``label_noise`` fraction of labels replaced by uniformly random classes: (S, count, inputs), (S, count)."""
    import torch

    from app.demos.batched import generator

    xs, ys = [], []
    for seed in seeds:
        gen = generator(seed * 7919 + 1)
        x = torch.randn(count, inputs, generator=gen)
        w1 = torch.randn(inputs, hidden, generator=gen) / math.sqrt(inputs)
        w2 = torch.randn(hidden, classes, generator=gen)
        y = (torch.relu(x @ w1) @ w2).argmax(dim=1)
        if label_noise > 0:
            flip = torch.rand(count, generator=gen) < label_noise
            y = torch.where(flip, torch.randint(0, classes, (count,), generator=gen), y)
        xs.append(x)
        ys.append(y)
    return torch.stack(xs).to(device), torch.stack(ys).to(device)


def split(data: tuple[Any, Any], sizes: Sequence[int]) -> list[tuple[Any, Any]]:
    """Consecutive slices along the example axis: [(x[:, :a], y[:, :a]), (x[:, a:a+b], ...), ...]."""
    x, y = data
    parts, start = [], 0
    for size in sizes:
        parts.append((x[:, start:start + size], y[:, start:start + size]))
        start += size
    return parts
