"""Notification cost on the write path.

Posting an answer writes its notifications in the same transaction (app.services.notifications):
one read of the question's watchers, one batched insert, one insert of the writer's watch. This
measures `posting.create_answer` in-process on a fresh SQLite database, in alternating rounds:

  * without_hook: the notification hook replaced by a no-op (what posting cost before),
  * one_watcher:  the hook, the asker the only watcher (the common case),
  * many_watchers: the hook, --watchers accounts watching the question (one notification each),
  * mention:      the hook, one watcher, and an @mention of an account in the body (one more lookup).

Each figure is the median time per answer; the ratios are against without_hook from the same run.
Writes bench/results/notify.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlmodel import Session  # noqa: E402

from app.clock import now_utc  # noqa: E402
from app.db.engine import make_engine  # noqa: E402
from app.db.migrate import upgrade  # noqa: E402
from app.db.queries import notifications as notification_queries  # noqa: E402
from app.db.transactions import write_transaction  # noqa: E402
from app.services import accounts, notifications, posting  # noqa: E402

BODY = "배치 정규화는 배치마다 평균과 분산을 다시 구해 활성값의 분포를 맞춥니다. 그래서 학습률을 키워도 덜 흔들립니다."


def setup(database_url: str, watchers: int):
    engine = make_engine(database_url)
    with Session(engine) as session:
        users = [accounts.sign_up(session, username=f"bench{i:04d}", password="bench-password-long",
                                  display_name=f"bench{i:04d}", testing=True) for i in range(watchers + 2)]
        asker, answerer, others = users[0], users[1], users[2:]
        quiet = posting.create_question(session, asker, title="지켜보는 사람이 한 명인 질문", body="본문입니다.")
        crowded = posting.create_question(session, asker, title="지켜보는 사람이 많은 질문", body="본문입니다.")
        with write_transaction(session):
            for user in others:
                notification_queries.watch(session, user.id, crowded.payload["id"], now_utc())
        for user in (asker, answerer):
            session.refresh(user)  # loaded, then detached: the timed sessions use them as the request's user
            session.expunge(user)
    return engine, asker, answerer, quiet.payload["id"], crowded.payload["id"]


def time_answers(engine, answerer, question_id: int, body: str, count: int) -> list[float]:
    times = []
    with Session(engine) as session:
        for _ in range(count):
            started = time.perf_counter()
            posting.create_answer(session, answerer, question_id=question_id, body=body)
            times.append((time.perf_counter() - started) * 1000)
            notifications.new_notification_ids(session)  # what the request's end hands the mail job
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--watchers", type=int, default=500)
    parser.add_argument("--answers", type=int, default=20, help="answers per scenario per round")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as workdir:
        url = f"sqlite:///{Path(workdir) / 'bench.sqlite3'}"
        upgrade(url)
        engine, asker, answerer, quiet, crowded = setup(url, args.watchers)
        mention = f"@{asker.username} {BODY}"
        hook = notifications.on_answer
        samples: dict[str, list[float]] = {"without_hook": [], "one_watcher": [], "many_watchers": [], "mention": []}
        time_answers(engine, answerer, quiet, BODY, 5)  # warm-up: imports, the glossary, SQLite's caches
        for _ in range(args.rounds):
            notifications.on_answer = lambda session, answer, actor: None  # type: ignore[assignment]
            try:
                samples["without_hook"] += time_answers(engine, answerer, quiet, BODY, args.answers)
            finally:
                notifications.on_answer = hook  # type: ignore[assignment]
            samples["one_watcher"] += time_answers(engine, answerer, quiet, BODY, args.answers)
            samples["many_watchers"] += time_answers(engine, answerer, crowded, BODY, args.answers)
            samples["mention"] += time_answers(engine, answerer, quiet, mention, args.answers)
        with Session(engine) as session:
            per_watcher = notification_queries.inbox_page(session, asker.id, offset=0, limit=1)[1]
        engine.dispose()

    medians = {name: round(statistics.median(values), 2) for name, values in samples.items()}
    base = medians["without_hook"]
    result = {
        "benchmark": "notify",
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "load_avg_at_end": os.getloadavg()},
        "watchers": args.watchers, "answers_per_scenario": args.answers * args.rounds,
        "median_ms": medians,
        "ratio_to_without_hook": {name: round(value / base, 2) for name, value in medians.items()},
        "asker_notifications": per_watcher,
    }
    out = ROOT / "bench" / "results" / "notify.json"
    out.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n")
    print(json.dumps(result, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
