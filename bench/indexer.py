"""Search indexer CPU per posted answer (issue 12, the fast write path).

After a post commits, the web process's indexer thread drains search_pending (app.services.indexing):
it analyses the new answers and adds them to their questions' search documents. This measures that
work in one process, in CPU time (time.process_time: the indexer's Python and SQLite work, not the
machine's other load), on a fresh database with the seeds ingested (by `kb ingest` in a subprocess,
so this process has no Kiwi, like the web process):

  spread   answers posted one after another to random questions, the work drained every --batch
           posts (what the indexer thread gathers in its linger at ~150 posts/s); the indexer's CPU
           per post, against the CPU of the post itself (posting.create_answer) in the same run;
  growth   answers posted to one question, each drained at once: the indexer's CPU and SQL statements
           for the first --window answers against those for the last --window, after --answers in
           all (goal: the same, whatever the number of answers already there).

Rounds alternate and the medians are reported. Writes bench/results/indexer.json.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.support import machine, seeded_site, write_result  # noqa: E402

# Bodies as people write them: the mixed bench's short line, and sentences with terms and endings.
BODIES = (
    "연속 답변 {n}: 하나씩 차례로",
    "드롭아웃은 학습할 때만 뉴런을 무작위로 끄고, 테스트할 때는 모든 뉴런을 씁니다. ({n}번째 답)",
    "배치 정규화를 쓰면 학습률을 조금 더 키워도 손실이 안정적으로 줄어듭니다. 실험 {n}",
    "Adam optimizer의 bias correction은 초기 스텝에서 moment 추정이 0에 치우치는 것을 바로잡습니다 #{n}",
)


TITLES = ("배치 정규화와 드롭아웃을 같이 써도 되나요?", "Adam의 bias correction은 왜 필요한가요?",
          "학습률 스케줄은 어떻게 고르나요?", "과적합을 막는 방법이 궁금합니다")


class Statements:
    """SQL statements this process runs while counting (a SQLAlchemy event)."""

    def __init__(self, engine) -> None:
        from sqlalchemy import event

        self.count, self.on = 0, False
        event.listen(engine, "before_cursor_execute", self._seen)

    def _seen(self, *args) -> None:
        self.count += self.on


def spread_round(engine, user_name: str, ids: list[int], posts: int, batch: int, seed: int) -> dict:
    from sqlmodel import Session

    from app.db.queries.writes import user_by_username
    from app.services import indexing, posting

    rng = random.Random(seed)
    post_cpu = index_cpu = 0.0
    for n in range(posts):
        started = time.process_time()
        with Session(engine) as session:
            posting.create_answer(session, user_by_username(session, user_name), question_id=rng.choice(ids),
                                  body=rng.choice(BODIES).format(n=f"{seed}-{n}"))
        post_cpu += time.process_time() - started
        if (n + 1) % batch == 0 or n == posts - 1:
            started = time.process_time()
            indexing.drain(engine)
            index_cpu += time.process_time() - started
    return {"post_cpu_ms": post_cpu / posts * 1000, "index_cpu_ms": index_cpu / posts * 1000}


def growth_round(engine, statements: Statements, user_name: str, answers: int, window: int, seed: int) -> dict:
    from sqlmodel import Session

    from app.db.queries.writes import user_by_username
    from app.services import indexing, posting

    rng = random.Random(seed)
    with Session(engine) as session:
        question_id = posting.create_question(session, user_by_username(session, user_name),
                                              title=f"답이 많이 달리는 질문 {seed}",
                                              body="드롭아웃과 배치 정규화를 같이 써도 되나요?").payload["id"]
    indexing.drain(engine)
    cpu: list[float] = []
    sql: list[int] = []
    for n in range(answers):
        with Session(engine) as session:
            posting.create_answer(session, user_by_username(session, user_name), question_id=question_id,
                                  body=BODIES[1 + n % 3].format(n=f"{seed}-{n}-{rng.random():.6f}"))
        statements.count, statements.on = 0, True
        started = time.process_time()
        indexing.drain(engine)
        cpu.append((time.process_time() - started) * 1000)
        statements.on = False
        sql.append(statements.count)
    first, last = slice(0, window), slice(answers - window, answers)
    return {"first_cpu_ms": statistics.median(cpu[first]), "last_cpu_ms": statistics.median(cpu[last]),
            "first_statements": statistics.median(sql[first]), "last_statements": statistics.median(sql[last])}


def questions_round(engine, user_name: str, questions: int, batch: int, seed: int) -> dict:
    from sqlmodel import Session

    from app.db.queries.writes import user_by_username
    from app.services import indexing, posting

    rng = random.Random(seed)
    index_cpu = 0.0
    for n in range(questions):
        with Session(engine) as session:
            posting.create_question(session, user_by_username(session, user_name),
                                    title=f"{rng.choice(TITLES)} ({seed}-{n})", body=rng.choice(BODIES).format(n=n))
        if (n + 1) % batch == 0 or n == questions - 1:
            started = time.process_time()
            indexing.drain(engine)
            index_cpu += time.process_time() - started
    return {"index_cpu_ms_per_question": index_cpu / questions * 1000}


def median_of(rounds: list[dict]) -> dict:
    return {key: round(statistics.median(r[key] for r in rounds), 3) for key in rounds[0]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--posts", type=int, default=300, help="answers per spread round")
    parser.add_argument("--batch", type=int, default=30, help="posts per drain in the spread rounds")
    parser.add_argument("--answers", type=int, default=200, help="answers to one question per growth round")
    parser.add_argument("--window", type=int, default=20, help="answers compared at each end of a growth round")
    parser.add_argument("--questions", type=int, default=30, help="questions per questions round")
    parser.add_argument("--question-batch", type=int, default=5, help="questions per drain in the questions rounds")
    parser.add_argument("--out", default=str(ROOT / "bench" / "results" / "indexer.json"))
    args = parser.parse_args()

    from sqlmodel import Session

    from app.db.engine import make_engine
    from app.search.service import warm_up
    from app.services import accounts

    load_at_start = os.getloadavg()
    site = seeded_site("indexer")
    engine = make_engine(site.database_url)
    warm_up()  # the web process loads the term dictionary at start-up
    with Session(engine) as session:
        accounts.sign_up(session, username="indexer", password="bench-password", display_name="indexer",
                         testing=True)
    statements = Statements(engine)
    spread_round(engine, "indexer", site.ids, args.batch, args.batch, seed=0)  # warms the caches, not counted
    spreads, growths, askings = [], [], []
    for n in range(args.rounds):
        spreads.append(spread_round(engine, "indexer", site.ids, args.posts, args.batch, seed=n + 1))
        growths.append(growth_round(engine, statements, "indexer", args.answers, args.window, seed=n + 1))
        askings.append(questions_round(engine, "indexer", args.questions, args.question_batch, seed=n + 1))
    spread, growth, asking = median_of(spreads), median_of(growths), median_of(askings)
    result = {
        "benchmark": "indexer",
        "machine": machine(load_at_start),
        "setup": {"questions": len(site.ids), "rounds": args.rounds, "posts_per_round": args.posts,
                  "batch": args.batch, "growth_answers": args.answers, "growth_window": args.window,
                  "questions_per_round": args.questions, "question_batch": args.question_batch,
                  "clock": "time.process_time of this process (Python and SQLite), medians over rounds"},
        "spread": spread,
        "growth": growth,
        "questions": asking,
        "ratios": {
            "index_cpu_vs_post_cpu": round(spread["index_cpu_ms"] / spread["post_cpu_ms"], 3),
            "growth_last_vs_first_cpu": round(growth["last_cpu_ms"] / growth["first_cpu_ms"], 2),
            "growth_last_vs_first_statements": round(growth["last_statements"] / growth["first_statements"], 2),
        },
        "rounds": {"spread": spreads, "growth": growths, "questions": askings},
    }
    write_result(args.out, result)
    print({"spread": spread, "growth": growth, "questions": asking, "ratios": result["ratios"]})
    engine.dispose()


if __name__ == "__main__":
    main()
