"""A throwaway Redis for the tests: Debian's redis-server in a temporary directory, listening on a Unix
socket there and no TCP port, so parallel test processes (pytest-xdist) never collide. No persistence."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

START_TIMEOUT_S = 60.0


def binary() -> str | None:
    return shutil.which("redis-server")


@contextmanager
def redis_server() -> Iterator[str]:
    """Start redis-server; yields its URL (unix://…) and stops it (and removes its directory) on exit."""
    from redis import Redis
    from redis.exceptions import RedisError

    server = binary()
    assert server is not None, "redis-server is missing: `make test` installs Debian's redis-server"
    # A socket path must stay under ~100 bytes, so not pytest's (long) temporary directory.
    directory = Path(tempfile.mkdtemp(prefix="kb-redis-"))
    socket = directory / "redis.sock"
    process = subprocess.Popen(
        [server, "--port", "0", "--unixsocket", str(socket), "--unixsocketperm", "700", "--dir", str(directory),
         "--save", "", "--appendonly", "no", "--logfile", str(directory / "redis.log")],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    url = f"unix://{socket}"
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            assert process.poll() is None, (directory / "redis.log").read_text(errors="replace")[-2000:]
            try:
                if Redis.from_url(url).ping():
                    break
            except RedisError:
                if time.monotonic() > deadline:
                    raise
            time.sleep(0.05)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        shutil.rmtree(directory, ignore_errors=True)
