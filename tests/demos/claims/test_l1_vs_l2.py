"""l1-vs-l2: at one λ, learning rate and step budget for both penalties, L1 ends most useless weights
exactly at zero and L2 none; without a penalty the norm keeps growing on separable data. With λ a
hundred times smaller the proximal step cannot reach zero and the claim does not hold."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from app.demos.registry import get_demo
from tests.demos.support import check_seeds_draw_new_data_and_repeat, run, smallest

pytestmark = pytest.mark.slow
SLUG = "l1-vs-l2"


def test_l1_gives_exact_zeros_where_l2_only_shrinks():
    result = smallest(SLUG)
    assert result.verdict == "holds"
    s = result.summaries
    assert s["useless_zero_gap"].ci95[0] > 0.5
    assert all(z == 0 for z in s["zeros_l2"].per_seed + s["zeros_none"].per_seed)
    # It is the useless features that go: every exact zero of L1 is one of them, or nearly.
    assert all(u >= 0.9 * z for u, z in zip(s["zeros_among_useless_l1"].per_seed, s["zeros_l1"].per_seed, strict=True))
    assert all(0 < m < 0.05 for m in s["min_abs_l2"].per_seed)  # small, never zero
    assert all(l2 < none for l2, none in zip(s["norm_l2"].per_seed, s["norm_none"].per_seed, strict=True))


def test_without_a_penalty_the_weights_keep_growing():
    s = smallest(SLUG).summaries
    assert all(g > 1.05 for g in s["norm_growth_none"].per_seed)
    assert all(g < 1.01 for g in s["norm_growth_l2"].per_seed)


def test_a_tiny_lambda_breaks_the_claim_and_the_notes_say_why():
    demo = get_demo(SLUG)
    result = run(SLUG, **{**demo.breaking.model_dump(), "steps": demo.smallest.steps})
    assert result.verdict in ("does_not_hold", "mixed")
    assert result.claims[0].verdict == "does_not_hold"
    assert result.metrics["useless_zero_gap"] < 0.5
    assert "여기서는 주장이 무너집니다" in result.conclusion and "(λ=0.0001)" in result.conclusion
    assert "압축됩니다" not in result.conclusion
    assert "거의 같이 커졌습니다" in result.conclusion  # L2 at that λ holds the norm back no better


def test_notes_follow_the_numbers():
    result = smallest(SLUG)
    m = result.metrics
    assert f"평균 {m['zeros_l1']:.3g}개를 정확히 0으로" in result.conclusion
    assert f"끝 {m['norm_none']:.3g}" in result.conclusion
    assert f"L1 {m['test_accuracy_l1']:.1%}" in result.conclusion
    assert "여기서는 주장이 무너집니다" not in result.conclusion


def test_params_reject_more_informative_features_than_features():
    with pytest.raises(ValidationError):
        get_demo(SLUG).params(n_features=5, n_informative=6)


def test_seeds_draw_new_data_and_the_same_seed_repeats():
    check_seeds_draw_new_data_and_repeat(SLUG, "norm_none")
