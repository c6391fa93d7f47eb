"""Rate limits and text limits shared by the API and the HTML forms."""

from __future__ import annotations

import math
import re
import threading
import time
import unicodedata
from collections import deque
from datetime import datetime, timezone

from app.api.errors import AppError

TITLE_MIN, TITLE_MAX = 3, 200
BODY_MAX = 20_000
MAX_REQUEST_BYTES = 256 * 1024  # a 20,000-character Korean body, percent-encoded in a form, fits
# Stripped: C0/C1 controls except tab and newline, and the invisible bidi overrides (U+202A-202E,
# U+2066-2069) that can make text display differently from what it says; BOM too. Lone surrogates
# (JSON allows "\ud800") cannot be encoded as UTF-8, so SQLite and the response would fail on them.
_STRIP = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ufeff\ud800-\udfff]")


def clean_text(raw: str | None) -> str:
    """NFC-normalise, turn CRLF/CR into LF, strip control characters (keep \\n and \\t)."""
    text = unicodedata.normalize("NFC", raw or "").replace("\r\n", "\n").replace("\r", "\n")
    return _STRIP.sub("", text)


def clean_title(raw: str | None) -> str:
    # A zero-width space is invisible spacing: a title "반대로\u200b" looks like "반대로" (and the
    # exported Markdown reads back without it), so it collapses with the other whitespace.
    return re.sub(r"[\s\u200b]+", " ", clean_text(raw)).strip()


def check_title(title: str) -> str:
    if not (TITLE_MIN <= len(title) <= TITLE_MAX):
        raise AppError(422, f"제목은 {TITLE_MIN}~{TITLE_MAX}자여야 합니다.", code="validation_error",
                       details=[{"field": "title", "min_length": TITLE_MIN, "max_length": TITLE_MAX,
                                 "length": len(title)}])
    return title


def check_body(body: str, *, required: bool = True) -> str:
    if required and not body.strip():
        raise AppError(422, "본문을 입력해 주세요.", details=[{"field": "body", "message": "본문이 비어 있습니다."}])
    if len(body) > BODY_MAX:
        raise AppError(413 if len(body) > BODY_MAX * 4 else 422, f"본문은 {BODY_MAX:,}자 이하여야 합니다.",
                       details=[{"field": "body", "max_length": BODY_MAX, "length": len(body)}])
    return body


class RateLimiter:
    """Sliding window per key, in process memory (one uvicorn worker; see the README)."""

    def __init__(self) -> None:
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def hit(self, keys: list[tuple[str, int]], window_s: float = 60.0) -> None:
        """Record one event under every key, or raise 429 (with Retry-After) if any is full."""
        now = time.monotonic()
        with self._lock:
            retry_after = 0.0
            for key, limit in keys:
                hits = self._hits.setdefault(key, deque())
                while hits and hits[0] <= now - window_s:
                    hits.popleft()
                if len(hits) >= limit:
                    retry_after = max(retry_after, hits[0] + window_s - now)
            if retry_after:
                seconds = max(1, math.ceil(retry_after))
                raise AppError(429, f"요청이 너무 많습니다. {seconds}초 후에 다시 시도해 주세요.",
                               headers={"Retry-After": str(seconds)}, details={"retry_after": seconds})
            for key, _limit in keys:
                self._hits[key].append(now)
            if len(self._hits) > 50_000:  # forget idle keys
                for key in [k for k, v in self._hits.items() if not v or v[-1] <= now - window_s]:
                    del self._hits[key]


def now_utc() -> datetime:
    """Aware UTC: SQLModel's UTCDateTime columns refuse naive datetimes on write."""
    return datetime.now(timezone.utc)
