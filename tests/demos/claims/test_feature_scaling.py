"""feature-scaling: with features of different sizes gradient descent needs far more steps than on
standardised features, each at its best rate of one grid; equal sizes (correlated) break the claim."""

from __future__ import annotations

import pytest

from app.demos.registry import get_demo
from tests.demos.support import check_seeds_draw_new_data_and_repeat, run, smallest

pytestmark = pytest.mark.slow
SLUG = "feature-scaling"


def test_unscaled_features_need_far_more_steps_at_their_own_best_rate():
    result = smallest(SLUG)
    assert result.verdict == "holds"
    s = result.summaries
    assert s["converged_raw"].per_seed == [1.0] * 3 and s["converged_scaled"].per_seed == [1.0] * 3
    assert all(c < 5 for c in s["condition_scaled"].per_seed)
    assert s["step_ratio"].ci95[0] > 10
    # The rate the standardised arm picked is past 2/λ_max of the raw bowl.
    assert s["diverged_raw_at_scaled_lr"].per_seed == [1.0] * 3


def test_features_of_one_size_break_the_claim():
    result = run(SLUG, **get_demo(SLUG).breaking.model_dump())
    assert result.verdict in ("does_not_hold", "mixed")
    assert result.claims[1].verdict == "does_not_hold"  # standardising leaves κ where correlation put it
    assert result.metrics["condition_scaled"] > 10


def test_notes_follow_the_numbers():
    result = smallest(SLUG)
    m = result.metrics
    assert f"κ = {m['condition_raw']:.4g}" in result.conclusion
    assert f"평균 {m['steps_raw']:.0f}스텝" in result.conclusion and f"({m['step_ratio']:.0f}배)" in result.conclusion
    assert "발산했습니다" in result.conclusion and "여기서는 주장이 무너집니다" not in result.conclusion
    alike = run(SLUG, **get_demo(SLUG).breaking.model_dump())
    assert "여기서는 주장이 무너집니다" in alike.conclusion and "발산하지 않았습니다" in alike.conclusion
    assert f"κ는 {alike.metrics['condition_scaled']:.3g}입니다" in alike.conclusion


def test_seeds_draw_new_data_and_the_same_seed_repeats():
    check_seeds_draw_new_data_and_repeat(SLUG, "condition_raw")
