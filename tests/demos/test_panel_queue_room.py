"""A question page's results panel and a full experiment queue: identical requests share one run, a
page load asks for no more runs than the queue holds, and a refusal is said to the request and never
stored as a failed run.

The stand-in runner's workers never start here, so every run stays queued: the engine's own accounting
is what is tested, with no clock and no torch.
"""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func
from sqlmodel import Session, col, select

from app.db.models import DemoLink, DemoRun
from app.demos.engine import DemoEngine
from app.demos.experiments.activation_gradients import DEMO
from tests.demos.test_first_run_never_waits import SlowStartRunner


def _client(settings, **overrides):
    from tests.apps import new_app

    app = new_app(settings.with_overrides(demo_refuse_too_slow=False, **overrides))
    app.state.demo_engine = DemoEngine(app.state.settings, app.state.engine,
                                       runner_factory=lambda events: SlowStartRunner(events))
    return app, TestClient(app)


def _runs(app) -> list[DemoRun]:
    with Session(app.state.engine) as session:
        return list(session.exec(select(DemoRun)).all())


def test_an_identical_request_while_queued_joins_the_queued_run(settings):
    app, client = _client(settings)
    with client:
        first = client.post(f"/api/v1/demos/{DEMO.slug}/runs", json={"seed": 3})
        again = client.post(f"/api/v1/demos/{DEMO.slug}/runs", json={"seed": 3})
        other = client.post(f"/api/v1/demos/{DEMO.slug}/runs", json={"seed": 4})
        assert first.status_code == again.status_code == other.status_code == 202, again.text
        assert again.json()["id"] == first.json()["id"] != other.json()["id"]
        assert len(_runs(app)) == 2


def test_a_full_queue_refuses_in_the_envelope_and_stores_nothing(settings):
    app, client = _client(settings, demo_workers=1, demo_queue_size=1)
    with client:
        for seed in (1, 2):
            assert client.post(f"/api/v1/demos/{DEMO.slug}/runs", json={"seed": seed}).status_code == 202
        refused = client.post(f"/api/v1/demos/{DEMO.slug}/runs", json={"seed": 3})
        assert refused.status_code == 429, refused.text
        assert refused.json()["error"]["code"] == "queue_full" and "Retry-After" in refused.headers
        runs = _runs(app)
        assert len(runs) == 2 and {run.seed for run in runs} == {1, 2}
        assert all(run.status == "queued" for run in runs)


def _most_linked_question(app) -> tuple[int, int]:
    with Session(app.state.engine) as session:
        count = func.count(col(DemoLink.id))
        question_id, links = session.exec(
            select(DemoLink.question_id, count).group_by(col(DemoLink.question_id)).order_by(count.desc())
        ).first()
    return question_id, links


@pytest.mark.parametrize("queue_size", [1, 4])
def test_a_page_load_starts_no_more_presets_than_the_queue_holds_less_a_readers_place(seeded_settings, queue_size):
    app, client = _client(seeded_settings, demo_precompute=True, demo_workers=1, demo_queue_size=queue_size)
    with client:
        question_id, links = _most_linked_question(app)
        room = 1 + queue_size - 1  # one place stays for a run a reader starts
        assert links > room + 1, "the seeds link some question to more experiments than the queue holds"
        items = client.get(f"/api/v1/questions/{question_id}/results").json()["items"]
        started = [item for item in items if item["state"] == "computing"]
        assert len(started) == room
        assert {item["state"] for item in items} <= {"computing", "not_run"}
        runs = _runs(app)
        assert len(runs) == room and all(run.status == "queued" for run in runs)
        # A second load starts nothing more and shows no failure; a visitor's run of a queued preset
        # joins it; a visitor's run of one not started yet takes the place kept for it, and the next
        # is told the queue is full, storing nothing.
        again = client.get(f"/api/v1/questions/{question_id}/results").json()["items"]
        assert [item["state"] for item in again] == [item["state"] for item in items]
        joined = client.post(f"/api/v1/demos/{started[0]['demo']['slug']}/runs",
                             json={"params": started[0]["demo"]["params"]})
        assert joined.status_code == 202 and joined.json()["id"] == started[0]["run"]["id"]
        waiting = [item for item in items if item["state"] == "not_run"]
        own = client.post(f"/api/v1/demos/{waiting[0]['demo']['slug']}/runs",
                          json={"params": waiting[0]["demo"]["params"]})
        assert own.status_code == 202, own.text
        refused = client.post(f"/api/v1/demos/{waiting[1]['demo']['slug']}/runs",
                              json={"params": waiting[1]["demo"]["params"]})
        assert refused.status_code == 429
        assert len(_runs(app)) == room + 1
