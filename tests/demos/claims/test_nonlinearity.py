"""nonlinearity: per seed, a deep stack of linear layers fits no better than the least-squares line (it
collapses to one slope and intercept), while one hidden layer of ReLU units fits the curve over ten
times better and more units help; with at most 4 units two periods of a sine cannot be followed and
the claim breaks. Sigmoid runs also report how little of the activation's range is near-linear."""

from __future__ import annotations

import pytest

from app.demos.registry import get_demo
from tests.demos.support import check_seeds_draw_new_data_and_repeat, run, smallest

pytestmark = pytest.mark.slow
SLUG = "nonlinearity"


def test_a_deep_linear_stack_is_one_line_and_relu_units_bend_it():
    result = smallest(SLUG)
    assert result.verdict == "holds"
    s = result.summaries
    line = s["best_line_mse"].per_seed[0]
    assert all(v >= line * (1 - 1e-4) for v in s["linear_stack_mse"].per_seed)
    assert all(v < 1.01 for v in s["linear_stack_vs_line"].per_seed)
    assert all(v < 1e-4 for v in s["collapse_gap"].per_seed)  # the product of its matrices is the same function
    assert s["orders_line_over_widest"].ci95[0] > 1
    assert all(w * 10 < n for w, n in zip(s["widest_mse"].per_seed, s["narrowest_mse"].per_seed, strict=True))


def test_too_few_units_for_the_curve_break_the_claim_and_the_notes_say_why():
    result = run(SLUG, **get_demo(SLUG).breaking.model_dump())
    assert result.verdict in ("does_not_hold", "mixed")
    assert result.claims[0].verdict in ("does_not_hold", "mixed")
    assert result.claims[1].verdict == "holds"  # the linear stack is still one line
    m = result.metrics
    assert m["orders_line_over_widest"] < 1
    assert "여기서는 주장이 무너집니다" in result.conclusion
    assert f"4유닛 오차 {m['widest_mse']:.3g}" in result.conclusion


def test_notes_follow_the_numbers():
    result = smallest(SLUG)
    m = result.metrics
    assert f"{m['best_line_mse']:.4g}" in result.conclusion and f"{m['widest_mse']:.3g}" in result.conclusion
    assert f"직선보다 {m['line_vs_widest']:.0f}배 작아졌습니다" in result.conclusion
    assert "여기서는 주장이 무너집니다" not in result.conclusion and "접선" not in result.conclusion


def test_sigmoid_units_report_how_much_of_the_curve_they_use():
    result = run(SLUG, activation="sigmoid")
    m = result.metrics
    assert 0.0 < m["tangent_gap_unit_interval"] < 0.02  # |σ(z) − (½ + z/4)| ≤ 0.019 on (−1, 1)
    assert f"{m['curved_fraction']:.0%}가 이 구간 밖의" in result.conclusion


def test_seeds_draw_new_data_and_the_same_seed_repeats():
    check_seeds_draw_new_data_and_repeat(SLUG, "widest_mse")
