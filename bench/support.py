"""Helpers the bench scripts share: a seeded site, uvicorn subprocesses, wrk, percentiles, the result file."""

from __future__ import annotations

import json
import os
import platform
import re
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
APP_FACTORY = ["app.main:create_app", "--factory"]
CONNECTIONS = 10

BARE_APP = '''
from fastapi import FastAPI

app = FastAPI()


@app.get("/bare")
async def bare():  # async: no threadpool hop, the fastest plain FastAPI route (the strictest baseline)
    return {"ok": True}
'''


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_uvicorn(target: list[str], env: dict, cwd: Path, probe: str, port: int | None = None,
                  timeout_s: float = 60) -> tuple[subprocess.Popen, str]:
    """uvicorn (1 worker, no access log: the same flags for every target) on 127.0.0.1; returns the
    process and its base URL once `probe` answers 200."""
    port = port or free_port()
    server = subprocess.Popen(
        [PYTHON, "-m", "uvicorn", *target, "--host", "127.0.0.1", "--port", str(port), "--workers", "1",
         "--log-level", "warning", "--no-access-log"], cwd=cwd, env=env)
    base = f"http://127.0.0.1:{port}"
    deadline = time.time() + timeout_s
    while time.time() < deadline:
        try:
            if httpx.get(base + probe, timeout=2).status_code == 200:
                return server, base
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    server.kill()
    raise RuntimeError(f"uvicorn {target} did not start")


def start_server(env: dict, port: int, ready_path: str = "/api/v1/collections", timeout_s: float = 30) -> subprocess.Popen:
    """The app on 127.0.0.1:port; returns once ready_path answers 200."""
    return start_uvicorn(APP_FACTORY, env, ROOT, ready_path, port=port, timeout_s=timeout_s)[0]


def start_bare(workdir: Path, env: dict) -> tuple[subprocess.Popen, str]:
    """The baseline: a FastAPI app with one route returning a constant, served with the app's flags."""
    (workdir / "bare_app.py").write_text(BARE_APP, encoding="utf-8")
    return start_uvicorn(["bare_app:app"], {**env, "PYTHONPATH": str(workdir)}, workdir, "/bare")


@dataclass
class SeededSite:
    """A fresh database under a temporary folder with the seeds ingested, and the environment that
    serves it."""

    workdir: Path
    database_url: str
    env: dict
    ids: list[int]  # the live questions, in id order

    def start(self) -> tuple[subprocess.Popen, str]:
        return start_uvicorn(APP_FACTORY, self.env, ROOT, "/api/v1/collections")


def seeded_site(name: str, **extra_env: str) -> SeededSite:
    workdir = Path(tempfile.mkdtemp(prefix=f"kb-bench-{name}-"))
    db_path = workdir / "kb.sqlite3"
    database_url = f"sqlite:///{db_path}"
    env = {**os.environ, "KB_DATABASE_URL": database_url, "KB_CONTENT_DIR": str(ROOT / "content"),
           **extra_env, "PYTHONPATH": str(ROOT)}
    for command in (["db", "upgrade"], ["ingest", "--workers", "1"]):
        subprocess.run([PYTHON, "-m", "app.cli", *command], cwd=ROOT, env=env, check=True, capture_output=True)
    connection = sqlite3.connect(db_path)
    ids = [row[0] for row in connection.execute(
        "SELECT id FROM question WHERE deleted_at IS NULL AND retired_at IS NULL ORDER BY id")]
    connection.close()
    return SeededSite(workdir, database_url, env, ids)


def make_people(database_url: str) -> tuple[list[str], str]:
    """API tokens for the writers, and a session cookie for the signed-in reader."""
    from sqlmodel import Session

    from app.db.engine import make_engine
    from app.services import accounts

    engine = make_engine(database_url)
    tokens = []
    with Session(engine) as session:
        for i in range(4):
            user = accounts.sign_up(session, username=f"writer{i}", password="bench-password",
                                    display_name=f"writer{i}", testing=True)
            tokens.append(accounts.create_api_token(session, user, "bench")[0])
        reader = accounts.sign_up(session, username="reader", password="bench-password", display_name="reader",
                                  testing=True)
        cookie = accounts.start_session(session, reader)[0]
    engine.dispose()
    return tokens, cookie


def require_wrk() -> None:
    if shutil.which("wrk") is None:
        sys.exit("wrk is missing: `make wrk` (apt-get install wrk)")


def parse_wrk(output: str) -> dict:
    def latency_ms(label: str) -> float:
        match = re.search(rf"^\s*{label}%\s+([\d.]+)(us|ms|s)\s*$", output, re.MULTILINE)
        value, unit = float(match.group(1)), match.group(2)
        return round(value / 1000 if unit == "us" else value * 1000 if unit == "s" else value, 3)

    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    socket_errors = re.search(r"Socket errors: (.*)", output)
    return {
        "requests_per_s": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        "requests": int(re.search(r"(\d+) requests in", output).group(1)),
        "p50_ms": latency_ms("50"), "p90_ms": latency_ms("90"), "p99_ms": latency_ms("99"),
        "non_2xx": int(errors.group(1)) if errors else 0,
        "socket_errors": socket_errors.group(1).strip() if socket_errors else None,
    }


def run_wrk(url: str, seconds: int, script: Path | None = None, connections: int = CONNECTIONS) -> dict:
    command = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency"]
    if script is not None:
        command += ["-s", str(script)]
    done = subprocess.run(command + [url], capture_output=True, text=True, check=True)
    return parse_wrk(done.stdout)


def loop_lag_counts(base: str) -> dict[str, float]:
    """The app's event-loop lag histogram (/metrics, app.http.metrics): cumulative counts by upper bound."""
    from prometheus_client.parser import text_string_to_metric_families

    text = httpx.get(base + "/metrics", timeout=60).text
    for family in text_string_to_metric_families(text):
        if family.name == "kb_event_loop_lag_seconds":
            return {sample.labels["le"]: sample.value for sample in family.samples if sample.name.endswith("_bucket")}
    raise RuntimeError("the app reports no kb_event_loop_lag_seconds")


def loop_lag_between(before: dict[str, float], after: dict[str, float]) -> dict:
    """What the loop-lag probe saw between two scrapes: how many wake-ups, and the share of them that
    came more than 10, 50 and 100 ms late (every request in flight then waited as long)."""
    probes = after["+Inf"] - before["+Inf"]

    def late(bound: str) -> float:
        return round((probes - (after[bound] - before[bound])) / probes, 4) if probes else 0.0

    return {"probes": int(probes), "late_10ms": late("0.01"), "late_50ms": late("0.05"), "late_100ms": late("0.1")}


def process_cpu_s(pid: int) -> float:
    """CPU seconds (user + system) a process has used so far (Linux /proc): what a round cost the server,
    which, unlike its requests per second, other load on the machine hardly moves."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


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


def machine(load_at_start: tuple[float, float, float]) -> dict:
    return {"python": platform.python_version(), "platform": platform.platform(), "cpus": os.cpu_count(),
            "load_average_at_start": load_at_start, "load_average_at_end": os.getloadavg()}


def write_result(out: str, result: dict) -> None:
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    Path(out).write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
