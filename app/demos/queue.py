"""Runs through a Redis task queue (RQ), for web servers and experiment workers on separate machines.

Why RQ: each job runs in a work horse forked from `kb worker`, and a job past its time limit gets
SIGALRM in that horse, which is then killed if it does not stop: the only way to stop a torch call
mid-operation without losing the worker (the local pool does the same with its spawned processes).

The web side (`QueueRunner`) only enqueues; it imports neither torch nor the experiments. `kb worker`
(`work`) imports torch once, forks a horse per run, and the horse reports started / progress /
finished straight to the database through a `DemoEngine` of its own, so every web server reads them.
"""

from __future__ import annotations

import json
import logging
import math
import multiprocessing
import os
import signal
import sys
import threading
from collections.abc import Sequence
from contextlib import suppress

from redis import Redis
from redis.exceptions import RedisError
from rq import Callback, Queue, Retry, Worker
from rq.command import send_stop_job_command
from rq.exceptions import InvalidJobOperation, NoSuchJobError
from rq.job import Job as QueuedJob
from rq.registry import FailedJobRegistry
from rq.timeouts import JobTimeoutException, UnixSignalDeathPenalty

from app.config import Settings
from app.demos.execute import DeviceProbe, cpu_name
from app.demos.runner import Job, Outcome, QueueFull, RunEvents, RunnerUnavailable

log = logging.getLogger("app.demos")

DEVICES = ("cpu", "cuda")
PROBE_KEY = "kb:worker-probe:{device}"  # what the latest `kb worker --device D` found at start
# A failed run's job stays a day in RQ's failed registry, for the operator's `rq info`; the run's
# stored row is what users see.
FAILURE_TTL_S = 24 * 3600


ACTIVE_KEY = "kb:active-run:{key}"  # cache key -> the run computing it now, for every web server
# Deletes the claim only if it is still this run's (a later run may have taken the key over).
_RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0"


def queue_name(device: str) -> str:
    return f"kb-runs-{device}"


# Small jobs of the web side that must not run inside a request (notification e-mail): the CPU
# workers take them between runs, each in its own horse like a run.
TASK_QUEUE = "kb-tasks"
TASK_TIMEOUT_S = 120


def enqueue_task(url: str, function: str, *args: object, retry_delays_s: Sequence[float] = (),
                 on_failure: str | None = None) -> None:
    """Hand `function` (a dotted path the worker imports) and its JSON-able arguments to `kb worker`.
    A job that raises is tried again after each of `retry_delays_s` (RQ's Retry, scheduled by the
    worker's scheduler); `on_failure` (a dotted path) is called after every failed try, with the job.
    Raises RunnerUnavailable when Redis cannot be reached."""
    retry = Retry(max=len(retry_delays_s), interval=[math.ceil(d) for d in retry_delays_s]) if retry_delays_s else None
    try:
        Queue(TASK_QUEUE, connection=connect(url)).enqueue(
            function, *args, job_timeout=TASK_TIMEOUT_S, result_ttl=0, failure_ttl=FAILURE_TTL_S, retry=retry,
            on_failure=Callback(on_failure) if on_failure else None)
    except RedisError as exc:
        raise RunnerUnavailable(f"작업 대기열(Redis)에 연결하지 못했습니다: {exc}") from None


def connect(url: str) -> Redis:
    return Redis.from_url(url, socket_connect_timeout=5, health_check_interval=30)


