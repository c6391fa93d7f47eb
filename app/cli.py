"""`kb`: the command line. Each subcommand parses its arguments and calls one function."""

from __future__ import annotations

import argparse
import ipaddress
import json
import os
import sys
from pathlib import Path

from app.config import Settings, SettingsError


def _cmd_db_upgrade(args, settings: Settings) -> int:
    from app.db.migrate import upgrade

    upgrade(settings.database_url, args.revision)
    print(f"데이터베이스를 {args.revision} 버전으로 올렸습니다: {settings.database_url}")
    return 0


def _cmd_purge(args, settings: Settings) -> int:
    from app.db.engine import make_engine
    from app.services.purge import purge

    engine = make_engine(settings.database_url)
    try:
        report = purge(engine, settings)
    finally:
        engine.dispose()
    if args.json:
        print(json.dumps(report.to_dict()))
    else:
        print(f"지웠습니다: 만료된 로그인 세션 {report.sessions}개, {settings.idempotency_retention_h}시간 지난 "
              f"멱등 키 {report.idempotency_keys}개, {settings.run_retention_days}일 지난 캐시 반복·실패 실행 "
              f"{report.runs}개, 쓰였거나 만료된 비밀번호 재설정 링크 {report.reset_links}개, "
              f"읽은 지 {settings.notification_retention_days}일 지난 알림 {report.notifications}개")
    return 0


def _cmd_backup(args, settings: Settings) -> int:
    from app.db.backup import backup
    from app.errors import AppError

    try:
        result = backup(settings.database_url, Path(args.path), overwrite=args.overwrite)
    except AppError as exc:
        print(f"백업 실패: {exc.message}", file=sys.stderr)
        return 1
    print(f"백업했습니다 ({result.engine}, {result.size_bytes:,} 바이트): {result.path}")
    return 0


def _print_ingest_summary(summary) -> None:
    for result in summary.files:
        if result.status == "unchanged":
            print(f"= {result.source_path}: 변경 없음")
            continue
        if result.status == "removed":
            print(f"- {result.source_path}: 파일이 사라져 질문을 정리했습니다")
            continue
        if result.status == "failed":
            where = f":{result.error.line}" if result.error.line else ""
            print(f"! {result.source_path}{where}: 실패 — {result.error.message}")
            continue
        print(
            f"+ {result.source_path}: 질문 {result.questions}개 (답변됨 {result.answered}, 미답변 {result.unanswered})"
        )
        for report in result.reports:
            where = f"{result.source_path}:{report.line}" if report.line else result.source_path
            snippet = f" «{report.text[:60]}»" if report.text else ""
            print(f"    [{report.kind}] {where} {report.message}{snippet}")
    for problem in summary.demo_link_problems:
        print(f"! demos.toml:{problem.line or '?'}: {problem.message}")
    for problem in summary.collection_title_problems:
        print(f"! collections.toml:{problem.line or '?'}: {problem.message}")
    for problem in summary.correction_problems:
        print(f"! corrections.toml:{problem.line or '?'}: {problem.message}")
    for problem in summary.author_claim_problems:
        print(f"! authors.toml:{problem.line or '?'}: {problem.message}")
    if summary.relinked is not None:
        print(f"~ 실험 목록이나 연결 규칙이 바뀌어(또는 처음이라) 질문 {summary.relinked}개의 "
              "실험 자동 연결을 계산했습니다")
    totals = summary.to_dict()["totals"]
    print(
        f"합계: 파일 {totals['files']}개 — 새로 불러옴 {totals['ingested']}, 변경 없음 {totals['unchanged']},"
        f" 실패 {totals['failed']}, 삭제 {totals['removed']}"
    )


def _drain_waiting(engine) -> None:
    """The search index work waiting now (a stopped web process's, this ingest's), batch by batch. Not
    what comes in meanwhile: a running web process's indexer does that, and posts to a busy site would
    otherwise keep the command from ending (each needs more indexing than posting)."""
    from sqlmodel import Session

    from app.db.queries.search import pending_count
    from app.services.indexing import BATCH, drain_batch

    with Session(engine) as session:
        left = pending_count(session.connection())
    while left > 0 and (done := drain_batch(engine, min(BATCH, left))):
        left -= done


def _cmd_ingest(args, settings: Settings) -> int:
    from app.db.engine import make_engine
    from app.ingest.loader import ingest_directory

    content_dir = Path(args.dir) if args.dir else settings.content_dir
    if not content_dir.is_dir():
        print(f"content 폴더가 없습니다: {content_dir}", file=sys.stderr)
        return 2
    from app.services.rerender import rerender_posts

    engine = make_engine(settings.database_url)
    try:
        summary = ingest_directory(engine, content_dir, force=args.force, workers=args.workers)
        posts = rerender_posts(engine, force=args.force)
        _drain_waiting(engine)
    finally:
        engine.dispose()
    if args.json:
        print(json.dumps(summary.to_dict() | {"posts_rerendered": posts.to_dict()}, ensure_ascii=False, indent=2))
    else:
        _print_ingest_summary(summary)
        _print_rerender_summary(posts)
    return 1 if (summary.failed or summary.demo_link_problems or summary.collection_title_problems
                 or summary.correction_problems or summary.author_claim_problems) else 0


