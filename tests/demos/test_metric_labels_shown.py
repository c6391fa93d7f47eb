"""Every metric a reader can see on a run page (its diverged list) or the compare table is named in
Korean, for every experiment in the registry: a claim's metric by its metric_label, any other by the
experiment's metric_labels. The code name stays in a title attribute and in the JSON."""

from __future__ import annotations

import re

import pytest

from app.demos.cards import _metric
from app.demos.evidence import MetricSummary
from app.demos.metric_names import metric_label
from app.demos.registry import all_demos, get_demo
from app.web.templating import demo_metric_label
from tests.demos.support import smallest

HANGUL = re.compile("[가-힣]")
SLUGS = [demo.slug for demo in all_demos()]


@pytest.mark.slow
@pytest.mark.parametrize("slug", SLUGS)
def test_every_metric_a_run_produces_has_a_korean_label(slug):
    result = smallest(slug)
    missing = [name for name in result.metrics if not HANGUL.search(metric_label(slug, name) or "")]
    assert missing == [], f"{slug}: metrics without a Korean label: {missing}"
    for name in result.metrics:
        label = metric_label(slug, name)
        assert "{}" not in label and name not in label, (slug, name, label)


@pytest.mark.parametrize("slug", SLUGS)
def test_every_timing_metric_is_named_in_korean(slug):
    """Timing metrics are declared, so they are checked without a run: some (a GPU's allocator readings,
    the CPU-versus-GPU throughput) only appear on a device the smallest run above never gets."""
    for name in get_demo(slug).timing_metrics:
        label = metric_label(slug, name)
        assert label and HANGUL.search(label) and name not in label, (slug, name, label)


@pytest.mark.parametrize("slug", SLUGS)
def test_every_label_pattern_names_a_part_and_keeps_it(slug):
    for name, label in get_demo(slug).metric_labels.items():
        assert HANGUL.search(label), (slug, name, label)
        assert name.count("{}") == label.count("{}"), (slug, name, label)
        if "{}" in name:
            example = name.replace("{}", "64")
            assert metric_label(slug, example) == label.replace("{}", "64")


def test_a_claim_metric_is_named_by_its_claim_label_on_both_pages():
    spec = next(demo for demo in all_demos() if demo.claims)
    claim = spec.claims[0]
    summary = MetricSummary(mean=1.0, ci95=(0.5, 1.5), per_seed=[1.0])
    row = _metric(spec.slug, claim.metric, summary, summary)
    assert (row.name, row.label) == (claim.metric, claim.metric_label)
    assert demo_metric_label(spec.slug, claim.metric) == claim.metric_label


def test_a_name_no_experiment_labels_falls_back_to_the_code_name():
    assert metric_label("no-such-demo", "final_loss") is None
    assert demo_metric_label("no-such-demo", "final_loss") == "final_loss"
