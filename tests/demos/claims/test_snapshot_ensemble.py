"""snapshot-ensemble: each method (snapshot ensemble, its last snapshot, one long cosine) keeps its own peak
learning rate by validation NLL; on 150 training digits the ensemble has the lower test NLL. Re-checked by
name (issue 14): with 1,000 training digits it lost to its last snapshot, and the verdict must say so."""

from __future__ import annotations

import pytest

from app.demos.experiments.snapshot_ensemble import GRID_FACTORS, rate_factor
from app.demos.registry import get_demo
from tests.demos.support import run, smallest

pytestmark = pytest.mark.slow
SLUG = "snapshot-ensemble"


@pytest.fixture(scope="module")
def defaults():
    return run(SLUG, **get_demo(SLUG).params().model_dump())


def test_the_ensemble_beats_its_last_snapshot_and_a_single_schedule_at_the_defaults(defaults):
    assert defaults.verdict == "holds"
    m = defaults.metrics
    assert m["test_nll_ensemble"] < m["test_nll_final"] and m["test_nll_ensemble"] < m["test_nll_single"]
    assert m["mean_pairwise_disagreement"] > 0.01  # the restarts did move the network
    assert f"앙상블이 마지막 스냅샷보다 NLL을 {m['nll_gain_vs_final_snapshot']:.3g} 낮췄습니다" in defaults.conclusion


def test_at_the_smallest_size_every_seed_gains_though_three_seeds_may_not_settle_it():
    """At the smallest size the headline's interval sits on its margin: from seed 0 it was 'holds' in float32
    and 'mixed' in float64 (the same draws; bench/results/precision.json), as another device's last bits
    would make it, so the verdict is not asserted. That every seed's ensemble beats its last snapshot is."""
    result = smallest(SLUG)
    assert result.claims[0].verdict in ("holds", "mixed")
    assert all(gain > 0 for gain in result.summaries["nll_gain_vs_final_snapshot"].per_seed)


def test_each_method_reports_its_own_peak_rate_from_the_grid(defaults):
    center = get_demo(SLUG).params().max_learning_rate
    grid = {round(center * f, 6) for f in GRID_FACTORS}
    rows = {row[0]: row for row in defaults.table.rows}
    for method, label in (("ensemble", "스냅샷 앙상블"), ("final", "마지막 스냅샷 하나"),
                          ("single", "같은 스텝의 긴 코사인 단일 모델")):
        chosen = defaults.summaries[f"lr_{method}"].per_seed
        assert {round(v, 6) for v in chosen} <= grid
        assert rows[label][1] == "/".join(f"{v:.3g}" for v in chosen)


def test_with_1000_training_digits_the_ensemble_no_longer_beats_its_last_snapshot():
    breaking = get_demo(SLUG).breaking
    assert breaking.n_train == 1000
    result = run(SLUG, **breaking.model_dump())
    assert result.verdict in ("does_not_hold", "mixed")
    assert result.claims[0].verdict in ("does_not_hold", "mixed")
    m = result.metrics
    assert f"NLL {m['test_nll_ensemble']:.3g} 대 {m['test_nll_final']:.3g}" in result.conclusion
    assert "학습 데이터 1000개에서는" in result.conclusion


def test_the_cyclic_rate_restarts_every_cycle():
    params = get_demo(SLUG).smallest
    cycle = params.steps_per_cycle
    for c in range(params.cycles):
        assert rate_factor("cyclic", c * cycle, params) == 1.0
        assert rate_factor("cyclic", (c + 1) * cycle - 1, params) < 0.01
    assert rate_factor("single", params.cycles * cycle - 1, params) < 0.01
    rates = smallest(SLUG).charts[0].series[0].y
    assert len(rates) == params.cycles * cycle and rates[cycle] == pytest.approx(params.max_learning_rate)


def test_seeds_change_the_split_and_the_same_seed_reproduces():
    a, b, again = smallest(SLUG), run(SLUG, seed=4), run(SLUG)
    assert a.summaries["test_nll_ensemble"].per_seed != b.summaries["test_nll_ensemble"].per_seed
    assert again.metrics == a.metrics
