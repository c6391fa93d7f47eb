"""`kb demo …` subcommands: list the experiments, run one in this process, cancel a queued run."""

from __future__ import annotations

import json
import sys


def _cmd_list(args, settings) -> int:
    from app.demos.registry import all_demos

    demos = all_demos()
    if args.json:
        from app.demos.service import list_demos

        print(json.dumps([d.model_dump(mode="json") for d in list_demos()], ensure_ascii=False, indent=2))
        return 0
    width = max((len(d.slug) for d in demos), default=0)
    for spec in demos:
        questions = ", ".join(q.where for q in spec.questions)
        print(f"{spec.slug:<{width}}  {spec.title}" + (f"  [{questions}]" if questions else ""))
    print(f"실험 {len(demos)}개")
    return 0


def _parse_param_args(pairs: list[str]) -> dict[str, list[str]] | str:
    grouped: dict[str, list[str]] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            return f"--param은 이름=값 모양이어야 합니다: {pair!r}"
        grouped.setdefault(name.strip(), []).append(value)
    return grouped


def _print_result(run: dict) -> None:
    from app.demos.params import display_value

    result = run["result"]
    print(f"{run['demo_title']} — {run['device']}" + (f" ({run['device_name']})" if run["device_name"] else "")
          + f", torch {run['torch_version']}, seed {run['seed']}, {run['wall_ms']:.0f} ms")
    print()
    columns = result["table"]["columns"]
    rows = [[display_value(cell) for cell in row] for row in result["table"]["rows"]]
    widths = [max(len(str(c)), *(len(r[i]) for r in rows)) if rows else len(str(c)) for i, c in enumerate(columns)]
    print("  ".join(str(c).ljust(w) for c, w in zip(columns, widths)))
    for row in rows:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths)))
    print()
    if result["verdict_word"]:
        print(f"판정: {result['verdict_word']}")
    print(result["conclusion"])


def _cmd_run(args, settings) -> int:
    from app.demos.execute import MAX_SEED, DeviceUnavailable, execute, finite_json, probe_devices, resolve_device
    from app.demos.params import ParamsInvalid, coerce_strings, validate_params
    from app.demos.registry import all_demos, get_demo
    from app.demos.schemas import result_public

    spec = get_demo(args.slug)
    if spec is None:
        print(f"없는 실험입니다: {args.slug} (있는 실험: {', '.join(d.slug for d in all_demos())})", file=sys.stderr)
        return 2
    if not 0 <= args.seed <= MAX_SEED:
        print(f"--seed는 0 이상 {MAX_SEED} 이하여야 합니다", file=sys.stderr)
        return 2
    grouped = _parse_param_args(args.param)
    if isinstance(grouped, str):
        print(grouped, file=sys.stderr)
        return 2
    try:
        params = validate_params(spec.params, coerce_strings(spec.params, grouped))
    except ParamsInvalid as exc:
        for detail in exc.details:
            print(f"! {detail['message']}", file=sys.stderr)
        return 2
    import torch

    torch.set_num_threads(max(1, settings.demo_threads_per_worker if args.threads is None else args.threads))
    try:
        device = resolve_device(args.device, probe_devices().cuda)
    except DeviceUnavailable as exc:
        print(str(exc), file=sys.stderr)
        return 2

    def progress(fraction: float, message: str = "", charts=None) -> None:
        if not args.json:
            print(f"\r{fraction * 100:5.1f}% {message[:60]:<60}", end="", file=sys.stderr, flush=True)

    execution = execute(spec, params, device, args.seed, progress)
    if not args.json:
        print("\r" + " " * 70 + "\r", end="", file=sys.stderr)
    run = finite_json({
        "demo_slug": spec.slug, "demo_title": spec.title, "demo_version": spec.version,
        "params": params.model_dump(mode="json"), "seed": execution.seed, "device": execution.device,
        "device_name": execution.device_name, "torch_version": execution.torch_version,
        "wall_ms": execution.wall_ms,
        "result": result_public(execution.result, execution.seed, spec).model_dump(mode="json"),
    })
    if args.json:
        print(json.dumps(run, ensure_ascii=False, indent=2))
    else:
        _print_result(run)
    return 0


