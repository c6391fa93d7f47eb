"""Rate limits shared by every web server through Redis (KB_REDIS_URL, else KB_TASK_QUEUE_URL).

The same sliding window as `RateLimiter` (one sorted set of hit times per key), checked and recorded in one
Lua script so that two servers never both let the last allowed request through; times come from Redis's
clock, so the servers' clocks need not agree.
"""

from __future__ import annotations

import math
import secrets

from redis import Redis
from redis.exceptions import RedisError

from app.auth.limits import LoginThrottle
from app.errors import AppError

PREFIX = "kb:rate:"
THROTTLE_PREFIX = "kb:login-failures:"
# KEYS: the counts; ARGV: the forget-after seconds. A count older than that starts again at 1.
_FAILED = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
for _, key in ipairs(KEYS) do
  local last = tonumber(redis.call('HGET', key, 'last') or '0')
  local count = tonumber(redis.call('HGET', key, 'count') or '0')
  if now - last >= tonumber(ARGV[1]) then count = 1 else count = count + 1 end
  redis.call('HSET', key, 'count', count, 'last', tostring(now))
  redis.call('EXPIRE', key, ARGV[1])
end
return 0
"""
# KEYS: the windows; ARGV: window (ms), a unique member, then one limit per key.
# Returns 0 when recorded, else the milliseconds until the fullest window frees a slot.
_HIT = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local window = tonumber(ARGV[1])
local wait = 0
for i, key in ipairs(KEYS) do
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
  if redis.call('ZCARD', key) >= tonumber(ARGV[i + 2]) then
    local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
    wait = math.max(wait, tonumber(oldest[2]) + window - now)
  end
end
if wait > 0 then return wait end
for i, key in ipairs(KEYS) do
  redis.call('ZADD', key, now, ARGV[2])
  redis.call('PEXPIRE', key, window)
end
return 0
"""


class RedisRateLimiter:
    """`RateLimiter`'s interface, with its windows in Redis."""

    def __init__(self, url: str) -> None:
        self._redis = Redis.from_url(url, socket_connect_timeout=5, socket_timeout=5, health_check_interval=30)
        self._hit = self._redis.register_script(_HIT)

    def hit(self, keys: list[tuple[str, int]], window_s: float = 60.0) -> None:
        """Record one event under every key, or raise 429 (with Retry-After) if any is full."""
        try:
            wait_ms = int(self._hit(keys=[PREFIX + key for key, _ in keys],
                                    args=[int(window_s * 1000), secrets.token_hex(8), *(limit for _, limit in keys)]))
        except RedisError as exc:
            raise AppError(503, "요청 제한 저장소(Redis)에 연결하지 못했습니다. 잠시 후 다시 시도해 주세요.") from exc
        if wait_ms > 0:
            seconds = max(1, math.ceil(wait_ms / 1000))
            raise AppError(429, f"요청이 너무 많습니다. {seconds}초 후에 다시 시도해 주세요.",
                           retry_after=seconds)


class RedisLoginThrottle(LoginThrottle):
    """`LoginThrottle` with its failure counts in Redis: the delays hold whichever server a try reaches."""

    def __init__(self, url: str) -> None:
        super().__init__()
        self._redis = Redis.from_url(url, socket_connect_timeout=5, socket_timeout=5, health_check_interval=30)
        self._failed = self._redis.register_script(_FAILED)

    def wait_s(self, username: str, address: str) -> float:
        keys = self._keys(username, address)
        try:
            # One call per key rather than a pipeline: a login is rare, and a pipeline's .execute() reads as
            # SQL to the check that keeps statements in app/db (tests/lint/test_sql_stays_in_db.py).
            seconds, micros = self._redis.time()
            answers = [self._redis.hmget(THROTTLE_PREFIX + key, "count", "last") for key, _free in keys]
        except RedisError as exc:
            raise AppError(503, "로그인 제한 저장소(Redis)에 연결하지 못했습니다. 잠시 후 다시 시도해 주세요.") from exc
        counts = [((int(count or 0), float(last or 0.0)), free)
                  for (count, last), (_key, free) in zip(answers, keys, strict=True)]
        return self.delay_left(counts, seconds + micros / 1_000_000)

    def failed(self, username: str, address: str) -> None:
        try:
            self._failed(keys=[THROTTLE_PREFIX + key for key, _ in self._keys(username, address)],
                         args=[self.FORGET_AFTER_S])
        except RedisError as exc:
            raise AppError(503, "로그인 제한 저장소(Redis)에 연결하지 못했습니다. 잠시 후 다시 시도해 주세요.") from exc

    def succeeded(self, username: str, address: str) -> None:
        try:
            self._redis.delete(THROTTLE_PREFIX + self._keys(username, address)[0][0])
        except RedisError as exc:
            raise AppError(503, "로그인 제한 저장소(Redis)에 연결하지 못했습니다. 잠시 후 다시 시도해 주세요.") from exc
