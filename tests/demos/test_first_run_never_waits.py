"""The first run of a fresh server never waits for the workers to start (issue 12, item 6).

Only the workers can say whether "auto" means a GPU, and a real worker takes seconds to start (a new
interpreter importing torch). Here a stand-in runner's workers start only when the test lets them: a
request that waited for them would never return, so each POST below returning at all, with its run
queued, is the proof; no clock is read.
"""

from __future__ import annotations

import threading

import pytest
from fastapi.testclient import TestClient

from app.demos.engine import DemoEngine, cache_key
from app.demos.execute import DeviceProbe
from app.demos.experiments.activation_gradients import DEMO
from app.demos.runner import Outcome, RunnerUnavailable

RESULT = {"charts": [], "table": {"columns": ["a"], "rows": [[1.0]]}, "conclusion": "결론", "metrics": {"m": 1.0}}
GATE_S = 120.0  # only reached when a request did wait for the workers: the test then fails


class SlowStartRunner:
    """Workers that are ready only once `started` is set (or fail to start, `broken`)."""

    def __init__(self, events, *, cuda: bool = True, broken: bool = False) -> None:
        self.events, self.cuda, self.broken = events, cuda, broken
        self.started, self.submitted = threading.Event(), threading.Event()
        self.jobs: list = []
        self.probes_waited = 0

    def _probe(self) -> DeviceProbe:
        return DeviceProbe(torch_version="2.13.0", cuda=self.cuda, gpu_name="Fake GPU" if self.cuda else None,
                           cpu_name="Fake CPU", threads=1)

    def known_probe(self) -> DeviceProbe | None:
        return self._probe() if self.started.is_set() and not self.broken else None

    def probe(self) -> DeviceProbe:
        self.probes_waited += 1
        if not self.started.wait(GATE_S) or self.broken:
            raise RunnerUnavailable("작업 프로세스가 준비되지 않았습니다.")
        return self._probe()

    def submit(self, job) -> None:
        self.jobs.append(job)
        self.submitted.set()

    def cancel(self, run_id: str) -> bool:
        return False

    def shutdown(self) -> None:
        self.started.set()


@pytest.fixture
def slow_app(settings):
    """The app with its demo engine on a runner whose workers have not started yet."""
    from tests.apps import new_app

    app = new_app(settings.with_overrides(demo_refuse_too_slow=False))
    made: dict[str, SlowStartRunner] = {}

    def factory(events) -> SlowStartRunner:
        made["runner"] = SlowStartRunner(events, **app.state.slow_runner_options)
        return made["runner"]

    app.state.slow_runner_options = {}
    app.state.demo_engine = DemoEngine(app.state.settings, app.state.engine, runner_factory=factory)
    with TestClient(app) as client:
        yield app, client, made


def _hand_on_threads() -> list[threading.Thread]:
    return [thread for thread in threading.enumerate() if thread.name == "kb-demo-hand-on"]


def test_the_first_run_is_queued_at_once_and_handed_on_when_the_workers_are_ready(slow_app):
    app, client, made = slow_app
    posted = client.post(f"/api/v1/demos/{DEMO.slug}/runs", json={})
    assert posted.status_code == 202, posted.text
    run = posted.json()
    runner = made["runner"]
    assert run["status"] == "queued" and not runner.started.is_set() and runner.jobs == []
    # The run's page can be read while the workers start: it says queued.
    assert client.get(f"/api/v1/runs/{run['id']}").json()["status"] == "queued"

    runner.started.set()
    assert runner.submitted.wait(GATE_S)
    job = runner.jobs[0]
    assert job.run_id == run["id"] and job.device == "cuda"  # "auto" resolved by the workers' answer
    for thread in _hand_on_threads():
        thread.join(GATE_S)
    stored = app.state.demo_engine.get(run["id"])
    params = DEMO.params.model_validate(job.params)
    assert stored.cache_key == cache_key(DEMO.slug, params, job.seed, "cuda", DEMO.version, "Fake GPU")
    runner.events.started(run["id"])
    runner.events.finished(run["id"], Outcome("succeeded", result=RESULT,
                                              meta={"device": "cuda", "device_name": "Fake GPU"}))
    assert client.get(f"/api/v1/runs/{run['id']}").json()["status"] == "succeeded"

    # Once the workers have answered, a run is handed to them in its request (here: from the cache).
    again = client.post(f"/api/v1/demos/{DEMO.slug}/runs", json={})
    assert again.status_code == 202 and again.json()["status"] == "succeeded"
    assert len(runner.jobs) == 1


def test_the_run_form_posts_without_a_cookie_while_the_workers_start(slow_app):
    """An anonymous reader's run form (no cookie, no token: its page is shared) from this site."""
    _, client, made = slow_app
    posted = client.post(f"/demos/{DEMO.slug}/runs", data={}, headers={"Sec-Fetch-Site": "same-origin"},
                         follow_redirects=False)
    assert posted.status_code == 303, posted.text
    assert posted.headers["location"].startswith("/runs/")
    assert not made["runner"].started.is_set()
    refused = client.post(f"/demos/{DEMO.slug}/runs", data={}, headers={"Sec-Fetch-Site": "cross-site"},
                          follow_redirects=False)
    assert refused.status_code == 403
    # The demo page's other run button ("경계 찾기") likewise: a shared page carries no reader's token.
    boundary = client.post(f"/demos/{DEMO.slug}/boundary", data={}, headers={"Origin": "http://testserver"},
                           follow_redirects=False)
    assert boundary.status_code == 303 and boundary.headers["location"].startswith("/runs/"), boundary.text
    assert client.post(f"/demos/{DEMO.slug}/boundary", data={}, headers={"Origin": "https://elsewhere.example"},
                       follow_redirects=False).status_code == 403


def test_workers_that_never_start_fail_the_stored_run_with_their_reason(slow_app):
    app, client, made = slow_app
    app.state.slow_runner_options = {"broken": True}
    posted = client.post(f"/api/v1/demos/{DEMO.slug}/runs", json={})
    assert posted.status_code == 202, posted.text
    made["runner"].started.set()
    for thread in _hand_on_threads():
        thread.join(GATE_S)
    run = client.get(f"/api/v1/runs/{posted.json()['id']}").json()
    assert run["status"] == "failed" and "준비되지 않았습니다" in run["error"]
