"""Reading benchmark (issue 4): the question page and its JSON twin against a bare FastAPI endpoint.

A real uvicorn (1 worker, the same flags for every target) on 127.0.0.1 over a fresh database with the
seeds ingested, driven by wrk (Debian's package: a C load generator, so the CPU goes to the server)
with 10 connections on one thread. Targets, each in its own server process, measured in rounds that
alternate between them so that load from elsewhere on the machine hits them alike:

  bare           a FastAPI app with one route returning a constant (the baseline);
  page           GET /questions/{id}, rotating over every seed question (what a reader does);
  api            GET /api/v1/questions/{id}, rotating the same way;
  page_uncached  GET /questions/{id}?nocache=N, a new query each request, so the per-version
                 response cache never hits: the full render path (queries + template), for the record.

Goals: page >= 0.5x bare, api >= 0.7x bare, p99 <= 20 ms at 10 connections (page and api).
Writes bench/results/pages.json.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.support import (  # noqa: E402
    CONNECTIONS,
    machine,
    require_wrk,
    run_wrk,
    seeded_site,
    start_bare,
    stop_all,
    write_result,
    wrk_medians,
)

GOALS = {"page_vs_bare": 0.5, "api_vs_bare": 0.7, "p99_ms": 20.0}

# wrk request generator: cycle through the question ids; optionally a fresh query per request.
ROTATE_LUA = '''
local ids = {%(ids)s}
local n = 0
request = function()
  n = n + 1
  local path = "%(prefix)s" .. ids[(n %% #ids) + 1]
  if %(bust)s then path = path .. "?nocache=" .. n end
  return wrk.format("GET", path)
end
'''


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=8, help="length of one wrk run")
    parser.add_argument("--rounds", type=int, default=5, help="alternating rounds; the median is reported")
    parser.add_argument("--out", default=str(ROOT / "bench" / "results" / "pages.json"))
    args = parser.parse_args()
    require_wrk()

    load_at_start = os.getloadavg()
    site = seeded_site("pages")
    ids = site.ids
    scripts = {}
    for name, prefix, bust in (("page", "/questions/", "false"), ("api", "/api/v1/questions/", "false"),
                               ("page_uncached", "/questions/", "true")):
        scripts[name] = site.workdir / f"{name}.lua"
        scripts[name].write_text(ROTATE_LUA % {"ids": ", ".join(map(str, ids)), "prefix": prefix, "bust": bust})

    app_server, app_base = site.start()
    bare_server, bare_base = start_bare(site.workdir, site.env)
    targets = {
        "bare": lambda: run_wrk(f"{bare_base}/bare", args.seconds),
        "page": lambda: run_wrk(app_base, args.seconds, scripts["page"]),
        "api": lambda: run_wrk(app_base, args.seconds, scripts["api"]),
        "page_uncached": lambda: run_wrk(app_base, args.seconds, scripts["page_uncached"]),
    }
    rounds: list[dict] = []
    try:
        # Warm-up, not measured: lazy imports, prepared statements, and each question rendered once.
        run_wrk(f"{bare_base}/bare", 1)
        run_wrk(app_base, 2, scripts["page_uncached"])
        for question_id in ids:
            for path in (f"/questions/{question_id}", f"/api/v1/questions/{question_id}"):
                assert httpx.get(app_base + path).status_code == 200, path
        for _ in range(args.rounds):
            rounds.append({name: run() for name, run in targets.items()})
    finally:
        stop_all([app_server, bare_server], site.workdir)

    summary = wrk_medians(rounds, targets)
    ratios = {
        "page_vs_bare": round(summary["page"]["requests_per_s"] / summary["bare"]["requests_per_s"], 3),
        "api_vs_bare": round(summary["api"]["requests_per_s"] / summary["bare"]["requests_per_s"], 3),
        "page_uncached_vs_bare": round(summary["page_uncached"]["requests_per_s"] / summary["bare"]["requests_per_s"], 3),
    }
    goals_met = {
        "page_vs_bare": ratios["page_vs_bare"] >= GOALS["page_vs_bare"],
        "api_vs_bare": ratios["api_vs_bare"] >= GOALS["api_vs_bare"],
        "p99_page": summary["page"]["p99_ms"] <= GOALS["p99_ms"],
        "p99_api": summary["api"]["p99_ms"] <= GOALS["p99_ms"],
    }
    result = {
        "benchmark": "pages",
        "machine": machine(load_at_start),
        "setup": {"server": "uvicorn 1 worker, --no-access-log, same flags for the app and the bare endpoint",
                  "load": f"wrk -t1 -c{CONNECTIONS} -d{args.seconds}s --latency, {args.rounds} alternating rounds, median",
                  "questions_rotated": len(ids)},
        "goals": GOALS, "summary": summary, "ratios": ratios, "goals_met": goals_met,
        "errors": {name: sum(r[name]["non_2xx"] for r in rounds) for name in targets},
        "rounds": rounds,
    }
    write_result(args.out, result)
    print(json.dumps({"summary": summary, "ratios": ratios, "goals_met": goals_met}, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
