"""A run may add only a bounded amount of private memory to its worker (issue 17): past the budget it
fails with a Korean message, and the worker, its limit lifted, goes on to the next run."""

from __future__ import annotations

import dataclasses

import pytest

from app.demos.runner import LocalPoolRunner
from app.demos.worker import memory_limit, out_of_memory, private_memory_bytes, run_job
from tests.demos.test_demo_runner import SMALL, Recorder, job

LARGEST_GPU_MEMORY = {"depth": 6, "width": 1024, "input_dim": 2048, "batch_size": 1024, "optimizer": "adam"}


def test_an_allocation_past_the_budget_is_refused_and_the_limit_lifted_afterwards():
    torch = pytest.importorskip("torch")
    if private_memory_bytes() is None:
        pytest.skip("no /proc/self/status on this platform")
    with memory_limit(16) as limited:
        assert limited
        with pytest.raises(Exception) as refused:
            torch.zeros(64 * 1024 * 1024)  # 256 MB of float32
    assert out_of_memory(refused.value)
    assert torch.zeros(64 * 1024 * 1024).numel() == 64 * 1024 * 1024


def test_no_budget_means_no_limit():
    with memory_limit(None) as limited:
        assert not limited


def test_run_job_names_the_budget_in_korean():
    pytest.importorskip("torch")
    reports: list = []
    message = dataclasses.replace(job("big", LARGEST_GPU_MEMORY, slug="gpu-memory"), memory_limit_mb=1)
    run_job(reports.append, message.to_message())
    assert reports[-1][0] == "error" and reports[-1][1] == "big"
    assert "메모리 한도(1 MB)" in reports[-1][2]


@pytest.mark.slow
def test_the_pooled_worker_survives_a_run_over_its_budget():
    recorder = Recorder()
    runner = LocalPoolRunner(recorder, workers=1, queue_size=2, threads=1)
    try:
        runner.probe()
        pid = runner.worker_pids()
        runner.submit(dataclasses.replace(job("big", LARGEST_GPU_MEMORY, slug="gpu-memory"), memory_limit_mb=1))
        runner.submit(dataclasses.replace(job("small", SMALL), memory_limit_mb=2048))
        assert recorder.expect("big").wait(120) and recorder.expect("small").wait(120)
        big, small = recorder.outcomes["big"], recorder.outcomes["small"]
        assert big.status == "failed" and "메모리 한도(1 MB)" in big.error
        assert small.status == "succeeded"
        assert runner.worker_pids() == pid  # the same worker: a refused allocation is not a crash
    finally:
        runner.shutdown()
