"""Reads while others write (issue 12): question pages under a steady stream of posted answers.

A real uvicorn (1 worker) over a fresh database with the seeds ingested, and a bare FastAPI endpoint
in its own server with the same flags, driven by wrk (-t1 -c10) rotating over every question. In
rounds that alternate between the targets, so that load from elsewhere on the machine hits all alike:

  bare            a FastAPI route returning a constant (the baseline for everything);
  anon_w{R}       anonymous question pages while R answers a second are posted (R = 0: read-only, after
                  an unmeasured pass over every question: the steady state with no writes);
  user_w{R}       the same for a signed-in reader (session cookie: the page kept for every signed-in
                  reader at the question's version, filled with the reader's token, name and marks,
                  app/http/slots.py; the reader and marks are kept until the next commit, after which
                  one lookup of two statements, app/services/readers.py);
  posting         one client posting answers back to back over the API (no reads): wrk with one
                  connection (-t1 -c1), the client the bare endpoint is measured with, so that the
                  ratio compares the servers and not a Python client's own cost per request (httpx
                  spent about 1.4 ms of CPU per post, a quarter of a post's round trip).

Each app round also records the app's event-loop lag (/metrics, kb_event_loop_lag_seconds: a probe
that sleeps 50 ms and counts how late it wakes) over that round: the share of wake-ups more than 10,
50 and 100 ms late, which the wrk percentiles of one route blur (a stall of the loop delays every
connection at once). The probe runs in the app only; the bare endpoint has none.

Posts go to random questions over the API with a bearer token, paced by a separate thread at R per
second; each post changes its question's version and the site's, so it invalidates that question's
page and the lists, nothing else. Ratios: under writes vs the read-only rate of the same reader, and
each vs bare; and the same under writes in the server's CPU per request (`*_cpu_vs_read_only`: read-only
CPU per request over that under writes), which a busy machine moves far less than the rates. Goals from
the issue: anonymous under 10 posts/s >= 0.5x read-only, signed-in >= 0.2x bare, sequential posting >=
0.05x bare. Writes bench/results/mixed.json.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import threading
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.support import (  # noqa: E402
    loop_lag_between,
    loop_lag_counts,
    machine,
    make_people,
    percentile,
    process_cpu_s,
    require_wrk,
    run_wrk,
    seeded_site,
    start_bare,
    stop_all,
    write_result,
    wrk_medians,
)

RATES = (0, 1, 2, 5, 10)
GOALS = {"anon_w10_vs_read_only": 0.5, "user_w0_vs_bare": 0.2, "posting_vs_bare": 0.05}

# wrk request generator: every question in turn, optionally with the reader's session cookie.
ROTATE_LUA = '''
local ids = {%(ids)s}
local n = 0
local headers = {["Accept"] = "text/html"%(cookie)s}
request = function()
  n = n + 1
  return wrk.format("GET", "/questions/" .. ids[(n %% #ids) + 1], headers)
end
'''


class Writers:
    """Posts answers at `rate` per second (paced on a schedule, several threads so one slow post
    does not hold the next back) until stopped; records each post's status and latency."""

    def __init__(self, base: str, tokens: list[str], ids: list[int], rate: float) -> None:
        self.base, self.tokens, self.ids, self.rate = base, tokens, ids, rate
        self.stop = threading.Event()
        self.records: list[tuple[int, float]] = []
        self.threads = [threading.Thread(target=self._work, args=(n,)) for n in range(len(tokens))]

    def _work(self, n: int) -> None:
        rng = random.Random(n)
        interval = len(self.tokens) / self.rate
        headers = {"Authorization": f"Bearer {self.tokens[n]}"}
        with httpx.Client(base_url=self.base, headers=headers, timeout=120) as client:
            due = time.perf_counter() + n / self.rate
            while not self.stop.is_set():
                wait = due - time.perf_counter()
                if wait > 0 and self.stop.wait(wait):
                    return
                due += interval
                question = rng.choice(self.ids)
                started = time.perf_counter()
                response = client.post(f"/api/v1/questions/{question}/answers",
                                       json={"body": f"벤치 답변 {n}-{started:.6f}: 읽는 동안 쓰기"})
                self.records.append((response.status_code, (time.perf_counter() - started) * 1000))

    def __enter__(self) -> Writers:
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join()


