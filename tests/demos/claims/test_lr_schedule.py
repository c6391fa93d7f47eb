"""lr-schedule: decaying the learning rate (warm-up + cosine) beats the best constant rate on held-out
loss when minibatch noise is high, not with large batches; the largest rate, held constant, diverges."""

from __future__ import annotations

import pytest

from app.demos.registry import get_demo
from tests.demos.support import run, smallest

pytestmark = pytest.mark.slow
SLUG = "lr-schedule"


def test_the_decaying_schedule_removes_part_of_the_constant_rates_excess_loss():
    result = smallest(SLUG)
    assert result.verdict == "holds"
    m = result.metrics
    assert m["test_loss_cosine"] < m["test_loss_constant"]
    assert m["log10_growth_constant_at_max"] > 0  # the top of the grid diverges when held constant
    assert f"{m['excess_cut_cosine']:.0%}를 없앴습니다" in result.conclusion


def test_with_large_batches_there_is_no_noise_to_remove_and_the_claim_breaks():
    result = run(SLUG, **get_demo(SLUG).breaking.model_dump())
    assert result.verdict in ("does_not_hold", "mixed")
    assert result.claims[0].verdict != "holds"
    assert "배치 256" in result.conclusion and "없앴습니다" not in result.conclusion


def test_a_grid_below_the_stability_limit_does_not_diverge_and_the_note_says_so():
    result = run(SLUG, lr_max=0.1)
    assert result.summaries["log10_growth_constant_at_max"].mean < 0
    assert "발산하지 않았습니다" in result.conclusion


def test_seeds_change_the_data():
    assert run(SLUG, seed=1).summaries["test_loss_constant"].per_seed[:2] == \
        smallest(SLUG).summaries["test_loss_constant"].per_seed[1:]
    assert run(SLUG, seed=7).metrics["test_loss_constant"] != smallest(SLUG).metrics["test_loss_constant"]
