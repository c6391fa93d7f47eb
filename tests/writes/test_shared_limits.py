"""Rate limits shared through Redis: a limit holds across web servers, not once per server."""

from __future__ import annotations

import shutil

import httpx
import pytest

from app.auth.limits import LoginThrottle
from app.auth.shared_limits import RedisLoginThrottle, RedisRateLimiter
from app.errors import AppError
from tests.processes import start_web
from tests.redis_server import binary, redis_server

pytestmark = pytest.mark.skipif(binary() is None, reason="redis-server missing (make test installs it)")

SLUG = "activation-gradients"


def test_two_limiters_on_one_redis_count_together():
    with redis_server() as url:
        first, second = RedisRateLimiter(url), RedisRateLimiter(url)
        for limiter in (first, second, first, second):
            limiter.hit([("post:user:1", 4), ("post:ip:10.0.0.1", 60)])
        with pytest.raises(AppError) as refused:
            second.hit([("post:user:1", 4), ("post:ip:10.0.0.1", 60)])
        assert refused.value.status_code == 429 and int(refused.value.headers["Retry-After"]) >= 1
        # A refused hit is not recorded, and other keys have their own windows.
        first.hit([("post:user:2", 4), ("post:ip:10.0.0.1", 60)])


def test_login_failures_on_two_servers_count_together_and_a_success_clears_them():
    with redis_server() as url:
        first, second = RedisLoginThrottle(url), RedisLoginThrottle(url)
        for n in range(LoginThrottle.FREE_PAIR_FAILURES):
            (first if n % 2 else second).failed("grace", "10.0.0.3")
        assert 0 < second.wait_s("grace", "10.0.0.3") <= 1.0
        with pytest.raises(AppError) as refused:
            first.check("grace", "10.0.0.3")
        assert refused.value.status_code == 429
        assert first.wait_s("grace", "10.0.0.4") == 0  # the name itself is never locked
        second.succeeded("grace", "10.0.0.3")
        assert first.wait_s("grace", "10.0.0.3") == 0


@pytest.mark.slow
def test_a_limit_of_four_holds_across_two_kb_serve_processes(tmp_path, migrated_template):
    db_path = tmp_path / "kb.sqlite3"
    shutil.copy(migrated_template, db_path)
    with redis_server() as url:
        env = {"KB_DATABASE_URL": f"sqlite:///{db_path}", "KB_TASK_QUEUE_URL": url,
               "KB_SECRET_KEY": "test-secret-two-servers", "KB_RATE_DEMO_RUNS_PER_MIN": "4",
               "KB_DEMO_PRECOMPUTE": "0", "KB_DEMO_QUEUE_SIZE": "16"}
        servers, bases = [], []
        try:
            for name in ("a", "b"):
                server, base = start_web(name, env, tmp_path, "--no-access-log")
                servers.append(server)
                bases.append(base)
            codes = []
            for i in range(6):  # A, B, A, B, A, B: different seeds, so six distinct runs
                answer = httpx.post(f"{bases[i % 2]}/api/v1/demos/{SLUG}/runs",
                                    json={"params": {}, "device": "cpu", "seed": i}, timeout=60)
                codes.append(answer.status_code)
            assert all(c in (200, 201, 202) for c in codes[:4]), codes
            assert codes[4:] == [429, 429], codes
        finally:
            for server in servers:
                server.stop()
