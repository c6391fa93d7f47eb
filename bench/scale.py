"""Scale-out benchmark (issue 13): question-page throughput with 1, 2 and 4 web processes on one database,
while others write, on SQLite and on PostgreSQL.

For each engine a fresh database with the seeds ingested, and one server per process count on it at once (`kb
serve --workers N` for N in --workers, default 1,2,4: processes sharing the listening socket, each with its
own response cache and versions reader, as hosts behind a proxy would). wrk (-t1 -c10) rotates over every
question page as an anonymous reader and as a signed-in one (session cookie: the signed-in page kept for all
signed-in readers, filled per request), while 4 API clients post answers to random questions through the same
server at WRITES_PER_S in total. Rounds alternate between the targets so that load from elsewhere on the
machine hits them alike; the median of the rounds is reported. Before any load, each seed question without an
answer gets one: a question's first answer changes what every page's links show (the outline version), and
those first answers would otherwise fall on whichever target runs first.

Ratios, all against a baseline measured in the same run:
  {engine}_{reader}_{n}_vs_1       n web processes against one, same engine and reader;
  postgresql_{reader}_{n}_vs_sqlite  n processes on PostgreSQL against n on SQLite.

On a 2-core machine wrk, the writers and the database server share the same two cores with the web
processes, so 2 processes cannot reach 2x there; the ratio says what a second process buys on this
machine, `machine.cpus` says how many cores it had. Writes bench/results/scale.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.mixed import ROTATE_LUA, Writers  # noqa: E402
from bench.support import free_port, make_people, percentile, run_wrk, wrk_medians  # noqa: E402

PYTHON = sys.executable
WORKERS = (1, 2, 4)
READERS = ("anon", "user")
WRITES_PER_S = 5
START_DEADLINE_S = 180


def prepare(engine: str, workdir: Path) -> tuple[str, object | None]:
    """A migrated database with the seeds ingested; (URL, the PostgreSQL cluster to stop or None)."""
    if engine == "sqlite":
        return f"sqlite:///{workdir / 'kb.sqlite3'}", None
    from tests.postgres import Cluster, binaries

    bin_dir = binaries()
    if bin_dir is None:
        sys.exit("PostgreSQL server binaries are missing: `make postgresql` (Debian's postgresql package)")
    cluster = Cluster(bin_dir)
    cluster.start()
    return cluster.url(cluster.create_database()), cluster


def question_ids(database_url: str) -> list[int]:
    from sqlalchemy import text

    from app.db.engine import make_engine

    engine = make_engine(database_url)
    with engine.connect() as connection:
        ids = list(connection.execute(text(
            "SELECT id FROM question WHERE deleted_at IS NULL AND retired_at IS NULL ORDER BY id")).scalars())
    engine.dispose()
    return ids


STARTED = "Application startup complete"  # uvicorn's info line, once per worker process
RESTARTED = "died"  # uvicorn's supervisor: "Child process [pid] died" (it starts a new one)


def answer_unanswered(database_url: str, base: str, token: str) -> int:
    from sqlalchemy import text

    from app.db.engine import make_engine

    engine = make_engine(database_url)
    with engine.connect() as connection:
        ids = list(connection.execute(text(
            "SELECT id FROM question WHERE deleted_at IS NULL AND retired_at IS NULL AND answer_count = 0")).scalars())
    engine.dispose()
    with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=120) as client:
        for question_id in ids:
            posted = client.post(f"/api/v1/questions/{question_id}/answers", json={"body": "벤치 전에 단 첫 답변"})
            assert posted.status_code == 201, posted.text
    return len(ids)


def start_serve(env: dict, workers: int, log: Path) -> tuple[subprocess.Popen, str]:
    """`kb serve --workers N`; returns once every worker has started (the log says so N times) and
    /readyz answers 200: all of them share one socket, so a worker still importing takes no requests."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with log.open("w") as out:
        server = subprocess.Popen(
            [PYTHON, "-m", "app.cli", "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers),
             "--no-access-log", "--log-level", "info", "--log-format", "text"],
            cwd=ROOT, env={**env, "KB_BASE_URL": base}, stdout=out, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + START_DEADLINE_S
    while time.monotonic() < deadline:
        if server.poll() is not None:
            sys.exit(f"kb serve --workers {workers} exited:\n{log.read_text()[-3000:]}")
        try:
            if log.read_text().count(STARTED) >= workers and httpx.get(f"{base}/readyz", timeout=10).status_code == 200:
                return server, base
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    server.kill()
    sys.exit(f"kb serve --workers {workers} not ready after {START_DEADLINE_S}s")


def stop(server: subprocess.Popen) -> None:
    server.send_signal(signal.SIGTERM)
    try:
        server.wait(timeout=60)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=5, help="length of one wrk run")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds; the median is reported")
    parser.add_argument("--warmup", type=int, default=10, help="seconds of unmeasured load per reader and server")
    parser.add_argument("--engines", default="sqlite,postgresql")
    parser.add_argument("--workers", default=",".join(map(str, WORKERS)),
                        help="web process counts to compare, the first is the baseline (default 1,2,4)")
    parser.add_argument("--out", default=str(ROOT / "bench" / "results" / "scale.json"))
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is missing: `make wrk` (apt-get install wrk)")
    engines = args.engines.split(",")
    counts = [int(n) for n in args.workers.split(",")]

    load_at_start = os.getloadavg()
    workdir = Path(tempfile.mkdtemp(prefix="kb-bench-scale-"))
    clusters, servers, logs = [], [], []
    first_answers: dict[str, int] = {}
    targets: dict[str, object] = {}
    try:
        for engine in engines:
            database_url, cluster = prepare(engine, workdir)
            if cluster is not None:
                clusters.append(cluster)
            env = {**os.environ, "KB_DATABASE_URL": database_url, "KB_CONTENT_DIR": str(ROOT / "content"),
                   "KB_SECRET_KEY": "bench-secret-scale-out", "KB_DEMO_PRECOMPUTE": "0",
                   "KB_RATE_POSTS_PER_MIN": "1000000", "KB_RATE_IP_POSTS_PER_MIN": "1000000",
                   "PYTHONPATH": str(ROOT)}
            for command in (["db", "upgrade"], ["ingest", "--workers", "1"]):
                subprocess.run([PYTHON, "-m", "app.cli", *command], cwd=ROOT, env=env, check=True,
                               capture_output=True)
            ids = question_ids(database_url)
            tokens, cookie = make_people(database_url)
            scripts = {}
            for reader, header in (("anon", ""), ("user", f', ["Cookie"] = "kb_session={cookie}"')):
                scripts[reader] = workdir / f"{engine}-{reader}.lua"
                scripts[reader].write_text(ROTATE_LUA % {"ids": ", ".join(map(str, ids)), "cookie": header})
            for workers in counts:
                log = workdir / f"{engine}-{workers}.log"
                server, base = start_serve(env, workers, log)
                servers.append(server)
                logs.append((f"{engine}_{workers}", log))
                if workers == counts[0]:
                    first_answers[engine] = answer_unanswered(database_url, base, tokens[0])
                # Warm-up, not measured: every process renders every page for each reader at least once.
                for reader in READERS:
                    run_wrk(base, args.warmup, scripts[reader])
                for reader in READERS:
                    targets[f"{engine}_{reader}_{workers}"] = (base, scripts[reader], tokens, ids)

        def measure(base: str, script: Path, tokens: list[str], ids: list[int]) -> dict:
            with Writers(base, tokens, ids, WRITES_PER_S) as writers:
                result = run_wrk(base, args.seconds, script)
            posted = [ms for status, ms in writers.records if status == 201]
            result["posts"] = {"per_s": round(len(writers.records) / args.seconds, 2), "created": len(posted),
                               "failed": len(writers.records) - len(posted), "p50_ms": percentile(posted, 50)}
            return result

        rounds = [{name: measure(*target) for name, target in targets.items()} for _ in range(args.rounds)]
        # uvicorn kills a worker that misses its health check and starts another: that would be measured too.
        restarts = {name: log.read_text().count(RESTARTED) for name, log in logs}
    finally:
        for server in servers:
            stop(server)
        for cluster in clusters:
            cluster.stop()
        shutil.rmtree(workdir, ignore_errors=True)

    summary = wrk_medians(rounds, targets)
    rps = {name: values["requests_per_s"] for name, values in summary.items()}
    ratios = {}
    for engine in engines:
        for reader in READERS:
            for workers in counts[1:]:
                ratios[f"{engine}_{reader}_{workers}_vs_{counts[0]}"] = round(
                    rps[f"{engine}_{reader}_{workers}"] / rps[f"{engine}_{reader}_{counts[0]}"], 3)
    if {"sqlite", "postgresql"} <= set(engines):
        for reader in READERS:
            for workers in counts:
                pg, lite = rps[f"postgresql_{reader}_{workers}"], rps[f"sqlite_{reader}_{workers}"]
                ratios[f"postgresql_{reader}_{workers}_vs_sqlite"] = round(pg / lite, 3)
    result = {
        "benchmark": "scale",
        "machine": {"python": platform.python_version(), "platform": platform.platform(), "cpus": os.cpu_count(),
                    "load_average_at_start": load_at_start, "load_average_at_end": os.getloadavg()},
        "setup": {"servers": f"kb serve --workers {args.workers} (one server each) on the same database, "
                             "--no-access-log",
                  "load": f"wrk -t1 -c10 -d{args.seconds}s --latency rotating over every question page, "
                          f"{args.rounds} alternating rounds, median",
                  "writers": f"4 API clients posting answers to random questions through the server read, "
                             f"{WRITES_PER_S} per second in total",
                  "engines": engines, "unanswered_seeds_answered_first": first_answers},
        "summary": summary, "ratios": ratios,
        "errors": {name: sum(r[name]["non_2xx"] for r in rounds) for name in targets},
        "worker_restarts": restarts,
        "rounds": rounds,
    }
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(json.dumps({"summary": summary, "ratios": ratios}, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
