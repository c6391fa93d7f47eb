"""Demo benchmark (issue 6).

Measures, in one run on this machine:
  1. wall time of every registered demo at its default params on CPU, in this process, with torch on
     as many threads as a worker uses (KB_DEMO_THREADS, 1 by default) and on 2 threads
     (goal: <= 3 s each on 2 cores, judged on the worker's setting);
  2. against a real uvicorn (2 demo workers, 1 torch thread each): every demo at default params
     through the pool, then a cached repeat of the same request (goal: <= 20 ms);
  3. question-page p99 while two demo runs keep both workers busy, as a ratio to the same page
     idle, measured in this run in alternating idle/busy blocks (goal: <= 2x);
  4. the web process's RSS after serving pages, searches and runs (goal: <= 150 MB), and whether it ever
     mapped libtorch (it must not: torch lives in the workers).
Writes bench/results/demos.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.config import Settings  # noqa: E402
from app.db.migrate import upgrade  # noqa: E402
from bench.support import free_port, percentile, start_server  # noqa: E402

PYTHON = sys.executable
TERMINAL = {"succeeded", "failed", "timed_out"}
GOALS = {"demo_wall_s": 3.0, "smallest_wall_s": 1.0, "cached_repeat_ms": 20.0, "question_p99_ratio": 2.0,
         "web_rss_mb": 150.0}


def in_process_walls(threads: int, rounds: int, slugs: list[str]) -> dict[str, dict]:
    """Median of ``rounds`` runs per demo at default params (and at SMALLEST), torch on ``threads`` threads."""
    import torch

    from app.demos.execute import execute
    from app.demos.registry import get_demo

    torch.set_num_threads(threads)
    demos = [get_demo(slug) for slug in slugs]
    execute(demos[0], demos[0].smallest, "cpu", 0)  # torch's one-time start-up is nobody's run time
    walls = {}
    for spec in demos:
        samples = [execute(spec, spec.params(), "cpu", 0).wall_ms / 1000 for _ in range(rounds)]
        smallest = [execute(spec, spec.smallest, "cpu", 0).wall_ms / 1000 for _ in range(rounds)]
        wall, wall_smallest = statistics.median(samples), statistics.median(smallest)
        walls[spec.slug] = {"wall_s": round(wall, 3), "samples_s": [round(x, 3) for x in samples],
                            "smallest_wall_s": round(wall_smallest, 3),
                            "within_goal": wall <= GOALS["demo_wall_s"]
                            and wall_smallest <= GOALS["smallest_wall_s"]}
        print(f"  {spec.slug:<32} {wall:6.2f} s, smallest {wall_smallest:5.2f} s (torch threads: {threads})",
              flush=True)
    return walls


def prepare_database(work: Path) -> tuple[str, str]:
    """A migrated database with the seeds ingested; returns (url, how the questions got there)."""
    url = f"sqlite:///{work / 'kb.sqlite3'}"
    upgrade(url)
    done = subprocess.run([PYTHON, "-m", "app.cli", "ingest", str(ROOT / "content")], cwd=ROOT,
                          env={**os.environ, "KB_DATABASE_URL": url}, capture_output=True, text=True)
    import sqlite3

    connection = sqlite3.connect(work / "kb.sqlite3")
    questions = connection.execute("SELECT count(*) FROM question").fetchone()[0]
    connection.close()
    if questions:
        return url, f"kb ingest of content/ ({questions} questions)"
    # Ingest itself broken (e.g. a parser missing on this branch): one question stands in, and the
    # results say so.
    from sqlmodel import Session

    from app.db.engine import make_engine
    from app.db.models import Collection, Question
    from app.clock import now_utc

    engine = make_engine(url)
    now = now_utc()
    with Session(engine) as session:
        collection = Collection(slug="bench", title="벤치", kind="general", created_at=now, updated_at=now)
        session.add(collection)
        session.flush()
        session.add(Question(collection_id=collection.id, title="sigmoid보다 ReLU를 쓰는 이유는?", body_md="기울기 소실",
                             body_html="<p>기울기 소실</p>", created_at=now, updated_at=now, last_activity_at=now))
        session.commit()
    engine.dispose()
    reason = (done.stderr.strip().splitlines() or ["no output"])[-1][:200]
    return url, f"one stand-in question: kb ingest loaded none ({reason})"


def wait_for(client: httpx.Client, run_id: str, timeout_s: float = 300) -> dict:
    deadline = time.monotonic() + timeout_s
    while True:
        run = client.get(f"/api/v1/runs/{run_id}").json()
        if run["status"] in TERMINAL or time.monotonic() > deadline:
            return run
        time.sleep(0.05)


def through_the_pool(client: httpx.Client, slugs: list[str], repeats: int) -> dict[str, dict]:
    out = {}
    for slug in slugs:
        started = time.perf_counter()
        first = client.post(f"/api/v1/demos/{slug}/runs", json={"device": "cpu", "fresh": True}).json()
        run = wait_for(client, first["id"])
        end_to_end = time.perf_counter() - started
        latencies = []
        for _ in range(repeats):
            t0 = time.perf_counter()
            repeat = client.post(f"/api/v1/demos/{slug}/runs", json={"device": "cpu"})
            latencies.append((time.perf_counter() - t0) * 1000)
            assert repeat.json()["cached"] or run["status"] != "succeeded", repeat.text
        out[slug] = {
            "status": run["status"], "error": run["error"],
            "worker_wall_s": round((run["wall_ms"] or 0) / 1000, 3), "end_to_end_s": round(end_to_end, 3),
            "cached_repeat_ms_median": round(statistics.median(latencies), 2),
            "cached_repeat_ms_p95": percentile(latencies, 95), "cached_repeat_ms_max": round(max(latencies), 2),
        }
        print(f"  {slug:<32} worker {out[slug]['worker_wall_s']:6.2f} s, cached repeat "
              f"{out[slug]['cached_repeat_ms_median']:.1f} ms (max {out[slug]['cached_repeat_ms_max']:.1f})",
              flush=True)
    return out


def question_url(client: httpx.Client) -> str:
    items = client.get("/api/v1/questions", params={"per_page": 1}).json().get("items", [])
    if not items:
        raise RuntimeError("no question in the database: the question-page measurement needs the seeds ingested")
    page = items[0]["url"]
    html = client.get(page, headers={"accept": "text/html"})
    # The JSON twin stands in until the question page exists; the report says which one was timed.
    return page if html.status_code == 200 else f"/api/v1/questions/{items[0]['id']}"


def time_page(client: httpx.Client, url: str, count: int) -> list[float]:
    samples = []
    for _ in range(count):
        t0 = time.perf_counter()
        response = client.get(url, headers={"accept": "text/html"})
        samples.append((time.perf_counter() - t0) * 1000)
        assert response.status_code == 200, response.status_code
    return samples


class KeepTwoRunning(threading.Thread):
    """Keeps two fresh runs of the given demos in flight (both workers busy) unless paused."""

    def __init__(self, base: str, slugs: list[str]) -> None:
        super().__init__(daemon=True)
        self.base, self.slugs = base, slugs
        self.stop, self.paused = threading.Event(), threading.Event()
        self.finished = 0
        self.in_flight: list[str] = []
        self.running = 0  # runs whose status is "running" at the last look
        self.running_samples: list[int] = []
        self.sampling = False

    def run(self) -> None:
        with httpx.Client(base_url=self.base, timeout=120) as client:
            turn = 0
            while not self.stop.is_set():
                while len(self.in_flight) < 2 and not self.paused.is_set():
                    slug = self.slugs[turn % len(self.slugs)]
                    turn += 1
                    response = client.post(f"/api/v1/demos/{slug}/runs", json={"device": "cpu", "fresh": True})
                    if response.status_code != 202:
                        break
                    self.in_flight.append(response.json()["id"])
                running = 0
                for run_id in list(self.in_flight):
                    status = client.get(f"/api/v1/runs/{run_id}").json()["status"]
                    if status in TERMINAL:
                        self.in_flight.remove(run_id)
                        self.finished += 1
                    running += status == "running"
                self.running = running
                if self.sampling:
                    self.running_samples.append(running)
                self.stop.wait(0.1)

    def wait_until(self, condition, timeout_s: float = 600) -> None:
        deadline = time.monotonic() + timeout_s
        while not condition() and time.monotonic() < deadline:
            time.sleep(0.05)


def idle_and_busy(client: httpx.Client, base: str, page: str, load_slugs: list[str], rounds: int,
                  per_round: int) -> tuple[list[float], list[float], KeepTwoRunning]:
    """Alternate idle and busy blocks, so the other load on a shared machine weighs on both alike."""
    load = KeepTwoRunning(base, load_slugs)
    load.paused.set()
    load.start()
    idle: list[float] = []
    busy: list[float] = []
    for _ in range(rounds):
        load.paused.set()
        load.wait_until(lambda: not load.in_flight)
        idle += time_page(client, page, per_round)
        load.paused.clear()
        load.wait_until(lambda: load.running >= 2, timeout_s=120)
        load.sampling = True
        busy += time_page(client, page, per_round)
        load.sampling = False
    load.paused.set()
    load.wait_until(lambda: not load.in_flight)
    load.stop.set()
    load.join(timeout=60)
    return idle, busy, load


def web_process_facts(pid: int) -> dict:
    process = psutil.Process(pid)
    maps = Path(f"/proc/{pid}/maps")
    loaded_torch = "libtorch" in maps.read_text() if maps.exists() else None
    workers = [c for c in process.children(recursive=True)]
    return {
        "web_rss_mb": round(process.memory_info().rss / 2**20, 1),
        "web_process_mapped_libtorch": loaded_torch,
        "worker_rss_mb": [round(c.memory_info().rss / 2**20, 1) for c in workers],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--page-requests", type=int, default=400)
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=3, help="in-process runs per demo (the median is kept)")
    parser.add_argument("--output", default=str(ROOT / "bench" / "results" / "demos.json"))
    parser.add_argument("--slugs", default="", help="comma-separated demo slugs to measure (default: every demo)")
    parser.add_argument("--in-process-only", action="store_true",
                        help="only part 1 (wall times in this process); no server, pool or page measurement")
    args = parser.parse_args()

    from app.demos.registry import all_demos, get_demo

    slugs = [spec.slug for spec in all_demos()]
    if args.slugs:
        unknown = [slug for slug in args.slugs.split(",") if get_demo(slug) is None]
        if unknown:
            parser.error(f"unknown demo slugs: {', '.join(unknown)}")
        slugs = args.slugs.split(",")
    shipped_threads = Settings.from_env().demo_threads_per_worker
    print(f"1. {len(slugs)} demos at default params and at SMALLEST, in process (torch threads as a worker: "
          f"{shipped_threads}, then 2)", flush=True)
    walls = in_process_walls(shipped_threads, args.rounds, slugs)
    # One round at 2 threads, for the record: on a shared 2-core machine it is the slower setting.
    walls_two = in_process_walls(2, 1, slugs) if shipped_threads != 2 else walls
    if args.in_process_only:
        results = {
            "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
            "goals": {k: GOALS[k] for k in ("demo_wall_s", "smallest_wall_s")},
            "demo_threads_per_worker": shipped_threads,
            "demos_in_process": walls,
            "demos_in_process_2_threads": walls_two,
            "slowest_demo_wall_s": max(w["wall_s"] for w in walls.values()),
            "demos_over_wall_goal": sorted(s for s, w in walls.items() if not w["within_goal"]),
        }
        Path(args.output).parent.mkdir(parents=True, exist_ok=True)
        Path(args.output).write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        print(json.dumps({k: results[k] for k in ("slowest_demo_wall_s", "demos_over_wall_goal")}, ensure_ascii=False))
        return 0

    work = Path(tempfile.mkdtemp(prefix="kb-bench-demos-"))
    server = None
    try:
        database_url, questions_from = prepare_database(work)
        port = free_port()
        env = {**os.environ, "KB_DATABASE_URL": database_url, "KB_CONTENT_DIR": str(ROOT / "content"),
               "KB_DEMO_WORKERS": "2", "KB_DEMO_THREADS": "1", "KB_DEMO_QUEUE_SIZE": "8",
               "KB_DEMO_TIME_LIMIT_S": "300",
               "KB_RATE_DEMO_RUNS_PER_MIN": "100000"}
        server = start_server(env, port, "/api/v1/demos", timeout_s=60)
        base = f"http://127.0.0.1:{port}"
        with httpx.Client(base_url=base, timeout=300) as client:
            print("2. through the pool (2 workers x 1 thread) and the cached repeat", flush=True)
            pool = through_the_pool(client, slugs, args.repeats)

            page = question_url(client)
            print(f"3. {page}: {args.page_requests} requests idle and as many with two runs in flight,"
                  f" in alternating blocks", flush=True)
            time_page(client, page, 30)  # warm
            ranked = sorted(slugs, key=lambda s: -pool[s]["worker_wall_s"])
            rounds = max(1, args.page_requests // 50)
            idle, busy, load = idle_and_busy(client, base, page, ranked[:2] if len(ranked) >= 2 else ranked * 2,
                                             rounds, args.page_requests // rounds)
            busy_runs_seen = (round(statistics.mean(load.running_samples), 2) if load.running_samples else 0)
            for slug in slugs[:3]:  # pages a reader visits, for the RSS reading
                client.get(f"/demos/{slug}", headers={"accept": "text/html"})
            client.get("/demos", headers={"accept": "text/html"})
            for query in ("드롭아웃은 테스트할 때 어떻게 동작해", "배치졍규화", "zzqxv"):  # a hit, a typo, nothing
                client.get("/search", params={"q": query}, headers={"accept": "text/html"})
            facts = web_process_facts(server.pid)
    finally:
        if server is not None:
            server.terminate()
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
        shutil.rmtree(work, ignore_errors=True)

    idle_p99, busy_p99 = percentile(idle, 99), percentile(busy, 99)
    cached_medians = [v["cached_repeat_ms_median"] for v in pool.values()]
    results = {
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
        "goals": GOALS,
        "demo_threads_per_worker": shipped_threads,
        "demos_in_process": walls,
        "demos_in_process_2_threads": walls_two,
        "slowest_demo_wall_s": max((w["wall_s"] for w in walls.values()), default=None),
        "demos_over_wall_goal": sorted(s for s, w in walls.items() if not w["within_goal"]),
        "through_pool": pool,
        "cached_repeat_ms_median_worst": max(cached_medians, default=None),
        "question_page": {
            "url": page, "questions_from": questions_from, "requests": args.page_requests,
            "idle_p50_ms": percentile(idle, 50), "idle_p99_ms": idle_p99,
            "busy_p50_ms": percentile(busy, 50), "busy_p99_ms": busy_p99,
            "p99_ratio_busy_to_idle": round(busy_p99 / idle_p99, 2) if idle_p99 else None,
            "mean_runs_running_while_measuring": busy_runs_seen, "load_runs_finished": load.finished,
            "load_demos": ranked[:2],
        },
        **facts,
    }
    results["met"] = {
        "demo_wall": not results["demos_over_wall_goal"],
        "cached_repeat": (results["cached_repeat_ms_median_worst"] or 0) <= GOALS["cached_repeat_ms"],
        "question_p99_ratio": (results["question_page"]["p99_ratio_busy_to_idle"] or 99) <= GOALS["question_p99_ratio"],
        "web_rss": results["web_rss_mb"] <= GOALS["web_rss_mb"],
        "web_never_loaded_torch": results["web_process_mapped_libtorch"] is False,
    }
    Path(args.output).parent.mkdir(parents=True, exist_ok=True)
    Path(args.output).write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(json.dumps({k: results[k] for k in ("slowest_demo_wall_s", "cached_repeat_ms_median_worst", "web_rss_mb",
                                              "met")}, ensure_ascii=False, indent=2))
    print(f"question page p99 idle {idle_p99} ms, busy {busy_p99} ms")
    return 0


if __name__ == "__main__":  # the demo workers are spawned and re-import this file
    sys.exit(main())