def _cmd_export(args, settings) -> int:
    from app.demos.service import standalone_script
    from app.errors import AppError

    try:
        params = json.loads(args.params)
    except json.JSONDecodeError as exc:
        print(f"--params는 JSON 객체여야 합니다: {exc}", file=sys.stderr)
        return 2
    try:
        threads = settings.demo_threads_per_worker if args.threads is None else args.threads
        name, text = standalone_script(args.slug, params, args.seed, threads)
    except AppError as exc:
        print(f"! {exc.message}", file=sys.stderr)  # a bad parameter's message names each one
        return 2
    if args.output is None:
        sys.stdout.write(text)
        return 0
    with open(args.output, "w", encoding="utf-8") as out:
        out.write(text)
    print(f"{args.output}: python {args.output} 로 실행하면 측정값을 JSON으로 출력합니다 ({name})", file=sys.stderr)
    return 0


def _cmd_cancel(args, settings) -> int:
    """Cancel a run waiting in or taken from the task queue, from any machine with the two URLs."""
    if settings.task_queue_url is None:
        print("KB_TASK_QUEUE_URL이 없습니다 — 작업 대기열 없이 도는 실행은 그 웹 서버의 프로세스 안에 있어 여기서 "
              "취소할 수 없습니다", file=sys.stderr)
        return 2
    from app.db.engine import make_engine
    from app.demos.engine import DemoEngine
    from app.demos.queue import QueueRunner

    db = make_engine(settings.database_url)
    events = DemoEngine(settings, db)
    runner = QueueRunner(events, settings)
    try:
        cancelled = runner.cancel(args.run_id)
    finally:
        runner.shutdown()
        db.dispose()
    if not cancelled:
        print(f"취소할 실행이 없습니다: {args.run_id} (대기열에 없거나 이미 끝났습니다)", file=sys.stderr)
        return 1
    print(f"실행 {args.run_id}을 취소했습니다")
    return 0


def add_commands(commands):
    """The `kb demo` subcommands; returns their group, where `kb demo relink` (ingest's) joins them."""
    from app.demos.execute import DEFAULT_SEED, DEVICES

    demo = commands.add_parser("demo", help="라이브 실험").add_subparsers(dest="demo_command", required=True)
    listing = demo.add_parser("list", help="등록된 실험 목록")
    listing.add_argument("--json", action="store_true", help="기계가 읽을 JSON으로 출력")
    listing.set_defaults(handler=_cmd_list)

    run = demo.add_parser("run", help="실험 하나를 이 프로세스에서 실행합니다 (웹 서버·DB 없이)")
    run.add_argument("slug", help="실험 slug (kb demo list)")
    run.add_argument("--param", action="append", default=[], metavar="이름=값",
                     help="매개변수 (여러 번; 여러 값을 고르는 매개변수는 쉼표로: activations=sigmoid,relu)")
    run.add_argument("--device", choices=DEVICES, default="auto", help="auto(기본): GPU가 있으면 cuda")
    run.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"난수 시드 (기본 {DEFAULT_SEED})")
    run.add_argument("--threads", type=int, default=None, help="torch 스레드 수 (기본: KB_DEMO_THREADS)")
    run.add_argument("--json", action="store_true", help="결과 전체를 JSON으로 출력")
    run.set_defaults(handler=_cmd_run)

    export = demo.add_parser("export", help="실험을 python + torch만으로 돌아가는 스크립트 하나로 씁니다")
    export.add_argument("slug", help="실험 slug (kb demo list)")
    export.add_argument("--params", default="{}", metavar="JSON",
                        help='매개변수 JSON (예: \'{"epochs": 60}\'; 빠진 것은 기본값)')
    export.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"난수 시드 (기본 {DEFAULT_SEED})")
    export.add_argument("--threads", type=int, default=None,
                        help="스크립트가 기본으로 쓸 torch 스레드 수 (기본: KB_DEMO_THREADS, 서버의 실행과 같게)")
    export.add_argument("-o", "--output", default=None, help="쓸 파일 (기본: 표준 출력)")
    export.set_defaults(handler=_cmd_export)

    cancel = demo.add_parser("cancel", help="작업 대기열(KB_TASK_QUEUE_URL)에서 기다리거나 도는 실행을 취소합니다")
    cancel.add_argument("run_id", help="실행 id (/runs/{id})")
    cancel.set_defaults(handler=_cmd_cancel)
    return demo
