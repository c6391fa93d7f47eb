"""zero-centred-outputs: a unit fed all-positive inputs (sigmoid) takes several times the steps of one fed
zero-centred inputs (tanh, sigmoid − 0.5) to reach a target of mixed signs, per seed over 16 runs; with
a same-sign target and minibatch gradients the sigmoid input is the faster one and the claim breaks."""

from __future__ import annotations

import pytest

from app.demos.registry import get_demo
from tests.demos.support import check_seeds_draw_new_data_and_repeat, run, smallest

pytestmark = pytest.mark.slow
SLUG = "zero-centred-outputs"


def test_all_positive_inputs_make_every_single_example_update_share_one_sign():
    m = smallest(SLUG).metrics
    assert m["same_sign_fraction_sigmoid"] == 1.0 and m["same_sign_fraction_relu"] == 1.0
    assert m["same_sign_fraction_tanh"] < 0.75 and m["same_sign_fraction_sigmoid_centred"] < 0.75


def test_zero_centred_inputs_reach_a_mixed_sign_target_sooner_and_straighter():
    result = smallest(SLUG)
    assert result.verdict == "holds"
    s = result.summaries
    assert s["slowdown_sigmoid_vs_tanh"].ci95[0] > 2 and s["slowdown_sigmoid_vs_sigmoid_centred"].ci95[0] > 2
    assert all(r == 1.0 for r in s["reached_sigmoid"].per_seed + s["reached_tanh"].per_seed)
    m = result.metrics
    assert m["path_ratio_sigmoid"] > 2 * m["path_ratio_tanh"]
    assert m["condition_sigmoid"] > 5 * m["condition_tanh"]


def test_a_same_sign_target_with_minibatches_breaks_the_claim():
    result = run(SLUG, **get_demo(SLUG).breaking.model_dump())
    assert result.verdict == "does_not_hold"
    assert result.metrics["slowdown_sigmoid_vs_tanh"] < 1  # the all-positive input is now the faster one
    assert "여기서는 주장이 무너집니다" in result.conclusion and "목표 방향과 맞습니다" in result.conclusion
    assert "부호가 모두 같을 수밖에" not in result.conclusion  # minibatch gradients can mix signs


def test_notes_follow_the_numbers():
    result = smallest(SLUG)
    m = result.metrics
    assert f"평균 {m['steps_to_target_sigmoid']:.0f}스텝" in result.conclusion
    assert f"평균 {m['slowdown_sigmoid_vs_tanh']:.1f}배 오래" in result.conclusion
    assert f"{m['condition_sigmoid']:.1f}" in result.conclusion
    assert "부호가 모두 같을 수밖에" in result.conclusion
    assert "여기서는 주장이 무너집니다" not in result.conclusion


def test_seeds_draw_new_data_and_the_same_seed_repeats():
    check_seeds_draw_new_data_and_repeat(SLUG, "steps_to_target_sigmoid")
