"""Write benchmark (issue 5).

Starts a real uvicorn on 127.0.0.1 against a fresh database (the seeds ingested), creates one
account and API token per client beforehand, then:
  1. 2,000 concurrent API posts (questions, answers and replies) from 20 clients;
  2. the same while `kb ingest --force --workers 2` re-runs in a loop in another process, over a
     content folder of --files files (the shipped ones plus copies of them; 2,000 by default).
Every client also re-sends some posts with the same Idempotency-Key (a retried request), and
answers a 503 by waiting its Retry-After and re-sending with the same key (counted as a 5xx).
Checks: zero 5xx, no lost row (every 201 is in the database), no duplicated row (one row per
idempotency key), counters equal to a recount. Rate limits are raised through the environment.
  3. a long post against a short one (issue 12): answers of 200 and of 20,000 characters, alternating,
     as prose and as the one-word body that once took 37 s. Two measures, each as a ratio of the
     20,000-character post to the 200-character one (goal <= 20x): the API request the writer waits
     for (the search indexing runs after its response), and the whole work of a post in one process:
     the service call plus the draining of the search index work it queued, in CPU time.
Writes bench/results/writes.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.db.engine import make_engine  # noqa: E402
from app.db.migrate import upgrade  # noqa: E402
from bench.support import free_port, percentile, start_server  # noqa: E402

PYTHON = sys.executable


def run_kb(args: list[str], env: dict) -> subprocess.CompletedProcess:
    return subprocess.run([PYTHON, "-m", "app.cli", *args], cwd=ROOT, env=env, capture_output=True, text=True)


def many_files(target: Path, count: int) -> Path:
    """The shipped content, plus copies of its Markdown files (each its own collection) up to ``count``."""
    shutil.copytree(ROOT / "content", target)
    originals = sorted(p for p in target.rglob("*.md") if p.parent != target)
    for n in range(max(0, count - len(originals))):
        source = originals[n % len(originals)]
        (source.parent / f"bench-copy-{n:05d}.md").write_bytes(source.read_bytes())
    return target


def make_accounts(database_url: str, count: int) -> list[str]:
    from sqlmodel import Session

    from app.services import accounts

    engine = make_engine(database_url)
    tokens = []
    with Session(engine) as session:
        for i in range(count):
            user = accounts.sign_up(session, username=f"bench{i:02d}", password="bench-password",
                                    display_name=f"bench{i:02d}", testing=True)
            tokens.append(accounts.create_api_token(session, user, "bench")[0])
    engine.dispose()
    return tokens


def client_work(base: str, token: str, client_no: int, posts: int, run: str, seed_questions: list[int],
                out: list[dict]) -> None:
    rng = random.Random(client_no)
    headers = {"Authorization": f"Bearer {token}"}
    mine_q: list[int] = []
    mine_a: list[int] = []
    with httpx.Client(base_url=base, headers=headers, timeout=60) as client:
        for i in range(posts):
            key = f"{run}-{client_no}-{i}"
            roll = rng.random()
            if roll < 0.4 or not (mine_q or seed_questions):
                url, body = "/api/v1/questions", {"title": f"{run} 벤치 질문 {client_no}-{i}",
                                                   "body": f"본문 {key} $x^{i % 7}$ **굵게**"}
                kind = "question"
            elif roll < 0.8 or not mine_a:
                target = rng.choice(mine_q + seed_questions[:50])
                url, body, kind = f"/api/v1/questions/{target}/answers", {"body": f"답변 {key}"}, "answer"
            else:
                url, body, kind = f"/api/v1/answers/{rng.choice(mine_a)}/replies", {"body": f"답글 {key}"}, "reply"
            sends = 2 if rng.random() < 0.05 else 1  # a retried request with the same key
            attempt = 0
            while attempt < sends:
                started = time.perf_counter()
                retry_after = None
                try:
                    response = client.post(url, json=body, headers={"Idempotency-Key": key})
                    status, location = response.status_code, response.headers.get("location")
                    item_id = response.json().get("id") if status == 201 else None
                    retry_after = response.headers.get("retry-after") if status == 503 else None
                except httpx.HTTPError as exc:
                    status, location, item_id = 599, str(exc), None
                out.append({"key": key, "kind": kind, "status": status, "ms": (time.perf_counter() - started) * 1000,
                            "location": location, "id": item_id, "attempt": attempt})
                if retry_after is not None:  # the server asked to come back: same key, nothing doubled
                    time.sleep(float(retry_after))
                    continue
                attempt += 1
            attempt = sends - 1
            if status == 201 and attempt == 0 or (status == 201 and item_id):
                (mine_q if kind == "question" else mine_a).append(item_id)


def check_database(db_path: Path, records: list[dict], run: str) -> dict:
    first = {}
    for r in records:
        if r["status"] == 201:
            first.setdefault(r["key"], r)
    connection = sqlite3.connect(db_path)
    questions = {row[0] for row in connection.execute(
        "SELECT id FROM question WHERE origin='posted' AND title LIKE ?", (f"{run} 벤치 질문 %",))}
    answers = {row[0]: row[1] for row in connection.execute(
        "SELECT id, body_md FROM answer WHERE origin='posted' AND (body_md LIKE ? OR body_md LIKE ?)",
        (f"답변 {run}-%", f"답글 {run}-%"))}
    duplicated_titles = connection.execute(
        "SELECT count(*) - count(DISTINCT title) FROM question WHERE origin='posted' AND title LIKE ?",
        (f"{run} 벤치 질문 %",)).fetchone()[0]
    duplicated_bodies = len(answers) - len(set(answers.values()))
    drift = connection.execute(
        "SELECT count(*) FROM question q WHERE q.answer_count != (SELECT count(*) FROM answer a WHERE"
        " a.question_id = q.id AND a.deleted_at IS NULL AND a.retired_at IS NULL)").fetchone()[0]
    connection.close()
    created_q = {r["id"] for r in first.values() if r["kind"] == "question"}
    created_a = {r["id"] for r in first.values() if r["kind"] != "question"}
    replay_mismatch = sum(1 for r in records if r["status"] == 201 and r["location"] != first[r["key"]]["location"])
    return {
        "rows_created_201": len(first),
        "lost_rows": len(created_q - questions) + len(created_a - set(answers)),
        "extra_rows": len(questions - created_q) + len(set(answers) - created_a),
        "duplicated_rows": duplicated_titles + duplicated_bodies,
        "replays_with_other_location": replay_mismatch,
        "counter_drift": drift,
    }


LONG_GOAL = 20.0
PROSE = "드롭아웃은 학습할 때만 뉴런을 무작위로 끄고, 테스트할 때는 모든 뉴런을 쓰되 출력의 크기를 맞춥니다. "


def long_bodies(size: int) -> dict[str, str]:
    return {"prose": (PROSE * (size // len(PROSE) + 1))[:size], "one_word": "가" * size}


def _long_summary(times: dict[tuple[str, int], list[float]]) -> dict:
    return {kind: {"p50_ms_200": percentile(times[(kind, 200)], 50),
                   "p50_ms_20000": percentile(times[(kind, 20_000)], 50),
                   "ratio": round(percentile(times[(kind, 20_000)], 50) / percentile(times[(kind, 200)], 50), 1)}
            for kind in ("prose", "one_word")}


def long_post_requests(base: str, token: str, repeats: int) -> dict:
    """p50 of the API request for each answer body, short and long taking turns, each to a question of
    its own asked just before (untimed): an empty document, so the whole text is indexed."""
    times: dict[tuple[str, int], list[float]] = {}
    with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=120) as client:
        for n in range(repeats):
            for size in (200, 20_000):
                for kind, body in long_bodies(size).items():
                    asked = client.post("/api/v1/questions", json={"title": f"긴 글 벤치 {n} {size} {kind}",
                                                                   "body": "본문"})
                    assert asked.status_code == 201, asked.text
                    started = time.perf_counter()
                    response = client.post(f"/api/v1/questions/{asked.json()['id']}/answers", json={"body": body})
                    assert response.status_code == 201, response.text
                    times.setdefault((kind, size), []).append((time.perf_counter() - started) * 1000)
    return _long_summary(times)


def long_post_work(database_url: str, repeats: int) -> dict:
    """CPU time of the whole work of an answer in this process: the service call and the draining of
    the search work it queued (what the web process's indexer thread does after the response); each
    to a question of its own, asked and indexed before the clock starts."""
    from sqlmodel import Session

    from app.db.queries.writes import user_by_username
    from app.search.service import warm_up
    from app.services import indexing, posting

    warm_up()
    engine = make_engine(database_url)
    times: dict[tuple[str, int], list[float]] = {}
    try:
        for n in range(repeats + 1):  # the first round warms the caches and is not counted
            for size in (200, 20_000):
                for kind, body in long_bodies(size).items():
                    with Session(engine) as session:
                        user = user_by_username(session, "bench00")
                        question_id = posting.create_question(session, user, title=f"긴 글 작업 {n} {size} {kind}",
                                                              body="본문").payload["id"]
                    indexing.drain(engine)
                    started = time.process_time()
                    with Session(engine) as session:
                        posting.create_answer(session, user_by_username(session, "bench00"),
                                              question_id=question_id, body=body)
                    indexing.drain(engine)
                    if n:
                        times.setdefault((kind, size), []).append((time.process_time() - started) * 1000)
    finally:
        engine.dispose()
    return _long_summary(times)


def bench_run(name: str, base: str, tokens: list[str], total: int, db_path: Path, seed_questions: list[int]) -> dict:
    per_client = total // len(tokens)
    records: list[dict] = []
    shards = [[] for _ in tokens]
    threads = [threading.Thread(target=client_work, args=(base, tok, n, per_client, name, seed_questions, shards[n]))
               for n, tok in enumerate(tokens)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    for shard in shards:
        records.extend(shard)
    statuses: dict[str, int] = {}
    for r in records:
        statuses[str(r["status"])] = statuses.get(str(r["status"]), 0) + 1
    latencies = [r["ms"] for r in records if r["status"] == 201]
    result = {
        "name": name, "clients": len(tokens), "posts": per_client * len(tokens), "requests": len(records),
        "retried_with_same_key": sum(1 for r in records if r["attempt"] == 1),
        "wall_s": round(wall, 2), "writes_per_s": round(len(records) / wall, 1),
        "statuses": statuses, "errors_5xx": sum(n for s, n in statuses.items() if s.startswith("5")),
        "latency_ms": {"p50": percentile(latencies, 50), "p95": percentile(latencies, 95),
                       "p99": percentile(latencies, 99), "max": round(max(latencies or [0]), 2),
                       "mean": round(statistics.fmean(latencies), 2) if latencies else 0},
    }
    result.update(check_database(db_path, records, name))
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--files", type=int, default=2000, help="content files the forced re-ingest goes through")
    parser.add_argument("--long-repeats", type=int, default=9, help="posts of each size and kind in the long-post part")
    parser.add_argument("--only-long", action="store_true", help="only the long-post part (a quick look)")
    parser.add_argument("--out", default=str(ROOT / "bench" / "results" / "writes.json"))
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="kb-bench-writes-"))
    db_path = workdir / "kb.sqlite3"
    database_url = f"sqlite:///{db_path}"
    content_dir = many_files(workdir / "content", args.files)
    env = {**os.environ, "KB_DATABASE_URL": database_url, "KB_CONTENT_DIR": str(content_dir),
           "KB_RATE_POSTS_PER_MIN": "1000000", "KB_RATE_IP_POSTS_PER_MIN": "1000000", "PYTHONPATH": str(ROOT)}
    upgrade(database_url)
    seeded = run_kb(["ingest", "--workers", "2"], env)
    connection = sqlite3.connect(db_path)
    seed_questions = [row[0] for row in connection.execute("SELECT id FROM question ORDER BY id LIMIT 200")]
    connection.close()
    tokens = make_accounts(database_url, args.clients)
    port = free_port()
    server = start_server(env, port, timeout_s=120)  # a loaded machine imports slowly
    base = f"http://127.0.0.1:{port}"
    runs, ingest_loops = [], []
    load_at_start = os.getloadavg()
    long_posts: dict = {}
    try:
        long_posts["api_request"] = long_post_requests(base, tokens[0], args.long_repeats)
        if args.only_long:
            return _report_long(long_posts, server, database_url, args)
        runs.append(bench_run("quiet", base, tokens, args.posts, db_path, seed_questions))
        stop = threading.Event()

        def reingest():
            while not stop.is_set():
                started = time.perf_counter()
                done = run_kb(["ingest", "--force", "--workers", "2"], env)
                ingest_loops.append({"rc": done.returncode, "s": round(time.perf_counter() - started, 2),
                                     "stderr_tail": done.stderr[-300:]})

        loop = threading.Thread(target=reingest)
        loop.start()
        time.sleep(0.5)
        try:
            runs.append(bench_run("during_ingest", base, tokens, args.posts, db_path, seed_questions))
        finally:
            stop.set()
            loop.join()
        runs[-1]["ingest_force_runs"] = ingest_loops
    finally:
        server.terminate()
        server.wait(timeout=30)
    long_posts["post_and_index_cpu"] = long_post_work(database_url, args.long_repeats)
    result = {
        "benchmark": "writes", "machine": {"python": platform.python_version(), "platform": platform.platform(),
                                           "cpus": os.cpu_count()},
        "server": "uvicorn, 1 worker, SQLite WAL, BEGIN IMMEDIATE per write",
        "seed_ingest_rc": seeded.returncode, "seed_questions": len(seed_questions),
        # The machine is shared: other work running beside the bench shows up here and in the latencies.
        "load_average_1_5_15": {"start": [round(v, 2) for v in load_at_start],
                                "end": [round(v, 2) for v in os.getloadavg()]},
        "runs": runs,
        "long_post_vs_short": {"goal_ratio_at_most": LONG_GOAL, **long_posts},
        "ok": all(r["errors_5xx"] == 0 and r["lost_rows"] == 0 and r["duplicated_rows"] == 0 and r["extra_rows"] == 0
                  for r in runs),
    }
    Path(args.out).write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(json.dumps({r["name"]: {k: r[k] for k in ("errors_5xx", "lost_rows", "duplicated_rows", "latency_ms",
                                                      "writes_per_s")} for r in runs}, ensure_ascii=False, indent=1))
    print(json.dumps(long_posts, ensure_ascii=False, indent=1))
    return 0 if result["ok"] else 1


def _report_long(long_posts: dict, server, database_url: str, args) -> int:
    """--only-long: the long-post part alone, printed (bench/results is left as it is)."""
    server.terminate()
    server.wait(timeout=30)
    long_posts["post_and_index_cpu"] = long_post_work(database_url, args.long_repeats)
    print(json.dumps(long_posts, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
