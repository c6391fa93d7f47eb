"""The "경계" sweep: where a claim stops holding.

A boundary run measures a claim-declaring experiment at each value of one parameter (the others
fixed) and judges the claim at every point, so the page can draw the verdict along that axis. Which
parameter and values: the experiment's ``DemoSpec.boundary``, else the parameter its ``breaking``
preset changes, from the default to the breaking value.

Pure Python and pydantic (no torch): the web process plans and validates sweeps with it; the
worker runs them through ``run_boundary`` in ``app.demos.execute``.
"""

from __future__ import annotations

import math

from app.demos.base import Boundary, BoundaryResult, DemoParams, DemoSpec
from app.demos.evidence import VERDICT_WORDS
from app.demos.params import ParamsInvalid, validate_params

MAX_POINTS = 8
DERIVED_POINTS = 5


def _spread(start: float, end: float, count: int, integer: bool) -> list:
    if start > 0 and end > 0 and max(start, end) / min(start, end) >= 4:
        values = [start * (end / start) ** (i / (count - 1)) for i in range(count)]  # a log axis
    else:
        values = [start + (end - start) * i / (count - 1) for i in range(count)]
    if integer:
        values = [int(round(v)) for v in values]
    else:
        values = [float(f"{v:.3g}") for v in values]
    return sorted(set(values), key=values.index)


def default_boundary(spec: DemoSpec) -> Boundary | None:
    """The declared sweep, else one derived from the breaking preset (None for demos without either)."""
    if not spec.claims:
        return None
    if spec.boundary is not None:
        return spec.boundary
    if spec.breaking is None:
        return None
    defaults, breaking = spec.params().model_dump(), spec.breaking.model_dump()
    for name, value in breaking.items():
        start = defaults.get(name)
        if start == value:
            continue
        numeric = isinstance(value, (int, float)) and not isinstance(value, bool)
        if numeric and isinstance(start, (int, float)) and not isinstance(start, bool):
            integer = isinstance(value, int) and isinstance(start, int)
            return Boundary(name, tuple(_spread(start, value, DERIVED_POINTS, integer)))
        return Boundary(name, (start, value))
    return None


def sweep_params(spec: DemoSpec, base: DemoParams, param: str, values: list) -> list[DemoParams]:
    """The parameters of each point, validated. Raises ParamsInvalid (Korean details)."""
    if param not in spec.params.model_fields:
        raise ParamsInvalid([{"field": "param", "message": f"'{param}'은(는) 이 실험의 매개변수가 아닙니다"}])
    if not 2 <= len(values) <= MAX_POINTS:
        raise ParamsInvalid([{"field": "values", "message": f"값은 2개 이상 {MAX_POINTS}개 이하여야 합니다"}])
    if len({repr(v) for v in values}) != len(values):
        raise ParamsInvalid([{"field": "values", "message": "같은 값이 두 번 있습니다"}])
    points = []
    for value in values:
        try:
            points.append(validate_params(spec.params, {**base.model_dump(mode="json"), param: value}))
        except ParamsInvalid as exc:
            raise ParamsInvalid([{**d, "field": "values", "message": f"{param}={value}: {d['message']}"}
                                 for d in exc.details]) from None
    return points


def describe(result: BoundaryResult) -> str:
    """The conclusion of a boundary run: where the claim held and where not, from the verdicts."""
    by_verdict: dict[str, list[str]] = {}
    for point in result.points:
        by_verdict.setdefault(point.verdict, []).append(_shown(point.value))
    parts = [f"{VERDICT_WORDS[v]}: {result.label}({result.param}) = {', '.join(by_verdict[v])}"
             for v in ("holds", "mixed", "does_not_hold") if v in by_verdict]
    flips = [(a, b) for a, b in zip(result.points, result.points[1:]) if a.verdict != b.verdict]
    if not flips:
        edge = f" 훑은 범위 안에서는 판정이 바뀌지 않았습니다 (모두 {VERDICT_WORDS[result.points[0].verdict]})."
    else:
        edge = " 판정이 바뀐 곳: " + ", ".join(
            f"{_shown(a.value)} → {_shown(b.value)} ({a.verdict_word} → {b.verdict_word})" for a, b in flips) + "."
    return "경계 — " + "; ".join(parts) + "." + edge


def _shown(value) -> str:
    if isinstance(value, float):
        return f"{value:g}" if math.isfinite(value) else str(value)
    return str(value)
