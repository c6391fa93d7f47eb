"""lr-schedule: decaying the learning rate (warm-up + cosine) beats the best constant rate on held-out
loss when minibatch noise is high; with a larger batch and few steps it ends above the constant rate; the
largest rate, held constant, diverges."""

from __future__ import annotations

import pytest

from app.demos.experiments.lr_schedule import REPLICATES
from app.demos.registry import get_demo
from app.demos.training import mean_over_tasks, task_seeds
from tests.demos.support import check_seeds_draw_new_data_and_repeat, run, smallest

pytestmark = pytest.mark.slow
SLUG = "lr-schedule"


def test_the_decaying_schedule_removes_part_of_the_constant_rates_excess_loss():
    result = smallest(SLUG)
    assert result.verdict == "holds"
    m = result.metrics
    assert m["test_loss_cosine"] < m["test_loss_constant"]
    assert all(cut > 0 for cut in result.summaries["excess_cut_cosine"].per_seed)
    assert m["log10_growth_constant_at_max"] > 0  # the top of the grid diverges when held constant
    assert f"{m['excess_cut_cosine']:.0%}를 없앴습니다" in result.conclusion


def test_with_a_larger_batch_and_few_steps_decaying_gives_up_descent_and_the_claim_breaks():
    result = run(SLUG, **get_demo(SLUG).breaking.model_dump())
    assert result.verdict in ("does_not_hold", "mixed")
    assert result.claims[0].verdict != "holds"
    cut = result.metrics["excess_cut_cosine"]
    assert cut < 0, cut  # the cosine schedule ends above the constant rate here
    assert "배치 64, 스텝 50" in result.conclusion and "없앴습니다" not in result.conclusion
    assert f"오히려 {-cut:.0%} 늘렸습니다" in result.conclusion


def test_a_grid_below_the_stability_limit_does_not_diverge_and_the_note_says_so():
    result = run(SLUG, lr_max=0.1)
    assert result.summaries["log10_growth_constant_at_max"].mean < 0
    assert "발산하지 않았습니다" in result.conclusion


def test_each_seed_runs_its_own_independent_tasks_and_reports_their_mean():
    assert task_seeds([0, 1], REPLICATES) == [r for r in range(REPLICATES)] + [1000 + r for r in range(REPLICATES)]
    assert len(set(task_seeds(range(50), REPLICATES))) == 50 * REPLICATES
    assert mean_over_tasks([1.0, 3.0, 2.0, None], 2) == [2.0, None]


def test_seeds_change_the_data_and_the_same_seed_repeats():
    check_seeds_draw_new_data_and_repeat(SLUG, "test_loss_constant")
