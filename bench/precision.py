"""Verdicts that hang on the arithmetic's last bits: every claim-declaring experiment in float32 and float64.

On an H200 every experiment reproduced on CUDA from a seed, yet several differed from the CPU run of the
same seed by percents, and one verdict flipped (bench/results/gpu_check.json). Another device changes
only the last bits of each sum; training grows them into another trajectory. Without a GPU the same
can be provoked on the CPU, which is what this script does for each experiment (or --slugs), at its
`smallest` settings and, where cheap or where the smallest run looked fragile, at its defaults, for
base seeds 0 and 3 (3 seeds each, as the site runs them):

  - float32, one torch thread: the baseline, as a worker runs it;
  - float64: every tensor the experiment makes without a dtype is float64. The random draws are kept
    those of float32 (drawn in float32, then widened): torch draws other numbers for a float64 tensor
    from the same generator, which would change the data, not only the last bits;
  - float32 on two threads (--threads-variant, at `smallest`): the same numbers summed in other orders.

For each run: the verdict, each claim's verdict, mean and 95% interval, and the largest relative
difference of any metric from the baseline (spec.timing_metrics aside). The summary lists every verdict
that differs from the baseline. Writes bench/results/precision.json (or --out), after every experiment.
Usage: python bench/precision.py [--slugs a,b] [--settings smallest,default] [--seeds 0,3]
"""

from __future__ import annotations

import argparse
import json
import math
import platform
import sys
import time
import traceback
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# Experiments whose subject is float32 itself: in float64 they measure something else, not last bits.
FLOAT32_BY_DESIGN = {
    "exp-vs-relu-cost": "its claims time float32 subnormals; float64 has none in that range",
    "gpu-memory": "its estimate counts 4 bytes per number",
}
# A claim is "near its margin" when the margin lies within this share of the interval's width from it.
NEAR = 0.25


def largest_relative_difference(a: dict, b: dict, skip: tuple[str, ...] = ()) -> tuple[float | None, str | None]:
    """The largest |a − b| / max(|a|, |b|) over the metrics both have, and which metric it was."""
    worst: tuple[float | None, str | None] = (None, None)
    for name, value in a.items():
        other = b.get(name)
        if name in skip or not all(isinstance(v, (int, float)) and math.isfinite(v) for v in (value, other)):
            continue
        gap = abs(value - other) / max(abs(value), abs(other), 1e-12)
        if worst[0] is None or gap > worst[0]:
            worst = (gap, name)
    return worst


def float32_draws_mode():
    """A torch function mode under which random draws give float32's numbers whatever the default dtype.

    torch.randn(n) in float64 is not the float32 draw widened: another sampler consumes the generator,
    so the experiment would measure other data. Factory draws without a dtype, in-place draws on a
    float64 tensor (nn.Linear's and nn.Conv2d's initialisation through torch.nn.init) and dropout masks
    are made in float32 and widened.
    """
    import torch
    from torch.overrides import TorchFunctionMode

    factories = {"randn", "rand", "normal"}
    in_place = {"uniform_", "normal_", "bernoulli_", "exponential_", "log_normal_", "cauchy_", "geometric_"}
    masks = {"dropout", "dropout1d", "dropout2d", "dropout3d", "alpha_dropout", "feature_alpha_dropout"}

    def widened(result):
        return result.to(torch.float64) if isinstance(result, torch.Tensor) and result.dtype == torch.float32 \
            else result

    def wide(tensor) -> bool:
        return isinstance(tensor, torch.Tensor) and tensor.dtype == torch.float64

    class Float32Draws(TorchFunctionMode):
        def __torch_function__(self, func, types, args=(), kwargs=None):
            kwargs = kwargs or {}
            name = getattr(func, "__name__", "")
            module = getattr(func, "__module__", "") or ""
            # What an experiment makes in float32 on purpose (the digits, a learning-rate tensor, labels
            # from .float()) is made as float32 would make it, then widened: exact, and no dtype clash.
            if kwargs.get("dtype") == torch.float32:
                return widened(func(*args, **kwargs))
            if name == "float" and args and isinstance(args[0], torch.Tensor):
                return args[0].to(torch.float64)
            if name == "to" and any(a is torch.float32 for a in args[1:]):
                return func(*[torch.float64 if a is torch.float32 else a for a in args], **kwargs)
            if name in factories and module in ("torch", "torch._C._VariableFunctions", "") and \
                    kwargs.get("dtype") is None and not any(isinstance(a, torch.Tensor) for a in args) and \
                    torch.get_default_dtype() == torch.float64:
                return func(*args, **{**kwargs, "dtype": torch.float32}).to(torch.float64)
            # torch.nn.init passes its tensor by keyword.
            first = args[0] if args else kwargs.get("tensor", kwargs.get("input"))
            if (name in in_place or module == "torch.nn.init") and wide(first):
                narrow = first.detach().to(torch.float32)
                if args:
                    func(narrow, *args[1:], **kwargs)
                else:
                    func(**{**kwargs, "tensor" if "tensor" in kwargs else "input": narrow})
                with torch.no_grad():
                    first.copy_(narrow)
                return first
            if name in masks and module == "torch.nn.functional" and wide(first):
                rest = {k: v for k, v in kwargs.items() if k not in ("input", "inplace")}
                inplace = kwargs.get("inplace", args[3] if len(args) > 3 else False)
                mask = func(torch.ones_like(first, dtype=torch.float32), *args[1:3], **rest).to(torch.float64)
                return first.mul_(mask) if inplace else first * mask
            return func(*args, **kwargs)

    return Float32Draws()


