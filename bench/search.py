"""Search benchmark (issue 7).

Measures, in one run on this machine:
  1. generating and inserting 100,000 questions with answers (Korean text built from the seeds'
     sentences, the term dictionary's spellings and the study group's names);
  2. building the search index over them with Kiwi (`reindex_all`, as `kb search reindex` does);
  3. query latency p50/p99 of the search service, in process, over a fixed set of 200 queries
     (the seed table's queries, then generated ones) — goal p50 <= 5 ms, p99 <= 30 ms;
  4. the first 50 of those queries as a plain `LIKE '%word%'` scan over the same rows, and the ratio;
  5. related questions and "similar questions while typing" latency, the database size;
  6. on the four seeds: MRR and recall of the seed table for FTS and for the LIKE scan.
Writes bench/results/search.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import re
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlmodel import Session  # noqa: E402

from app.db.engine import make_engine  # noqa: E402
from app.db.migrate import upgrade  # noqa: E402
from app.ingest.loader import ingest_directory  # noqa: E402
from app.search import service  # noqa: E402
from app.search.index import reindex_all, reindex_question  # noqa: E402
from app.search.related import related_questions  # noqa: E402
from app.search.terms import default_dictionary  # noqa: E402
from app.search.text import normalise  # noqa: E402
from bench.ingest import NAMES, sentence_pools  # noqa: E402
from tests.search.seed_table import load_table, measure  # noqa: E402

QUERY_COUNT = 200
LIKE_QUERIES = 50  # each LIKE query scans every row: the first 50 queries are enough for a p50
LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
URL = re.compile(r"https?://\S+")
COLLECTIONS = 20
STAMP = "2026-01-01 00:00:00.000000"
PARTICLES = ["은", "는", "이", "가", "을", "를", "의", "에서", "로", "와", ""]
ASKS = [
    "차이가 뭔가요?", "왜 필요한가요?", "어떻게 동작하나요?", "쓰면 좋은 이유는?", "언제 쓰나요?", "문제점은?",
    "효과가 있나요?", "어떻게 구현하나요?", "같이 써도 되나요?", "값을 어떻게 정하나요?", "의미가 뭔가요?",
]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))]


def summary_ms(seconds: list[float]) -> dict:
    ms = [s * 1000 for s in seconds]
    return {"count": len(ms), "p50_ms": round(percentile(ms, 50), 3), "p99_ms": round(percentile(ms, 99), 3),
            "mean_ms": round(statistics.fmean(ms), 3), "max_ms": round(max(ms), 3)}


# --- generated content -------------------------------------------------------------------------


class Writer:
    """Korean question text from the seeds: their sentences with terms swapped for other terms."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.dictionary = default_dictionary()
        questions, statements = sentence_pools(ROOT / "content")
        self.questions = [self._template(s) for s in questions]
        self.statements = [self._template(s) for s in statements]
        self.spellings = [[term.label, *term.variants] for term in self.dictionary.terms.values()]

    def _template(self, sentence: str) -> list[str]:
        """The sentence as text pieces with a None where a dictionary term was."""
        text = normalise(URL.sub("", LINK.sub(r"\1", sentence)))
        pieces, cursor = [], 0
        for match in self.dictionary.find(text):
            pieces.extend([text[cursor:match.start], None])
            cursor = match.end
        pieces.append(text[cursor:])
        return pieces

    def term(self) -> str:
        return self.rng.choice(self.rng.choice(self.spellings))

    def fill(self, template: list[str]) -> str:
        return "".join(piece if piece is not None else self.term() for piece in template)

    def title(self) -> str:
        if self.rng.random() < 0.5:
            return self.fill(self.rng.choice(self.questions))[:200]
        return f"{self.term()}{self.rng.choice(PARTICLES)} {self.term()} {self.rng.choice(ASKS)}"

    def paragraph(self, sentences: int) -> str:
        return " ".join(self.fill(self.rng.choice(self.statements)) for _ in range(sentences))

    def question(self) -> tuple[str, str, list[str]]:
        body = self.paragraph(self.rng.randint(1, 2)) if self.rng.random() < 0.5 else ""
        answers = [self.paragraph(self.rng.randint(1, 3)) + f" ({self.rng.choice(NAMES)})"
                   for _ in range(self.rng.choice((0, 0, 1, 1, 1, 2, 3)))]
        return self.title(), body, answers


