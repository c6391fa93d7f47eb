"""bce-vs-mse: BCE corrects a confidently wrong logistic regression in a fraction of MSE's steps, each
loss at its own learning rate; the claim breaks when the start is not saturated."""

from __future__ import annotations

import pytest

from app.demos.registry import get_demo
from tests.demos.support import check_seeds_draw_new_data_and_repeat, run, smallest

pytestmark = pytest.mark.slow
SLUG = "bce-vs-mse"


def test_bce_reaches_the_target_in_a_fraction_of_mses_steps_from_a_saturated_start():
    result = smallest(SLUG)
    assert result.verdict == "holds"
    steps = result.summaries
    assert all(s < 0.1 for s in steps["start_accuracy_bce"].per_seed)  # it really starts wrong
    assert all(r == 1.0 for r in steps["reached_bce"].per_seed)
    assert result.summaries["step_ratio"].ci95[0] > 2
    assert result.metrics["gradient_ratio"] > 1000  # 1 / (2·p(1 − p)) ≈ 1490 at z = −8


def test_a_neutral_start_breaks_the_claim():
    demo = get_demo(SLUG)
    result = run(SLUG, **demo.breaking.model_dump())
    assert result.verdict == "does_not_hold"
    assert result.metrics["step_ratio"] < 2
    assert "여기서는 주장이 무너집니다" in result.conclusion


def test_notes_follow_the_numbers():
    result = smallest(SLUG)
    m = result.metrics
    assert f"{m['gradient_ratio']:,.0f}배 작습니다" in result.conclusion
    assert f"평균 {m['step_ratio']:.1f}배" in result.conclusion
    assert f"{m['final_mse_mse']:.3g}" in result.conclusion
    assert "여기서는 주장이 무너집니다" not in result.conclusion
    # MSE's best rate sits at the grid's end: the text says so rather than hiding how close it came.
    assert "격자의 맨 끝" in result.conclusion
    neutral = run(SLUG, **get_demo(SLUG).breaking.model_dump())
    assert "차이가 크지 않습니다" in neutral.conclusion and "격자의 맨 끝" not in neutral.conclusion


def test_seeds_draw_new_data_and_the_same_seed_repeats():
    check_seeds_draw_new_data_and_repeat(SLUG, "final_mse_bce")
