"""Counting work instead of time: Python lines executed while a block runs, in every thread.

Tests must hold on a loaded machine, so cost claims ("this view costs at most 50x that page",
"rendering grows linearly") are checked on executed lines, which do not depend on the load. A
quadratic loop written in Python shows up here; C-level work (regex, str methods) is linear in what
the Python around it handles, so lines are a fair proxy for CPU.

Each TestClient request runs in threads started for it, so tracing the threads started inside the
block (threading.settrace) plus the current one covers the whole request.
"""

from __future__ import annotations

import sys
import threading
from contextlib import contextmanager


class LineCount:
    def __init__(self) -> None:
        self.lines = 0
        self._on = False

    def _local(self, frame, event, arg):
        if event == "line":
            self.lines += 1  # races between threads lose a count now and then: fine for a bound
        return self._local

    def _global(self, frame, event, arg):
        return self._local if self._on else None


@contextmanager
def counting_lines():
    """with counting_lines() as count: ...; count.lines"""
    count = LineCount()
    previous, previous_threads = sys.gettrace(), threading.gettrace()
    count._on = True
    sys.settrace(count._global)
    threading.settrace(count._global)
    try:
        yield count
    finally:
        count._on = False
        sys.settrace(previous)
        threading.settrace(previous_threads)
