"""What every demo owes, checked the same way for each batch: run at SMALLEST, well-formed, seeded,
bounded parameters, a light listing, valid links. The claim tests of each batch live in its own file.
"""

from __future__ import annotations

import math
import re
import subprocess
import sys
import tomllib
from functools import cache
from pathlib import Path
from typing import Literal, get_origin

import pytest
from pydantic import ValidationError

from app.config import PROJECT_ROOT
from app.demos.base import Chart, DemoResult, Progress, no_progress
from app.demos.execute import judged_result, run_seeds
from app.demos.registry import get_demo

HANGUL = re.compile(r"[가-힣]")


def run(slug: str, seed: int = 0, progress: Progress = no_progress, **overrides) -> DemoResult:
    """Run a demo at SMALLEST (changed by ``overrides``) on one CPU thread, seeded as the engine seeds."""
    import torch

    demo = get_demo(slug)
    params = demo.params.model_validate({**demo.smallest.model_dump(), **overrides})
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # as the engine's workers run; tiny ops only slow down with more threads
    try:
        torch.manual_seed(seed)
        if demo.claims:  # measured over several seeds and judged, exactly as the engine does
            seeds = run_seeds(seed)
            return judged_result(demo, demo.run(params, torch.device("cpu"), progress, seeds), seeds)
        return demo.run(params, torch.device("cpu"), progress)
    finally:
        torch.set_num_threads(threads)


@cache
def smallest(slug: str) -> DemoResult:
    return run(slug)


def deterministic(slug: str, metrics: dict[str, float]) -> dict[str, float]:
    timing = set(get_demo(slug).timing_metrics)
    return {name: value for name, value in metrics.items() if name not in timing}


def check_well_formed_and_seeded(slug: str) -> None:
    first = smallest(slug)
    assert 1 <= len(first.charts) <= 3
    assert len({chart.key for chart in first.charts}) == len(first.charts), "chart keys repeat"
    assert first.table.rows and first.conclusion
    assert all(len(row) == len(first.table.columns) for row in first.table.rows), "a table row has the wrong length"
    assert HANGUL.search(first.conclusion), "the conclusion is not Korean"
    # The verdict sentence and the notes name metrics in Korean (the claims' labels), not by code name.
    named = [name for name in {*first.metrics, *first.summaries}
             if re.search(rf"(?<![A-Za-z0-9_]){re.escape(name)}(?![A-Za-z0-9_])", first.conclusion)]
    assert named == [], f"the conclusion names metrics by their code names: {named}"
    for chart in first.charts:
        assert chart.series
        for series in chart.series:
            assert len(series.x) == len(series.y) > 0, (chart.key, series.name)
            values = [v for v in series.y if v is not None]
            assert all(math.isfinite(v) for v in values + series.x), (chart.key, series.name)
            if chart.log_y:
                assert all(v > 0 for v in values), (chart.key, series.name)
            if chart.log_x:
                assert all(v > 0 for v in series.x), (chart.key, series.name)
    assert all(math.isfinite(v) for v in first.metrics.values())
    reports: list[tuple[float, str, list[Chart] | None]] = []
    again = run(slug, progress=lambda fraction, message="", charts=None: reports.append((fraction, message, charts)))
    assert deterministic(slug, again.metrics) == deterministic(slug, first.metrics)
    assert again.conclusion == first.conclusion or get_demo(slug).timing_metrics
    # What the engine streams to the page: fractions that only grow and end at 1, partial charts
    # that are the final charts in the making.
    fractions = [fraction for fraction, _, _ in reports]
    assert fractions and fractions[-1] == 1.0
    assert all(0.0 <= a <= b <= 1.0 for a, b in zip([0.0] + fractions, fractions))
    final_keys = {chart.key for chart in again.charts}
    for _, message, charts in reports:
        assert isinstance(message, str)
        assert {chart.key for chart in charts or []} <= final_keys


