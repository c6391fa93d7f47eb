"""How long a run will take, before it runs: a per-experiment cost model, so that a setting that cannot
finish inside the time limit is refused up front with the parameter to lower (a 422), instead of
holding a worker until the limit kills it.

bench/demo_costs.py fits the model on a machine like the server's and writes cost_model.json beside
this module: for each experiment (at its version), the wall time of 3 seeds at the defaults on one
CPU thread, and for each numeric or list parameter its elasticity e, from a second run with that
parameter scaled: time ≈ t_defaults · Π (value / default)^e (for a list, its length). A power law per
parameter is what these experiments are (steps, width², batch, depth, trials multiply the work), and
the fitted exponents say which parameter costs what.

An experiment whose version has changed since the fit has no estimate (None): nothing is refused.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from app.demos.base import DemoParams, DemoSpec

COST_MODEL = Path(__file__).with_name("cost_model.json")
# Refuse only what is clearly over: the model is fitted on one machine, and a refused run is a
# reader's wasted click too.
REFUSE_ABOVE = 1.2  # × the time limit


@dataclass(frozen=True)
class Estimate:
    seconds: float
    driver: str | None  # the parameter whose change from the defaults adds the most time, if any adds


@lru_cache(maxsize=1)
def load_model(path: Path = COST_MODEL) -> dict[str, Any]:
    if not path.is_file():
        return {}
    return json.loads(path.read_text(encoding="utf-8")).get("experiments", {})


def size_of(value: Any) -> float | None:
    """What a parameter's cost grows with: a number's magnitude, a list's length."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        return abs(float(value)) or None
    if isinstance(value, (list, tuple)):
        return float(len(value)) or None
    return None


def estimate(spec: DemoSpec, params: DemoParams, model: dict[str, Any] | None = None) -> Estimate | None:
    entry = (load_model() if model is None else model).get(spec.slug)
    if not entry or entry.get("version") != spec.version:
        return None
    defaults = spec.params().model_dump(mode="json")
    values = params.model_dump(mode="json")
    log_seconds = math.log(max(entry["seconds"], 1e-3))
    added: dict[str, float] = {}
    for name, elasticity in entry.get("elasticity", {}).items():
        now, then = size_of(values.get(name)), size_of(defaults.get(name))
        if now is None or then is None:
            continue
        added[name] = elasticity * math.log(now / then)
        log_seconds += added[name]
    driver = max(added, key=lambda name: added[name]) if added and max(added.values()) > 0 else None
    return Estimate(seconds=math.exp(log_seconds), driver=driver)


def over_limit(found: Estimate | None, limit_s: float) -> bool:
    return found is not None and found.seconds > limit_s * REFUSE_ABOVE
