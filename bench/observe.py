"""What the observability layer costs per request: the request id, the access-log line (JSON, as
`kb serve` writes it, to /dev/null) and the latency histogram (app.http.observe.ObserveRequests).

In one run on this machine, the same app twice from one seeded database: as create_app builds it, and
with ObserveRequests taken out of its middleware list. Each is driven in-process through ASGI (no
sockets, so the difference is not lost in network noise) on two reads: a response-cache hit of the
read API (the cheapest answer the app gives, where the overhead shows most) and a 404 page that runs
its route; and the observed app once more with the access line off (`kb serve --no-access-log`), which
leaves the id and the histogram. Rounds alternate between the apps (and which goes first); medians are
reported, with the ratio to the bare app and the microseconds added. The 404 page's few milliseconds vary
more between rounds on a loaded machine than the layer costs; the cache hit is where it can be seen.
Writes bench/results/observe.json.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import logging.config
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.config import Settings  # noqa: E402
from app.db.engine import make_engine  # noqa: E402
from app.db.migrate import upgrade  # noqa: E402
from app.http.logs import log_config  # noqa: E402
from app.http.observe import ObserveRequests  # noqa: E402
from app.http.observe import access_log as ACCESS_LOG  # noqa: E402
from app.ingest.loader import ingest_directory  # noqa: E402
from app.main import create_app  # noqa: E402

PATHS = {"cached_api_read": "/api/v1/collections", "route_404_page": "/questions/999999"}


async def _call(app, path: str) -> int:
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET", "scheme": "http",
             "path": path, "raw_path": path.encode(), "root_path": "", "query_string": b"",
             "headers": [(b"host", b"bench"), (b"accept", b"application/json")], "client": ("127.0.0.1", 1),
             "server": ("bench", 80)}
    status = 0

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message):
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]

    await app(scope, receive, send)
    return status


async def _lifespan(app):
    """Runs the app's startup (it may need its warm-up) and returns the shutdown trigger."""
    inbox: asyncio.Queue = asyncio.Queue()
    started, done = asyncio.Event(), asyncio.Event()
    await inbox.put({"type": "lifespan.startup"})

    async def receive():
        return await inbox.get()

    async def send(message):
        if message["type"] == "lifespan.startup.complete":
            started.set()
        if message["type"] == "lifespan.shutdown.complete":
            done.set()

    task = asyncio.create_task(app({"type": "lifespan", "asgi": {"version": "3.0"}, "state": {}}, receive, send))
    await started.wait()

    async def stop():
        await inbox.put({"type": "lifespan.shutdown"})
        await done.wait()
        await task

    return stop


async def _round(app, path: str, requests: int) -> float:
    started = time.perf_counter()
    for _ in range(requests):
        await _call(app, path)
    return (time.perf_counter() - started) / requests * 1e6


async def measure(settings: Settings, rounds: int, requests: int) -> dict:
    observed = create_app(settings)
    bare = create_app(settings)
    bare.user_middleware = [m for m in bare.user_middleware if m.cls is not ObserveRequests]
    stops = [await _lifespan(observed), await _lifespan(bare)]
    try:
        statuses = {name: await _call(observed, path) for name, path in PATHS.items()}
        for app in (observed, bare):  # warm: templates compiled, cache filled, route memo made
            for path in PATHS.values():
                await _round(app, path, 200)
        kinds = [("observed", observed), ("observed_no_access_line", observed), ("bare", bare)]
        samples: dict[str, dict[str, list[float]]] = {name: {kind: [] for kind, _ in kinds} for name in PATHS}
        for number in range(rounds):
            for name, path in PATHS.items():
                # Alternate which app goes first, so none always inherits another's garbage.
                for kind, app in kinds[:: 1 if number % 2 == 0 else -1]:
                    ACCESS_LOG.setLevel(logging.WARNING if kind == "observed_no_access_line" else logging.INFO)
                    gc.collect()
                    samples[name][kind].append(await _round(app, path, requests))
    finally:
        for stop in stops:
            await stop()
    report = {}
    for name, by_kind in samples.items():
        obs, quiet, base = (statistics.median(by_kind[k]) for k in ("observed", "observed_no_access_line", "bare"))
        report[name] = {"status": statuses[name], "us_per_request_observed": round(obs, 1),
                        "us_per_request_observed_no_access_line": round(quiet, 1),
                        "us_per_request_bare": round(base, 1), "us_added": round(obs - base, 1),
                        "us_added_without_access_line": round(quiet - base, 1),
                        "ratio_observed_vs_bare": round(obs / base, 3),
                        "ratio_observed_no_access_line_vs_bare": round(quiet / base, 3)}
    return report


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--out", default=str(ROOT / "bench" / "results" / "observe.json"))
    args = parser.parse_args()

    config = log_config("json")
    devnull = open(os.devnull, "w")  # noqa: SIM115 - lives as long as the run
    config["handlers"]["kb"]["stream"] = devnull
    logging.config.dictConfig(config)

    workdir = Path(tempfile.mkdtemp(prefix="kb-bench-observe-"))
    try:
        url = f"sqlite:///{workdir / 'kb.sqlite3'}"
        upgrade(url)
        engine = make_engine(url)
        ingest_directory(engine, ROOT / "content", workers=1)
        engine.dispose()
        settings = Settings(database_url=url, secret_key="bench-secret-0123456789", demo_precompute=False,
                            testing=True)
        report = asyncio.run(measure(settings, args.rounds, args.requests))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    result = {
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
        "input": {"rounds": args.rounds, "requests_per_round": args.requests, "paths": PATHS,
                  "log_format": "json to /dev/null"},
        "results": report,
    }
    Path(args.out).write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n")
    print(json.dumps(result["results"], ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
