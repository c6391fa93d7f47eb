"""Revision-history benchmark (issue 17): the view of a long edit against an ordinary question page.

A real uvicorn on 127.0.0.1 over a fresh database. The baseline is the first view of an ordinary
question page (a few hundred characters and two answers), each request with a new query string so
the response cache never hits. Against it: the revision history of edits of 2,000 to 16,000
characters in the shapes that made the old word diff quadratic (one long line with its words
shuffled, thousands of repeated short lines redrawn, every line changed a little, a block moved),
viewed once with the diff computed (cold: a new edit each time) and again with the diff cached.
Also the diff work units (app.services.textdiff.Work) per character, which must stay flat.

Goal: the cold view of a 16,000-character edit <= 50x the question page. Writes bench/results/revisions.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.db.engine import make_engine  # noqa: E402
from app.db.migrate import upgrade  # noqa: E402
from app.services.revisions import diff_changes  # noqa: E402
from app.services.textdiff import Work  # noqa: E402
from bench.support import free_port, start_server  # noqa: E402

GOAL_RATIO = 50.0
SIZES = (2_000, 4_000, 8_000, 16_000)
WORDS = ["가중치", "기울기", "손실", "학습률", "배치", "x", "y", "0", "1", "."]


def edits(rng: random.Random, size: int) -> dict[str, tuple[str, str]]:
    line = " ".join(rng.choice(WORDS) for _ in range(size // 4))[:size]
    shuffled = line.split(" ")
    rng.shuffle(shuffled)
    repeated = "\n".join(rng.choice(["", "x", "- [ ] x", "y"]) for _ in range(size // 3))
    many = "\n".join(" ".join(rng.choice(WORDS) for _ in range(4)) for _ in range(size // 20))
    return {
        "long_line_shuffled": (line, " ".join(shuffled)[:size]),
        "repeated_lines_redrawn": (repeated, "\n".join(rng.choice(["", "x", "y", "z"]) for _ in range(size // 3))),
        "every_line_changed": (many, "\n".join(row.replace("손실", "오차", 1) + " ." for row in many.split("\n"))),
        "block_moved": (many, many[size // 2:] + "\n" + many[:size // 2]),
    }


def make_token(database_url: str) -> str:
    from sqlmodel import Session

    from app.services import accounts

    engine = make_engine(database_url)
    with Session(engine) as session:
        user = accounts.sign_up(session, username="benchrev", password="bench-revisions-password",
                                display_name="bench", testing=True)
        token = accounts.create_api_token(session, user, "bench")[0]
    engine.dispose()
    return token


def timed_get(client: httpx.Client, url: str) -> float:
    started = time.perf_counter()
    response = client.get(url)
    elapsed = (time.perf_counter() - started) * 1000
    assert response.status_code == 200, (url, response.status_code)
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--out", default=str(ROOT / "bench" / "results" / "revisions.json"))
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="kb-bench-revisions-"))
    database_url = f"sqlite:///{workdir / 'kb.sqlite3'}"
    upgrade(database_url)
    token = make_token(database_url)
    env = {**os.environ, "KB_DATABASE_URL": database_url, "KB_CONTENT_DIR": str(workdir), "PYTHONPATH": str(ROOT),
           "KB_RATE_POSTS_PER_MIN": "1000000", "KB_RATE_IP_POSTS_PER_MIN": "1000000",
           "KB_RATE_EDITS_PER_MIN": "1000000", "KB_RATE_PREVIEWS_PER_MIN": "1000000"}
    port = free_port()
    server = start_server(env, port)
    base = f"http://127.0.0.1:{port}"
    headers = {"Authorization": f"Bearer {token}"}
    try:
        with httpx.Client(base_url=base, timeout=600) as client:
            def ask(body: str) -> int:
                response = client.post("/api/v1/questions", headers=headers, json={"title": "벤치 질문입니다", "body": body})
                assert response.status_code == 201, response.text
                return response.json()["id"]

            ordinary = ask("학습이 안정되는 이유가 궁금합니다. " * 20)
            for body in ("내부 공변량 이동을 줄인다고 합니다. " * 10, "기울기 흐름이 좋아집니다."):
                assert client.post(f"/api/v1/questions/{ordinary}/answers", headers=headers,
                                   json={"body": body}).status_code == 201
            timed_get(client, f"/questions/{ordinary}?warm=1")
            page_ms = statistics.median(timed_get(client, f"/questions/{ordinary}?nocache={n}") for n in range(30))

            results = []
            rng = random.Random(17)
            for size in SIZES:
                for shape in edits(rng, size):
                    cold, warm = [], []
                    for repeat in range(args.repeats):
                        before, after = edits(random.Random(size * 100 + repeat), size)[shape]
                        question = ask(before)
                        edited = client.patch(f"/api/v1/questions/{question}", headers=headers, json={"body": after})
                        assert edited.status_code == 200, edited.text
                        cold.append(timed_get(client, f"/questions/{question}/revisions"))
                        warm.append(timed_get(client, f"/questions/{question}/revisions?nocache=1"))
                    work = Work()
                    before, after = edits(random.Random(size * 100), size)[shape]
                    diff_changes(before, after, work=work)
                    results.append({
                        "shape": shape, "chars": size, "cold_ms": round(statistics.median(cold), 2),
                        "warm_ms": round(statistics.median(warm), 2),
                        "cold_vs_page": round(statistics.median(cold) / page_ms, 2),
                        "warm_vs_page": round(statistics.median(warm) / page_ms, 2),
                        "diff_work_units": work.units,
                        "diff_work_per_char": round(work.units / (len(before) + len(after)), 2),
                    })
                    print(json.dumps(results[-1], ensure_ascii=False))
    finally:
        server.terminate()
        server.wait(timeout=30)

    worst = max(r["cold_vs_page"] for r in results if r["chars"] == SIZES[-1])
    report = {
        "benchmark": "revisions", "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                                              "load_avg_at_end": os.getloadavg()},
        "question_page_ms": round(page_ms, 2), "repeats": args.repeats, "results": results,
        "worst_16000_cold_vs_page": worst, "goal_ratio": GOAL_RATIO, "meets_goal": worst <= GOAL_RATIO,
    }
    Path(args.out).write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n")
    print(f"question page {page_ms:.1f} ms; worst 16,000-character revision view {worst}x (goal <= {GOAL_RATIO}x)")
    return 0 if report["meets_goal"] else 1


if __name__ == "__main__":
    sys.exit(main())
