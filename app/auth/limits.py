"""Rate limits: a sliding window per key in process memory, and the limits the routes apply
(posts per account and address, logins per address and name, demo runs per address)."""

from __future__ import annotations

import math
import threading
import time
from collections import deque

from fastapi import Depends, Request

from app.db.models import User
from app.errors import AppError


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


def client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def limit_posts(request: Request, user: User) -> None:
    settings = request.app.state.settings
    request.app.state.rate_limiter.hit([
        (f"post:user:{user.id}", settings.rate_limit_posts_per_minute),
        (f"post:ip:{client_ip(request)}", settings.rate_limit_ip_posts_per_minute),
    ])


def limit_logins(request: Request, username: str) -> None:
    settings = request.app.state.settings
    request.app.state.rate_limiter.hit([
        (f"login:ip:{client_ip(request)}", settings.rate_limit_logins_per_minute),
        (f"login:user:{(username or '').strip().lower()[:64]}", settings.rate_limit_logins_per_minute),
    ])


def limit_runs(request: Request) -> None:
    """Runs per address per minute (API and form together); 429 with Retry-After past it."""
    request.app.state.rate_limiter.hit([
        (f"demo-run:ip:{client_ip(request)}", request.app.state.settings.rate_limit_demo_runs_per_minute)])


RunLimit = Depends(limit_runs)
