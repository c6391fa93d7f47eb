"""The CUDA paths checked on a real GPU (issue 14, "GPU honesty"): run it on a machine with one.

For every experiment at its `smallest` settings, on CUDA twice from the same seed and once on CPU:
  - the same seed reproduces on the GPU (identical metrics), under the determinism the run records;
  - the verdict on the GPU is the verdict on the CPU, and how far the numbers differ (float kernels
    differ between devices; a verdict that flips would be a finding);
  - the wall time on each device.
Then: data drawn for a seed is the same tensor on either device; gpu-memory's CUDA readings (warm-up,
reserved memory, the context); and an exported standalone script run with `--device cuda` prints
the engine's CUDA numbers. Stops starting experiments after --budget-s. Writes
bench/results/gpu_check.json (or --out).
"""

from __future__ import annotations

import argparse
import json
import math
import platform
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.demos.execute import require_deterministic_env  # noqa: E402

require_deterministic_env()  # before CUDA starts: cuBLAS reads its workspace setting once


def largest_relative_difference(a: dict, b: dict, skip: tuple[str, ...] = ()) -> float | None:
    """Over the metrics both have, wall-clock readings (`skip`) aside: they differ on every run."""
    gaps = []
    for name, value in a.items():
        other = b.get(name)
        if name in skip:
            continue
        if isinstance(value, (int, float)) and isinstance(other, (int, float)) and math.isfinite(value) \
                and math.isfinite(other):
            gaps.append(abs(value - other) / max(abs(value), abs(other), 1e-12))
    return max(gaps, default=None)


def check_experiment(spec) -> dict:
    from app.demos.execute import execute

    first = execute(spec, spec.smallest, "cuda", 0)
    again = execute(spec, spec.smallest, "cuda", 0)
    on_cpu = execute(spec, spec.smallest, "cpu", 0)
    gpu, cpu = first.result, on_cpu.result
    return {
        "device_name": first.device_name,
        "verdict_cuda": gpu.verdict, "verdict_cpu": cpu.verdict,
        "same_verdict": gpu.verdict == cpu.verdict,
        "same_seed_identical_on_cuda": largest_relative_difference(gpu.metrics, again.result.metrics,
                                                                   spec.timing_metrics) in (0.0, None),
        "largest_relative_difference_cpu_vs_cuda": largest_relative_difference(gpu.metrics, cpu.metrics,
                                                                               spec.timing_metrics),
        "wall_ms_cuda": round(again.wall_ms, 1), "wall_ms_cpu": round(on_cpu.wall_ms, 1),
        "determinism": gpu.determinism.model_dump() if gpu.determinism else None,
    }


def claim_rows(result) -> list[dict]:
    return [{"metric": c.metric, "verdict": c.verdict, "mean": c.mean, "ci95": c.ci95, "margin": c.margin}
            for c in result.claims]


def check_focus(slug: str, seeds: tuple[int, ...]) -> dict:
    """A verdict that differs between devices, looked at closely: at the smallest and the default settings,
    for several base seeds, each claim's interval on either device, and the conclusion the reader gets."""
    from app.demos.execute import execute
    from app.demos.registry import get_demo

    spec = get_demo(slug)
    report: dict = {}
    for label, params in (("smallest", spec.smallest), ("default", spec.params())):
        rows = []
        for seed in seeds:
            row: dict = {"seed": seed}
            for device in ("cuda", "cpu"):
                done = execute(spec, params, device, seed)
                row[device] = {"verdict": done.result.verdict, "claims": claim_rows(done.result),
                               "wall_ms": round(done.wall_ms, 1), "conclusion": done.result.conclusion}
            row["same_verdict"] = row["cuda"]["verdict"] == row["cpu"]["verdict"]
            rows.append(row)
            print(slug, label, seed, row["cuda"]["verdict"], row["cpu"]["verdict"], flush=True)
        report[label] = rows
    return report


def check_draws() -> bool:
    import torch

    from app.demos import draws

    torch.manual_seed(5)
    on_cpu = draws.randn(3, 4, device="cpu")
    torch.manual_seed(5)
    on_gpu = draws.randn(3, 4, device="cuda")
    return on_gpu.device.type == "cuda" and torch.equal(on_gpu.cpu(), on_cpu)


