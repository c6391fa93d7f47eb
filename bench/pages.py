"""Reading benchmark (issue 4): the question page and its JSON twin against a bare FastAPI endpoint.

A real uvicorn (1 worker, the same flags for every target) on 127.0.0.1 over a fresh database with the
seeds ingested, driven by wrk (Debian's package: a C load generator, so the CPU goes to the server)
with 10 connections on one thread. Targets, each in its own server process, measured in rounds that
alternate between them so that load from elsewhere on the machine hits them alike:

  bare           a FastAPI app with one route returning a constant (the baseline);
  page           GET /questions/{id}, rotating over every seed question (what a reader does);
  api            GET /api/v1/questions/{id}, rotating the same way;
  page_uncached  GET /questions/{id}?nocache=N, a new query each request, so the per-version
                 response cache never hits: the full render path (queries + template), for the record.

Goals: page >= 0.5x bare, api >= 0.7x bare, p99 <= 20 ms at 10 connections (page and api).
Writes bench/results/pages.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.support import stop_all, wrk_medians  # noqa: E402

PYTHON = sys.executable
CONNECTIONS = 10
GOALS = {"page_vs_bare": 0.5, "api_vs_bare": 0.7, "p99_ms": 20.0}

BARE_APP = '''
from fastapi import FastAPI

app = FastAPI()


@app.get("/bare")
async def bare():  # async: no threadpool hop, the fastest plain FastAPI route (the strictest baseline)
    return {"ok": True}
'''

# wrk request generator: cycle through the question ids; optionally a fresh query per request.
ROTATE_LUA = '''
local ids = {%(ids)s}
local n = 0
request = function()
  n = n + 1
  local path = "%(prefix)s" .. ids[(n %% #ids) + 1]
  if %(bust)s then path = path .. "?nocache=" .. n end
  return wrk.format("GET", path)
end
'''


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_uvicorn(target: list[str], env: dict, cwd: Path, probe: str) -> tuple[subprocess.Popen, str]:
    port = free_port()
    server = subprocess.Popen(
        [PYTHON, "-m", "uvicorn", *target, "--host", "127.0.0.1", "--port", str(port), "--workers", "1",
         "--log-level", "warning", "--no-access-log"], cwd=cwd, env=env)
    base = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            if httpx.get(base + probe, timeout=2).status_code == 200:
                return server, base
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    server.kill()
    raise RuntimeError(f"uvicorn {target} did not start")


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=8, help="length of one wrk run")
    parser.add_argument("--rounds", type=int, default=5, help="alternating rounds; the median is reported")
    parser.add_argument("--out", default=str(ROOT / "bench" / "results" / "pages.json"))
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is missing: `make wrk` (apt-get install wrk)")

    load_at_start = os.getloadavg()
    workdir = Path(tempfile.mkdtemp(prefix="kb-bench-pages-"))
    db_path = workdir / "kb.sqlite3"
    env = {**os.environ, "KB_DATABASE_URL": f"sqlite:///{db_path}", "KB_CONTENT_DIR": str(ROOT / "content"),
           "PYTHONPATH": str(ROOT)}
    for command in (["db", "upgrade"], ["ingest", "--workers", "1"]):
        subprocess.run([PYTHON, "-m", "app.cli", *command], cwd=ROOT, env=env, check=True, capture_output=True)
    connection = sqlite3.connect(db_path)
    ids = [row[0] for row in connection.execute(
        "SELECT id FROM question WHERE deleted_at IS NULL AND retired_at IS NULL ORDER BY id")]
    connection.close()
    (workdir / "bare_app.py").write_text(BARE_APP, encoding="utf-8")
    scripts = {}
    for name, prefix, bust in (("page", "/questions/", "false"), ("api", "/api/v1/questions/", "false"),
                               ("page_uncached", "/questions/", "true")):
        scripts[name] = workdir / f"{name}.lua"
        scripts[name].write_text(ROTATE_LUA % {"ids": ", ".join(map(str, ids)), "prefix": prefix, "bust": bust})

    app_server, app_base = start_uvicorn(["app.main:create_app", "--factory"], env, ROOT, "/api/v1/collections")
    bare_server, bare_base = start_uvicorn(["bare_app:app"], {**env, "PYTHONPATH": str(workdir)}, workdir, "/bare")
    targets = {
        "bare": lambda: run_wrk(f"{bare_base}/bare", args.seconds),
        "page": lambda: run_wrk(app_base, args.seconds, scripts["page"]),
        "api": lambda: run_wrk(app_base, args.seconds, scripts["api"]),
        "page_uncached": lambda: run_wrk(app_base, args.seconds, scripts["page_uncached"]),
    }
    rounds: list[dict] = []
    try:
        # Warm-up, not measured: lazy imports, prepared statements, and each question rendered once.
        run_wrk(f"{bare_base}/bare", 1)
        run_wrk(app_base, 2, scripts["page_uncached"])
        for question_id in ids:
            for path in (f"/questions/{question_id}", f"/api/v1/questions/{question_id}"):
                assert httpx.get(app_base + path).status_code == 200, path
        for _ in range(args.rounds):
            rounds.append({name: run() for name, run in targets.items()})
    finally:
        stop_all([app_server, bare_server], workdir)

    summary = wrk_medians(rounds, targets)
    ratios = {
        "page_vs_bare": round(summary["page"]["requests_per_s"] / summary["bare"]["requests_per_s"], 3),
        "api_vs_bare": round(summary["api"]["requests_per_s"] / summary["bare"]["requests_per_s"], 3),
        "page_uncached_vs_bare": round(summary["page_uncached"]["requests_per_s"] / summary["bare"]["requests_per_s"], 3),
    }
    goals_met = {
        "page_vs_bare": ratios["page_vs_bare"] >= GOALS["page_vs_bare"],
        "api_vs_bare": ratios["api_vs_bare"] >= GOALS["api_vs_bare"],
        "p99_page": summary["page"]["p99_ms"] <= GOALS["p99_ms"],
        "p99_api": summary["api"]["p99_ms"] <= GOALS["p99_ms"],
    }
    result = {
        "benchmark": "pages",
        "machine": {"python": platform.python_version(), "platform": platform.platform(), "cpus": os.cpu_count(),
                    "load_average_at_start": load_at_start,
                    "load_average_at_end": os.getloadavg()},
        "setup": {"server": "uvicorn 1 worker, --no-access-log, same flags for the app and the bare endpoint",
                  "load": f"wrk -t1 -c{CONNECTIONS} -d{args.seconds}s --latency, {args.rounds} alternating rounds, median",
                  "questions_rotated": len(ids)},
        "goals": GOALS, "summary": summary, "ratios": ratios, "goals_met": goals_met,
        "errors": {name: sum(r[name]["non_2xx"] for r in rounds) for name in targets},
        "rounds": rounds,
    }
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(json.dumps({"summary": summary, "ratios": ratios, "goals_met": goals_met}, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
