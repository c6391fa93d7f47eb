"""Fixtures for the demo tests: an app whose demo pool has one worker, and a way to wait for a run.

The pool starts with the first run (a fresh interpreter importing torch: a few seconds), so the
API and page tests share one app. Every app is closed through its lifespan and the tests check
that no worker process is left behind.
"""

from __future__ import annotations

import multiprocessing
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from fastapi.testclient import TestClient

from app.config import Settings

SLUG = "activation-gradients"
# A run that takes minutes: what the time limit and the full queue are tested with.
SLOW_PARAMS = {"depth": 60, "width": 1024, "batch_size": 2048, "trials": 20}
# A run of roughly half a second on one thread, long enough to report progress a few times.
PROGRESS_PARAMS = {"depth": 30, "width": 256, "batch_size": 64, "trials": 5}
TERMINAL = {"succeeded", "failed", "timed_out"}


def demo_settings(db_path, **overrides) -> Settings:
    values = dict(database_url=f"sqlite:///{db_path}", testing=True, secret_key="test-secret",
                  demo_workers=1, demo_queue_size=1, demo_time_limit_s=120.0, demo_threads_per_worker=1,
                  rate_limit_demo_runs_per_minute=10_000,
                  # These apps run deliberately slow jobs (the time limit, a full queue): no refusing them.
                  demo_refuse_too_slow=False)
    values.update(overrides)
    return Settings(**values)


def workers_left() -> list:
    return [p for p in multiprocessing.active_children() if p.name == "kb-demo-worker"]


@contextmanager
def running_app(settings: Settings) -> Iterator[TestClient]:
    """A TestClient with the app's lifespan; on the way out, no demo worker may be left running."""
    from tests.apps import new_app

    before = {p.pid for p in workers_left()}  # another app's pool (the shared one) may be running
    with TestClient(new_app(settings)) as client:
        yield client
    left = [p for p in workers_left() if p.pid not in before]
    assert left == [], "the app's lifespan left demo workers running"


# Past the pool's own 120 s time limit for the running run and the one waiting behind it, with room for
# a loaded machine: the server ends a run well before this; the bound only keeps a broken pool from hanging.
RUN_WAIT_S = 600.0


def wait_for_run(client: TestClient, run_id: str, timeout_s: float = RUN_WAIT_S) -> dict:
    deadline = time.monotonic() + timeout_s
    while True:
        run = client.get(f"/api/v1/runs/{run_id}").json()
        if run["status"] in TERMINAL:
            return run
        if time.monotonic() > deadline:
            raise AssertionError(f"run {run_id} still {run['status']} after {timeout_s}s")
        time.sleep(0.05)


@pytest.fixture(scope="session")
def pool_client(tmp_path_factory, migrated_template) -> Iterator[TestClient]:
    """One app for the API and page tests: 1 worker, room for 1 waiting run, a 120 s time limit (a loaded
    machine runs the niced worker slowly: a boundary sweep took over 20 s while the suite ran beside it)."""
    db_path = tmp_path_factory.mktemp("demo-pool") / "kb.sqlite3"
    shutil.copy(migrated_template, db_path)
    with running_app(demo_settings(db_path)) as client:
        yield client