class QueueRunner:
    """A `Runner` that hands jobs to `kb worker` processes through Redis; the engine's events then
    come from the workers (through the database), not from here."""

    def __init__(self, events: RunEvents, settings: Settings) -> None:
        assert settings.task_queue_url is not None
        self._events = events
        self._settings = settings
        self._redis = connect(settings.task_queue_url)
        self._queues = {device: Queue(queue_name(device), connection=self._redis) for device in DEVICES}

    def probe(self) -> DeviceProbe:
        """cuda when a worker listening for CUDA runs is registered now; no worker at all is still a
        CPU probe, since CPU runs wait for a worker in the queue."""
        try:
            cuda = Worker.count(connection=self._redis, queue=self._queues["cuda"]) > 0
            stored = self._redis.get(PROBE_KEY.format(device="cuda" if cuda else "cpu"))
        except RedisError as exc:
            raise RunnerUnavailable(f"작업 대기열(Redis)에 연결하지 못했습니다: {exc}") from None
        if stored:
            found = json.loads(stored)
            return DeviceProbe(**{**found, "cuda": cuda})
        return DeviceProbe(torch_version="", cuda=False, gpu_name=None, cpu_name=cpu_name(), threads=1)

    def known_probe(self) -> DeviceProbe | None:
        return self.probe()  # one Redis round trip: nothing to wait for

    def submit(self, job: Job) -> None:
        queue = self._queues[job.device]
        try:
            if queue.count >= self._settings.demo_queue_size * max(1, self._workers(queue)):
                raise QueueFull(retry_after_s=max(1, math.ceil(job.time_limit_s)))
            queue.enqueue(
                "app.demos.queue.execute_queued", job.to_message(), job_id=job.run_id,
                job_timeout=max(1, math.ceil(job.time_limit_s)), result_ttl=0, failure_ttl=FAILURE_TTL_S,
                description=f"{job.slug} {job.run_id}",
            )
        except RedisError as exc:
            raise RunnerUnavailable(f"작업 대기열(Redis)에 연결하지 못했습니다: {exc}") from None

    def claim(self, key: str, run_id: str, ttl_s: float) -> str | None:
        """Make ``run_id`` the run computing ``key`` unless another is; returns that other run's id.

        The claim expires after ``ttl_s`` (when such a run counts as stale anyway), so a lost worker
        never blocks the key for good."""
        try:
            if self._redis.set(ACTIVE_KEY.format(key=key), run_id, nx=True, ex=max(1, math.ceil(ttl_s))):
                return None
            other = self._redis.get(ACTIVE_KEY.format(key=key))
        except RedisError as exc:
            raise RunnerUnavailable(f"작업 대기열(Redis)에 연결하지 못했습니다: {exc}") from None
        if isinstance(other, bytes):
            return other.decode()
        return other or None

    def take_over(self, key: str, run_id: str, ttl_s: float) -> None:
        """The claimed run has ended without releasing the key (it just finished): this run takes it."""
        with suppress(RedisError):
            self._redis.set(ACTIVE_KEY.format(key=key), run_id, ex=max(1, math.ceil(ttl_s)))

    def release(self, key: str, run_id: str) -> None:
        release(self._redis, key, run_id)

    def _workers(self, queue: Queue) -> int:
        return Worker.count(connection=self._redis, queue=queue)

    def cancel(self, run_id: str) -> bool:
        """Withdraw a run waiting in the queue, or stop one running: its worker kills the horse (RQ's stop
        command through Redis) and takes the next run. False when the queue knows no such active run."""
        try:
            queued = QueuedJob.fetch(run_id, connection=self._redis)
            status = queued.get_status()
            if status == "queued":
                queued.cancel()
            elif status == "started":
                send_stop_job_command(self._redis, run_id)
            else:
                return False
        except (NoSuchJobError, InvalidJobOperation, RedisError):
            return False
        if queued.args and queued.args[0].get("cache_key"):
            self.release(queued.args[0]["cache_key"], run_id)
        # A stopped horse reports nothing (RQ marks its job stopped, not failed): the run ends here.
        self._events.finished(run_id, Outcome("failed", error="실행이 취소되었습니다."))
        return True

    def shutdown(self) -> None:
        with suppress(RedisError):
            self._redis.close()


def release(redis: Redis, key: str, run_id: str) -> None:
    with suppress(RedisError):
        redis.eval(_RELEASE, 1, ACTIVE_KEY.format(key=key), run_id)


