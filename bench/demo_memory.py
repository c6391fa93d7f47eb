"""Memory a run adds to its worker (issue 17), against the per-run budget KB_DEMO_MEMORY_MB.

Each experiment runs in a fresh process (a worker's state: torch imported, every experiment
registered, one thread) at its defaults and at the largest settings the cost model would accept
within --budget-s: every numeric parameter at its maximum, then the parameter that drives the
estimate lowered step by step (geometric mean with its default) until the estimate fits.
Measured per run: the peak resident memory added (VmHWM after the run minus VmRSS before it, the
kernel's own peak) and the peak private memory added (VmData, what RLIMIT_DATA bounds, sampled
every 5 ms). The ratio to the budget is the figure that matters: a legitimate run must stay well
under 1. Writes bench/results/demo_memory.json.
"""

from __future__ import annotations

import argparse
import json
import platform
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.config import Settings  # noqa: E402

PYTHON = sys.executable

CHILD = r"""
import json, sys, threading, time
import torch
torch.set_num_threads(1)
from app.demos.execute import execute
from app.demos.registry import all_demos, get_demo
from app.demos.worker import private_memory_bytes, status_bytes as status

all_demos()
spec = get_demo(sys.argv[1])
params = spec.params.model_validate(json.loads(sys.argv[2]))
execute(spec, spec.smallest, "cpu", 0)  # allocator and kernels warmed, as in a worker that has run before
rss_before, data_before = status("VmRSS"), private_memory_bytes()
with open("/proc/self/clear_refs", "w") as f:
    f.write("5")  # resets VmHWM to the current resident size
peak_data = [data_before]
done = threading.Event()
def sample():
    while not done.wait(0.005):
        peak_data[0] = max(peak_data[0], private_memory_bytes())
sampler = threading.Thread(target=sample, daemon=True)
sampler.start()
started = time.perf_counter()
execute(spec, params, "cpu", 0)
wall = time.perf_counter() - started
done.set(); sampler.join()
peak_data[0] = max(peak_data[0], private_memory_bytes())
print(json.dumps({"rss_added_mb": (status("VmHWM") - rss_before) / 2**20,
                  "data_added_mb": (peak_data[0] - data_before) / 2**20, "wall_s": wall}))
"""


def largest_accepted(spec, budget_s: float) -> tuple[dict, float | None]:
    """Numeric parameters at their maxima, the estimate's driver lowered until it fits `budget_s`."""
    from app.demos.costs import estimate

    defaults = spec.params().model_dump(mode="json")
    values = dict(defaults)
    for name, field in spec.params.model_fields.items():
        upper = next((getattr(m, "le", None) for m in field.metadata if getattr(m, "le", None) is not None), None)
        if upper is not None and isinstance(defaults.get(name), (int, float)) and not isinstance(defaults[name], bool):
            values[name] = upper
    for _ in range(60):
        found = estimate(spec, spec.params.model_validate(values))
        if found is None or found.seconds <= budget_s or found.driver is None:
            return values, found.seconds if found else None
        name = found.driver
        lowered = (values[name] * defaults[name]) ** 0.5 if defaults[name] > 0 else values[name] / 2
        if isinstance(defaults[name], int):
            lowered = int(lowered) if int(lowered) != values[name] else values[name] - 1
        if lowered == values[name] or (defaults[name] <= values[name] and lowered < defaults[name]):
            values[name] = defaults[name]
        else:
            values[name] = lowered
    return values, None


def measure(slug: str, params: dict) -> dict:
    out = subprocess.run([PYTHON, "-c", CHILD, slug, json.dumps(params)], cwd=ROOT, capture_output=True,
                         text=True, check=False)
    if out.returncode != 0:
        return {"error": out.stderr.strip().splitlines()[-1] if out.stderr.strip() else f"exit {out.returncode}"}
    return json.loads(out.stdout.strip().splitlines()[-1])


def _summary(rows: dict, budget_mb: int, largest_budget_s: float | None, planned: int) -> dict:
    runs = [run for row in rows.values() for run in row.values() if "error" not in run]
    peak_data = max((run["data_added_mb"] for run in runs), default=0.0)
    return {
        "machine": {"python": platform.python_version(), "platform": platform.platform()},
        "measured_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "budget_mb": budget_mb, "largest_budget_s": largest_budget_s,
        "experiments_measured": len(rows), "experiments_planned": planned,
        "max_data_added_mb": peak_data, "max_rss_added_mb": max((run["rss_added_mb"] for run in runs), default=0.0),
        "max_ratio_to_budget": peak_data / budget_mb,
        "experiments": rows,
    }


def main() -> int:
    from app.demos.registry import all_demos, get_demo

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--slugs", nargs="*", help="only these experiments (default: all)")
    parser.add_argument("--budget-s", type=float, default=20.0,
                        help="largest settings whose estimate fits this many seconds (default 20)")
    parser.add_argument("--defaults-only", action="store_true")
    parser.add_argument("--largest-slugs", nargs="*",
                        help="measure the largest settings only for these (default: every measured experiment)")
    args = parser.parse_args()
    budget_mb = Settings().demo_memory_mb
    slugs = args.slugs or sorted(spec.slug for spec in all_demos())
    path = ROOT / "bench" / "results" / "demo_memory.json"
    rows: dict[str, dict] = {}
    for slug in slugs:
        spec = get_demo(slug)
        row = {"defaults": measure(slug, spec.params().model_dump(mode="json"))}
        if not args.defaults_only and (args.largest_slugs is None or slug in args.largest_slugs):
            params, seconds = largest_accepted(spec, args.budget_s)
            row["largest"] = {"params": params, "estimated_s": seconds} | measure(slug, params)
        rows[slug] = row
        print(slug, json.dumps(row, ensure_ascii=False), flush=True)
        # Written after every experiment: a long run cut short still leaves what it measured.
        result = _summary(rows, budget_mb, None if args.defaults_only else args.budget_s, len(slugs))
        path.write_text(json.dumps(result, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"max private memory added {result['max_data_added_mb']:.0f} MB "
          f"({result['max_ratio_to_budget']:.2f}x the {budget_mb} MB budget) -> {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
