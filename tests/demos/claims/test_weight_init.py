"""weight-init: per seed, He keeps a ReLU net's last-layer spread within 2× of its first layer's, small
weights make a tanh net's signal vanish, and zeros leave every first-layer unit identical after
training; in narrow, deep nets (16 wide, 50 deep) He's spread drifts past 2× and the claim breaks."""

from __future__ import annotations

import pytest

from app.demos.registry import get_demo
from tests.demos.support import check_seeds_draw_new_data_and_repeat, run, smallest

pytestmark = pytest.mark.slow
SLUG = "weight-init"


def test_he_and_xavier_keep_the_signal_while_small_and_large_weights_do_not():
    result = smallest(SLUG)
    assert result.verdict == "holds"
    s = result.summaries
    assert s["drift_relu_he"].ci95[1] < 0.693
    assert all(v > 0.1 for v in s["last_std_tanh_xavier"].per_seed)
    # ReLU halves the variance per layer under Xavier
    assert all(last < 0.3 * first for last, first in zip(s["last_std_relu_xavier"].per_seed,
                                                          s["first_std_relu_xavier"].per_seed, strict=True))
    assert all(v < 1e-4 for v in s["last_std_tanh_small"].per_seed + s["last_std_relu_small"].per_seed)
    m = result.metrics
    assert m["saturated_tanh_large"] > 0.5 and m["saturated_tanh_he"] < 0.05
    assert m["last_std_relu_large"] > 1000


def test_zero_initialisation_keeps_every_unit_identical_through_training():
    s = smallest(SLUG).summaries
    assert s["last_std_tanh_zeros"].per_seed == [0.0] * 3 and s["last_std_relu_zeros"].per_seed == [0.0] * 3
    assert s["distinct_units_zeros"].per_seed == [1.0] * 3
    assert s["distinct_units_he"].per_seed == s["distinct_units_xavier"].per_seed == [32.0] * 3


def test_narrow_deep_layers_break_the_claim_and_the_notes_say_why():
    result = run(SLUG, **get_demo(SLUG).breaking.model_dump())
    assert result.verdict in ("does_not_hold", "mixed")
    assert result.claims[0].verdict in ("does_not_hold", "mixed")
    assert result.metrics["drift_relu_he"] > 0.693
    assert "여기서는 주장이 무너집니다" in result.conclusion and "너비 16" in result.conclusion


def test_notes_follow_the_numbers():
    result = smallest(SLUG)
    m = result.metrics
    assert f"{m['last_std_relu_he']:.3g}" in result.conclusion
    assert f"{m['weight_std_he']:.3g}밖에" in result.conclusion
    assert "대칭이 깨지지 않습니다" in result.conclusion
    assert "여기서는 주장이 무너집니다" not in result.conclusion


def test_seeds_draw_new_data_and_the_same_seed_repeats():
    check_seeds_draw_new_data_and_repeat(SLUG, "last_std_relu_he")
