"""The text/event-stream framing of a run's events (app/http/sse.py): the service says what happened,
the stream says it in SSE and keeps an idle connection open."""

from __future__ import annotations

import asyncio
import json

from app.db.models import DemoRun
from app.demos import service
from app.demos.service import RunEvent
from app.http.sse import KEEPALIVE_EVERY, event_stream
from tests.loops import run_in_own_loop


def _framed(events: list[RunEvent]) -> list[str]:
    async def source():
        for event in events:
            yield event

    async def collect():
        return [chunk async for chunk in event_stream(source())]

    return run_in_own_loop(collect)


def test_events_are_framed_after_a_retry_hint_and_waiting_becomes_a_keepalive_now_and_then():
    waits = [RunEvent("waiting")] * (2 * KEEPALIVE_EVERY + 1)
    chunks = _framed([RunEvent("status", {"status": "running"}), *waits,
                      RunEvent("progress", {"fraction": 0.5, "message": "반쯤"}), RunEvent("result", '{"id":"r1"}')])
    assert chunks == [
        "retry: 2000\n\n",
        'event: status\ndata: {"status":"running"}\n\n',
        ": keepalive\n\n", ": keepalive\n\n",
        'event: progress\ndata: {"fraction":0.5,"message":"반쯤"}\n\n',
        'event: result\ndata: {"id":"r1"}\n\n',
    ]


def test_a_run_that_is_gone_gives_an_empty_stream():
    assert _framed([]) == []


class _ElsewhereEngine:
    """A run executed by another process: no live report reaches this one, each read of the database
    gives the next stored state."""

    def __init__(self, states: list[DemoRun]) -> None:
        self.states = states
        self.reads = 0
        self.unsubscribed = False

    def subscribe(self, run_id: str) -> asyncio.Queue:
        return asyncio.Queue()

    def unsubscribe(self, run_id: str, queue: asyncio.Queue) -> None:
        self.unsubscribed = True

    def get(self, run_id: str) -> DemoRun:
        state = self.states[min(self.reads, len(self.states) - 1)]
        self.reads += 1
        return state

    def latest_progress(self, run_id: str) -> None:
        return None


def _state(status: str, progress: dict | None = None) -> DemoRun:
    return DemoRun(id="r1", demo_slug="adamw-vs-l2", cache_key="k", status=status,
                   progress_json=json.dumps(progress) if progress else "", error="멈춤" if status == "failed" else None)


def test_a_run_followed_through_the_database_reports_what_changed_then_its_result(monkeypatch):
    monkeypatch.setattr(service, "EVENT_POLL_S", 0.001)  # no live report comes: poll at once
    half = {"fraction": 0.5, "message": "반쯤"}
    engine = _ElsewhereEngine([_state("queued"), _state("running", half), _state("running", half), _state("failed")])

    async def disconnected() -> bool:
        return False

    async def follow():
        return [(event.name, event.data) async for event in service.run_events(engine, "r1", disconnected)]

    events = run_in_own_loop(follow)
    assert [name for name, _ in events] == ["status", "status", "progress", "waiting", "waiting", "result"]
    assert events[1][1] == {"status": "running"} and events[2][1] == half
    assert json.loads(events[-1][1])["status"] == "failed" and engine.unsubscribed
