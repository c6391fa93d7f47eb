"""The demo engine of the web process: stores runs, answers repeats from the cache, hands new runs
to a runner, and turns the runner's reports into stored progress and live events.

It never imports torch. The runner (and its worker processes) starts with the first run or device
question, and stops in the app's lifespan.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import math
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, cast

from sqlalchemy.engine import Engine
from sqlmodel import Session

from app.clock import now_utc
from app.config import Settings
from app.db.models import DemoRun
from app.db.queries import demos as queries
from app.db.transactions import write_transaction
from app.demos.base import DemoParams, DemoSpec
from app.demos.execute import DeviceProbe, cpu_name, resolve_device
from app.demos.runner import Job, LocalPoolRunner, Outcome, QueueFull, Runner, RunnerUnavailable

if TYPE_CHECKING:
    from app.demos.queue import QueueRunner

# Listeners get every report; the database one every few seconds and the last one with the result.
# A commit costs the reading caches a look at the content versions (app.db.versions) even when, like
# a run's, it changes no page: a run of a few seconds commits three times (queued, running, done).
PROGRESS_SAVE_INTERVAL_S = 5.0
STALE_MARGIN_S = 120.0
TERMINAL_STATUSES = ("succeeded", "failed", "timed_out")


def canonical_params(params: DemoParams) -> dict:
    return json.loads(json.dumps(params.model_dump(mode="json"), sort_keys=True))


def cache_key(slug: str, params: DemoParams, seed: int, device: str, version: str, device_name: str | None = None,
              kind: str = "run", sweep: dict | None = None, cpu_threads: int | None = None) -> str:
    """Runs that would measure the same numbers share a key: a GPU model (or CPU) of its own, since
    kernels and their reduction orders differ between devices even under deterministic settings, and
    on the CPU a thread count of its own, since torch splits large sums into one partial sum per thread."""
    identity = [slug, canonical_params(params), seed, device, device_name, version, kind, sweep]
    if cpu_threads is not None:
        identity.append(cpu_threads)
    payload = json.dumps(identity, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(payload.encode()).hexdigest()


def new_run_id() -> str:
    return secrets.token_urlsafe(8)


def _dumps(value) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def params_json(params: DemoParams) -> str:
    """How a run's parameters are stored: equal parameters give equal text, so runs can be found by it."""
    return _dumps(canonical_params(params))


@dataclass(frozen=True)
class Submitted:
    run: DemoRun
    how: str  # queued | cached (a copy of an earlier run's result) | joined (the same run already in flight)


