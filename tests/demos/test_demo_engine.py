"""The engine against a stand-in runner: what it stores, caches and publishes for each report.

The runner interface (submit / cancel / probe + started / progress / finished events) is what a
distributed task queue would implement; here a fake one reports a GPU, so the CUDA paths of the
web process (auto → cuda, the cache key per device, the recorded GPU name) are checked on a CPU box.
"""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import timedelta

import pytest
from sqlmodel import Session, select

from app.clock import now_utc
from app.db.models import DemoRun
from app.demos.engine import DemoEngine, cache_key
from app.demos.execute import DeviceProbe, DeviceUnavailable
from app.demos.experiments.activation_gradients import DEMO, Params
from app.demos.runner import Outcome, QueueFull
from tests.loops import run_in_own_loop

RESULT = {"charts": [], "table": {"columns": ["a"], "rows": [[1.0]]}, "conclusion": "결론", "metrics": {"m": 1.0}}


class FakeRunner:
    def __init__(self, events, *, cuda: bool, full: bool = False, gpu_name: str = "Fake GPU") -> None:
        self.events, self.cuda, self.full, self.gpu_name = events, cuda, full, gpu_name
        self.jobs, self.cancelled, self.closed = [], [], False

    def probe(self) -> DeviceProbe:
        return DeviceProbe(torch_version="2.13.0", cuda=self.cuda, gpu_name=self.gpu_name if self.cuda else None,
                           cpu_name="Fake CPU", threads=1)

    def known_probe(self) -> DeviceProbe | None:
        return self.probe()

    def submit(self, job) -> None:
        if self.full:
            raise QueueFull(7)
        self.jobs.append(job)

    def cancel(self, run_id: str) -> bool:
        self.cancelled.append(run_id)
        return True

    def shutdown(self) -> None:
        self.closed = True


@pytest.fixture
def make_engine(settings, engine):
    made = []

    def make(**runner_options) -> tuple[DemoEngine, FakeRunner]:
        holder = {}

        def factory(events):
            holder["runner"] = FakeRunner(events, **runner_options)
            return holder["runner"]

        demo_engine = DemoEngine(settings, engine, runner_factory=factory)
        made.append(demo_engine)
        return demo_engine, demo_engine.runner and holder["runner"]

    yield make
    for demo_engine in made:
        demo_engine.shutdown()


def test_auto_picks_the_gpu_when_the_probe_reports_one(make_engine):
    demo_engine, runner = make_engine(cuda=True)
    auto = demo_engine.submit(DEMO, DEMO.smallest, device="auto", seed=0)
    cpu = demo_engine.submit(DEMO, DEMO.smallest, device="cpu", seed=0)
    assert [job.device for job in runner.jobs] == ["cuda", "cpu"]
    assert auto.run.cache_key != cpu.run.cache_key  # a GPU result never answers a CPU request
    assert auto.run.cache_key == cache_key(DEMO.slug, DEMO.smallest, 0, "cuda", DEMO.version, "Fake GPU")


def test_a_result_from_one_gpu_model_never_answers_for_another(make_engine):
    """Kernels differ between GPU models even under deterministic settings: the key names the model."""
    first, _ = make_engine(cuda=True, gpu_name="NVIDIA A100")
    other, _ = make_engine(cuda=True, gpu_name="NVIDIA H100")
    a = first.submit(DEMO, DEMO.smallest, device="cuda", seed=0).run.cache_key
    assert other.submit(DEMO, DEMO.smallest, device="cuda", seed=0).run.cache_key != a
    assert first.submit(DEMO, DEMO.smallest, device="cuda", seed=0, use_cache=False).run.cache_key == a


def test_a_cpu_result_never_answers_for_another_thread_count(settings, engine):
    """torch splits a large CPU sum into one partial sum per thread, so the last bits (and, through a
    high learning rate, whole percents) depend on the thread count: the key names it."""
    made = []
    for threads in (1, 1, 3):
        threaded = dataclasses.replace(settings, demo_threads_per_worker=threads)
        made.append(DemoEngine(threaded, engine, runner_factory=lambda events: FakeRunner(events, cuda=False)))
    try:
        keys = [e.submit(DEMO, DEMO.smallest, device="cpu", seed=0, use_cache=False).run.cache_key for e in made]
    finally:
        for demo_engine in made:
            demo_engine.shutdown()
    assert keys[0] == keys[1] != keys[2]


def test_cuda_without_a_gpu_is_refused_before_anything_is_stored(make_engine, engine):
    demo_engine, runner = make_engine(cuda=False)
    with pytest.raises(DeviceUnavailable):
        demo_engine.submit(DEMO, DEMO.smallest, device="cuda", seed=0)
    assert runner.jobs == []
    with Session(engine) as session:
        assert session.exec(select(DemoRun)).all() == []


def test_a_refused_submission_leaves_no_run(make_engine, engine):
    demo_engine, _ = make_engine(cuda=False, full=True)
    with pytest.raises(QueueFull):
        demo_engine.submit(DEMO, DEMO.smallest, device="cpu", seed=0)
    with Session(engine) as session:
        assert session.exec(select(DemoRun)).all() == []


