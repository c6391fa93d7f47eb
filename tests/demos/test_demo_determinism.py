"""GPU honesty: deterministic settings recorded with every result, data drawn on the CPU generator so a
seed means the same data on every device, and CUDA asked for without a GPU refused in words."""

from __future__ import annotations

import pytest

from app.demos import draws
from app.demos.execute import CUBLAS_WORKSPACE_CONFIG, DeviceUnavailable, execute
from app.demos.registry import get_demo
from tests.demos.conftest import SLUG, wait_for_run

pytestmark = pytest.mark.slow

SMALL = {"depth": 6, "width": 32, "batch_size": 16, "trials": 1}


def test_a_result_records_the_determinism_it_was_measured_under():
    spec = get_demo(SLUG)
    determinism = execute(spec, spec.smallest, "cpu", 0).result.determinism
    assert determinism.deterministic_algorithms and determinism.warn_only
    assert determinism.cudnn_deterministic and not determinism.cudnn_benchmark
    assert determinism.tf32 is False


def test_a_run_turns_tensorfloat32_off_even_where_something_turned_it_on():
    """TF32 on a GPU flipped two verdicts against the CPU's (bench/results/gpu_check.json): the engine pins
    full float32 whatever the process had set before."""
    import torch

    before = torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32
    torch.backends.cuda.matmul.allow_tf32 = torch.backends.cudnn.allow_tf32 = True
    try:
        spec = get_demo(SLUG)
        assert execute(spec, spec.smallest, "cpu", 0).result.determinism.tf32 is False
        assert not torch.backends.cuda.matmul.allow_tf32 and not torch.backends.cudnn.allow_tf32
    finally:
        torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32 = before


def test_worker_runs_use_a_fixed_cublas_workspace(pool_client):
    run_id = pool_client.post(f"/api/v1/demos/{SLUG}/runs", json={"params": SMALL, "seed": 2, "fresh": True}).json()["id"]
    run = wait_for_run(pool_client, run_id)
    assert run["status"] == "succeeded", run["error"]
    determinism = run["result"]["determinism"]
    assert determinism["cublas_workspace_config"] == CUBLAS_WORKSPACE_CONFIG
    assert determinism["deterministic_algorithms"] and determinism["cudnn_deterministic"]


def test_draws_come_from_the_cpu_generator():
    import torch

    torch.manual_seed(3)
    expected = (torch.randn(4, 2), torch.rand(5), torch.randint(0, 9, (6,)), torch.randperm(7))
    torch.manual_seed(3)
    drawn = (draws.randn(4, 2, device="cpu"), draws.rand(5, device="cpu"), draws.randint(0, 9, (6,), device="cpu"),
             draws.randperm(7, device="cpu"))
    for a, b in zip(expected, drawn):
        assert torch.equal(a, b)


def test_cuda_draws_equal_cpu_draws_for_a_seed():
    import torch

    if not torch.cuda.is_available():
        pytest.skip("no CUDA GPU on this machine")
    torch.manual_seed(5)
    on_cpu = draws.randn(3, 4, device="cpu")
    torch.manual_seed(5)
    on_gpu = draws.randn(3, 4, device="cuda")
    assert on_gpu.device.type == "cuda" and torch.equal(on_gpu.cpu(), on_cpu)


def test_cuda_without_a_gpu_fails_clearly_in_the_worker_path():
    import torch

    if torch.cuda.is_available():
        pytest.skip("this machine has a GPU")
    spec = get_demo(SLUG)
    with pytest.raises(DeviceUnavailable, match="CUDA GPU가 없습니다"):
        execute(spec, spec.smallest, "cuda", 0)


def test_no_experiment_draws_random_numbers_from_the_devices_own_generator():
    """``torch.randn(..., device=device)`` draws from CUDA's generator on a GPU: other numbers than the CPU
    run of the same seed. Experiments draw on a CPU generator and move the tensor (app/demos/draws.py)."""
    import re

    from app.config import PROJECT_ROOT

    on_device = re.compile(r"torch\.(randn|rand|randint|randperm|normal|bernoulli|multinomial)\([^()]*device=")
    offenders = [f"{path.name}:{number}" for path in sorted((PROJECT_ROOT / "app/demos/experiments").glob("*.py"))
                 for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
                 if on_device.search(line)]
    assert offenders == []