def _just_outside(limit, below: bool):
    step = 1 if isinstance(limit, int) else max(abs(limit) * 0.5, 1e-3)
    return limit - step if below else limit + step


def check_params_reject_values_outside_their_bounds(slug: str) -> None:
    model = get_demo(slug).params
    checked = 0
    for name, field in model.model_fields.items():
        if get_origin(field.annotation) is Literal:
            with pytest.raises(ValidationError):
                model(**{name: "no-such-choice"})
            checked += 1
            continue
        for bound in field.metadata:
            for attr, value in (
                ("ge", lambda v: _just_outside(v, below=True)), ("le", lambda v: _just_outside(v, below=False)),
                ("gt", lambda v: v), ("lt", lambda v: v),
            ):
                limit = getattr(bound, attr, None)
                if limit is not None:
                    with pytest.raises(ValidationError):
                        model(**{name: value(limit)})
                    checked += 1
    assert checked >= len(model.model_fields)
    with pytest.raises(ValidationError):
        model(unknown_field=1)


def check_listing_imports_neither_torch_nor_sklearn(slugs: list[str]) -> None:
    code = (
        "import sys; from app.demos.registry import get_demo; "
        f"specs = [get_demo(s) for s in {slugs!r}]; "
        "assert all(specs); [s.params.model_json_schema() for s in specs]; "
        "print(sorted(m for m in ('torch', 'sklearn') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=PROJECT_ROOT)
    assert out.stdout.strip() == "[]"


def check_every_demo_is_linked_and_each_link_is_valid(slugs: list[str]) -> None:
    content = PROJECT_ROOT / "content"
    links = tomllib.loads((content / "demos.toml").read_text(encoding="utf-8"))["link"]
    ours = [link for link in links if link["demo"] in slugs]
    assert {link["demo"] for link in ours} == set(slugs)
    seen = set()
    for link in ours:
        demo = get_demo(link["demo"])
        assert (content / link["file"]).is_file(), link
        demo.params.model_validate(link.get("params", {}))
        key = (link["demo"], link["file"], link["question"])
        assert key not in seen, f"linked twice: {key}"
        seen.add(key)


def check_described_in_korean(slug: str) -> None:
    """Title, summary and every parameter's description (the form's label) are Korean; the demo
    names the questions it explains."""
    demo = get_demo(slug)
    assert HANGUL.search(demo.title) and HANGUL.search(demo.summary)
    assert demo.questions, "which questions does it explain?"
    for name, field in demo.params.model_json_schema()["properties"].items():
        assert HANGUL.search(field.get("description", "")), f"{name}: needs a Korean description"


def check_every_claim_is_tested(slugs: list[str]) -> None:
    """Each demo's claim is asserted from its numbers in a test module of its own (test_claims_*.py,
    test_<module>.py here or claims/test_<module>.py) that names its slug in quotes."""
    here = Path(__file__).parent
    shared = {"test_every_demo.py"} | {p.name for p in here.glob("test_demo_*.py")}
    modules = [*here.glob("test_*.py"), *here.glob("claims/test_*.py")]
    texts = [p.read_text(encoding="utf-8") for p in modules if p.name not in shared]
    unchecked = [slug for slug in slugs if not any(f'"{slug}"' in text for text in texts)]
    assert unchecked == [], f"no claim test names these demos: {unchecked}"


def check_seeds_draw_new_data_and_repeat(slug: str, metric: str, **overrides) -> None:
    """Runs at seed 0 and seed 1 measure seeds (0, 1, 2) and (1, 2, 3): the shared seeds give the same
    per-seed numbers (a seed fixes its own data and start, whatever else runs beside it), and
    different seeds give different numbers for ``metric``."""
    first = run(slug, seed=0, **overrides).summaries[metric].per_seed
    second = run(slug, seed=1, **overrides).summaries[metric].per_seed
    assert first[1:] == second[:-1], (first, second)
    assert len(set(first)) > 1, f"{metric} is the same for every seed: {first}"
