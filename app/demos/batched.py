"""Many small models trained as one: stacked weights and one batched matmul per layer.

An experiment that compares arms over a learning-rate grid and three seeds trains dozens of tiny
networks. Looping over them in Python costs more than the arithmetic, so every model's weights are
stacked along a leading "model" axis, ``(models, fan_in, fan_out)``, and a layer is one ``baddbmm``
for all of them. Losses are per model; their sum is backpropagated, which gives each model exactly
its own gradient (the models share no parameter). The optimisers here step all models at once with a
learning rate (and weight decay) per model, which is what a grid search needs.

Each seed draws its data and initial weights from its own ``torch.Generator`` on the CPU, so a seed
gives the same numbers on any device and different seeds give different data and initialisations.
torch is imported inside the functions: experiment modules import this file in the web process.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any


def generator(seed: int) -> Any:
    """A CPU generator for one seed (CPU so that a seed means the same numbers on a GPU)."""
    import torch

    return torch.Generator().manual_seed(int(seed))


def init_mlp(sizes: Sequence[int], generators: Sequence[Any], copies: int, device: Any) -> list[Any]:
    """Weights of ``len(generators) * copies`` MLPs with layer widths ``sizes``, as nn.Linear would draw them.

    Model ``i`` is copy ``i // len(generators)`` initialised from ``generators[i % len(generators)]``: all
    copies of one seed start from the same weights (arms and learning rates differ, the start does not).
    Returns ``[W1, b1, W2, b2, ...]`` with ``W`` of shape (models, fan_in, fan_out) and ``b`` (models, 1, fan_out),
    each a leaf that requires grad.
    """
    import torch

    per_seed = []
    for gen in generators:
        layers = []
        for fan_in, fan_out in zip(sizes, sizes[1:]):
            bound = 1 / math.sqrt(fan_in)
            layers.append((torch.rand(fan_in, fan_out, generator=gen) * 2 - 1) * bound)
            layers.append((torch.rand(1, fan_out, generator=gen) * 2 - 1) * bound)
        per_seed.append(layers)
    params = []
    for k in range(len(per_seed[0])):
        stacked = torch.stack([layers[k] for layers in per_seed])
        params.append(stacked.repeat(copies, 1, 1).to(device).requires_grad_())
    return params


def mlp_forward(params: Sequence[Any], inputs: Any) -> Any:
    """ReLU MLP over a stack of models → (models, n, fan_out).

    ``inputs`` is either per model, (models, n, fan_in), or per seed, (seeds, n, fan_in), when every model
    of a seed reads the same examples (model i reads seed i % seeds, init_mlp's layout). Per seed, the
    first layer of all the seed's models is one matrix product with their weights side by side: many
    tiny per-model products cost far more than one wide one.
    """
    import torch

    models = params[0].shape[0]
    last = len(params) // 2 - 1
    if inputs.shape[0] == models:
        hidden = torch.baddbmm(params[1], inputs, params[0])
    else:
        seeds = inputs.shape[0]
        group = models // seeds
        fan_in, fan_out = params[0].shape[1:]

        def side_by_side(tensor):  # (group*seeds, a, b) → (seeds, a, group*b)
            rows = tensor.shape[1]
            return tensor.reshape(group, seeds, rows, fan_out).permute(1, 2, 0, 3).reshape(seeds, rows, group * fan_out)

        wide = torch.baddbmm(side_by_side(params[1]), inputs, side_by_side(params[0]))  # (seeds, n, group*fan_out)
        hidden = wide.reshape(seeds, -1, group, fan_out).permute(2, 0, 1, 3).reshape(models, -1, fan_out)
    for layer in range(1, last + 1):
        hidden = torch.baddbmm(params[2 * layer + 1], torch.relu(hidden), params[2 * layer])
    return hidden


def parameter_count(sizes: Sequence[int]) -> int:
    return sum(fan_in * fan_out + fan_out for fan_in, fan_out in zip(sizes, sizes[1:]))


def per_model_cross_entropy(logits: Any, labels: Any, label_smoothing: float = 0.0,
                            class_weight: Any = None) -> Any:
    """Mean cross-entropy of each model: ``logits`` (models, n, classes), ``labels`` (models, n) → (models,)."""
    import torch

    models, n, classes = logits.shape
    losses = torch.nn.functional.cross_entropy(
        logits.reshape(models * n, classes), labels.reshape(models * n), reduction="none",
        label_smoothing=label_smoothing, weight=class_weight)
    losses = losses.reshape(models, n)
    if class_weight is None:
        return losses.mean(dim=1)
    # As torch's weighted mean: divided by the summed weights of the examples, not by their number.
    return losses.sum(dim=1) / class_weight[labels].sum(dim=1)


def per_model_mse(predictions: Any, targets: Any) -> Any:
    """Mean squared error of each model over all but the first axis."""
    return ((predictions - targets) ** 2).flatten(1).mean(dim=1)


def rows(tensor: Any, index: Any) -> Any:
    """``tensor[m, index[m]]`` for every model m: (models, n, ...) with index (models, k) → (models, k, ...)."""
    import torch

    expanded = index.reshape(*index.shape, *([1] * (tensor.dim() - 2))).expand(*index.shape, *tensor.shape[2:])
    return torch.gather(tensor, 1, expanded)


def per_model(values: Any, like: Any) -> Any:
    """A (models,) tensor shaped to broadcast against a stacked parameter ``like``."""
    return values.reshape(-1, *([1] * (like.dim() - 1)))


class Adam:
    """Adam over stacked models, with a learning rate and a weight decay per model.

    ``decoupled=False`` adds ``weight_decay * θ`` to the gradient (L2 in the loss, what ``torch.optim.Adam``
    does with weight_decay); ``decoupled=True`` shrinks θ by ``lr * weight_decay`` outside the adaptive step
    (AdamW, Loshchilov & Hutter 2019). ``bias_correction=False`` skips dividing the moments by
    ``1 − β^t``, the variant Kingma & Ba's section 3 warns about. ``decoupled`` and ``bias_correction``
    may also be (models,) bool tensors, so that both variants train in one stack.
    """

    def __init__(self, params: Sequence[Any], lr: Any, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: Any = 0.0, decoupled: Any = False,
                 bias_correction: Any = True) -> None:
        import torch

        self.params = list(params)
        count = self.params[0].shape[0]
        device = self.params[0].device
        self.lr = torch.as_tensor(lr, dtype=torch.float32, device=device).expand(count).clone()
        self.weight_decay = torch.as_tensor(weight_decay, dtype=torch.float32, device=device).expand(count).clone()
        self.betas, self.eps = betas, eps
        decoupled = torch.as_tensor(decoupled, device=device).expand(count).float()
        self.corrected = torch.as_tensor(bias_correction, device=device).expand(count).clone().float()
        # Per-model factors shaped for broadcasting once, not at every step.
        self._lr = [per_model(self.lr, p) for p in self.params]
        l2 = self.weight_decay * (1 - decoupled)
        shrink = self.lr * self.weight_decay * decoupled
        self._l2 = [per_model(l2, p) for p in self.params] if bool((l2 != 0).any()) else None
        self._shrink = [1 - per_model(shrink, p) for p in self.params] if bool((shrink != 0).any()) else None
        self.m = [torch.zeros_like(p) for p in self.params]
        self.v = [torch.zeros_like(p) for p in self.params]
        self.t = 0

    def step(self, lr_factor: float = 1.0) -> None:
        import torch

        beta1, beta2 = self.betas
        self.t += 1
        # 1 − β^t where corrected, 1 where not.
        c1 = 1 - self.corrected * beta1 ** self.t
        c2 = 1 - self.corrected * beta2 ** self.t
        with torch.no_grad():
            for k, (p, m, v) in enumerate(zip(self.params, self.m, self.v)):
                grad = p.grad if self._l2 is None else p.grad + self._l2[k] * p
                m.mul_(beta1).add_(grad, alpha=1 - beta1)
                v.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
                if self._shrink is not None:
                    p.mul_(self._shrink[k] if lr_factor == 1.0 else 1 - (1 - self._shrink[k]) * lr_factor)
                denominator = (v / per_model(c2, p)).sqrt_().add_(self.eps)
                p.sub_((self._lr[k] * lr_factor / per_model(c1, p)) * m / denominator)
                p.grad = None


class SGD:
    """SGD with heavy-ball momentum over stacked models: a learning rate and a momentum per model."""

    def __init__(self, params: Sequence[Any], lr: Any, momentum: Any = 0.0) -> None:
        import torch

        self.params = list(params)
        count = self.params[0].shape[0]
        device = self.params[0].device
        self.lr = torch.as_tensor(lr, dtype=torch.float32, device=device).expand(count).clone()
        self.momentum = torch.as_tensor(momentum, dtype=torch.float32, device=device).expand(count).clone()
        self.velocity = [torch.zeros_like(p) for p in self.params]

    def step(self, lr_factor: Any = 1.0) -> None:
        """``lr_factor``: a float, or a (models,) tensor when each model follows its own schedule."""
        import torch

        with torch.no_grad():
            for p, velocity in zip(self.params, self.velocity):
                factor = per_model(lr_factor, p) if isinstance(lr_factor, torch.Tensor) else lr_factor
                velocity.mul_(per_model(self.momentum, p)).add_(p.grad)
                p.sub_(per_model(self.lr, p) * factor * velocity)
                p.grad = None


def finite_mean(values: Sequence[float | None]) -> float:
    """The mean of the finite values (a note's per-seed average); NaN when there is none."""
    finite = [v for v in values if v is not None and math.isfinite(v)]
    return sum(finite) / len(finite) if finite else float("nan")


def best_per_seed(scores: Any) -> Any:
    """Index of the lowest score along the first axis, per seed: ``scores`` (grid, seeds) → (seeds,).

    A diverged run (NaN or inf) never wins; if every run of a seed diverged, index 0 is returned and the
    caller sees the non-finite score.
    """
    import torch

    cleaned = torch.where(torch.isfinite(scores), scores, torch.full_like(scores, float("inf")))
    return cleaned.argmin(dim=0)


def band(per_seed: Sequence[Sequence[float | None]]) -> tuple[list[float | None], list[float | None],
                                                                   list[float | None]]:
    """Mean, min and max over seeds at each point: ``per_seed[s][i]`` → (y, lower, upper), None where no
    seed gave a finite value."""
    ys, lows, highs = [], [], []
    for values in zip(*per_seed):
        finite = [v for v in values if v is not None and math.isfinite(v)]
        ys.append(sum(finite) / len(finite) if finite else None)
        lows.append(min(finite) if finite else None)
        highs.append(max(finite) if finite else None)
    return ys, lows, highs
