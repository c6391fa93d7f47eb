"""Real `kb serve` and `kb worker` processes for the scale-out tests: each started with its own
environment and log file in a temporary directory, waited for through its readiness endpoint (web)
or its registration in Redis (worker), never through a sleep, and stopped with SIGTERM.

Deadlines are generous (minutes): they only bound a broken start on a loaded machine, they never
decide a passing test.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx

from app.config import PROJECT_ROOT

START_DEADLINE_S = 240.0
STOP_DEADLINE_S = 120.0
POLL_S = 0.1


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Process:
    name: str
    popen: subprocess.Popen
    log: Path

    def tail(self, chars: int = 3000) -> str:
        return self.log.read_text(errors="replace")[-chars:] if self.log.exists() else ""

    def alive(self) -> bool:
        return self.popen.poll() is None

    def stop(self, sig: int = signal.SIGTERM) -> int:
        """SIGTERM (a graceful stop) and wait for the exit code; killed only past the deadline."""
        if self.alive():
            self.popen.send_signal(sig)
        try:
            return self.popen.wait(timeout=STOP_DEADLINE_S)
        except subprocess.TimeoutExpired:
            self.popen.kill()
            self.popen.wait()
            raise AssertionError(f"{self.name} did not stop within {STOP_DEADLINE_S}s:\n{self.tail()}") from None


def wait_until(predicate: Callable[[], object], what: str, deadline_s: float = START_DEADLINE_S,
               watch: Process | None = None):
    """Poll `predicate` until it returns something truthy; fail when `watch` exits or the deadline passes."""
    deadline = time.monotonic() + deadline_s
    while True:
        value = predicate()
        if value:
            return value
        if watch is not None and not watch.alive():
            raise AssertionError(f"{watch.name} exited ({watch.popen.returncode}) while waiting for {what}:\n"
                                 f"{watch.tail()}")
        if time.monotonic() > deadline:
            raise AssertionError(f"still waiting for {what} after {deadline_s}s"
                                 + (f":\n{watch.tail()}" if watch else ""))
        time.sleep(POLL_S)


def _spawn(name: str, args: list[str], env: dict[str, str], log: Path) -> Process:
    with log.open("w") as out:
        popen = subprocess.Popen([sys.executable, "-m", "app.cli", *args], cwd=PROJECT_ROOT,
                                 env={**os.environ, **env}, stdout=out, stderr=subprocess.STDOUT)
    return Process(name, popen, log)


def _ready(base_url: str) -> bool:
    try:
        return httpx.get(f"{base_url}/readyz", timeout=30).status_code == 200
    except httpx.HTTPError:
        return False


def start_web(name: str, env: dict[str, str], directory: Path, *extra: str) -> tuple[Process, str]:
    """`kb serve` on a free local port; returns once its /readyz answers 200."""
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    process = _spawn(name, ["serve", "--host", "127.0.0.1", "--port", str(port), "--log-format", "text", *extra],
                     {"KB_BASE_URL": base_url, **env}, directory / f"{name}.log")
    try:
        wait_until(lambda: _ready(base_url), f"{name}'s /readyz", watch=process)
    except BaseException:
        process.stop(signal.SIGKILL)
        raise
    return process, base_url


def start_worker(name: str, env: dict[str, str], directory: Path, *extra: str) -> Process:
    """`kb worker` (one RQ worker unless `extra` says otherwise); returns once it listens on the queue."""
    from rq import Queue, Worker

    from app.demos.queue import connect, queue_name

    process = _spawn(name, ["worker", "--threads", "1", *extra], env, directory / f"{name}.log")
    redis = connect(env["KB_TASK_QUEUE_URL"])
    queue = Queue(queue_name("cpu"), connection=redis)
    try:
        wait_until(lambda: Worker.count(connection=redis, queue=queue) > 0, f"{name} to listen", watch=process)
    except BaseException:
        process.stop(signal.SIGKILL)
        raise
    finally:
        redis.close()
    return process