def fill_database(db_path: Path, count: int, seed: int = 7) -> dict:
    rng = random.Random(seed)
    writer = Writer(rng)
    connection = sqlite3.connect(db_path)
    started = time.perf_counter()
    with connection:
        connection.executemany(
            "INSERT INTO collection (id, slug, title, kind, origin, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [(i, f"bench-{i}", f"벤치 모음 {i}", "general", "ingested", STAMP, STAMP) for i in range(1, COLLECTIONS + 1)],
        )
        answers_total, question_rows, answer_rows = 0, [], []
        for qid in range(1, count + 1):
            title, body, answers = writer.question()
            question_rows.append((qid, 1 + qid % COLLECTIONS, title, body, f"<p>{body}</p>" if body else "", qid,
                                  "ingested", len(answers), bool(answers), 0, STAMP, STAMP, STAMP))
            answer_rows.extend((qid, text, f"<p>{text}</p>", position, "ingested", 0, STAMP, STAMP)
                               for position, text in enumerate(answers))
            answers_total += len(answers)
        connection.executemany(
            "INSERT INTO question (id, collection_id, title, body_md, body_html, position, origin, answer_count,"
            " answered, plus_one_count, last_activity_at, created_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            question_rows,
        )
        connection.executemany(
            "INSERT INTO answer (question_id, body_md, body_html, position, origin, vote_score, created_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            answer_rows,
        )
    connection.close()
    return {"questions": count, "answers": answers_total, "insert_seconds": round(time.perf_counter() - started, 2),
            "writer": writer}


def query_set(writer: Writer, rng: random.Random) -> list[str]:
    """The seed table's distinct queries, then generated two-term questions up to QUERY_COUNT."""
    queries = list(dict.fromkeys(row.query for row in load_table()))[:QUERY_COUNT]
    while len(queries) < QUERY_COUNT:
        queries.append(f"{writer.term()}{rng.choice(PARTICLES)} {writer.term()} {rng.choice(ASKS)}")
    return queries


# --- the plain LIKE scan -----------------------------------------------------------------------


def like_words(query: str) -> list[str]:
    words = [w for w in normalise(query).split() if len(w) >= 2]
    return words[:8] or [normalise(query)]


