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


def digit_orders(generators: list[Any]) -> Any:
    """Per seed a random order of all the digits, drawn from that seed's generator: (seeds, 1,797)."""
    import torch

    count = len(_digits_arrays()[1])
    return torch.stack([torch.randperm(count, generator=g) for g in generators])


def digit_splits(orders: Any, n_train: int, n_val: int, seed_of: Any, device: Any) -> dict[str, tuple[Any, Any]]:
    """Each seed's order cut into train (the first ``n_train``), val (the next ``n_val``) and test (the rest),
    as (inputs, labels) laid out per model: model i reads seed ``seed_of[i]``'s examples."""
    inputs, labels = digits("cpu")
    split = {"train": orders[:, :n_train], "val": orders[:, n_train:n_train + n_val],
             "test": orders[:, n_train + n_val:]}
    return {name: (inputs[index][seed_of].to(device), labels[index][seed_of].to(device))
            for name, index in split.items()}


def random_split(n: int, sizes: list[int], device: Any) -> list[Any]:
    """Disjoint random index sets of the given sizes drawn from range(n) (sizes may sum to less than n), from
    torch's global generator: call it inside ``draws.seeded(seed)`` so that a seed's split is its own."""
    import torch

    if sum(sizes) > n:
        raise ValueError(f"cannot take {sum(sizes)} of {n} examples")
    order = torch.randperm(n).to(device)
    parts, start = [], 0
    for size in sizes:
        parts.append(order[start:start + size])
        start += size
    return parts


def place_on_canvas(inputs: Any, canvas: int, rows: Any, cols: Any) -> Any:
    """Each 8×8 digit pasted at its own (row, col) offset on a blank canvas: shape (n, canvas, canvas)."""
    import torch

    n = inputs.shape[0]
    images = inputs.reshape(n, DIGIT_SIDE, DIGIT_SIDE)
    out = torch.zeros(n, canvas, canvas, dtype=images.dtype, device=images.device)
    # One slice assignment per distinct offset rather than one per image.
    for row in range(canvas - DIGIT_SIDE + 1):
        for col in range(canvas - DIGIT_SIDE + 1):
            chosen = ((rows == row) & (cols == col)).nonzero().flatten()
            if len(chosen):
                out[chosen, row:row + DIGIT_SIDE, col:col + DIGIT_SIDE] = images[chosen]
    return out
