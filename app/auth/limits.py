"""Rate limits: a sliding window per key in process memory, and the limits the routes apply
(posts per account and address, login attempts per address, demo runs per address), and the
login throttle: failed logins delay further tries exponentially per (username, address) and per
address, never per username alone, so nobody can lock the owner of a name out from elsewhere."""

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
                               retry_after=seconds)
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


def limit_edits(request: Request, user: User) -> None:
    settings = request.app.state.settings
    request.app.state.rate_limiter.hit([
        (f"edit:user:{user.id}", settings.rate_limit_edits_per_minute),
        (f"edit:ip:{client_ip(request)}", 3 * settings.rate_limit_edits_per_minute),
    ])


def limit_previews(request: Request, user: User) -> None:
    settings = request.app.state.settings
    request.app.state.rate_limiter.hit([
        (f"preview:user:{user.id}", settings.rate_limit_previews_per_minute),
        (f"preview:ip:{client_ip(request)}", 3 * settings.rate_limit_previews_per_minute),
    ])


class LoginThrottle:
    """Failed logins counted per (username, address) and per address, each with an exponential delay.

    After FREE_PAIR_FAILURES failures on one name from one address, the next try from there must
    wait 1, 2, 4 ... seconds (at most MAX_DELAY_S) after the last failure; an address that failed
    FREE_ADDRESS_FAILURES times over any names (password spraying) waits the same way. A success
    clears its pair. A count is forgotten FORGET_AFTER_S after its last failure. The owner logging
    in from another address meets neither count.
    """

    FREE_PAIR_FAILURES = 5
    FREE_ADDRESS_FAILURES = 20
    MAX_DELAY_S = 15 * 60
    FORGET_AFTER_S = 60 * 60

    def __init__(self, clock=time.monotonic) -> None:
        self._failures: dict[str, tuple[int, float]] = {}  # key -> (count, time of the last failure)
        self._lock = threading.Lock()
        self._clock = clock

    @staticmethod
    def _keys(username: str, address: str) -> list[tuple[str, int]]:
        name = (username or "").strip().lower()[:64]
        return [(f"pair:{name}\0{address}", LoginThrottle.FREE_PAIR_FAILURES),
                (f"address:{address}", LoginThrottle.FREE_ADDRESS_FAILURES)]

    def wait_s(self, username: str, address: str) -> float:
        """Seconds before the next try from ``address`` on ``username`` may be checked (0: now)."""
        now = self._clock()
        with self._lock:
            counts = [(self._failures.get(key, (0, 0.0)), free) for key, free in self._keys(username, address)]
        return self.delay_left(counts, now)

    @classmethod
    def delay_left(cls, counts: list[tuple[tuple[int, float], int]], now: float) -> float:
        """The longest wait over ((count, last failure), free failures) pairs."""
        wait = 0.0
        for (count, last), free in counts:
            if count >= free and now - last < cls.FORGET_AFTER_S:
                delay = min(cls.MAX_DELAY_S, 2.0 ** (count - free))
                wait = max(wait, last + delay - now)
        return wait

    def check(self, username: str, address: str) -> None:
        wait = self.wait_s(username, address)
        if wait > 0:
            seconds = max(1, math.ceil(wait))
            raise AppError(429, f"로그인 실패가 많아 {seconds}초 뒤에 다시 시도할 수 있습니다.",
                           retry_after=seconds)

    def failed(self, username: str, address: str) -> None:
        now = self._clock()
        with self._lock:
            for key, _free in self._keys(username, address):
                count, last = self._failures.get(key, (0, 0.0))
                self._failures[key] = (1 if now - last >= self.FORGET_AFTER_S else count + 1, now)
            if len(self._failures) > 100_000:  # forget the stale ones
                for key in [k for k, (_, last) in self._failures.items() if now - last >= self.FORGET_AFTER_S]:
                    del self._failures[key]

    def succeeded(self, username: str, address: str) -> None:
        with self._lock:
            self._failures.pop(self._keys(username, address)[0][0], None)


def limit_logins(request: Request, username: str) -> None:
    """Attempts per address per minute (sign-ups too), then the failure delays of this name here."""
    settings = request.app.state.settings
    address = client_ip(request)
    request.app.state.rate_limiter.hit([(f"login:ip:{address}", settings.rate_limit_logins_per_minute)])
    request.app.state.login_throttle.check(username, address)


def login_failed(request: Request, username: str) -> None:
    request.app.state.login_throttle.failed(username, client_ip(request))


def login_succeeded(request: Request, username: str) -> None:
    request.app.state.login_throttle.succeeded(username, client_ip(request))


def limit_runs(request: Request) -> None:
    """Runs per address per minute (API and form together); 429 with Retry-After past it."""
    request.app.state.rate_limiter.hit([
        (f"demo-run:ip:{client_ip(request)}", request.app.state.settings.rate_limit_demo_runs_per_minute)])


RunLimit = Depends(limit_runs)