def like_search(conn, query: str, limit: int = 20) -> tuple[list[int], int]:
    """What an app without a search index does: any query word anywhere in title, body or answers;
    questions with more words (a title word counting double) first, then by id."""
    words = like_words(query)
    patterns = ["%" + w.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%" for w in words]
    hit = "(q.title LIKE ? ESCAPE '\\' OR q.body_md LIKE ? ESCAPE '\\' OR EXISTS (SELECT 1 FROM answer AS a" \
          " WHERE a.question_id = q.id AND a.deleted_at IS NULL AND a.body_md LIKE ? ESCAPE '\\'))"
    score = " + ".join(f"{hit} + (q.title LIKE ? ESCAPE '\\')" for _ in patterns)
    where = " OR ".join(hit for _ in patterns)
    where_params = [p for pattern in patterns for p in (pattern,) * 3]
    score_params = [p for pattern in patterns for p in (pattern,) * 4]
    rows = conn.exec_driver_sql(
        f"SELECT q.id, count(*) OVER () FROM question AS q WHERE q.deleted_at IS NULL AND ({where})"
        f" ORDER BY {score} DESC, q.id LIMIT ?",
        (*where_params, *score_params, limit),
    ).all()
    return [r[0] for r in rows], (rows[0][1] if rows else 0)


# --- measurements --------------------------------------------------------------------------------


def timed(fn, items, passes: int = 1, clock=time.perf_counter) -> list[float]:
    seconds = []
    for _ in range(passes):
        for item in items:
            started = clock()
            fn(item)
            seconds.append(clock() - started)
    return seconds


def seed_table_recall(work: Path) -> dict:
    """The seed table on the four seeds: the search service against the LIKE scan."""
    db = work / "seeds.sqlite3"
    upgrade(f"sqlite:///{db}")
    engine = make_engine(f"sqlite:///{db}")
    summary = ingest_directory(engine, ROOT / "content", workers=1)
    rows = load_table()
    with Session(engine) as session:
        fts, _ = measure(session, rows)
        like, _ = measure(session, rows, lambda s, q: like_search(s.connection(), q, limit=10)[0])
    engine.dispose()
    rounded = lambda scores: {k: round(v, 3) for k, v in scores.items()}  # noqa: E731
    return {"rows": len(rows), "files_failed": len(summary.failed), "fts": rounded(fts), "like": rounded(like)}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--questions", type=int, default=100_000)
    parser.add_argument("--workers", type=int, default=2, help="Kiwi threads for the index build")
    parser.add_argument("--out", default=str(ROOT / "bench" / "results" / "search.json"))
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="kb-bench-search-"))
    try:
        seeds = seed_table_recall(work)

        db_path = work / "search.sqlite3"
        url = f"sqlite:///{db_path}"
        upgrade(url)
        t0 = time.perf_counter()
        filled = fill_database(db_path, args.questions)
        generate_s = time.perf_counter() - t0 - filled["insert_seconds"]
        writer = filled.pop("writer")

        engine = make_engine(url)
        with Session(engine) as session:
            t0 = time.perf_counter()
            indexed = reindex_all(session, workers=args.workers)
            build_s = time.perf_counter() - t0
        with engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        db_bytes = sum(p.stat().st_size for p in work.glob("search.sqlite3*"))
        raw = sqlite3.connect(db_path)
        try:
            index_bytes = raw.execute(
                "SELECT sum(pgsize) FROM dbstat WHERE name LIKE 'search_index%' OR name LIKE 'search_text%'"
            ).fetchone()[0]
        except sqlite3.OperationalError:  # SQLite built without dbstat
            index_bytes = None
        raw.close()

        rng = random.Random(11)
        queries = query_set(writer, rng)
        with Session(engine) as session:
            timed(lambda q: service.search_questions(session, q), queries)  # warm the page cache
            search_s = timed(lambda q: service.search_questions(session, q), queries, passes=3)
            search_cpu_s = timed(lambda q: service.search_questions(session, q), queries, clock=time.process_time)
            results = [service.search_questions(session, q) for q in queries]
            typing = [q[: max(2, len(q) * 2 // 3)] for q in queries]
            suggest_s = timed(lambda q: service.suggest_questions(session, q), typing)
            question_ids = rng.sample(range(1, args.questions + 1), QUERY_COUNT)
            related_s = timed(lambda qid: related_questions(session, qid), question_ids)
            like_s = timed(lambda q: like_search(session.connection(), q), queries[:LIKE_QUERIES])
            write_ids = question_ids[:50]
            reindex_s = timed(lambda qid: reindex_question(session, qid, use_kiwi=False), write_ids)
            session.rollback()
        engine.dispose()
    finally:
        shutil.rmtree(work, ignore_errors=True)

    search, like = summary_ms(search_s), summary_ms(like_s)
    result = {
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform(),
                    "sqlite": sqlite3.sqlite_version},
        "data": {**filled, "collections": COLLECTIONS, "generate_seconds": round(generate_s, 2)},
        "index_build": {"seconds": round(build_s, 1), "questions": indexed, "kiwi_workers": args.workers,
                        "questions_per_second": round(indexed / build_s, 1)},
        "size": {"database_bytes": db_bytes, "search_tables_bytes": index_bytes},
        "queries": {"count": len(queries), "from_seed_table": sum(1 for q in queries if q in {r.query for r in load_table()}),
                    "zero_hit_queries": sum(1 for r in results if r.total == 0),
                    "over_1000_hits": sum(1 for r in results if not r.total_exact)},
        "search_service": {**search, "passes": 3, "note": "search_questions(): analysis, FTS5 tiers + bm25, snippets, highlights; wall clock"},
        "search_service_cpu": {**summary_ms(search_cpu_s), "note": "the same, process CPU time (robust to other load on a shared machine)"},
        "like_scan": {**like, "note": "LIKE '%word%' over question title/body and answers, OR of the words, ranked by words matched"},
        "like_vs_search_p50_ratio": round(like["p50_ms"] / search["p50_ms"], 1),
        "like_vs_search_p99_ratio": round(like["p99_ms"] / search["p99_ms"], 1),
        "suggest_while_typing": summary_ms(suggest_s),
        "related_questions": summary_ms(related_s),
        "reindex_one_question_light": summary_ms(reindex_s),
        "seed_table": seeds,
        "goals": {"p50_le_5ms": search["p50_ms"] <= 5.0, "p99_le_30ms": search["p99_ms"] <= 30.0},
    }
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(result, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
