"""Stopping and cancelling queued runs, with a real `kb worker`: a run still going when the worker's
shutdown deadline passes goes back to the queue (never failed for a deploy), a run that ends in time
is finished before the worker exits, and `kb demo cancel` withdraws a queued run or stops a running one
while the worker lives on."""

from __future__ import annotations

import shutil

import pytest
from rq import Queue

from app.cli import main
from app.demos.queue import connect, queue_name
from tests.demos.conftest import PROGRESS_PARAMS, SLOW_PARAMS, SLUG, demo_settings, running_app, wait_for_run
from tests.processes import start_worker, wait_until
from tests.redis_server import binary, redis_server

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(binary() is None, reason="redis-server missing (make test installs it)")]

CANCELLED = "실행이 취소되었습니다."


def _status(client, run_id: str) -> dict:
    return client.get(f"/api/v1/runs/{run_id}").json()


def _running(client, run_id: str, worker) -> None:
    wait_until(lambda: _status(client, run_id)["status"] == "running", f"run {run_id} to start", watch=worker)


def test_shutdown_requeues_a_long_run_finishes_a_short_one_and_cancel_stops_either(
        tmp_path, migrated_template, monkeypatch, capsys):
    db_path = tmp_path / "kb.sqlite3"
    shutil.copy(migrated_template, db_path)
    with redis_server() as url:
        env = {"KB_DATABASE_URL": f"sqlite:///{db_path}", "KB_TASK_QUEUE_URL": url}
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        queue = Queue(queue_name("cpu"), connection=connect(url))
        with running_app(demo_settings(db_path, task_queue_url=url, demo_time_limit_s=600.0,
                                       demo_queue_size=8)) as client:
            def post(params: dict, seed: int) -> str:
                posted = client.post(f"/api/v1/demos/{SLUG}/runs", json={"params": params, "seed": seed})
                assert posted.status_code in (200, 201, 202), posted.text
                return posted.json()["id"]

            worker = start_worker("worker-1", env, tmp_path, "--shutdown-timeout", "2")
            # Cancelling a running run: its horse is stopped, the run fails as cancelled, the worker lives on.
            stopped = post(SLOW_PARAMS, 1)
            _running(client, stopped, worker)
            assert main(["demo", "cancel", stopped]) == 0
            assert _status(client, stopped)["status"] == "failed" and _status(client, stopped)["error"] == CANCELLED
            assert wait_for_run(client, post(PROGRESS_PARAMS, 2), timeout_s=300)["status"] == "succeeded"

            # SIGTERM while a run goes on past the 2 s deadline: back to the queue, the worker exits cleanly.
            long_run = post(SLOW_PARAMS, 3)
            _running(client, long_run, worker)
            assert worker.stop() == 0, worker.tail()
            assert _status(client, long_run)["status"] == "queued"
            assert queue.job_ids == [long_run]
            # Nobody takes it now: cancelled while it waits.
            assert main(["demo", "cancel", long_run]) == 0
            assert _status(client, long_run)["error"] == CANCELLED and queue.count == 0
            assert main(["demo", "cancel", long_run]) == 1  # nothing left to cancel
            capsys.readouterr()

            # SIGTERM while a short run goes on: the worker finishes it first (RQ's warm shutdown).
            worker = start_worker("worker-2", env, tmp_path, "--shutdown-timeout", "600")
            short_run = post(PROGRESS_PARAMS, 4)
            _running(client, short_run, worker)
            assert worker.stop() == 0, worker.tail()
            assert _status(client, short_run)["status"] == "succeeded"