def check_gpu_memory() -> dict:
    from app.demos.execute import execute
    from app.demos.registry import get_demo

    spec = get_demo("gpu-memory")
    result = execute(spec, spec.smallest, "cuda", 0).result
    keys = ("cuda_step_peak_bytes", "cuda_reserved_peak_bytes", "cuda_context_bytes")
    return {key: result.metrics.get(key) for key in keys} | {
        "context_in_conclusion": "CUDA 컨텍스트" in result.conclusion,
        "no_cpu_disclaimer": "GPU에서 잰 것은 없습니다" not in result.conclusion,
    }


def check_standalone(slug: str) -> dict:
    from app.demos.execute import execute
    from app.demos.registry import get_demo
    from app.demos.standalone.bundle import standalone_script

    spec = get_demo(slug)
    engine = execute(spec, spec.smallest, "cuda", 7).result
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "exported.py"
        # On the engine run's CPU threads: CPU-side sums split per thread, so another count changes last bits.
        path.write_text(standalone_script(spec, spec.smallest, 7, engine.determinism.threads or 1), encoding="utf-8")
        done = subprocess.run([sys.executable, str(path), "--device", "cuda", "--quiet"], capture_output=True,
                              text=True, cwd=folder, check=False)
    if done.returncode != 0:
        return {"ok": False, "error": done.stderr.strip()[-500:]}
    printed = json.loads(done.stdout)["metrics"]
    gaps = [abs(printed[name]["mean"] - summary.mean) / max(abs(summary.mean), 1e-12)
            for name, summary in engine.summaries.items() if name in printed and name not in spec.timing_metrics]
    return {"ok": set(printed) == set(engine.summaries), "largest_relative_difference": max(gaps, default=None)}


def main() -> int:
    import torch

    from app.demos.execute import probe_devices
    from app.demos.registry import all_demos

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget-s", type=float, default=300.0)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "gpu_check.json")
    parser.add_argument("--focus", default="", help="comma-separated slugs whose verdicts differed between devices: "
                        "run only these, at the smallest and default settings, several seeds (writes --out)")
    parser.add_argument("--seeds", default="0,1,2", help="base seeds for --focus")
    args = parser.parse_args()
    if not torch.cuda.is_available():
        print("no CUDA GPU here: run this on a machine with one", file=sys.stderr)
        return 2
    if args.focus:
        seeds = tuple(int(s) for s in args.seeds.split(","))
        focus = {"gpu": torch.cuda.get_device_name(0), "torch": str(torch.__version__), "seeds": list(seeds),
                 "measured_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                 "experiments": {slug: check_focus(slug, seeds) for slug in args.focus.split(",")}}
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(focus, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        return 0
    started = time.monotonic()
    report: dict = {
        "machine": {"python": platform.python_version(), "torch": str(torch.__version__),
                    "gpu": torch.cuda.get_device_name(0), "probe": probe_devices().to_dict()},
        "measured_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "draws_equal_on_cpu_and_cuda": check_draws(),
    }
    for name, check in (("gpu_memory", check_gpu_memory), ("standalone_momentum", lambda: check_standalone(
            "momentum-coefficient")), ("standalone_dropout", lambda: check_standalone("dropout"))):
        try:
            report[name] = check()
        except Exception:
            report[name] = {"error": traceback.format_exc()[-800:]}
    experiments: dict[str, dict] = {}
    for spec in sorted(all_demos(), key=lambda s: s.slug):
        if time.monotonic() - started > args.budget_s:
            experiments[spec.slug] = {"skipped": "budget"}
            continue
        try:
            experiments[spec.slug] = check_experiment(spec)
        except Exception:
            experiments[spec.slug] = {"error": traceback.format_exc()[-800:]}
        print(spec.slug, json.dumps(experiments[spec.slug], ensure_ascii=False), flush=True)
    checked = [row for row in experiments.values() if "verdict_cuda" in row]
    report["summary"] = {
        "experiments": len(experiments), "checked": len(checked),
        "errors": sorted(slug for slug, row in experiments.items() if "error" in row),
        "not_reproducible_on_cuda": sorted(s for s, r in experiments.items() if r.get("same_seed_identical_on_cuda")
                                           is False),
        "verdict_differs_from_cpu": sorted(s for s, r in experiments.items() if r.get("same_verdict") is False),
        "seconds": round(time.monotonic() - started, 1),
    }
    report["experiments"] = experiments
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(json.dumps(report["summary"], ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
