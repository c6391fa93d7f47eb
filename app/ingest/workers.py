"""The process pool `kb ingest` prepares files in, whose workers die with their parent.

A ProcessPoolExecutor's workers wait on a queue their parent feeds; when the parent is killed
(kill -9, an OOM kill) nobody closes it and they wait forever, a few hundred MB each. Each worker
asks Linux to kill it when its parent dies (PR_SET_PDEATHSIG), and, where that is not available,
a thread notices the parent gone within a second.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import sys
import threading
import time
from concurrent.futures import ProcessPoolExecutor

_PR_SET_PDEATHSIG = 1
PARENT_POLL_S = 1.0
WORKER_NICENESS = 10


def _watch_parent(parent_pid: int) -> None:
    while True:
        if os.getppid() != parent_pid:  # re-parented: the parent is gone
            os._exit(1)
        time.sleep(PARENT_POLL_S)


def die_with_parent(parent_pid: int) -> None:
    """Pool initializer: runs first in every worker. Workers also step back in the CPU queue: they
    parse and render in bulk, and the web server beside them answers people (and holds no lock they need)."""
    with contextlib.suppress(OSError):
        os.nice(WORKER_NICENESS)
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):
            pass
    if os.getppid() != parent_pid:  # the parent died before the request took effect
        os._exit(1)
    threading.Thread(target=_watch_parent, args=(parent_pid,), name="kb-parent-watch", daemon=True).start()


def worker_pool(workers: int) -> ProcessPoolExecutor:
    return ProcessPoolExecutor(max_workers=workers, initializer=die_with_parent, initargs=(os.getpid(),))