def test_reports_are_stored_and_published(make_engine):
    demo_engine, runner = make_engine(cuda=True)
    run_id = demo_engine.submit(DEMO, DEMO.smallest, device="auto", seed=4).run.id

    async def follow():
        queue = demo_engine.subscribe(run_id)
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(None, runner.events.started, run_id)
        charts = [{"key": "k", "title": "t", "x_label": "x", "y_label": "y", "series": []}]
        await loop.run_in_executor(None, runner.events.progress, run_id, 0.5, "절반", charts)
        await loop.run_in_executor(None, runner.events.finished, run_id, Outcome(
            "succeeded", result=RESULT,
            meta={"device": "cuda", "device_name": "Fake GPU", "torch_version": "2.13.0", "wall_ms": 12.5}))
        seen = [await asyncio.wait_for(queue.get(), 5) for _ in range(3)]
        demo_engine.unsubscribe(run_id, queue)
        return seen

    seen = run_in_own_loop(follow)
    assert [name for name, _ in seen] == ["status", "progress", "done"]
    assert seen[1][1]["fraction"] == 0.5 and seen[1][1]["charts"][0]["key"] == "k"
    run = demo_engine.get(run_id)
    assert run.status == "succeeded" and run.device_used == "cuda" and run.device_name == "Fake GPU"
    assert run.wall_ms == 12.5 and run.started_at and run.finished_at
    assert '"fraction":0.5' in run.progress_json  # the partial charts stay with the run
    repeat = demo_engine.submit(DEMO, DEMO.smallest, device="auto", seed=4)
    assert repeat.how == "cached" and repeat.run.device_name == "Fake GPU" and len(runner.jobs) == 1


def test_a_failed_run_keeps_its_error_and_is_not_cached(make_engine):
    demo_engine, runner = make_engine(cuda=False)
    run_id = demo_engine.submit(DEMO, DEMO.smallest, device="cpu", seed=0).run.id
    runner.events.started(run_id)
    runner.events.finished(run_id, Outcome("failed", error="ValueError: boom"))
    assert demo_engine.get(run_id).error == "ValueError: boom"
    assert demo_engine.submit(DEMO, DEMO.smallest, device="cpu", seed=0).how == "queued"


def test_a_run_in_flight_is_joined_not_repeated(make_engine):
    demo_engine, runner = make_engine(cuda=False)
    first = demo_engine.submit(DEMO, DEMO.smallest, device="cpu", seed=0)
    second = demo_engine.submit(DEMO, DEMO.smallest, device="cpu", seed=0)
    fresh = demo_engine.submit(DEMO, DEMO.smallest, device="cpu", seed=0, use_cache=False)
    assert second.how == "joined" and second.run.id == first.run.id
    assert fresh.how == "queued" and fresh.run.id != first.run.id and len(runner.jobs) == 2


def test_runs_left_behind_by_a_stopped_server_are_marked_failed(make_engine, engine):
    demo_engine, _ = make_engine(cuda=False)
    long_ago = now_utc() - timedelta(hours=3)
    with Session(engine) as session:
        session.add(DemoRun(id="orphan", demo_slug=DEMO.slug, cache_key="k", status="running",
                            created_at=long_ago, started_at=long_ago))
        session.add(DemoRun(id="fresh", demo_slug=DEMO.slug, cache_key="k2", status="running",
                            created_at=now_utc(), started_at=now_utc()))
        session.commit()
    orphan = demo_engine.get("orphan")
    assert orphan.status == "failed" and "다시 시작" in orphan.error
    assert demo_engine.get("fresh").status == "running"


def test_shutdown_stops_the_runner(make_engine):
    demo_engine, runner = make_engine(cuda=False)
    demo_engine.shutdown()
    assert runner.closed and not demo_engine.runner_started


def test_params_in_the_key_are_canonical():
    a = Params(depth=7, activations=("relu", "sigmoid"))
    b = Params.model_validate({"activations": ["relu", "sigmoid"], "depth": 7})
    assert cache_key("s", a, 0, "cpu", "1") == cache_key("s", b, 0, "cpu", "1")
    assert cache_key("s", a, 0, "cpu", "1") != cache_key("s", a, 0, "cpu", "2")
    assert cache_key("s", a, 0, "cpu", "1") != cache_key("s", a, 1, "cpu", "1")


def test_progress_is_shown_live_but_committed_rarely(make_engine):
    """Each commit empties the reading pages' response cache: a short run commits only queued,
    running and done, while its page and JSON still show the latest report."""
    from app.demos.service import run_detail

    demo_engine, runner = make_engine(cuda=False)
    run_id = demo_engine.submit(DEMO, DEMO.smallest, device="cpu", seed=0).run.id
    runner.events.started(run_id)
    runner.events.progress(run_id, 0.25, "1/4", None)
    runner.events.progress(run_id, 0.75, "3/4", None)
    assert demo_engine.get(run_id).progress_json == ""
    shown = run_detail(demo_engine, run_id)
    assert shown.status == "running" and shown.progress.fraction == 0.75 and shown.progress.message == "3/4"
    runner.events.finished(run_id, Outcome("failed", error="x"))
    assert '"fraction":0.75' in demo_engine.get(run_id).progress_json