@contextmanager
def arithmetic(dtype: str, threads: int):
    """Within the block tensors made without a dtype are ``dtype``, on ``threads`` torch threads."""
    import torch

    before = (torch.get_default_dtype(), torch.get_num_threads())
    torch.set_num_threads(threads)
    try:
        if dtype == "float64":
            torch.set_default_dtype(torch.float64)
            with float32_draws_mode():
                yield
        else:
            yield
    finally:
        torch.set_default_dtype(before[0])
        torch.set_num_threads(before[1])


def run_once(spec, params, seed: int, dtype: str, threads: int) -> dict:
    from app.demos.execute import execute

    try:
        with arithmetic(dtype, threads):
            done = execute(spec, params, "cpu", seed)
    except Exception as error:  # noqa: BLE001 - an experiment that cannot run in float64 is a finding too
        return {"error": f"{type(error).__name__}: {error}", "trace": traceback.format_exc(limit=3)[-600:]}
    result = done.result
    return {
        "verdict": result.verdict,
        "claims": [{"metric": c.metric, "verdict": c.verdict, "mean": c.mean, "ci95": c.ci95, "margin": c.margin,
                    "direction": c.direction} for c in result.claims],
        "metrics": result.metrics,
        "wall_ms": round(done.wall_ms, 1),
    }


def near_margin(claim: dict) -> bool:
    """The margin inside the interval, or within NEAR of its width from the interval's nearer end."""
    if claim["ci95"] is None:
        return True
    low, high = claim["ci95"]
    width = max(high - low, 1e-12)
    return min(abs(claim["margin"] - low), abs(claim["margin"] - high)) < NEAR * width or low <= claim["margin"] <= high


def compare(spec, base: dict, other: dict) -> dict:
    if "error" in base or "error" in other:
        return {"comparable": False}
    gap, metric = largest_relative_difference(base["metrics"], other["metrics"], spec.timing_metrics)
    claimed = {c.metric for c in spec.claims}
    claim_gap, claim_metric = largest_relative_difference(
        {k: v for k, v in base["metrics"].items() if k in claimed}, other["metrics"], spec.timing_metrics)
    return {
        "comparable": True,
        # A metric near zero (a loss of 1e-9) differs by ~100% for nothing; a claim's metric is what a verdict reads.
        "largest_relative_difference_of_claim_metrics": claim_gap, "largest_claim_difference_metric": claim_metric,
        "same_verdict": base["verdict"] == other["verdict"],
        "claim_flips": [c["metric"] for c, d in zip(base["claims"], other["claims"], strict=True)
                        if c["verdict"] != d["verdict"]],
        "largest_relative_difference": gap, "largest_difference_metric": metric,
    }


def check(spec, label: str, params, seeds: list[int], variants: list[tuple[str, str, int]]) -> list[dict]:
    rows = []
    for seed in seeds:
        row: dict = {"seed": seed, "runs": {}}
        for name, dtype, threads in variants:
            row["runs"][name] = run_once(spec, params, seed, dtype, threads)
        base = row["runs"]["float32"]
        row["against_float32"] = {name: compare(spec, base, run) for name, run in row["runs"].items()
                                  if name != "float32"}
        row["near_margin"] = [c["metric"] for c in base.get("claims", []) if near_margin(c)]
        rows.append(row)
        gaps = {n: c.get("largest_relative_difference_of_claim_metrics") for n, c in row["against_float32"].items()}
        print(spec.slug, label, seed, {n: r.get("verdict", r.get("error")) for n, r in row["runs"].items()}, gaps,
              flush=True)
    return rows


def fragile(rows: list[dict], threshold: float) -> bool:
    return any(row["near_margin"] or any(
        not c.get("comparable", True) or not c.get("same_verdict", True)
        or (c.get("largest_relative_difference") or 0) >= threshold for c in row["against_float32"].values())
        for row in rows)


