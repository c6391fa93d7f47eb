"""The worker process: imports torch once, answers a device probe, then runs jobs from its pipe.

Messages travel as JSON, never pickles: unpickling a torch object (even torch.__version__, a str
subclass) would import torch into the web process. To the parent (JSON arrays):
  ("ready", probe)                                   once, after torch is imported
  ("fatal", message)                                 torch or the demos could not be loaded
  ("progress", run_id, fraction, message, charts)    charts: list of Chart dicts or None
  ("result", run_id, result, meta)                   result: DemoResult dict, meta: device, timing
  ("error", run_id, message[, spent])                the demo raised; spent: the worker stops after it
From the parent: a job object (see runner.Job.to_message) or null to stop.
Module level imports nothing heavy: the parent imports this module only to name the target.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import time
import traceback
from collections.abc import Iterator

try:
    import resource
except ImportError:  # not on Windows: runs there go without a memory limit
    resource = None  # type: ignore[assignment]

PROGRESS_INTERVAL_S = 0.1  # the pipe and the page need no more than ten updates a second
# Demo runs are batch work: on a small machine the scheduler should give the web process (readers'
# pages) the CPU first. Ten steps of nice leaves runs most of the idle CPU.
WORKER_NICENESS = 10


def send(conn, message) -> None:
    conn.send_bytes(json.dumps(message, ensure_ascii=False, allow_nan=False).encode())


def receive(conn):
    return json.loads(conn.recv_bytes())


def _progress_sender(report, run_id: str):
    last_sent = [0.0]

    def progress(fraction: float, message: str = "", charts=None) -> None:
        now = time.monotonic()
        if now - last_sent[0] < PROGRESS_INTERVAL_S and fraction < 1.0:
            return
        last_sent[0] = now
        from app.demos.execute import finite_json

        dumped = finite_json([c.model_dump(mode="json") for c in charts]) if charts else None
        report(("progress", run_id, float(max(0.0, min(1.0, fraction))), str(message)[:200], dumped))

    return progress


def status_bytes(field: str) -> int | None:
    """A memory line of /proc/self/status (VmData, VmRSS, VmHWM ...) in bytes; None where /proc is missing."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) * 1024
    except OSError:
        return None
    return None


def private_memory_bytes() -> int | None:
    """The process's private writable memory (VmData), which RLIMIT_DATA bounds."""
    return status_bytes("VmData")


@contextlib.contextmanager
def memory_limit(megabytes: int | None) -> Iterator[bool]:
    """Let the block add at most `megabytes` of private memory to this process; yields whether a limit holds.

    RLIMIT_DATA rather than RLIMIT_AS: address space that is reserved but never written (glibc arenas,
    thread stacks, CUDA's mappings) does not count, so the budget means memory a run really takes.
    The soft limit is lifted afterwards, so a pooled worker's next run gets a fresh budget.
    """
    used = private_memory_bytes()
    if not megabytes or resource is None or used is None:
        yield False
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_DATA)
    wanted = used + megabytes * 1024 * 1024
    if hard != resource.RLIM_INFINITY:
        wanted = min(wanted, hard)
    resource.setrlimit(resource.RLIMIT_DATA, (wanted, hard))
    try:
        yield True
    finally:
        resource.setrlimit(resource.RLIMIT_DATA, (soft, hard))


def out_of_memory(exc: BaseException) -> bool:
    """An allocation refused, here or in the exception's chain: Python's MemoryError, torch's allocator
    error (a RuntimeError), or a SystemError, which is how CPython reports a C function that failed
    without setting an exception; under a memory budget that is a refused allocation (seen in the
    import machinery when a run's lazy import met the limit)."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, (MemoryError, SystemError)):
            return True
        text = str(current)
        if isinstance(current, RuntimeError) and ("can't allocate memory" in text or "not enough memory" in text):
            return True
        current = current.__cause__ or current.__context__
    return False


def run_job(report, job: dict) -> bool:
    """Execute one job, telling ``report`` (a pipe here, the database in `kb worker`) each message.

    Returns whether this process is spent: an allocation refused by the memory budget can strike
    anywhere, halfway through a lazy import too (torch importing sympy left a module without its
    attributes), so the process is not trusted with another run.
    """
    from app.demos.execute import execute, finite_json
    from app.demos.registry import get_demo

    run_id = job["run_id"]
    # GPU runs are bounded by the device's own memory, and CUDA maps host memory of its own.
    budget_mb = job.get("memory_limit_mb") if job.get("device") == "cpu" else None
    try:
        spec = get_demo(job["slug"])
        if spec is None:
            raise LookupError(f"unknown demo {job['slug']!r}")
        params = spec.params.model_validate(job["params"])
        with memory_limit(budget_mb):
            execution = execute(spec, params, job["device"], job["seed"], _progress_sender(report, run_id),
                                sweep=job.get("sweep"))
    except Exception as exc:  # the demo's failure is the run's result, not the worker's death
        if budget_mb and out_of_memory(exc):
            report(("error", run_id, f"메모리 한도({budget_mb} MB)를 넘어 중단했습니다. "
                                     "크기(너비, 배치, 데이터 수)를 줄여 다시 실행해 주세요.", True))
            return True
        summary = "".join(traceback.format_exception_only(type(exc), exc)).strip()
        report(("error", run_id, summary[:2000]))
        return False
    meta = {
        "device": execution.device, "device_name": execution.device_name,
        "torch_version": execution.torch_version, "seed": execution.seed, "wall_ms": execution.wall_ms,
    }
    try:
        report(("result", run_id, finite_json(execution.result.model_dump(mode="json")), meta))
    except (TypeError, ValueError) as exc:  # a value JSON cannot carry
        report(("error", run_id, f"결과를 JSON으로 바꾸지 못했습니다: {exc}"))
    return False


def worker_main(conn, threads: int) -> None:
    # Ctrl-C in a terminal reaches the whole process group; the parent decides when workers stop.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        os.nice(WORKER_NICENESS)
    except (AttributeError, OSError):  # not on this platform, or not allowed: run at normal priority
        pass
    try:
        from app.demos.execute import require_deterministic_env

        require_deterministic_env()  # before torch (and CUDA) start: cuBLAS reads it once
        import torch

        torch.set_num_threads(max(1, threads))
        from app.demos.execute import probe_devices
        from app.demos.registry import all_demos

        all_demos()  # import every experiment now, not during the first timed run
        send(conn, ("ready", probe_devices().to_dict()))
    except Exception as exc:
        send(conn, ("fatal", f"{type(exc).__name__}: {exc}"))
        return
    while True:
        try:
            job = receive(conn)
        except (EOFError, OSError):  # the parent is gone
            return
        if job is None:
            return
        if run_job(lambda message: send(conn, message), job):
            return  # spent: the pool starts a fresh worker for the next run
