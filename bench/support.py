"""Helpers the bench scripts share: a free port, a uvicorn subprocess, percentiles."""

from __future__ import annotations

import shutil
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(env: dict, port: int, ready_path: str = "/api/v1/collections", timeout_s: float = 30) -> subprocess.Popen:
    """uvicorn on 127.0.0.1:port with the app factory; returns once ready_path answers 200."""
    server = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "app.main:create_app", "--factory", "--host", "127.0.0.1", "--port", str(port),
         "--log-level", "warning", "--no-access-log"], cwd=ROOT, env=env)
    deadline = time.time() + timeout_s
    while time.time() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}{ready_path}", timeout=1).status_code == 200:
                return server
        except httpx.HTTPError:
            time.sleep(0.2)
    server.kill()
    raise RuntimeError("uvicorn did not start")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))], 2) if ordered else 0.0


def stop_all(servers: list[subprocess.Popen], workdir: Path) -> None:
    for server in servers:
        server.terminate()
        server.wait(timeout=30)
    shutil.rmtree(workdir, ignore_errors=True)


def wrk_medians(rounds: list[dict], names) -> dict:
    """The median over alternating rounds of each target's wrk figures."""
    return {name: {key: round(statistics.median(r[name][key] for r in rounds), 3)
                   for key in ("requests_per_s", "p50_ms", "p90_ms", "p99_ms")} for name in names}
