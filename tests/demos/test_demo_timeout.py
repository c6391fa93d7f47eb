"""A run past its time limit is really stopped: its worker is killed and a fresh one takes over."""

from __future__ import annotations

import shutil

import pytest

from tests.demos.conftest import SLOW_PARAMS, SLUG, demo_settings, running_app, wait_for_run

pytestmark = pytest.mark.slow


def test_time_limit_kills_the_worker_and_the_next_run_succeeds(tmp_path, migrated_template):
    shutil.copy(migrated_template, tmp_path / "kb.sqlite3")
    # SLOW_PARAMS take minutes, so 15 s still stops them, and leaves the small run after it room on a
    # loaded machine, where the niced worker's first run took over 3 s.
    with running_app(demo_settings(tmp_path / "kb.sqlite3", demo_time_limit_s=15.0)) as client:
        runner = client.app.state.demo_engine.runner
        slow = client.post(f"/api/v1/demos/{SLUG}/runs", json={"params": SLOW_PARAMS}).json()
        first_worker = runner.worker_pids()
        run = wait_for_run(client, slow["id"])
        assert run["status"] == "timed_out"
        assert "15초" in run["error"] and run["result"] is None and run["finished_at"]
        # The next runs are not about the limit: on a busy machine the niced fresh worker's small run
        # has taken more than 15 s.
        engine = client.app.state.demo_engine
        engine.settings = engine.settings.with_overrides(demo_time_limit_s=600.0)
        small = client.post(f"/api/v1/demos/{SLUG}/runs",
                            json={"params": {"depth": 6, "width": 32, "batch_size": 16, "trials": 1}}).json()
        assert wait_for_run(client, small["id"])["status"] == "succeeded"
        assert runner.worker_pids() and runner.worker_pids() != first_worker
        # a timed-out run is not a cache entry: asking again runs it again
        again = client.post(f"/api/v1/demos/{SLUG}/runs", json={"params": SLOW_PARAMS}).json()
        assert not again["cached"] and again["id"] != slow["id"]
        client.app.state.demo_engine.cancel(again["id"])
        assert wait_for_run(client, again["id"])["status"] == "failed"
