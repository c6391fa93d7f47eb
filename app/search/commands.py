"""`kb search …` subcommands."""

from __future__ import annotations

import os
import time


def _cmd_reindex(args, settings) -> int:
    from sqlmodel import Session

    from app.db.engine import make_engine
    from app.search.index import reindex_all

    engine = make_engine(settings.database_url)
    started = time.perf_counter()
    workers = args.workers or min(4, os.cpu_count() or 1)
    try:
        with Session(engine) as session:
            total = reindex_all(session, workers=workers,
                                progress=lambda n: print(f"\r질문 {n}개 색인", end="", flush=True))
    finally:
        engine.dispose()
    print(f"\r검색 색인을 다시 만들었습니다: 질문 {total}개, {time.perf_counter() - started:.1f}초")
    return 0


def add_commands(commands):
    """The `kb search` subcommands; returns their group (the CLI has `reindex` relink the demos after it)."""
    search = commands.add_parser("search", help="검색 색인").add_subparsers(dest="search_command", required=True)
    reindex = search.add_parser(
        "reindex", help="데이터베이스의 모든 질문으로 검색 색인을 다시 만듭니다 (용어 사전을 고친 뒤)")
    reindex.add_argument("--workers", type=int, default=None, help="형태소 분석 스레드 수 (기본: CPU 수, 최대 4)")
    reindex.set_defaults(handler=_cmd_reindex)
    return search
