"""Every registered demo, run in this process at its `smallest` params on CPU: the result has the
shape the pages and the API rely on, a fixed seed fixes the numbers, and some test checks its claim."""

from __future__ import annotations

import math
import re
from pathlib import Path

import pytest

from app.demos.base import DemoResult, DemoSpec
from app.demos.execute import execute
from app.demos.registry import all_demos

HANGUL = re.compile(r"[가-힣]")
DEMOS = all_demos()


class Recorder:
    def __init__(self) -> None:
        self.reports: list[tuple[float, str, list | None]] = []

    def __call__(self, fraction, message="", charts=None) -> None:
        self.reports.append((fraction, message, charts))


@pytest.fixture(scope="module", params=DEMOS, ids=lambda spec: spec.slug)
def smallest_run(request):
    import torch

    torch.set_num_threads(1)
    spec: DemoSpec = request.param
    recorder = Recorder()
    execution = execute(spec, spec.smallest, "cpu", seed=0, progress=recorder)
    return spec, execution, recorder


def test_there_are_demos():
    assert DEMOS, "no experiment module in app/demos/experiments"


def test_result_has_the_shape_pages_rely_on(smallest_run):
    spec, execution, _ = smallest_run
    result = execution.result
    assert isinstance(result, DemoResult)
    assert result.charts, f"{spec.slug}: no chart"
    keys = [chart.key for chart in result.charts]
    assert len(keys) == len(set(keys)), f"{spec.slug}: chart keys repeat"
    for chart in result.charts:
        assert chart.series, f"{spec.slug}/{chart.key}: no series"
        for series in chart.series:
            assert len(series.x) == len(series.y) > 0, f"{spec.slug}/{chart.key}/{series.name}: x and y differ"
            assert all(math.isfinite(x) for x in series.x)
            assert all(y is None or math.isfinite(y) for y in series.y)
            if chart.log_y:  # the page leaves out points a log axis cannot show; some must remain
                assert any(y is not None and y > 0 for y in series.y), f"{spec.slug}/{chart.key}: nothing > 0"
    assert result.table.columns
    for row in result.table.rows:
        assert len(row) == len(result.table.columns), f"{spec.slug}: a table row has the wrong length"
    assert result.conclusion.strip() and HANGUL.search(result.conclusion), f"{spec.slug}: conclusion not Korean"
    assert result.metrics, f"{spec.slug}: no metrics"
    assert all(math.isfinite(v) for v in result.metrics.values()), f"{spec.slug}: metrics not finite"
    assert execution.device == "cpu" and execution.torch_version and execution.wall_ms > 0


def test_every_demo_has_its_claim_checked():
    """Each demo's claim is asserted from its numbers in a test module of its own (test_claims_*.py or
    test_<module>.py in this folder) that names its slug."""
    here = Path(__file__).parent
    generic = {p.name for p in here.glob("test_demo_*.py")}
    texts = [p.read_text(encoding="utf-8") for p in here.glob("test_*.py") if p.name not in generic]
    unchecked = [spec.slug for spec in DEMOS if not any(f'"{spec.slug}"' in text for text in texts)]
    assert unchecked == [], f"no claim test names these demos: {unchecked}"


def test_progress_reports_are_well_formed(smallest_run):
    spec, _, recorder = smallest_run
    fractions = [fraction for fraction, _, _ in recorder.reports]
    assert all(0.0 <= f <= 1.0 for f in fractions), f"{spec.slug}: progress outside [0, 1]"
    assert fractions == sorted(fractions), f"{spec.slug}: progress went backwards"
    for _, _, charts in recorder.reports:
        for chart in charts or []:
            for series in chart.series:
                assert len(series.x) == len(series.y)


def test_the_description_is_korean_and_complete(smallest_run):
    spec, _, _ = smallest_run
    assert HANGUL.search(spec.title) and HANGUL.search(spec.summary)
    assert spec.questions, f"{spec.slug}: which questions does it explain?"
    fields = spec.params.model_json_schema()["properties"]
    for name, field in fields.items():
        assert HANGUL.search(field.get("description", "")), f"{spec.slug}.{name}: needs a Korean description"
    spec.params()  # the defaults are valid


def measured(spec: DemoSpec, metrics: dict[str, float]) -> dict[str, float]:
    """The metrics a seed fixes: wall-clock and memory readings (``timing_metrics``) are left out."""
    return {k: v for k, v in metrics.items() if k not in spec.timing_metrics}


def test_same_seed_same_numbers_in_process(smallest_run):
    spec, execution, _ = smallest_run
    again = execute(spec, spec.smallest, "cpu", seed=0)
    assert measured(spec, again.result.metrics) == measured(spec, execution.result.metrics)
    if not spec.timing_metrics:  # a demo that times things charts its timings too
        assert again.result.charts == execution.result.charts
