"""Where runs execute. The engine talks to a `Runner` (submit / cancel / probe / shutdown) and hears
back through `RunEvents` (started / progress / finished); a distributed task queue could stand in
for `LocalPoolRunner` without the demos or the engine changing.

`LocalPoolRunner` keeps N worker processes (multiprocessing "spawn": a fresh interpreter that
imports torch once; the web process never does). Each worker has its own pipe and its own slot
thread in this process, so a run that passes its time limit is stopped by killing that one worker,
and a fresh one is started before the slot takes its next job.
"""

from __future__ import annotations

import atexit
import logging
import math
import multiprocessing
import queue
import threading
import time
import weakref
from collections import deque
from dataclasses import asdict, dataclass
from typing import Protocol

from app.demos.execute import DeviceProbe
from app.demos.worker import receive, send, worker_main

log = logging.getLogger("app.demos")

WORKER_START_TIMEOUT_S = 180.0
# For Retry-After before any run has finished: a spawned worker importing torch, and a run.
WORKER_START_ESTIMATE_S = 5.0
RUN_ESTIMATE_S = 3.0
POLL_INTERVAL_S = 0.1
STOP_GRACE_S = 3.0


@dataclass(frozen=True)
class Job:
    run_id: str
    slug: str
    params: dict
    seed: int
    device: str  # resolved: "cpu" | "cuda"
    time_limit_s: float
    sweep: dict | None = None  # a boundary run: {"param": name, "values": [...]}
    cache_key: str | None = None  # with a task queue, the worker releases the run's claim on it when done
    memory_limit_mb: int | None = None  # on CPU: the most private memory the run may add to its worker

    def to_message(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Outcome:
    status: str  # succeeded | failed | timed_out
    result: dict | None = None
    meta: dict | None = None  # device, device_name, torch_version, seed, wall_ms
    error: str | None = None


class RunEvents(Protocol):
    """What a runner reports, from any thread. Implementations must not raise."""

    def started(self, run_id: str) -> None: ...

    def progress(self, run_id: str, fraction: float, message: str, charts: list[dict] | None) -> None: ...

    def finished(self, run_id: str, outcome: Outcome) -> None: ...


class QueueFull(Exception):
    def __init__(self, retry_after_s: int) -> None:
        super().__init__(f"queue full, retry after {retry_after_s}s")
        self.retry_after_s = retry_after_s


class RunnerUnavailable(Exception):
    """No worker could be started (torch missing, the server shutting down)."""


class Runner(Protocol):
    def probe(self) -> DeviceProbe: ...

    # The probe if the workers have already answered it, else None: never waits (starts them if need be).
    def known_probe(self) -> DeviceProbe | None: ...

    def submit(self, job: Job) -> None: ...  # raises QueueFull / RunnerUnavailable

    def cancel(self, run_id: str) -> bool: ...

    def shutdown(self) -> None: ...


class _WorkerFailed(Exception):
    pass


class _Worker:
    def __init__(self, context, threads: int) -> None:
        self.conn, child = context.Pipe(duplex=True)
        self.process = context.Process(target=worker_main, args=(child, threads), name="kb-demo-worker")
        self.process.start()
        child.close()

    @property
    def pid(self) -> int | None:
        return self.process.pid

    def wait_ready(self, stopping: threading.Event) -> DeviceProbe:
        deadline = time.monotonic() + WORKER_START_TIMEOUT_S
        while time.monotonic() < deadline:
            if stopping.is_set():
                raise _WorkerFailed("서버가 종료되는 중입니다.")
            try:
                if not self.conn.poll(POLL_INTERVAL_S):
                    continue
                message = receive(self.conn)
            except (EOFError, OSError):
                raise _WorkerFailed(f"작업 프로세스가 시작하자마자 끝났습니다 (exit code {self.process.exitcode}).")
            if message[0] == "ready":
                return DeviceProbe(**message[1])
            raise _WorkerFailed(f"작업 프로세스가 torch를 불러오지 못했습니다: {message[1]}")
        raise _WorkerFailed(f"작업 프로세스가 {WORKER_START_TIMEOUT_S:.0f}초 안에 준비되지 않았습니다.")

    def kill(self) -> None:
        self.process.kill()
        self.process.join(10)
        self.conn.close()

    def stop(self) -> None:
        try:
            send(self.conn, None)
        except (OSError, ValueError):
            pass
        self.process.join(STOP_GRACE_S)
        if self.process.is_alive():
            self.process.kill()
            self.process.join(10)
        self.conn.close()


_STOP = object()
_live_runners: weakref.WeakSet = weakref.WeakSet()


@atexit.register
def _shutdown_live_runners() -> None:
    # Runs before multiprocessing's own exit hook, which would otherwise wait for workers that are
    # still waiting for their next job.
    for runner in list(_live_runners):
        runner.shutdown()


class LocalPoolRunner:
    """A fixed pool of worker processes fed from a bounded queue; started by the first call."""

    def __init__(self, events: RunEvents, *, workers: int = 1, queue_size: int = 4, threads: int = 1) -> None:
        self._events = events
        self._worker_count = max(1, workers)
        self._capacity = self._worker_count + max(0, queue_size)
        self._threads = max(1, threads)
        self._context = multiprocessing.get_context("spawn")
        self._queue: queue.Queue = queue.Queue()
        self._lock = threading.Lock()
        self._inflight: set[str] = set()  # queued or running
        self._running: dict[str, int] = {}  # run id -> slot
        self._executing: dict[str, tuple[float, float]] = {}  # run id -> (monotonic start, time limit)
        self._cancelled: set[str] = set()
        self._workers: dict[int, _Worker] = {}
        self._slots: list[threading.Thread] = []
        self._stopping = threading.Event()
        self._probe_ready = threading.Event()
        self._probe: DeviceProbe | None = None
        self._probe_error: str | None = None
        self._recent_wall_s: deque[float] = deque(maxlen=20)
        _live_runners.add(self)

    # --- the Runner interface ----------------------------------------------------------------

    def probe(self) -> DeviceProbe:
        self._start()
        self._probe_ready.wait(WORKER_START_TIMEOUT_S)
        if self._probe is None:
            raise RunnerUnavailable(self._probe_error or "작업 프로세스가 준비되지 않았습니다.")
        return self._probe

    def known_probe(self) -> DeviceProbe | None:
        self._start()  # the workers start in the background, on their slots' threads
        if self._probe is None and self._probe_ready.is_set():  # the first worker could not start
            raise RunnerUnavailable(self._probe_error or "작업 프로세스가 준비되지 않았습니다.")
        return self._probe

    def submit(self, job: Job) -> None:
        with self._lock:
            if self._stopping.is_set():
                raise RunnerUnavailable("서버가 종료되는 중입니다.")
            if len(self._inflight) >= self._capacity:
                raise QueueFull(self._retry_after_s())
            self._inflight.add(job.run_id)
        self._start()
        self._queue.put(job)

    def cancel(self, run_id: str) -> bool:
        with self._lock:
            if run_id not in self._inflight:
                return False
            self._cancelled.add(run_id)
            queued = run_id not in self._running
            if queued:
                self._inflight.discard(run_id)
        if queued:  # a running one is stopped by its slot, which then reports
            self._report_finished(run_id, Outcome("failed", error="실행이 취소되었습니다."))
        return True

    def shutdown(self) -> None:
        if self._stopping.is_set():
            return
        self._stopping.set()
        _live_runners.discard(self)
        while True:
            try:
                job = self._queue.get_nowait()
            except queue.Empty:
                break
            if job is not _STOP and job.run_id in self._inflight:  # not one cancelled while it waited
                self._finish_unstarted(job.run_id, "서버가 종료되어 실행하지 못했습니다.")
        for _ in self._slots:
            self._queue.put(_STOP)
        for slot in self._slots:
            slot.join(STOP_GRACE_S + 15)

    # --- introspection for tests and the bench -------------------------------------------------

    def worker_pids(self) -> list[int]:
        return sorted(w.pid for w in list(self._workers.values()) if w.process.is_alive() and w.pid is not None)

    # --- internals -------------------------------------------------------------------------------

    def _start(self) -> None:
        with self._lock:
            if self._slots or self._stopping.is_set():
                return
            for index in range(self._worker_count):
                slot = threading.Thread(target=self._slot_main, args=(index,), name=f"kb-demo-slot-{index}",
                                        daemon=True)
                self._slots.append(slot)
                slot.start()

    def _retry_after_s(self) -> int:
        """Seconds until a submission can be accepted: until the first run in progress is expected to end
        (a queued run then moves up and leaves room). A run is expected to take as long as recent runs;
        one that has already run longer than that is expected to run as long again, never past its
        time limit; with nothing executing yet, the workers are still starting. Called under
        the lock."""
        now = time.monotonic()
        per_run = sum(self._recent_wall_s) / len(self._recent_wall_s) if self._recent_wall_s else RUN_ESTIMATE_S
        ends = []
        for started, limit in self._executing.values():
            elapsed = now - started
            expected = per_run - elapsed if elapsed < per_run else elapsed
            ends.append(min(expected, limit - elapsed + STOP_GRACE_S))
        wait = min(ends) if ends else WORKER_START_ESTIMATE_S + per_run
        return max(1, math.ceil(wait))

    def _new_worker(self, index: int) -> _Worker:
        try:
            worker = _Worker(self._context, self._threads)
        except Exception as exc:  # e.g. spawn refused from a main module without a __main__ guard
            message = f"작업 프로세스를 시작하지 못했습니다: {type(exc).__name__}: {exc}"
            if self._probe is None:
                self._probe_error = message
                self._probe_ready.set()
            raise _WorkerFailed(message) from exc
        self._workers[index] = worker
        try:
            probe = worker.wait_ready(self._stopping)
        except _WorkerFailed as exc:
            worker.kill()
            self._workers.pop(index, None)
            if self._probe is None:
                self._probe_error = str(exc)
                self._probe_ready.set()
            raise
        if self._probe is None:
            self._probe = probe
        self._probe_ready.set()
        return worker

    def _slot_main(self, index: int) -> None:
        worker: _Worker | None = None
        try:
            try:
                worker = self._new_worker(index)  # at once, so the device probe is ready early
            except _WorkerFailed:
                worker = None
            while True:
                job = self._queue.get()
                if job is _STOP:
                    return
                with self._lock:
                    if job.run_id in self._cancelled:
                        self._cancelled.discard(job.run_id)
                        continue
                    self._running[job.run_id] = index
                if worker is None or not worker.process.is_alive():
                    try:
                        worker = self._new_worker(index)
                    except _WorkerFailed as exc:
                        worker = None
                        self._finish_running(job.run_id, Outcome("failed", error=str(exc)))
                        continue
                outcome, worker_alive = self._run_on(worker, job)
                if not worker_alive:
                    worker = None
                self._finish_running(job.run_id, outcome)
        finally:
            if worker is not None:
                worker.stop()
            self._workers.pop(index, None)

    def _run_on(self, worker: _Worker, job: Job) -> tuple[Outcome, bool]:
        self._call(self._events.started, job.run_id)
        try:
            send(worker.conn, job.to_message())
        except (OSError, ValueError):
            worker.kill()
            return Outcome("failed", error="작업 프로세스에 실행을 보내지 못했습니다."), False
        started = time.monotonic()
        deadline = started + job.time_limit_s
        with self._lock:
            self._executing[job.run_id] = (started, job.time_limit_s)
        while True:
            if self._stopping.is_set():
                worker.kill()
                return Outcome("failed", error="서버가 종료되어 실행을 중단했습니다."), False
            if job.run_id in self._cancelled:
                worker.kill()
                return Outcome("failed", error="실행이 취소되었습니다."), False
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                worker.kill()  # the only way to stop torch mid-operation; a fresh worker takes over
                return Outcome("timed_out", error=f"시간 제한({job.time_limit_s:g}초)을 넘겨 중단했습니다."), False
            try:
                if not worker.conn.poll(min(remaining, POLL_INTERVAL_S)):
                    continue
                message = receive(worker.conn)
            except (EOFError, OSError, ValueError):
                worker.kill()
                return Outcome("failed", error=f"작업 프로세스가 비정상 종료했습니다 (exit code "
                                               f"{worker.process.exitcode})."), False
            kind = message[0]
            if kind == "progress":
                self._call(self._events.progress, *message[1:])
            elif kind == "result":
                self._recent_wall_s.append(time.monotonic() - started)
                return Outcome("succeeded", result=message[2], meta=message[3]), True
            elif kind == "error":
                spent = len(message) > 3 and bool(message[3])
                if spent:
                    worker.stop()  # it is leaving by itself; stop() reaps it
                return Outcome("failed", error=message[2]), not spent

    def _finish_running(self, run_id: str, outcome: Outcome) -> None:
        with self._lock:
            self._running.pop(run_id, None)
            self._executing.pop(run_id, None)
            self._inflight.discard(run_id)
            self._cancelled.discard(run_id)
        self._report_finished(run_id, outcome)

    def _finish_unstarted(self, run_id: str, error: str) -> None:
        with self._lock:
            self._inflight.discard(run_id)
            self._cancelled.discard(run_id)
        self._report_finished(run_id, Outcome("failed", error=error))

    def _report_finished(self, run_id: str, outcome: Outcome) -> None:
        self._call(self._events.finished, run_id, outcome)

    @staticmethod
    def _call(function, *args) -> None:
        try:
            function(*args)
        except Exception:  # a storage hiccup must not take the slot (and its worker) down
            log.exception("demo run event handler failed")
