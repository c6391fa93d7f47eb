"""Compression benchmark (issue 12 item 5): bytes on the wire, and what compressing costs a cached page.

A real uvicorn (1 worker) over a fresh database with the seeds ingested.

Bytes: the body of the question page (every seed question, summed), the home page, app.css and the
chart library (uPlot), as sent with no Accept-Encoding, with `gzip`, and with `br` (the raw bytes
on the wire, counted before the client decodes them).

Throughput: wrk (-t1 -c10) rotating over every seed question page, cached (each page read once
before), with and without `Accept-Encoding: gzip`, for an anonymous reader and for a signed-in one
(the page kept for every signed-in reader, filled per request), in rounds that alternate between
the targets, median reported. Compressing a kept page happens once per entry and encoding, so the
goal is that a compressed read costs little: gzip/identity >= 0.9 for both readers.
Writes bench/results/compress.json.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.support import (  # noqa: E402
    machine,
    make_people,
    require_wrk,
    run_wrk,
    seeded_site,
    stop_all,
    write_result,
    wrk_medians,
)

GOAL = 0.9  # compressed reads of cached pages vs uncompressed, same run
ENCODINGS = ("identity", "gzip", "br")

ROTATE_LUA = '''
local ids = {%(ids)s}
local n = 0
local headers = {["Accept"] = "text/html"%(extra)s}
request = function()
  n = n + 1
  return wrk.format("GET", "/questions/" .. ids[(n %% #ids) + 1], headers)
end
'''


def wire_bytes(client: httpx.Client, path: str, encoding: str) -> int:
    with client.stream("GET", path, headers={"Accept": "text/html", "Accept-Encoding": encoding}) as response:
        assert response.status_code == 200, (path, response.status_code)
        sent = response.headers.get("content-encoding", "identity")
        assert sent == encoding, (path, encoding, sent)
        return sum(len(chunk) for chunk in response.iter_raw())


def static_link(html: str, prefix: str) -> str:
    """The page's link to a static file (under its hashed name once the templates use one)."""
    found = re.search(rf'(?:href|src)="(/static/{re.escape(prefix)}[^"]*)"', html)
    assert found, prefix
    return found.group(1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=6, help="length of one wrk run")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds; the median is reported")
    parser.add_argument("--out", default=str(ROOT / "bench" / "results" / "compress.json"))
    args = parser.parse_args()
    require_wrk()

    load_at_start = os.getloadavg()
    site = seeded_site("compress")
    workdir, ids = site.workdir, site.ids
    _, session_cookie = make_people(site.database_url)

    scripts: dict[str, Path] = {}
    for reader, cookie in (("anon", ""), ("user", f', ["Cookie"] = "kb_session={session_cookie}"')):
        for encoding in ("identity", "gzip"):
            name = f"{reader}_{encoding}"
            extra = cookie + (', ["Accept-Encoding"] = "gzip"' if encoding == "gzip" else "")
            scripts[name] = workdir / f"{name}.lua"
            scripts[name].write_text(ROTATE_LUA % {"ids": ", ".join(map(str, ids)), "extra": extra})

    server, base = site.start()
    rounds: list[dict] = []
    try:
        with httpx.Client(base_url=base, timeout=60) as client:
            home = client.get("/", headers={"Accept": "text/html"}).text
            question = client.get(f"/questions/{ids[0]}", headers={"Accept": "text/html"}).text
            targets = {"home": ["/"], "question_pages": [f"/questions/{qid}" for qid in ids],
                       "app_css": [static_link(home, "css/app.")],
                       "chart_library_js": [static_link(question, "vendor/uplot/uPlot.iife.min.")]}
            wire = {}
            for name, paths in targets.items():
                sizes = {encoding: sum(wire_bytes(client, path, encoding) for path in paths) for encoding in ENCODINGS}
                wire[name] = {**sizes, "gzip_vs_identity": round(sizes["gzip"] / sizes["identity"], 3),
                              "br_vs_identity": round(sizes["br"] / sizes["identity"], 3)}
                if len(paths) == 1:
                    wire[name]["path"] = paths[0]
            # Every page read once by each reader in each encoding: the rounds read cached pages.
            for cookies in ({}, {"kb_session": session_cookie}):
                for qid in ids:
                    for encoding in ("identity", "gzip"):
                        response = client.get(f"/questions/{qid}", cookies=cookies,
                                              headers={"Accept": "text/html", "Accept-Encoding": encoding})
                        assert response.status_code == 200
        run_wrk(base, 2, scripts["anon_identity"])  # warm-up, not measured
        for _ in range(args.rounds):
            rounds.append({name: run_wrk(base, args.seconds, script) for name, script in scripts.items()})
    finally:
        stop_all([server], workdir)

    summary = wrk_medians(rounds, scripts)
    rate = {name: figures["requests_per_s"] for name, figures in summary.items()}
    ratios = {reader: round(rate[f"{reader}_gzip"] / rate[f"{reader}_identity"], 3) for reader in ("anon", "user")}
    result = {
        "benchmark": "compress",
        "machine": machine(load_at_start),
        "setup": {"server": "uvicorn 1 worker, --no-access-log",
                  "load": f"wrk -t1 -c10 -d{args.seconds}s, {args.rounds} alternating rounds, median",
                  "questions_rotated": len(ids),
                  "wire_bytes": "response bodies as sent, summed over every seed question for question_pages"},
        "wire_bytes": wire,
        "summary": summary,
        "gzip_vs_identity_requests_per_s": ratios,
        "goal": {"gzip_vs_identity": GOAL},
        "goals_met": {reader: ratio >= GOAL for reader, ratio in ratios.items()},
        "errors": {name: sum(r[name]["non_2xx"] for r in rounds) for name in scripts},
        "rounds": rounds,
    }
    write_result(args.out, result)
    print(json.dumps({"wire_bytes": wire, "summary": summary, "ratios": ratios}, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
