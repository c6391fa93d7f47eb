"""The one clock: aware UTC datetimes.

The UTCDateTime columns refuse naive values on write, so every timestamp, model defaults included,
comes from here.
"""

from __future__ import annotations

from datetime import UTC, datetime


def now_utc() -> datetime:
    return datetime.now(UTC)