def _print_rerender_summary(posts) -> None:
    if not posts.skipped:
        print(f"~ 렌더러나 용어 사전이 바뀌어 올린 글 {posts.checked}개를 다시 렌더링했습니다"
              f" (바뀐 질문 {posts.changed_questions}, 답변 {posts.changed_answers})")


def _cmd_rerender(args, settings: Settings) -> int:
    from app.db.engine import make_engine
    from app.services.rerender import rerender_posts

    engine = make_engine(settings.database_url)
    try:
        posts = rerender_posts(engine, force=True)
    finally:
        engine.dispose()
    _print_rerender_summary(posts)
    return 0


def _cmd_demo_relink(args, settings: Settings) -> int:
    from app.db.engine import make_engine
    from app.ingest.linking import relink_all

    engine = make_engine(settings.database_url)
    try:
        with engine.begin() as conn:
            total, linked = relink_all(conn)
    finally:
        engine.dispose()
    print(f"실험 자동 연결을 다시 계산했습니다: 질문 {total}개 중 {linked}개가 실험과 연결됨")
    return 0


def _then_relink(handler):
    def run(args, settings: Settings) -> int:
        status = handler(args, settings)
        return status or _cmd_demo_relink(args, settings)

    return run


def served_base_url(host: str, port: int) -> str:
    """Where `kb serve` listens, for absolute links (canonical, run share links) when KB_BASE_URL is unset."""
    shown = "127.0.0.1" if host in ("", "0.0.0.0", "::") else host
    return f"http://[{shown}]:{port}" if ":" in shown else f"http://{shown}:{port}"


def _cmd_serve(args, settings: Settings) -> int:
    import uvicorn

    from app.http.logs import log_config

    # create_app reads the environment in each worker: without this, `--port 8123` would share :8000 links.
    os.environ.setdefault("KB_BASE_URL", served_base_url(args.host, args.port))
    log_format = args.log_format or ("text" if settings.development else "json")
    # X-Forwarded-For / -Proto are believed only from these peers (the reverse proxy), never from anyone
    # else: uvicorn's own default trusts 127.0.0.1, which on a shared host is any local process.
    trusted = args.forwarded_allow_ips
    uvicorn.run(
        "app.main:create_app", factory=True, host=args.host, port=args.port, workers=args.workers,
        log_level=args.log_level, log_config=log_config(log_format, args.log_level, args.access_log),
        access_log=False,  # app.http.observe writes one line per request, with its id and duration
        proxy_headers=bool(trusted), forwarded_allow_ips=trusted or None,
        timeout_graceful_shutdown=args.graceful_timeout,
        # With --workers N, uvicorn's supervisor pings each worker and kills one that does not answer
        # in time (its default: 5 s). A worker still starting on a busy host (spawned interpreter, app
        # imports) misses that and is killed, again and again: measured by bench/scale.py at load 10.
        timeout_worker_healthcheck=args.worker_healthcheck_timeout,
    )
    return 0


def _cmd_worker(args, settings: Settings) -> int:
    from app.demos.queue import work

    return work(settings, concurrency=args.concurrency, device=args.device, threads=args.threads,
                shutdown_timeout_s=args.shutdown_timeout)


