"""The seed query table (seed_queries.tsv) and how to score a ranking against it.

Shared by tests/search/test_seed_queries.py (the floors) and bench/search.py (FTS vs a LIKE scan).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlmodel import Session

from app.search.service import search_questions

TABLE = Path(__file__).with_name("seed_queries.tsv")
DEPTH = 10  # a question below this rank counts as not found (reciprocal rank 0)


@dataclass(frozen=True)
class SeedQuery:
    query: str
    file: str
    label: str
    note: str
    line: int


def load_table(path: Path = TABLE) -> list[SeedQuery]:
    rows: list[SeedQuery] = []
    header_seen = False
    for number, raw in enumerate(path.read_text(encoding="utf-8").split("\n"), start=1):
        if not raw.strip() or raw.startswith("#"):
            continue
        cells = raw.split("\t")
        if not header_seen:
            assert cells[:3] == ["query", "file", "label"], f"{path.name}:{number}: header expected"
            header_seen = True
            continue
        assert len(cells) in (3, 4) and all(cells[:3]), f"{path.name}:{number}: query, file, label[, note]"
        rows.append(SeedQuery(cells[0], cells[1], cells[2], cells[3] if len(cells) == 4 else "", number))
    return rows


def question_ids(conn) -> dict[tuple[str, str], int]:
    rows = conn.exec_driver_sql(
        "SELECT c.source_path, q.label, q.id FROM question AS q JOIN collection AS c ON c.id = q.collection_id "
        "WHERE q.label IS NOT NULL AND q.deleted_at IS NULL AND q.retired_at IS NULL"
    )
    return {(path, label): qid for path, label, qid in rows}


def service_ranking(session: Session, query: str) -> list[int]:
    """Question ids as the search service ranks them (what users get)."""
    return [item.question_id for item in search_questions(session, query, limit=DEPTH).items]


def measure(
    session: Session, rows: list[SeedQuery], ranking: Callable[[Session, str], list[int]] = service_ranking
) -> tuple[dict[str, float], list[tuple[SeedQuery, int | None]]]:
    """MRR and recall@1/@5 of `ranking` over the rows, and each row's 1-based rank (None: not in DEPTH)."""
    ids = question_ids(session.connection())
    ranks = []
    for row in rows:
        found = ranking(session, row.query)[:DEPTH]
        expected = ids[(row.file, row.label)]
        ranks.append((row, found.index(expected) + 1 if expected in found else None))
    count = len(ranks)
    scores = {
        "mrr": sum(1 / rank for _, rank in ranks if rank) / count,
        "recall@1": sum(1 for _, rank in ranks if rank == 1) / count,
        "recall@5": sum(1 for _, rank in ranks if rank and rank <= 5) / count,
    }
    return scores, ranks


def report(scores: dict[str, float], ranks: list[tuple[SeedQuery, int | None]]) -> str:
    misses = [f"  line {row.line}: {row.query!r} → {row.file} {row.label}: rank {rank or f'>{DEPTH}'}"
              for row, rank in ranks if rank != 1]
    summary = ", ".join(f"{name} {value:.3f}" for name, value in scores.items())
    return summary + "\n" + "\n".join(misses)


