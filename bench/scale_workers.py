"""Scale-out benchmark (issue 13), the experiment side: runs finished per second with 1 and with 2
`kb worker` processes taking from one Redis queue, on one database.

A fresh SQLite database and a throwaway Redis (tests/redis_server.py). For each configuration the
workers are started and waited for (registered in Redis: torch is imported before any clock runs),
then RUNS distinct small runs (activation-gradients, about half a second each on one torch thread,
each its own seed so none is answered from the cache) are posted at once through the web app and
the clock stops when the last one has succeeded. Rounds alternate 1 and 2 workers so that load from
elsewhere on the machine hits both alike; the median is reported, and the ratio 2 vs 1 from the same
run. `machine.cpus` says how many cores two workers could use. Writes bench/results/scale_workers.json.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from fastapi.testclient import TestClient  # noqa: E402

from app.config import Settings  # noqa: E402
from app.main import create_app  # noqa: E402
from tests.demos.conftest import PROGRESS_PARAMS, SLUG, TERMINAL  # noqa: E402
from tests.processes import start_worker, wait_until  # noqa: E402
from tests.redis_server import redis_server  # noqa: E402

PYTHON = sys.executable
WORKERS = (1, 2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=8, help="runs posted at once per measurement")
    parser.add_argument("--rounds", type=int, default=2, help="alternating rounds; the median is reported")
    parser.add_argument("--out", default=str(ROOT / "bench" / "results" / "scale_workers.json"))
    args = parser.parse_args()

    load_at_start = os.getloadavg()
    workdir = Path(tempfile.mkdtemp(prefix="kb-bench-workers-"))
    database_url = f"sqlite:///{workdir / 'kb.sqlite3'}"
    subprocess.run([PYTHON, "-m", "app.cli", "db", "upgrade"], cwd=ROOT, check=True, capture_output=True,
                   env={**os.environ, "KB_DATABASE_URL": database_url})
    seeds = itertools.count(1000)
    rounds: list[dict] = []
    try:
        with redis_server() as url:
            env = {"KB_DATABASE_URL": database_url, "KB_TASK_QUEUE_URL": url}
            settings = Settings(database_url=database_url, task_queue_url=url, testing=True,
                                secret_key="bench-secret-workers", demo_queue_size=64, demo_time_limit_s=600.0,
                                demo_precompute=False, rate_limit_demo_runs_per_minute=1_000_000,
                                demo_refuse_too_slow=False)
            with TestClient(create_app(settings)) as client:
                def status(run_id: str) -> str:
                    return client.get(f"/api/v1/runs/{run_id}").json()["status"]

                def all_done(ids: list[str]) -> bool:
                    return all(status(run_id) in TERMINAL for run_id in ids)

                for number in range(args.rounds):
                    measured = {}
                    for count in WORKERS:
                        workers = [start_worker(f"r{number}-w{count}-{i}", env, workdir) for i in range(count)]
                        try:
                            started = time.perf_counter()
                            ids = [client.post(f"/api/v1/demos/{SLUG}/runs",
                                               json={"params": PROGRESS_PARAMS, "seed": next(seeds)}).json()["id"]
                                   for _ in range(args.runs)]
                            wait_until(lambda ids=ids: all_done(ids), "the runs", deadline_s=900)
                            wall = time.perf_counter() - started
                            failed = [i for i in ids if status(i) != "succeeded"]
                        finally:
                            for worker in workers:
                                worker.stop()
                        measured[f"workers_{count}"] = {"runs": args.runs, "wall_s": round(wall, 2),
                                                        "runs_per_s": round(args.runs / wall, 3),
                                                        "failed": len(failed)}
                    rounds.append(measured)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)

    summary = {name: {"runs_per_s": statistics.median(r[name]["runs_per_s"] for r in rounds),
                      "failed": sum(r[name]["failed"] for r in rounds)} for name in rounds[0]}
    ratios = {"workers_2_vs_1": round(summary["workers_2"]["runs_per_s"] / summary["workers_1"]["runs_per_s"], 3)}
    result = {
        "benchmark": "scale_workers",
        "machine": {"python": platform.python_version(), "platform": platform.platform(), "cpus": os.cpu_count(),
                    "load_average_at_start": load_at_start, "load_average_at_end": os.getloadavg()},
        "setup": {"workers": "kb worker --threads 1 (one RQ worker each), 1 or 2 processes, started before the clock",
                  "runs": f"{args.runs} distinct {SLUG} runs {PROGRESS_PARAMS} posted at once, "
                          f"{args.rounds} alternating rounds, median", "database": "SQLite", "queue": "Redis (RQ)"},
        "summary": summary, "ratios": ratios, "rounds": rounds,
    }
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(json.dumps({"summary": summary, "ratios": ratios}, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
