"""The one clock: aware UTC datetimes, and seconds for measuring intervals.

The UTCDateTime columns refuse naive values on write, so every timestamp, model defaults included,
comes from here.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime


def now_utc() -> datetime:
    return datetime.now(UTC)


def monotonic() -> float:
    """Seconds on a clock that never goes back (a wall clock set back would stretch an interval)."""
    return time.monotonic()
