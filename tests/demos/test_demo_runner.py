"""LocalPoolRunner on its own, with a recorder for its reports: the interface a distributed task
queue would implement (submit / cancel / probe / shutdown, reporting started / progress / finished)."""

from __future__ import annotations

import threading

import pytest

from app.demos.runner import Job, LocalPoolRunner, QueueFull
from tests.demos.conftest import SLOW_PARAMS, workers_left

pytestmark = pytest.mark.slow

SMALL = {"depth": 6, "width": 32, "batch_size": 16, "trials": 2}


class Recorder:
    def __init__(self) -> None:
        self.reports: list[tuple] = []
        self.done: dict[str, threading.Event] = {}
        self.outcomes: dict = {}

    def expect(self, run_id: str) -> threading.Event:
        return self.done.setdefault(run_id, threading.Event())

    def started(self, run_id):
        self.reports.append(("started", run_id))

    def progress(self, run_id, fraction, message, charts):
        self.reports.append(("progress", run_id, fraction, message, charts))

    def finished(self, run_id, outcome):
        self.reports.append(("finished", run_id))
        self.outcomes[run_id] = outcome
        self.expect(run_id).set()


def job(run_id: str, params: dict, slug: str = "activation-gradients") -> Job:
    return Job(run_id=run_id, slug=slug, params=params, seed=0, device="cpu", time_limit_s=60)


def test_the_local_pool_reports_through_the_interface():
    before = {p.pid for p in workers_left()}
    recorder = Recorder()
    runner = LocalPoolRunner(recorder, workers=1, queue_size=1, threads=1)
    try:
        probe = runner.probe()
        assert probe.torch_version.startswith("2.") and probe.threads == 1
        assert isinstance(probe.torch_version, str) and type(probe.torch_version) is str
        pid = runner.worker_pids()

        runner.submit(job("good", SMALL))
        assert recorder.expect("good").wait(60)
        good = recorder.outcomes["good"]
        assert good.status == "succeeded" and good.meta["device"] == "cpu" and good.meta["wall_ms"] > 0
        assert good.result["metrics"]["sigmoid_to_relu_first_layer_ratio"] < 1e-2
        kinds = [r[0] for r in recorder.reports if r[1] == "good"]
        assert kinds[0] == "started" and kinds[-1] == "finished" and "progress" in kinds
        charts = next(r[4] for r in recorder.reports if r[0] == "progress" and r[1] == "good")
        assert charts[0]["key"] == "grad_norm"

        runner.submit(job("unknown", {}, slug="no-such-demo"))
        assert recorder.expect("unknown").wait(60)
        assert recorder.outcomes["unknown"].status == "failed" and "LookupError" in recorder.outcomes["unknown"].error
        assert runner.worker_pids() == pid  # a demo's failure is not the worker's: it stays

        runner.submit(job("slow", SLOW_PARAMS))
        runner.submit(job("queued", SMALL))
        with pytest.raises(QueueFull) as full:
            runner.submit(job("refused", SMALL))
        assert full.value.retry_after_s >= 1
        assert runner.cancel("queued") and recorder.expect("queued").wait(5)  # reported at once
        assert "취소" in recorder.outcomes["queued"].error
        assert not runner.cancel("never-submitted")
    finally:
        runner.shutdown()
    assert recorder.expect("slow").wait(30)
    assert recorder.outcomes["slow"].status == "failed" and "종료" in recorder.outcomes["slow"].error
    assert "queued" not in [r[1] for r in recorder.reports if r[0] == "started"]
    assert [p for p in workers_left() if p.pid not in before] == []