def _positive_int(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"1 이상의 정수여야 합니다: {text!r}")
    return int(text)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kb", description="질문창고 관리 도구")
    commands = parser.add_subparsers(dest="command", required=True)

    db = commands.add_parser("db", help="데이터베이스 스키마").add_subparsers(dest="db_command", required=True)
    upgrade = db.add_parser("upgrade", help="alembic upgrade (기본: head)")
    upgrade.add_argument("revision", nargs="?", default="head")
    upgrade.set_defaults(handler=_cmd_db_upgrade)

    ingest = commands.add_parser("ingest", help="content 폴더의 Markdown을 불러옵니다")
    ingest.add_argument("dir", nargs="?", help="content 폴더 (기본: KB_CONTENT_DIR 또는 content/)")
    ingest.add_argument("--json", action="store_true", help="기계가 읽을 JSON으로 출력")
    ingest.add_argument("--force", action="store_true", help="바뀌지 않은 파일도 다시 불러옵니다")
    ingest.add_argument("--workers", type=int, default=None, help="준비 단계 프로세스 수 (기본: CPU 수)")
    ingest.set_defaults(handler=_cmd_ingest)

    rerender = commands.add_parser("rerender", help="사이트에 올린 글을 지금의 렌더러로 다시 렌더링합니다")
    rerender.set_defaults(handler=_cmd_rerender)

    purge = commands.add_parser(
        "purge", help="만료된 세션, 오래된 멱등 키와 실행, 오래전에 읽은 알림을 지웁니다 (kb serve는 주기적으로)")
    purge.add_argument("--json", action="store_true", help="지운 개수를 JSON으로")
    purge.set_defaults(handler=_cmd_purge)

    backup = commands.add_parser("backup", help="서비스 중에도 일관된 데이터베이스 백업 (SQLite 온라인 백업, pg_dump)")
    backup.add_argument("path", help="백업 파일 (SQLite: 데이터베이스 파일, PostgreSQL: pg_restore용 custom 형식)")
    backup.add_argument("--overwrite", action="store_true", help="있는 파일을 덮어씁니다")
    backup.set_defaults(handler=_cmd_backup)

    serve = commands.add_parser("serve", help="웹 서버 실행")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1)
    serve.add_argument("--log-level", default="info")
    serve.add_argument("--log-format", choices=["json", "text"], default=None,
                       help="로그 형식 (기본: json, --dev이면 text)")
    serve.add_argument("--forwarded-allow-ips", default=os.environ.get("FORWARDED_ALLOW_IPS", ""),
                       help="X-Forwarded-For를 믿을 프록시 주소 (쉼표, CIDR; 기본: FORWARDED_ALLOW_IPS, 없으면 아무도)")
    serve.add_argument("--graceful-timeout", type=_positive_int, default=30,
                       help="종료 신호 뒤 진행 중인 요청을 기다리는 최대 초 (기본 30)")
    serve.add_argument("--worker-healthcheck-timeout", type=_positive_int, default=60,
                       help="--workers N일 때 응답하지 않는 작업 프로세스를 다시 띄우기까지 기다리는 초 (기본 60)")
    serve.add_argument("--no-access-log", dest="access_log", action="store_false")
    serve.add_argument("--dev", action="store_true",
                       help="개발 모드 (KB_DEV=1): 템플릿 자동 새로고침, 비밀 키 없이 고정 개발 키 — 루프백에서만")
    serve.set_defaults(handler=_cmd_serve)

    worker = commands.add_parser("worker", help="작업 대기열(KB_TASK_QUEUE_URL)의 실험 실행을 받아 돌립니다")
    worker.add_argument("--concurrency", type=_positive_int, default=1, help="동시에 돌리는 실행 수 (기본 1)")
    worker.add_argument("--device", choices=["cpu", "cuda"], default="cpu", help="이 작업자가 맡는 장치 (기본 cpu)")
    worker.add_argument("--threads", type=_positive_int, default=1, help="실행 하나의 torch 스레드 수 (기본 1)")
    worker.add_argument("--shutdown-timeout", type=_positive_int, default=30,
                        help="종료 신호 뒤 진행 중인 실행을 기다리는 최대 초; 넘으면 대기열로 돌려보냄 (기본 30)")
    worker.set_defaults(handler=_cmd_worker)

    registers = _area_commands()
    for name, register in registers.items():
        group = register(commands)
        if name == "demo":  # relinking writes through ingest, a layer above the demos
            relink = group.add_parser(
                "relink", help="모든 질문의 실험 자동 연결을 다시 계산합니다 (용어 사전·실험 목록을 고친 뒤)")
            relink.set_defaults(handler=_cmd_demo_relink)
        if name == "search":  # new search documents (a changed dictionary) mean new concepts to link by
            reindex = group.choices["reindex"]
            reindex.set_defaults(handler=_then_relink(reindex.get_default("handler")))
    return parser


def _area_commands():
    """Subcommands owned by other areas (demos, search, export, user) register themselves here."""
    from app.demos.commands import add_commands as demo_commands
    from app.search.commands import add_commands as search_commands
    from app.services.accounts_cli import add_commands as user_commands
    from app.services.export_cli import add_commands as export_commands

    return {"search": search_commands, "demo": demo_commands, "export": export_commands, "user": user_commands}


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _settings_for(args) -> Settings:
    """Validated settings; `kb serve` needs KB_SECRET_KEY unless it is a development server on loopback."""
    if args.command != "serve":
        return Settings.from_env()
    if args.dev:
        os.environ["KB_DEV"] = "1"  # uvicorn's workers build their settings from the environment
    settings = Settings.from_env(serving=True)
    if settings.development and not os.environ.get("KB_SECRET_KEY") and not is_loopback(args.host):
        raise SettingsError(f"설정 오류: 개발 모드의 고정 키로는 {args.host}에 공개할 수 없습니다 — "
                            "KB_SECRET_KEY를 설정하거나 --host 127.0.0.1로 실행하세요")
    return settings


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = _settings_for(args)
    except SettingsError as exc:
        print(exc, file=sys.stderr)
        return 2
    return args.handler(args, settings)


if __name__ == "__main__":
    sys.exit(main())
