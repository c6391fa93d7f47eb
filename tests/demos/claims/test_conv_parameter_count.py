"""conv-parameter-count: counts read from torch modules match the formulas; a convolution needs far fewer
parameters than a dense layer with the same output except on a 1×1 map; a 1×1 convolution is a per-pixel
dense layer that mixes channels and cannot use a neighbouring pixel."""

from __future__ import annotations

import pytest

from app.demos.registry import get_demo
from tests.demos.support import run, smallest

pytestmark = pytest.mark.slow
SLUG = "conv-parameter-count"


def test_a_convolution_needs_thousands_of_times_fewer_parameters_on_a_16x16_map():
    result = smallest(SLUG)
    assert result.verdict == "holds"
    m = result.metrics
    assert m["counts_match_formulas"] == 1.0
    assert m["dense_over_conv"] == pytest.approx((256 * 16 * 256 * 32 + 256 * 32) / (9 * 16 * 32 + 32))
    assert m["pixels_seen_conv"] == 9 and m["pixels_seen_1x1"] == 1
    assert m["r2_1x1_same_pixel"] > 0.9 and m["r2_1x1_neighbour"] < 0.2 and m["r2_kxk_neighbour"] > 0.9
    assert f"{m['dense_over_conv']:,.0f}배입니다" in result.conclusion


def test_on_a_1x1_map_the_convolution_has_more_parameters():
    result = run(SLUG, **get_demo(SLUG).breaking.model_dump())
    assert result.verdict == "does_not_hold"
    m = result.metrics
    assert m["dense_over_conv"] < 1
    assert f"오히려 {1 / m['dense_over_conv']:.1f}배 많습니다" in result.conclusion


def test_seeds_change_the_fitted_data():
    a, b = smallest(SLUG), run(SLUG, seed=7)
    assert a.summaries["r2_1x1_same_pixel"].per_seed != b.summaries["r2_1x1_same_pixel"].per_seed
