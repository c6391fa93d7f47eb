"""lr-batch-scaling: with the same number of examples, a k-times larger batch with a k-times larger rate
beats the unchanged rate and stays near the small batch's loss; at k = 128 the scaled rate is past the
stability limit and the rule breaks."""

from __future__ import annotations

import pytest

from app.demos.registry import get_demo
from tests.demos.support import check_seeds_draw_new_data_and_repeat, run, smallest

pytestmark = pytest.mark.slow
SLUG = "lr-batch-scaling"


def test_scaling_the_rate_with_the_batch_keeps_the_small_batch_loss():
    result = smallest(SLUG)
    assert result.verdict == "holds"
    assert all(gap > 0 for gap in result.summaries["scaled_advantage"].per_seed)
    m = result.metrics
    assert m["test_loss_scaled"] < m["test_loss_unscaled"]
    assert 2 ** m["log2_excess_ratio_scaled"] < 2.0
    assert f"{2 ** m['log2_excess_ratio_scaled']:.2f}배에 머물렀습니다" in result.conclusion


def test_far_past_the_stability_limit_the_scaled_rate_diverges():
    result = run(SLUG, **get_demo(SLUG).breaking.model_dump())
    assert result.verdict == "does_not_hold"
    losses = result.summaries["test_loss_scaled"].per_seed
    assert all(loss is None or loss > 100 for loss in losses)  # the target's variance is 1.25
    assert "발산했습니다" in result.conclusion
    assert "선형 규칙의 절반에도 못 미쳤습니다" in result.conclusion


def test_seeds_change_the_data_and_the_same_seed_repeats():
    check_seeds_draw_new_data_and_repeat(SLUG, "test_loss_base")
