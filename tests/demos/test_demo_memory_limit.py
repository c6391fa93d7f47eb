"""A run may add only a bounded amount of private memory to its worker (issue 17): past the budget it
fails with a Korean message, and the next run gets a fresh worker (a refused allocation can leave a
half-done import behind, so the spent worker is not reused)."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys

import pytest

from app.config import PROJECT_ROOT
from app.demos.runner import LocalPoolRunner
from app.demos.worker import memory_limit, out_of_memory, private_memory_bytes
from tests.demos.test_demo_runner import SMALL, Recorder, job

LARGEST_GPU_MEMORY = {"depth": 6, "width": 1024, "input_dim": 2048, "batch_size": 1024, "optimizer": "adam"}


@pytest.mark.slow  # torch
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


@pytest.mark.slow  # a fresh interpreter importing torch
def test_run_job_names_the_budget_in_korean_and_says_the_process_is_spent():
    pytest.importorskip("torch")
    # In a process of its own: a refused allocation may break a half-done import, as it would here.
    # torch and the experiments are imported first, as a worker does before it takes any run.
    message = dataclasses.replace(job("big", LARGEST_GPU_MEMORY, slug="gpu-memory"), memory_limit_mb=16)
    script = ("import json, sys\nimport torch\nfrom app.demos.registry import all_demos\n"
              "from app.demos.worker import run_job\nall_demos()\nreports = []\n"
              "spent = run_job(reports.append, json.loads(sys.argv[1]))\n"
              "print(json.dumps({'spent': spent, 'last': reports[-1]}, ensure_ascii=False))\n")
    done = subprocess.run([sys.executable, "-c", script, json.dumps(message.to_message())], cwd=PROJECT_ROOT,
                          capture_output=True, text=True, check=True)
    outcome = json.loads(done.stdout.strip().splitlines()[-1])
    assert outcome["spent"] is True
    kind, run_id, error, spent = outcome["last"]
    assert (kind, run_id, spent) == ("error", "big", True) and "메모리 한도(16 MB)" in error


@pytest.mark.slow
def test_a_run_over_its_budget_fails_and_a_fresh_worker_takes_the_next():
    recorder = Recorder()
    runner = LocalPoolRunner(recorder, workers=1, queue_size=2, threads=1)
    try:
        runner.probe()
        pid = runner.worker_pids()
        runner.submit(dataclasses.replace(job("big", LARGEST_GPU_MEMORY, slug="gpu-memory"), memory_limit_mb=16))
        runner.submit(dataclasses.replace(job("small", SMALL), memory_limit_mb=2048))
        assert recorder.expect("big").wait(120) and recorder.expect("small").wait(120)
        big, small = recorder.outcomes["big"], recorder.outcomes["small"]
        assert big.status == "failed" and "메모리 한도(16 MB)" in big.error
        assert small.status == "succeeded", small.error
        assert runner.worker_pids() and runner.worker_pids() != pid  # a fresh worker took the small run
    finally:
        runner.shutdown()


def test_a_refused_allocation_is_recognised_in_every_form_it_takes():
    try:
        try:
            raise MemoryError
        except MemoryError as inner:
            raise ValueError("while building the batch") from inner
    except ValueError as chained:
        assert out_of_memory(chained)
    assert out_of_memory(SystemError("error return without exception set"))
    assert out_of_memory(RuntimeError("DefaultCPUAllocator: can't allocate memory: you tried to allocate 4"))
    assert not out_of_memory(RuntimeError("mat1 and mat2 shapes cannot be multiplied"))
    assert not out_of_memory(ValueError("bad parameter"))
