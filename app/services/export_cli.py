"""`kb export DIR`: parse the arguments, call app.services.export, print a per-file summary."""

from __future__ import annotations

import json
import sys
from pathlib import Path


def _cmd_export(args, settings) -> int:
    from sqlmodel import Session

    from app.db.engine import make_engine
    from app.services.export import existing_content, export_base

    out_dir = Path(args.dir)
    if existing_content(out_dir) and not args.overwrite:
        print(f"{out_dir}에 이미 콘텐츠 파일이 있습니다. 빈 폴더를 고르거나 --overwrite를 주세요.", file=sys.stderr)
        return 2
    engine = make_engine(settings.database_url)
    try:
        with Session(engine) as session:
            summary = export_base(session, out_dir, settings.content_dir)
    finally:
        engine.dispose()
    if args.json:
        print(json.dumps(summary.to_dict(), ensure_ascii=False, indent=2))
    else:
        for exported in summary.files:
            mark = "!" if exported.problems else "+"
            print(f"{mark} {exported.path}: 질문 {exported.questions}개, 답변·답글 {exported.answers}개"
                  f" ({exported.collection})")
            for problem in exported.problems:
                print(f"    다시 읽으면 달라짐: {problem}")
        totals = summary.to_dict()["totals"]
        print(f"합계: 파일 {totals['files']}개, 질문 {totals['questions']}개, 답변·답글 {totals['answers']}개,"
              f" 실험 연결 {totals['demo_links']}개, 이미지 {totals['images']}개 → {out_dir}"
              f" (다시 읽어 확인한 차이 {totals['problems']}개)")
    return 1 if summary.problems else 0


def add_commands(commands) -> None:
    export = commands.add_parser("export", help="지식창고 전체를 세 모양의 Markdown 파일로 내보냅니다")
    export.add_argument("dir", help="내보낼 폴더 (nodes/, weeks/, interview/가 생깁니다)")
    export.add_argument("--overwrite", action="store_true", help="폴더에 이미 있는 콘텐츠 파일을 덮어씁니다")
    export.add_argument("--json", action="store_true", help="기계가 읽을 JSON으로 출력")
    export.set_defaults(handler=_cmd_export)