def _release_job(settings: Settings, job: dict) -> None:
    """An ended run no longer answers for its key: the next identical request reads its result."""
    if job.get("cache_key") and settings.task_queue_url:
        release(connect(settings.task_queue_url), job["cache_key"], job["run_id"])


# --- the worker side: `kb worker` and the forked work horses ---------------------------------------------


class RunTimedOut(BaseException):
    """Raised in the horse by the time limit's alarm. Not an Exception, so that the demo's own
    `except Exception` (a failing experiment is a result) cannot swallow it."""


class _RunTimeLimit(UnixSignalDeathPenalty):
    def handle_death_penalty(self, signum, frame):
        if self._exception is JobTimeoutException:
            raise RunTimedOut()
        super().handle_death_penalty(signum, frame)  # the parent's horse-monitoring tick


def _events_for(settings: Settings):
    """A DemoEngine used only for its RunEvents: the same stored progress and results as the local pool."""
    from app.db.engine import make_engine
    from app.demos.engine import DemoEngine

    return DemoEngine(settings, make_engine(settings.database_url))


def execute_queued(job: dict) -> None:
    """The job function, in a horse forked for this one run."""
    from app.demos.worker import run_job

    settings = Settings.from_env()
    events = _events_for(settings)
    run_id = job["run_id"]
    outcomes: list[Outcome] = []

    def report(message) -> None:
        kind = message[0]
        if kind == "progress":
            events.progress(*message[1:])
        elif kind == "result":
            outcomes.append(Outcome("succeeded", result=message[2], meta=message[3]))
        elif kind == "error":
            outcomes.append(Outcome("failed", error=message[2]))

    events.started(run_id)
    try:
        run_job(report, job)
    except RunTimedOut:
        outcomes.append(Outcome("timed_out", error=f"시간 제한({job['time_limit_s']:g}초)을 넘겨 중단했습니다."))
    events.finished(run_id, outcomes[-1] if outcomes else Outcome("failed", error="실행 결과가 없습니다."))
    _release_job(settings, job)


class _KbWorker(Worker):
    """An RQ worker whose warm shutdown has a deadline: on SIGTERM it lets the running run finish, and
    if that takes longer than `shutdown_timeout_s` it kills the horse and puts the run back in the
    queue (the database says `queued` again), for another worker or this one after its restart. A run
    is never failed for a deploy; a second SIGTERM is RQ's cold shutdown."""

    death_penalty_class = _RunTimeLimit

    def __init__(self, queues: list[Queue], connection: Redis, *, settings: Settings,
                 shutdown_timeout_s: float) -> None:
        super().__init__(queues, connection=connection, work_horse_killed_handler=self._horse_killed)
        self._settings = settings
        self._shutdown_timeout_s = shutdown_timeout_s
        self._handing_back: str | None = None  # the run whose horse this worker killed to requeue it
        self._handed_back: str | None = None  # ... once the database says it waits again

    def handle_warm_shutdown_request(self) -> None:
        super().handle_warm_shutdown_request()
        run_id = self.get_current_job_id()
        if run_id is not None and self.horse_pid:
            timer = threading.Timer(self._shutdown_timeout_s, self._hand_back, args=(run_id,))
            timer.daemon = True
            timer.start()

    def _hand_back(self, run_id: str) -> None:
        if self.get_current_job_id() == run_id and self.horse_pid:
            log.warning("종료 제한(%ss)까지 끝나지 않은 실행 %s을 대기열로 돌려보냅니다",
                        self._shutdown_timeout_s, run_id)
            self._handing_back = run_id
            self.kill_horse()

    def _horse_killed(self, queued: QueuedJob, retpid, ret_val, rusage) -> None:
        """The horse died without reporting: killed here to hand its run back, or else (killed past its
        limit, out of memory) the run failed."""
        if queued.origin == TASK_QUEUE:  # not a run: handed back as it is, or kept in RQ's failed registry
            if self._handing_back == queued.id:
                self._handed_back = queued.id
            return
        events = _events_for(self._settings)
        if self._handing_back == queued.id and events.requeued(queued.id):
            self._handed_back = queued.id
            return
        code = os.WTERMSIG(ret_val) if ret_val and os.WIFSIGNALED(ret_val) else ret_val
        error = f"작업 프로세스가 비정상 종료했습니다 (signal/exit {code})."
        events.finished(queued.id, Outcome("failed", error=error))
        if queued.args:
            _release_job(self._settings, queued.args[0])

    def monitor_work_horse(self, job: QueuedJob, queue: Queue, execution) -> None:
        super().monitor_work_horse(job, queue, execution)
        if self._handed_back == job.id:  # RQ has filed the killed job as failed: back to its queue, in front
            self._handing_back = self._handed_back = None
            FailedJobRegistry(queue=queue).requeue(job.id, at_front=True)