def summarise(report: dict) -> dict:
    flips, errors = [], []
    for slug, entry in report.items():
        if slug in FLOAT32_BY_DESIGN:
            entry["float64_skipped"] = FLOAT32_BY_DESIGN[slug]
            for label in ("smallest", "default"):
                for row in entry.get(label, {}).get("rows", []):
                    row["runs"].pop("float64", None)
                    row["against_float32"].pop("float64", None)
        for label in ("smallest", "default"):
            for row in entry.get(label, {}).get("rows", []):
                base = row["runs"]["float32"]
                for name, run in row["runs"].items():
                    if "error" in run:
                        errors.append({"slug": slug, "setting": label, "seed": row["seed"], "variant": name,
                                       "error": run["error"]})
                        continue
                    if name == "float32" or "error" in base:
                        continue
                    for c, d in zip(base["claims"], run["claims"], strict=True):
                        if c["verdict"] != d["verdict"]:
                            flips.append({"slug": slug, "setting": label, "seed": row["seed"], "variant": name,
                                          "claim": c["metric"], "margin": c["margin"],
                                          "float32": {"verdict": c["verdict"], "mean": c["mean"], "ci95": c["ci95"]},
                                          name: {"verdict": d["verdict"], "mean": d["mean"], "ci95": d["ci95"]}})
    return {"claim_verdicts_that_differ": flips, "experiments_with_a_flip": sorted({f["slug"] for f in flips}),
            "errors": errors}


def main() -> int:
    import torch

    from app.demos import costs
    from app.demos.execute import cpu_name
    from app.demos.registry import all_demos, get_demo

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--slugs", default="", help="comma-separated; default every experiment with claims")
    parser.add_argument("--settings", default="smallest,default")
    parser.add_argument("--seeds", default="0,3")
    parser.add_argument("--threads-variant", action=argparse.BooleanOptionalAction, default=True,
                        help="also float32 on 2 threads at `smallest`")
    parser.add_argument("--default-cheap-s", type=float, default=2.0,
                        help="run the defaults where the cost model says a run takes at most this")
    parser.add_argument("--default-fragile-s", type=float, default=8.0,
                        help="... or at most this where the smallest run looked fragile")
    parser.add_argument("--force-default", action="store_true",
                        help="run the defaults whatever their estimate (with --slugs: the ones to look at closely)")
    parser.add_argument("--fragile-difference", type=float, default=0.01)
    parser.add_argument("--budget-s", type=float, default=3600.0, help="start no experiment after this")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "precision.json")
    parser.add_argument("--merge", action="store_true", help="keep the experiments of an existing --out")
    args = parser.parse_args()

    specs = [get_demo(s) for s in args.slugs.split(",")] if args.slugs else [s for s in all_demos() if s.claims]
    if any(s is None for s in specs):
        parser.error("unknown slug")
    settings = args.settings.split(",")
    seeds = [int(s) for s in args.seeds.split(",")]
    previous = json.loads(args.out.read_text(encoding="utf-8")) if args.merge and args.out.is_file() else {}
    report: dict = previous.get("experiments", {})
    started = time.perf_counter()
    out = {"machine": {"python": platform.python_version(), "torch": str(torch.__version__), "cpu": cpu_name(),
                       "threads_baseline": 1},
           "method": {"settings": settings, "seeds": seeds, "near_margin_share": NEAR,
                      "default_cheap_s": args.default_cheap_s, "default_fragile_s": args.default_fragile_s,
                      "fragile_difference": args.fragile_difference,
                      "variants": ["float32 (1 thread)", "float64 with float32 draws (1 thread)",
                                   "float32 on 2 threads (smallest only)"]}}
    for spec in specs:
        if time.perf_counter() - started > args.budget_s:
            report.setdefault(spec.slug, {})["skipped"] = "budget"
            continue
        entry: dict = {"version": spec.version, "seeds": seeds}
        earlier = report.get(spec.slug, {})
        if earlier.get("version") == spec.version:
            entry = earlier  # --merge: a later --settings default keeps the smallest rows
        elif earlier.get("version"):
            # What an older version of the experiment did stays on record beside what the new one does.
            report[f"{spec.slug}@v{earlier['version']}"] = earlier
        for label in settings:
            params = spec.smallest if label == "smallest" else spec.params()
            if label == "default":
                estimate = costs.estimate(spec, params)
                seconds = estimate.seconds if estimate else None
                looked_fragile = args.force_default or fragile(entry.get("smallest", {}).get("rows", []),
                                                               args.fragile_difference)
                cap = args.default_fragile_s if looked_fragile else args.default_cheap_s
                if not args.force_default and (seconds is None or seconds > cap):
                    entry["default"] = {"skipped": f"estimated {seconds} s > {cap} s"
                                        f"{' (fragile)' if looked_fragile else ''}"}
                    continue
            variants = [("float32", "float32", 1)]
            if spec.slug in FLOAT32_BY_DESIGN:
                entry["float64_skipped"] = FLOAT32_BY_DESIGN[spec.slug]
            else:
                variants.append(("float64", "float64", 1))
            if label == "smallest" and args.threads_variant:
                variants.append(("float32_2threads", "float32", 2))
            entry[label] = {"rows": check(spec, label, params, seeds, variants)}
        report[spec.slug] = entry
        out["experiments"] = report
        out["summary"] = summarise(report) | {"seconds": round(time.perf_counter() - started, 1)}
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(out, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(json.dumps(out.get("summary", {}), ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
