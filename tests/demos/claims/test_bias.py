"""bias: without a bias a sigmoid unit (and a ReLU net) cannot fit a step away from the origin; the
claim breaks when the step sits at the origin."""

from __future__ import annotations

import pytest

from app.demos.registry import get_demo
from tests.demos.support import check_seeds_draw_new_data_and_repeat, run, smallest

pytestmark = pytest.mark.slow
SLUG = "bias"


def test_without_a_bias_a_unit_cannot_move_its_step_off_the_origin():
    result = smallest(SLUG)
    assert result.verdict == "holds"
    s = result.summaries
    assert s["output_at_0_unit_no_bias"].per_seed == [0.5] * 3  # σ(w·0) whatever w is
    assert s["output_at_0_net_no_bias"].per_seed == [0.0] * 3  # every ReLU kink sits at 0
    assert all(abs(shift - 2.0) < 0.1 for shift in s["learned_shift"].per_seed)  # the default target's centre
    assert s["unit_log_ratio"].ci95[0] > 1


def test_a_step_at_the_origin_breaks_the_unit_claim_but_not_the_networks():
    result = run(SLUG, **get_demo(SLUG).breaking.model_dump())
    assert result.verdict == "does_not_hold"
    assert result.claims[0].verdict == "does_not_hold"
    assert result.claims[1].verdict == "holds"  # the net still outputs 0 where the target is ½


def test_notes_follow_the_numbers():
    result = smallest(SLUG)
    m = result.metrics
    assert f"{m['mse_unit_no_bias']:.2g}에 머물렀습니다" in result.conclusion
    assert f"x = {m['learned_shift']:.3g}" in result.conclusion
    assert "옮길 필요가 없기 때문" not in result.conclusion
    centred = run(SLUG, **get_demo(SLUG).breaking.model_dump())
    assert f"{centred.metrics['mse_unit_no_bias']:.2g}입니다" in centred.conclusion
    assert "옮길 필요가 없기 때문" in centred.conclusion and "목표는 0.5" in centred.conclusion


def test_seeds_draw_new_data_and_the_same_seed_repeats():
    check_seeds_draw_new_data_and_repeat(SLUG, "mse_net_bias")
