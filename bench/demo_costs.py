"""Fit the run-time cost model (app/demos/costs.py) of every experiment on this machine.

For each experiment, on one torch thread (a worker's default) in this process: the median wall time
of its default run (3 seeds), then for each numeric parameter the same at 2× and 4× its default (or
the largest steps up its range allows; halved where it cannot grow), and for each list parameter with
half its items; the parameter's elasticity is the slope of log time over log value on the segment
furthest from the defaults, where the fixed costs of a small run weigh least (a slope measured from
the defaults under-predicts large settings: the issue's 60-second activation-gradients setting).
Elasticities within noise (|e| < 0.15) are written as 0.

Then it checks the model on settings it was not fitted on: every experiment at its `smallest` and
`breaking` parameters, and the settings in LARGE (toward the issue's case that ran into the 60-second limit),
estimate against measured time (the ratio's spread is the model's honesty).

Writes app/demos/cost_model.json (shipped: the server reads it) and bench/results/demo_costs.json.
Usage: python bench/demo_costs.py [--slugs a,b] [--rounds 2]
"""

from __future__ import annotations

import argparse
import json
import math
import platform
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

NOISE = 0.15
# Large settings to check the model against (tens of seconds each), measured once.
LARGE = {"activation-gradients": {"depth": 40, "width": 512, "batch_size": 512, "trials": 5}}
MAX_ELASTICITY = 3.0


def wall(spec, params, rounds: int) -> float:
    from app.demos.execute import execute

    return statistics.median(execute(spec, params, "cpu", 0).wall_ms / 1000 for _ in range(rounds))


def in_range(field, candidate) -> bool:
    low_ok = field.minimum is None or candidate > field.minimum or (
        candidate == field.minimum and not field.exclusive_minimum)
    high_ok = field.maximum is None or candidate < field.maximum or (
        candidate == field.maximum and not field.exclusive_maximum)
    return low_ok and high_ok


def probe_values(field, value) -> list:
    """Values of the parameter to time after its default: up to two steps up (×2, ×4), else one down."""
    from app.demos.costs import size_of

    if field.kind == "multi":
        return [value[: len(value) // 2]] if isinstance(value, list) and len(value) >= 2 else []
    if field.kind not in ("integer", "number") or size_of(value) is None:
        return []
    integer = field.kind == "integer"
    up = [v for v in ((int(round(value * f)) if integer else value * f) for f in (2, 4))
          if v != value and in_range(field, v)]
    if up:
        return up
    down = int(round(value / 2)) if integer else value / 2
    return [down] if down != value and in_range(field, down) else []


def fit(spec, rounds: int) -> dict:
    from app.demos.costs import size_of
    from app.demos.params import ParamsInvalid, param_fields, validate_params

    defaults = spec.params().model_dump(mode="json")
    base = wall(spec, spec.params(), rounds)
    elasticity, timings = {}, {}
    for field in param_fields(spec.params):
        value = defaults.get(field.name)
        points = [(size_of(value), base)]
        for other in probe_values(field, value):
            try:
                params = validate_params(spec.params, {**defaults, field.name: other})
            except ParamsInvalid:
                continue
            points.append((size_of(other), wall(spec, params, rounds)))
            timings.setdefault(field.name, []).append({"value": other, "wall_s": round(points[-1][1], 4)})
        if len(points) < 2:
            continue
        (x0, t0), (x1, t1) = points[-2], points[-1]
        e = math.log(t1 / t0) / math.log(x1 / x0)
        e = max(-MAX_ELASTICITY, min(MAX_ELASTICITY, e))
        elasticity[field.name] = round(e, 3) if abs(e) >= NOISE else 0.0
    return {"version": spec.version, "seconds": round(base, 4),
            "elasticity": {k: v for k, v in elasticity.items() if v != 0.0}, "probes": timings}


def check(spec, entry: dict, rounds: int) -> list[dict]:
    """Estimate vs measured at settings the fit never ran: smallest and breaking."""
    from app.demos.costs import estimate
    from app.demos.params import validate_params

    out = []
    large = validate_params(spec.params, LARGE[spec.slug]) if spec.slug in LARGE else None
    for name, params in (("smallest", spec.smallest), ("breaking", spec.breaking), ("large", large)):
        if params is None:
            continue
        found = estimate(spec, params, {spec.slug: entry})
        measured = wall(spec, params, 1 if name == "large" else rounds)
        out.append({"at": name, "estimate_s": round(found.seconds, 4), "measured_s": round(measured, 4),
                    "ratio": round(found.seconds / measured, 3)})
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--slugs", default="")
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()

    import torch

    from app.demos.costs import COST_MODEL
    from app.demos.execute import execute
    from app.demos.registry import all_demos

    torch.set_num_threads(1)
    specs = [s for s in all_demos() if not args.slugs or s.slug in args.slugs.split(",")]
    execute(specs[0], specs[0].smallest, "cpu", 0)  # torch's start-up is nobody's run time
    experiments, checks = {}, {}
    started = time.perf_counter()
    for spec in specs:
        experiments[spec.slug] = fit(spec, args.rounds)
        checks[spec.slug] = check(spec, experiments[spec.slug], args.rounds)
        print(f"  {spec.slug:<28} {experiments[spec.slug]['seconds']:6.2f} s  {experiments[spec.slug]['elasticity']}"
              f"  checks {[c['ratio'] for c in checks[spec.slug]]}", flush=True)
    model = {"fitted_with": "bench/demo_costs.py, one torch thread, CPU, 3 seeds per run",
             "machine": {"python": platform.python_version(), "platform": platform.platform(),
                         "torch": torch.__version__},
             "experiments": experiments}
    if args.slugs and COST_MODEL.is_file():  # a partial refit keeps the other experiments
        kept = json.loads(COST_MODEL.read_text(encoding="utf-8"))
        model["experiments"] = {**kept.get("experiments", {}), **experiments}
    COST_MODEL.write_text(json.dumps(model, ensure_ascii=False, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    results = ROOT / "bench" / "results"
    results.mkdir(parents=True, exist_ok=True)
    if args.slugs and (results / "demo_costs.json").is_file():  # a partial refit keeps the other checks
        checks = {**json.loads((results / "demo_costs.json").read_text(encoding="utf-8")).get("checks", {}), **checks}
    ratios = [c["ratio"] for cs in checks.values() for c in cs]
    log_errors = [abs(math.log(r)) for r in ratios]
    summary = {
        "experiments": len(model["experiments"]),
        "checks": len(ratios),
        "median_estimate_over_measured": round(statistics.median(ratios), 3) if ratios else None,
        "within_2x": round(sum(e <= math.log(2) for e in log_errors) / len(log_errors), 3) if ratios else None,
        "worst_ratio": max(ratios, key=lambda r: abs(math.log(r))) if ratios else None,
        "fit_wall_s": round(time.perf_counter() - started, 1),
    }
    (results / "demo_costs.json").write_text(json.dumps({"benchmark": "demo_costs", "summary": summary,
                                                         "checks": checks}, ensure_ascii=False, indent=1) + "\n",
                                             encoding="utf-8")
    print(json.dumps(summary, ensure_ascii=False))


if __name__ == "__main__":
    main()
