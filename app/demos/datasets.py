"""Data the experiments share: scikit-learn's bundled 8×8 digits as tensors, split with torch's RNG.

Nothing downloads: ``load_digits`` reads a file shipped inside scikit-learn. Splits draw from torch's
global generator, which the engine seeds before each run, so a seed fixes the split. torch is imported
inside the functions because the web process imports experiment modules without torch.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

DIGIT_SIDE = 8
DIGIT_CLASSES = 10


@lru_cache(maxsize=1)
def _digits_arrays():
    from sklearn.datasets import load_digits

    bunch = load_digits()
    return bunch.data, bunch.target


def digits(device: Any) -> tuple[Any, Any]:
    """All 1,797 digits: inputs scaled to [0, 1], shape (n, 64), and labels 0–9."""
    import torch

    data, target = _digits_arrays()
    inputs = torch.tensor(data, dtype=torch.float32, device=device) / 16.0
    labels = torch.tensor(target, dtype=torch.long, device=device)
    return inputs, labels


def random_split(n: int, sizes: list[int], device: Any) -> list[Any]:
    """Disjoint random index sets of the given sizes drawn from range(n) (sizes may sum to less than n)."""
    import torch

    if sum(sizes) > n:
        raise ValueError(f"cannot take {sum(sizes)} of {n} examples")
    order = torch.randperm(n).to(device)
    parts, start = [], 0
    for size in sizes:
        parts.append(order[start:start + size])
        start += size
    return parts
