"""capacity-overfitting: the largest polynomial is far worse on fresh data than the degree each repeat
picks on its validation set, and a test score that chose among many candidates is optimistic; with 200
training points the largest degree barely overfits (the breaking preset), and with 10 the validation
curve shows double descent, which the notes must say."""

from __future__ import annotations

from functools import cache

import pytest

from app.demos.registry import get_demo
from tests.demos.support import run

pytestmark = pytest.mark.slow
SLUG = "capacity-overfitting"


def defaults(**overrides):
    return run(SLUG, **{**get_demo(SLUG).params().model_dump(), **overrides})


@cache
def at_defaults():
    return defaults()


def test_the_largest_degree_loses_on_fresh_data_and_test_selection_is_optimistic():
    result = at_defaults()
    assert result.verdict == "holds"
    m = result.metrics
    assert m["train_mse_at_max"] < m["train_mse_at_best"]
    assert m["best_capacity"] < m["max_capacity"]
    assert m["log10_fresh_max_over_picked"] > 1
    assert m["log10_test_selected_optimism"] > 0.05 > abs(m["log10_val_selected_optimism"])
    assert f"{m['fresh_mse_at_picked']:.3g}" in result.conclusion
    assert "나빴습니다" in result.conclusion and "이중 하강" not in result.conclusion


def test_with_two_hundred_training_points_the_largest_degree_barely_overfits():
    result = run(SLUG, **get_demo(SLUG).breaking.model_dump())
    assert result.verdict == "does_not_hold"
    m = result.metrics
    assert m["log10_fresh_max_over_picked"] < 0.0414
    ratio = 10 ** m["log10_fresh_max_over_picked"]
    assert "거의 나빠지지 않았습니다" in result.conclusion and f"{ratio:.2f}배" in result.conclusion


def test_at_the_interpolation_threshold_the_notes_report_double_descent():
    result = defaults(n_train=10)
    m = result.metrics
    assert m["val_mse_at_peak"] > 100 * m["val_mse_at_max"]
    assert m["val_peak_capacity"] < m["max_capacity"]
    assert "이중 하강" in result.conclusion
    assert f"차수 {round(m['val_peak_capacity'])} 근처에서" in result.conclusion


def test_on_the_epochs_axis_early_stopping_beats_the_last_epoch():
    result = run(SLUG, capacity_axis="epochs", repeats=20)
    m = result.metrics
    assert result.claims[0].verdict == "holds"
    assert m["best_capacity"] < m["max_capacity"]
    assert m["log10_fresh_max_over_picked"] > 0.1


def test_seeds_change_the_data_and_the_same_seed_reproduces():
    a, b, again = run(SLUG), run(SLUG, seed=7), run(SLUG)
    assert a.summaries["val_mse_at_best"].per_seed != b.summaries["val_mse_at_best"].per_seed
    assert a.metrics == again.metrics