def _probe(device: str, threads: int) -> DeviceProbe:
    import torch

    if device == "cpu":  # no CUDA call in this process: its horses are forked
        return DeviceProbe(torch_version=str(torch.__version__), cuda=False, gpu_name=None, cpu_name=cpu_name(),
                           threads=threads)
    from app.demos.execute import probe_devices

    # CUDA must not start in a process that forks: ask a spawned interpreter.
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        found = pool.apply(probe_devices)
    return DeviceProbe(**{**found.to_dict(), "threads": threads})


def _serve_queue(settings: Settings, device: str, shutdown_timeout_s: float) -> None:
    redis = connect(settings.task_queue_url or "")
    names = [queue_name(device)] + ([TASK_QUEUE] if device == "cpu" else [])  # runs first, then small tasks
    worker = _KbWorker([Queue(name, connection=redis) for name in names], connection=redis, settings=settings,
                       shutdown_timeout_s=shutdown_timeout_s)
    # The scheduler moves tasks whose retry is due (a mail server that refused) back onto their queue.
    worker.work(logging_level="WARNING", with_scheduler=device == "cpu")


def work(settings: Settings, *, concurrency: int, device: str, threads: int, shutdown_timeout_s: float) -> int:
    """`kb worker`: import torch once, then `concurrency` RQ workers (each forks a horse per run)."""
    from app.demos.execute import require_deterministic_env
    from app.demos.worker import WORKER_NICENESS

    if settings.task_queue_url is None:
        print("KB_TASK_QUEUE_URL이 없습니다 — kb worker는 redis://… 작업 대기열이 필요합니다", file=sys.stderr)
        return 2
    with suppress(AttributeError, OSError):
        os.nice(WORKER_NICENESS)
    require_deterministic_env()
    import torch

    torch.set_num_threads(threads)
    probe = _probe(device, threads)
    if device == "cuda" and not probe.cuda:
        print("이 기계에서 CUDA를 쓸 수 없습니다 — --device cpu로 실행하세요", file=sys.stderr)
        return 2
    from app.demos.registry import all_demos

    all_demos()  # every experiment imported once, before the horses fork
    try:
        connect(settings.task_queue_url).set(PROBE_KEY.format(device=device), json.dumps(probe.to_dict()))
    except RedisError as exc:
        print(f"작업 대기열(Redis)에 연결하지 못했습니다: {exc}", file=sys.stderr)
        return 2
    print(f"kb worker: {device}, 동시 실행 {concurrency}, torch 스레드 {threads}", file=sys.stderr, flush=True)
    if concurrency == 1:
        _serve_queue(settings, device, shutdown_timeout_s)
        return 0
    context = multiprocessing.get_context("fork")  # torch and the experiments are already imported
    children = [context.Process(target=_serve_queue, args=(settings, device, shutdown_timeout_s),
                                 name="kb-queue-worker")
                for _ in range(concurrency)]
    for child in children:
        child.start()

    def stop(signum, frame) -> None:  # each RQ worker finishes its current run (warm shutdown)
        for child in children:
            if child.is_alive() and child.pid is not None:
                os.kill(child.pid, signal.SIGTERM)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    for child in children:
        child.join()
    return 0