class DemoEngine:
    def __init__(self, settings: Settings, db: Engine,
                 runner_factory: Callable[[DemoEngine], Runner] | None = None) -> None:
        self.settings = settings
        self._db = db
        self._runner_factory = runner_factory or self._local_pool
        self._runner: Runner | None = None
        self._lock = threading.Lock()
        self._submit_lock = threading.Lock()
        self._active_by_key: dict[str, str] = {}
        self._key_by_run: dict[str, str] = {}
        self._starting: dict[str, str] = {}  # request key -> run stored while the workers start
        self._latest_progress: dict[str, dict] = {}
        self._progress_saved_at: dict[str, float] = {}
        self._listeners: dict[str, set[tuple[asyncio.AbstractEventLoop, asyncio.Queue]]] = {}
        self._closed = False

    def _local_pool(self, events) -> Runner:
        if self.settings.task_queue_url is not None:  # workers elsewhere: this process starts none
            from app.demos.queue import QueueRunner

            return QueueRunner(events, self.settings)
        return LocalPoolRunner(events, workers=self.settings.demo_workers, queue_size=self.settings.demo_queue_size,
                               threads=self.settings.demo_threads_per_worker)

    @property
    def runner(self) -> Runner:
        with self._lock:
            if self._closed:  # a request arriving during shutdown must not start a fresh pool
                raise RunnerUnavailable("서버가 종료되는 중입니다.")
            if self._runner is None:
                self._runner = self._runner_factory(self)
            return self._runner

    @property
    def runner_started(self) -> bool:
        return self._runner is not None

    def probe(self) -> DeviceProbe:
        return self.runner.probe()

    def device_name(self, resolved: str) -> str | None:
        """The model of the device a run on ``resolved`` uses: the worker's GPU, or this machine's CPU
        (with a task queue, the CPU the workers reported)."""
        if resolved == "cuda":
            return self.probe().gpu_name
        return self.probe().cpu_name if self.settings.task_queue_url is not None else cpu_name()

    def cpu_threads(self, resolved: str) -> int | None:
        """The torch thread count a CPU run on ``resolved`` uses (with a task queue, what the workers
        reported); None for a GPU run."""
        if resolved != "cpu":
            return None
        if self.settings.task_queue_url is not None:
            return self.probe().threads
        return self.settings.demo_threads_per_worker

    def resolve_device(self, requested: str) -> str:
        """cpu needs no worker; auto and cuda ask the worker's probe (raises DeviceUnavailable)."""
        if requested == "cpu":
            return "cpu"
        return resolve_device(requested, self.probe().cuda)

    def known_device(self, requested: str) -> str | None:
        """What `requested` resolves to when the workers have said what they have, else None (they are
        still starting): never waits for them. Raises DeviceUnavailable as resolve_device."""
        if requested == "cpu":
            return "cpu"
        probe = self.runner.known_probe()
        return None if probe is None else resolve_device(requested, probe.cuda)

    # --- runs -----------------------------------------------------------------------------------

    def submit(self, spec: DemoSpec, params: DemoParams, *, device: str, seed: int,
               use_cache: bool = True, sweep: dict | None = None) -> Submitted:
        """Store a run and start it, or answer from the cache (or join the same run in flight).

        ``sweep`` ({"param", "values"}, already validated) makes it a boundary run.
        Raises QueueFull, DeviceUnavailable, RunnerUnavailable.

        Only the workers can say what "auto" (or "cuda") means, and on a fresh server they are still
        starting (a new interpreter importing torch: seconds): the run is then stored queued at once
        and handed on from a thread when they answer, so the request never waits for them.
        """
        if device != "cpu" and self.known_device(device) is None:
            return self._submit_while_workers_start(spec, params, device=device, seed=seed, use_cache=use_cache,
                                                    sweep=sweep)
        return self._submit(spec, params, device=device, seed=seed, use_cache=use_cache, sweep=sweep)

    def capacity(self) -> int:
        return max(1, self.settings.demo_workers) + max(0, self.settings.demo_queue_size)

    def room(self) -> int:
        """How many more runs this process may hand to the runner before it refuses them: a page that
        starts several presets asks for no more, so loading a page alone never meets a full queue."""
        with self._lock:
            return self.capacity() - len(self._key_by_run) - len(self._starting)

    def room_for_presets(self) -> int:
        """The room a page load may fill with its experiments' presets: one place stays for a run a reader
        starts (after a dozen question pages had filled the queue, a reader's own 실행 was told to wait)."""
        return self.room() - (1 if self.capacity() > 1 else 0)

    def _submit_while_workers_start(self, spec: DemoSpec, params: DemoParams, *, device: str, seed: int,
                                    use_cache: bool, sweep: dict | None) -> Submitted:
        kind = "boundary" if sweep is not None else "run"
        # The device is not resolved yet, so identical requests are known by what they asked for.
        request_key = _dumps([spec.slug, spec.version, params_json(params), seed, device, kind, sweep])
        with self._submit_lock:
            joined = self._starting_run(request_key) if use_cache else None
            if joined is not None:
                return Submitted(joined, "joined")
            if self.room() <= 0:  # refused before anything is stored: the request is told, nothing fails later
                raise QueueFull(max(1, math.ceil(self.settings.demo_time_limit_s)))
            run_id = new_run_id()
            run = DemoRun(
                id=run_id, demo_slug=spec.slug, demo_version=spec.version, params_json=params_json(params),
                seed=seed, device_requested=device, cache_key=f"starting:{run_id}", created_at=now_utc(), kind=kind,
                sweep_json=_dumps(sweep) if sweep is not None else None,
            )
            with Session(self._db) as session:
                with write_transaction(session):
                    queries.insert_run(session, run)
                session.refresh(run)
                session.expunge(run)
            with self._lock:
                self._starting[request_key] = run_id

        def hand_on() -> None:
            try:
                self._submit(spec, params, device=device, seed=seed, use_cache=use_cache, sweep=sweep, stored=run)
            except QueueFull:  # another process filled the queue meanwhile: a refusal, not a failed run
                with Session(self._db) as session, write_transaction(session):
                    queries.delete_run(session, run_id)
                self._publish(run_id, "done", {"status": "refused"})
            except Exception as exc:  # DeviceUnavailable, RunnerUnavailable: said where the run is followed
                self.finished(run_id, Outcome("failed", error=str(exc) or type(exc).__name__))
            finally:
                with self._lock:
                    if self._starting.get(request_key) == run_id:
                        del self._starting[request_key]

        threading.Thread(target=hand_on, name="kb-demo-hand-on", daemon=True).start()
        return Submitted(run, "queued")

    def _starting_run(self, request_key: str) -> DemoRun | None:
        """The run an identical request stored while the workers start, while it is not finished."""
        with self._lock:
            run_id = self._starting.get(request_key)
        if run_id is None:
            return None
        with Session(self._db) as session:
            run = queries.get_run(session, run_id)
            if run is None or run.status in TERMINAL_STATUSES:
                return None
            session.expunge(run)
            return run

    def _submit(self, spec: DemoSpec, params: DemoParams, *, device: str, seed: int, use_cache: bool,
                sweep: dict | None, stored: DemoRun | None = None) -> Submitted:
        """submit() once the workers have answered; `stored` is the run already stored for this request
        while they started, which this one becomes (it is not joined to another: its id was handed out)."""
        resolved = self.resolve_device(device)
        kind = "boundary" if sweep is not None else "run"
        key = cache_key(spec.slug, params, seed, resolved, spec.version, self.device_name(resolved), kind, sweep,
                        self.cpu_threads(resolved))
        stored_params = params_json(params)
        with self._submit_lock:
            with Session(self._db) as session:
                active_id = self._active_by_key.get(key) if use_cache and stored is None else None
                if active_id is not None:
                    run = queries.get_run(session, active_id)
                    if run is not None and run.status not in TERMINAL_STATUSES:
                        session.expunge(run)
                        return Submitted(run, "joined")
                cached = queries.find_cached(session, key) if use_cache else None
                now = now_utc()
                run = DemoRun(
                    id=new_run_id() if stored is None else stored.id, demo_slug=spec.slug, demo_version=spec.version,
                    params_json=stored_params, seed=seed, device_requested=device, cache_key=key,
                    created_at=now if stored is None else stored.created_at, kind=kind,
                    sweep_json=_dumps(sweep) if sweep is not None else None,
                )
                if cached is not None:
                    run.status = "succeeded"
                    run.cached_from = cached.id
                    run.result_json = cached.result_json
                    run.device_used, run.device_name = cached.device_used, cached.device_name
                    run.torch_version, run.wall_ms = cached.torch_version, cached.wall_ms
                    run.started_at = run.finished_at = now
                    with write_transaction(session):
                        self._store(session, run, stored)
                    session.refresh(run)
                    session.expunge(run)
                    if stored is not None:
                        self._publish(run.id, "done", {"status": run.status})
                    return Submitted(run, "cached")
                with write_transaction(session):
                    self._store(session, run, stored)
                session.refresh(run)
                session.expunge(run)
                if use_cache and self.settings.task_queue_url is not None and stored is None:
                    joined = self._join_elsewhere(session, key, run.id)
                    if joined is not None:
                        return Submitted(joined, "joined")
            with self._lock:
                self._active_by_key[key] = run.id
                self._key_by_run[run.id] = key
            # A boundary run is several runs in one, under the same time limit (and so the same
            # stale-run rule): sweeps of defaults that fit 3 s each stay well inside it.
            job = Job(run_id=run.id, slug=spec.slug, params=canonical_params(params), seed=seed, device=resolved,
                      time_limit_s=self.settings.demo_time_limit_s, sweep=sweep, cache_key=key,
                      memory_limit_mb=self.settings.demo_memory_mb)
            try:
                self.runner.submit(job)
            except Exception:
                self._forget(run.id)
                if self.settings.task_queue_url is not None:
                    cast("QueueRunner", self.runner).release(key, run.id)
                if stored is None:  # refused, so never a run (a stored one is failed by its hand_on)
                    with Session(self._db) as session, write_transaction(session):
                        queries.delete_run(session, run.id)
                raise
        return Submitted(run, "queued")

    @staticmethod
    def _store(session: Session, run: DemoRun, stored: DemoRun | None) -> None:
        if stored is not None:  # the row stored while the workers started: replaced in one transaction
            queries.delete_run(session, stored.id)
        queries.insert_run(session, run)

    def _join_elsewhere(self, session: Session, key: str, run_id: str) -> DemoRun | None:
        """With a task queue, identical requests to any web server share one run: each stores its run,
        then the first to claim the key in Redis keeps it; the others remove theirs and join that one
        while it is queued or running (it is stored before its claim, so they always find it)."""
        runner = cast("QueueRunner", self.runner)
        _, queued_for = self._stale_bounds()
        other_id = runner.claim(key, run_id, queued_for.total_seconds())
        if other_id is None:
            return None
        other = queries.get_run(session, other_id)
        if other is not None and other.status not in TERMINAL_STATUSES:
            session.expunge(other)
            with write_transaction(session):
                queries.delete_run(session, run_id)
            return other
        runner.take_over(key, run_id, queued_for.total_seconds())
        return None

    def get(self, run_id: str) -> DemoRun | None:
        with Session(self._db) as session:
            run = queries.get_run(session, run_id)
            if run is not None and run.status not in TERMINAL_STATUSES and self._looks_stale(run):
                self.fail_stale_runs()
                session.expire_all()
                run = queries.get_run(session, run_id)
            if run is not None:
                session.expunge(run)
            return run

    def recent(self, slug: str, limit: int = 10) -> list[DemoRun]:
        with Session(self._db) as session:
            runs = list(queries.recent_runs(session, slug, limit))
            if any(r.status not in TERMINAL_STATUSES and self._looks_stale(r) for r in runs):
                self.fail_stale_runs()
                session.expire_all()
                runs = list(queries.recent_runs(session, slug, limit))
            for run in runs:
                session.expunge(run)
            return runs

    def cancel(self, run_id: str) -> bool:
        return self._runner is not None and self._runner.cancel(run_id)

    def _stale_bounds(self) -> tuple[timedelta, timedelta]:
        limit = self.settings.demo_time_limit_s
        capacity = self.settings.demo_workers + self.settings.demo_queue_size
        return timedelta(seconds=limit + STALE_MARGIN_S), timedelta(seconds=capacity * limit + STALE_MARGIN_S)

    def _looks_stale(self, run: DemoRun) -> bool:
        running_for, queued_for = self._stale_bounds()
        now = now_utc()
        if run.status == "running":
            return run.started_at is not None and run.started_at < now - running_for
        return run.created_at < now - queued_for

    def fail_stale_runs(self) -> int:
        """A run still 'running' past any time limit belongs to a server that stopped without saying so."""
        running_for, queued_for = self._stale_bounds()
        now = now_utc()
        with Session(self._db) as session, write_transaction(session):
            return queries.fail_stale_runs(
                session, running_before=now - running_for, queued_before=now - queued_for, finished_at=now,
                error="서버가 다시 시작되어 실행이 중단되었습니다. 다시 실행해 주세요.",
            )

    def shutdown(self) -> None:
        with self._lock:
            self._closed = True
            runner, self._runner = self._runner, None
        if runner is not None:
            runner.shutdown()

    # --- live events --------------------------------------------------------------------------------

    def subscribe(self, run_id: str) -> asyncio.Queue:
        queue: asyncio.Queue = asyncio.Queue()
        with self._lock:
            self._listeners.setdefault(run_id, set()).add((asyncio.get_running_loop(), queue))
        return queue

    def unsubscribe(self, run_id: str, queue: asyncio.Queue) -> None:
        with self._lock:
            listeners = self._listeners.get(run_id)
            if listeners is None:
                return
            listeners.difference_update({item for item in listeners if item[1] is queue})
            if not listeners:
                del self._listeners[run_id]

    def latest_progress(self, run_id: str) -> dict | None:
        return self._latest_progress.get(run_id)

    def _publish(self, run_id: str, event: str, data: dict) -> None:
        with self._lock:
            listeners = list(self._listeners.get(run_id, ()))
        for loop, queue in listeners:
            try:
                loop.call_soon_threadsafe(queue.put_nowait, (event, data))
            except RuntimeError:  # that listener's loop has closed
                pass

    def _forget(self, run_id: str) -> None:
        with self._lock:
            key = self._key_by_run.pop(run_id, None)
            if key is not None and self._active_by_key.get(key) == run_id:
                del self._active_by_key[key]
            self._latest_progress.pop(run_id, None)
            self._progress_saved_at.pop(run_id, None)

    # --- RunEvents: called by the runner from its threads -------------------------------------------

    def started(self, run_id: str) -> None:
        self._progress_saved_at[run_id] = time.monotonic()
        with Session(self._db) as session, write_transaction(session):
            queries.mark_running(session, run_id, now_utc())
        self._publish(run_id, "status", {"status": "running"})

    def requeued(self, run_id: str) -> bool:
        """The run's worker stopped before it finished and put it back in the queue: it waits again."""
        with Session(self._db) as session, write_transaction(session):
            changed = queries.requeue_run(session, run_id)
        self._forget(run_id)
        self._publish(run_id, "status", {"status": "queued"})
        return changed

    def progress(self, run_id: str, fraction: float, message: str, charts: list[dict] | None) -> None:
        report = {"fraction": fraction, "message": message}
        if charts is not None:
            report["charts"] = charts
        elif run_id in self._latest_progress:
            report["charts"] = self._latest_progress[run_id].get("charts", [])
        self._latest_progress[run_id] = report
        self._publish(run_id, "progress", report)
        now = time.monotonic()
        if now - self._progress_saved_at.get(run_id, now) >= PROGRESS_SAVE_INTERVAL_S:
            self._progress_saved_at[run_id] = now
            with Session(self._db) as session, write_transaction(session):
                queries.save_progress(session, run_id, _dumps(report))

    def finished(self, run_id: str, outcome: Outcome) -> None:
        meta = outcome.meta or {}
        last = self._latest_progress.get(run_id)
        try:
            with Session(self._db) as session, write_transaction(session):
                queries.finish_run(
                    session, run_id, status=outcome.status, finished_at=now_utc(),
                    result_json=_dumps(outcome.result) if outcome.result is not None else "",
                    error=outcome.error, device_used=meta.get("device"), device_name=meta.get("device_name"),
                    torch_version=meta.get("torch_version"), wall_ms=meta.get("wall_ms"),
                    progress_json=_dumps(last) if last is not None else None,
                )
        finally:
            self._forget(run_id)
            self._publish(run_id, "done", {"status": outcome.status})
