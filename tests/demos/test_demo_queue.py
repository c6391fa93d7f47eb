"""Runs through the Redis task queue: the web app only enqueues, `kb worker` (a real process) runs them
and writes status, progress and results to the database, and a worker whose run dies leaves it failed."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psutil
import pytest
from rq import Queue

from app.config import PROJECT_ROOT
from app.demos.queue import QueueRunner, connect, queue_name
from tests.demos.conftest import PROGRESS_PARAMS, SLOW_PARAMS, SLUG, demo_settings, running_app, wait_for_run
from tests.redis_server import binary, redis_server

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(binary() is None, reason="redis-server missing (make test installs it)")]


def _start_worker(db_path: Path, queue_url: str, log_path: Path) -> subprocess.Popen:
    env = {**os.environ, "KB_DATABASE_URL": f"sqlite:///{db_path}", "KB_TASK_QUEUE_URL": queue_url,
           "KB_SECRET_KEY": "test-secret-queue-worker"}
    log = log_path.open("w")
    return subprocess.Popen([sys.executable, "-m", "app.cli", "worker", "--concurrency", "1", "--threads", "1"],
                            cwd=PROJECT_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)


def _children(pid: int) -> list[int]:
    return [child.pid for child in psutil.Process(pid).children()]


def _wait_for(predicate, what: str, timeout_s: float = 180.0):
    deadline = time.monotonic() + timeout_s
    while True:
        value = predicate()
        if value:
            return value
        assert time.monotonic() < deadline, f"still waiting for {what} after {timeout_s}s"
        time.sleep(0.05)


def test_runs_wait_in_the_queue_for_a_worker_then_succeed_and_a_killed_run_fails(tmp_path, migrated_template):
    db_path = tmp_path / "kb.sqlite3"
    shutil.copy(migrated_template, db_path)
    with redis_server() as url:
        settings = demo_settings(db_path, task_queue_url=url, demo_time_limit_s=600.0)
        with running_app(settings) as client:
            posted = client.post(f"/api/v1/demos/{SLUG}/runs", json={"params": PROGRESS_PARAMS})
            assert posted.status_code in (200, 201, 202), posted.text
            run = posted.json()
            assert run["status"] == "queued"
            assert isinstance(client.app.state.demo_engine.runner, QueueRunner)
            # No worker yet: the run waits (the app started no local pool to take it).
            assert client.get(f"/api/v1/runs/{run['id']}").json()["status"] == "queued"

            worker = _start_worker(db_path, url, tmp_path / "worker.log")
            try:
                done = wait_for_run(client, run["id"], timeout_s=300)
                assert done["status"] == "succeeded", (done, (tmp_path / "worker.log").read_text()[-3000:])
                assert done["torch_version"].startswith("2.") and done["result"]

                # A horse killed mid-run (what the time limit does to a stuck torch call): failed, with a message.
                # The CPU worker's other child is RQ's scheduler (mail retries): the horse is the new child.
                idle_children = set(_children(worker.pid))
                slow = client.post(f"/api/v1/demos/{SLUG}/runs",
                                   json={"params": SLOW_PARAMS, "fresh": True}).json()
                _wait_for(lambda: client.get(f"/api/v1/runs/{slow['id']}").json()["status"] == "running",
                          "the slow run to start")
                horse = _wait_for(lambda: [pid for pid in _children(worker.pid) if pid not in idle_children],
                                  "the work horse")
                os.kill(horse[0], signal.SIGKILL)
                failed = wait_for_run(client, slow["id"], timeout_s=120)
                assert failed["status"] == "failed" and "비정상 종료" in failed["error"], failed

                # The worker itself survives its horse and takes the next run.
                again = client.post(f"/api/v1/demos/{SLUG}/runs", json={"params": PROGRESS_PARAMS, "seed": 7}).json()
                assert wait_for_run(client, again["id"], timeout_s=300)["status"] == "succeeded"
            finally:
                worker.terminate()
                worker.wait(timeout=120)


def test_identical_requests_to_two_web_servers_share_one_queued_run(tmp_path, migrated_template):
    """Two apps (two web processes' engines: nothing shared in memory) and 8 identical simultaneous requests."""
    db_path = tmp_path / "kb.sqlite3"
    shutil.copy(migrated_template, db_path)
    with redis_server() as url:
        settings = demo_settings(db_path, task_queue_url=url, demo_queue_size=16)
        with running_app(settings) as first, running_app(settings) as second:
            barrier = threading.Barrier(8)

            def post(client):
                barrier.wait()
                return client.post(f"/api/v1/demos/{SLUG}/runs", json={"params": PROGRESS_PARAMS, "seed": 3})

            with ThreadPoolExecutor(8) as pool:
                answers = list(pool.map(post, [first, second] * 4))
            assert all(a.status_code in (200, 201, 202) for a in answers), [a.text for a in answers]
            assert {a.json()["id"] for a in answers} == {answers[0].json()["id"]}
            assert {a.json()["status"] for a in answers} == {"queued"}
            # One job in the queue, and a different request is a run of its own.
            other = first.post(f"/api/v1/demos/{SLUG}/runs", json={"params": PROGRESS_PARAMS, "seed": 4}).json()
            assert other["id"] != answers[0].json()["id"]
            assert Queue(queue_name("cpu"), connection=connect(url)).count == 2
