"""Random draws made on the CPU generator and then moved to the run's device.

CUDA has its own generator: ``torch.randn(n, device="cuda")`` after ``torch.manual_seed(s)`` gives
different numbers from the CPU for the same seed, so a GPU run would measure other data than the
CPU run it is cached and compared beside. Drawing here keeps "same seed, same data" on every device.
torch is imported inside, as everywhere in the demos' shared code.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


def randn(*size: int, device: Any, generator: Any = None, dtype: Any = None) -> Any:
    import torch

    return torch.randn(*size, generator=generator, dtype=dtype).to(device)


def rand(*size: int, device: Any, generator: Any = None, dtype: Any = None) -> Any:
    import torch

    return torch.rand(*size, generator=generator, dtype=dtype).to(device)


def randint(low: int, high: int, size: tuple[int, ...], *, device: Any, generator: Any = None) -> Any:
    import torch

    return torch.randint(low, high, size, generator=generator).to(device)


def randperm(n: int, *, device: Any, generator: Any = None) -> Any:
    import torch

    return torch.randperm(n, generator=generator).to(device)


@contextmanager
def seeded(seed: int) -> Iterator[None]:
    """Within the block torch's global CPU generator starts from ``seed``; afterwards it is as before.

    For draws that take no generator (``nn.Linear``'s and ``nn.LSTM``'s initialisation): one seed's
    trial seeds its own start here and leaves nothing behind for the code that runs after it. Only the
    CPU is forked and seeded: the demos draw on the CPU, and touching CUDA's state would start a CUDA
    context for a CPU run on a GPU server.
    """
    import torch

    with torch.random.fork_rng(devices=[]):
        torch.random.default_generator.manual_seed(int(seed))
        yield
