"""`kb ingest`'s worker processes die with their parent: kill -9 of the parent leaves none behind."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from app.config import PROJECT_ROOT

CHILD = """
import os, sys, time
from app.ingest.workers import worker_pool

def slow_pid(_):
    time.sleep(0.5)
    return os.getpid()

pool = worker_pool(2)
print(" ".join(str(pid) for pid in sorted(set(pool.map(slow_pid, range(4))))), flush=True)
time.sleep(600)
"""


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie is dead too: it only waits to be reaped
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split(") ", 1)[1][0] != "Z"
    except FileNotFoundError:
        return False


@pytest.mark.slow
def test_workers_die_when_the_parent_is_killed():
    parent = subprocess.Popen([sys.executable, "-c", CHILD], cwd=PROJECT_ROOT, stdout=subprocess.PIPE, text=True,
                              env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)})
    pids: list[int] = []
    try:
        pids = [int(pid) for pid in parent.stdout.readline().split()]
        assert len(pids) == 2 and all(alive(pid) for pid in pids)
        parent.send_signal(signal.SIGKILL)
        parent.wait(timeout=60)
        deadline = time.monotonic() + 60  # generous on a loaded machine; Linux's death signal is immediate
        while any(alive(pid) for pid in pids) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not any(alive(pid) for pid in pids), "ingest workers outlived their parent"
    finally:
        if parent.poll() is None:
            parent.kill()
        for pid in pids:  # a failed run must not leave them behind either
            if alive(pid):
                os.kill(pid, signal.SIGKILL)