# wrk request generator for sequential posting: an answer to a random question, each body its own.
POSTING_LUA = '''
local ids = {%(ids)s}
local n = 0
local headers = {["Authorization"] = "Bearer %(token)s", ["Content-Type"] = "application/json"}
math.randomseed(7)
request = function()
  n = n + 1
  local body = '{"body": "연속 답변 ' .. n .. ': 하나씩 차례로"}'
  return wrk.format("POST", "/api/v1/questions/" .. ids[math.random(#ids)] .. "/answers", headers, body)
end
'''


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=5, help="length of one wrk run")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds; the median is reported")
    parser.add_argument("--out", default=str(ROOT / "bench" / "results" / "mixed.json"))
    parser.add_argument("--only", default="", help="comma-separated targets to run besides bare (a quick look; "
                                                   "the ratios of the others are left out)")
    args = parser.parse_args()
    require_wrk()

    load_at_start = os.getloadavg()
    site = seeded_site("mixed", KB_RATE_POSTS_PER_MIN="1000000", KB_RATE_IP_POSTS_PER_MIN="1000000")
    workdir, ids = site.workdir, site.ids
    tokens, session_cookie = make_people(site.database_url)
    scripts = {}
    for reader, cookie in (("anon", ""), ("user", f', ["Cookie"] = "kb_session={session_cookie}"')):
        scripts[reader] = workdir / f"{reader}.lua"
        scripts[reader].write_text(ROTATE_LUA % {"ids": ", ".join(map(str, ids)), "cookie": cookie})

    app_server, app_base = site.start()
    bare_server, bare_base = start_bare(workdir, site.env)

    cookies = {"anon": {}, "user": {"kb_session": session_cookie}}

    def warm(reader: str) -> None:
        """Every question once for this reader, not measured: the target before (writers, sequential
        posting) left most pages at older versions, and read-only means the steady state."""
        with httpx.Client(base_url=app_base, cookies=cookies[reader], headers={"Accept": "text/html"},
                          timeout=120) as client:
            for question_id in ids:
                assert client.get(f"/questions/{question_id}").status_code == 200

    def served(result: dict, cpu_before: float) -> dict:
        """The server's CPU per request served over the wrk run (writes and their index work included):
        the cost ratio of two rounds, which other load on the machine hardly moves, unlike their rates."""
        cpu_ms = (process_cpu_s(app_server.pid) - cpu_before) * 1000
        result["server_cpu_ms_per_request"] = round(cpu_ms / max(result["requests"], 1), 4)
        return result

    def reads(reader: str, rate: int):
        def run() -> dict:
            if rate == 0:
                warm(reader)
            cpu_before = process_cpu_s(app_server.pid)
            if rate == 0:
                return served(run_wrk(app_base, args.seconds, scripts[reader]), cpu_before)
            with Writers(app_base, tokens, ids, rate) as writers:
                result = served(run_wrk(app_base, args.seconds, scripts[reader]), cpu_before)
            posted = [ms for status, ms in writers.records if status == 201]
            result["posts"] = {"per_s": round(len(writers.records) / args.seconds, 2), "created": len(posted),
                               "failed": len(writers.records) - len(posted), "p50_ms": percentile(posted, 50),
                               "p99_ms": percentile(posted, 99)}
            return result
        return run

    def with_loop_lag(run):
        def measured() -> dict:
            before = loop_lag_counts(app_base)
            result = run()
            result["loop_lag"] = loop_lag_between(before, loop_lag_counts(app_base))
            return result
        return measured

    targets = {"bare": lambda: run_wrk(f"{bare_base}/bare", args.seconds)}
    for reader in ("anon", "user"):
        for rate in RATES:
            targets[f"{reader}_w{rate}"] = with_loop_lag(reads(reader, rate))
    scripts["posting"] = workdir / "posting.lua"
    scripts["posting"].write_text(POSTING_LUA % {"ids": ", ".join(map(str, ids)), "token": tokens[0]}, encoding="utf-8")
    targets["posting"] = with_loop_lag(lambda: run_wrk(app_base, args.seconds, scripts["posting"], connections=1))
    if args.only:
        chosen = {"bare", *args.only.split(",")}
        targets = {name: run for name, run in targets.items() if name in chosen}
    rounds: list[dict] = []
    try:
        # Warm-up, not measured: lazy imports, and each question rendered once for each reader.
        run_wrk(f"{bare_base}/bare", 1)
        for reader in cookies:
            warm(reader)
        for _ in range(args.rounds):
            rounds.append({name: run() for name, run in targets.items()})
    finally:
        stop_all([app_server, bare_server], workdir)

    summary = wrk_medians(rounds, targets)
    rps = {name: values["requests_per_s"] for name, values in summary.items()}
    ratios = {f"{name}_vs_bare": round(rps[name] / rps["bare"], 4) for name in targets if name != "bare"}
    for reader in ("anon", "user"):
        for rate in RATES[1:]:
            if f"{reader}_w{rate}" in rps and f"{reader}_w0" in rps:
                ratios[f"{reader}_w{rate}_vs_read_only"] = round(rps[f"{reader}_w{rate}"] / rps[f"{reader}_w0"], 3)
    for reader in ("anon", "user"):  # the same in CPU: read-only CPU per request over that under writes
        if f"{reader}_w10" in rps and f"{reader}_w0" in rps:
            cpu = {rate: statistics.median(r[f"{reader}_w{rate}"]["server_cpu_ms_per_request"] for r in rounds)
                   for rate in (0, 10)}
            ratios[f"{reader}_w10_cpu_vs_read_only"] = round(cpu[0] / cpu[10], 3) if cpu[10] else None
    if "posting" in summary:
        ratios["posting_p50_vs_bare_p50"] = round(summary["posting"]["p50_ms"] / summary["bare"]["p50_ms"], 1)
    for reader in ("anon", "user"):  # a post's latency while 10 a second are posted and the pages are read
        if f"{reader}_w10" in summary:
            posts_p50 = statistics.median(r[f"{reader}_w10"]["posts"]["p50_ms"] for r in rounds)
            ratios[f"{reader}_w10_post_p50_vs_bare_p50"] = round(posts_p50 / summary["bare"]["p50_ms"], 1)
    goals_met = {name: ratios[name] >= goal for name, goal in GOALS.items() if name in ratios}
    loop_lag = {name: {key: statistics.median(r[name]["loop_lag"][key] for r in rounds)
                       for key in ("late_10ms", "late_50ms", "late_100ms")} for name in targets if name != "bare"}
    result = {
        "benchmark": "mixed",
        "machine": machine(load_at_start),
        "setup": {"server": "uvicorn 1 worker, --no-access-log, same flags for the app and the bare endpoint",
                  "load": f"wrk -t1 -c10 -d{args.seconds}s --latency rotating over every question, "
                          f"{args.rounds} alternating rounds, median",
                  "writers": f"{len(tokens)} API clients posting answers to random questions, paced together at "
                             f"R per second", "questions_rotated": len(ids)},
        "goals": GOALS, "summary": summary, "ratios": ratios, "goals_met": goals_met, "loop_lag": loop_lag,
        "errors": {name: sum(r[name]["non_2xx"] for r in rounds) for name in targets},
        "rounds": rounds,
    }
    write_result(args.out, result)
    print(json.dumps({"summary": summary, "ratios": ratios, "goals_met": goals_met, "loop_lag": loop_lag},
                     ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
