"""A full queue's Retry-After says when a retry can be accepted: no sooner than the run in progress
is expected to end, judged by how long it has already run, not only by how short recent runs were."""

from __future__ import annotations

import time

from app.demos.runner import RUN_ESTIMATE_S, WORKER_START_ESTIMATE_S, Job, LocalPoolRunner, QueueFull


class Silent:
    def started(self, run_id): ...
    def progress(self, run_id, fraction, message, charts): ...
    def finished(self, run_id, outcome): ...


def full_runner(recent_walls: list[float], running_for_s: list[float], time_limit_s: float = 60.0) -> LocalPoolRunner:
    """A pool (never started: no process) whose one worker and one queue place are taken."""
    runner = LocalPoolRunner(Silent(), workers=1, queue_size=1, threads=1)
    runner._recent_wall_s.extend(recent_walls)
    runner._inflight.update({"a", "b"})
    now = time.monotonic()
    for n, elapsed in enumerate(running_for_s):
        runner._executing[f"r{n}"] = (now - elapsed, time_limit_s)
    return runner


def refused_after(runner: LocalPoolRunner) -> int:
    try:
        runner.submit(Job(run_id="new", slug="x", params={}, seed=0, device="cpu", time_limit_s=60.0))
    except QueueFull as exc:
        return exc.retry_after_s
    raise AssertionError("a full queue accepted a run")


def test_a_run_that_outlasts_recent_ones_is_expected_to_run_as_long_again():
    # The red team's case: recent runs took 0.2 s, the one in progress has run 3 s: not "retry in 1 s".
    assert refused_after(full_runner([0.2, 0.2], [3.0])) >= 3


def test_recent_runs_set_the_estimate_for_a_run_just_started():
    assert refused_after(full_runner([8.0, 10.0], [1.0])) >= 8


def test_no_run_past_its_time_limit_and_the_first_to_end_counts():
    assert refused_after(full_runner([100.0], [55.0], time_limit_s=60.0)) <= 10
    assert refused_after(full_runner([5.0], [4.5, 1.0])) <= 2  # the older run ends first


def test_workers_still_starting_add_their_start_up():
    assert refused_after(full_runner([], [])) >= WORKER_START_ESTIMATE_S + RUN_ESTIMATE_S
