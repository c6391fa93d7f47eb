"""momentum-coefficient: each β with its fastest learning rate on a κ = 100 quadratic: β = 0.9 beats plain
GD, β = 0.99 oscillates and is slower than the best β; at κ = 2 momentum no longer pays."""

from __future__ import annotations

import pytest

from app.demos.registry import get_demo
from tests.demos.support import run, smallest

pytestmark = pytest.mark.slow
SLUG = "momentum-coefficient"


def test_momentum_reaches_the_target_sooner_and_too_much_momentum_oscillates():
    result = smallest(SLUG)
    assert result.verdict == "holds"
    m = result.metrics
    assert m["steps_beta_0.9"] < m["steps_beta_0"]
    assert m["loss_increases_beta_0.99"] > 5 * m["loss_increases_beta_0.9"]
    assert m["loss_increases_beta_0"] == 0  # plain GD at its best rate descends monotonically here
    assert f"{m['speedup_beta_0.9_over_0']:.1f}배 빨랐습니다" in result.conclusion


def test_on_a_well_conditioned_problem_momentum_does_not_pay():
    result = run(SLUG, **get_demo(SLUG).breaking.model_dump())
    assert result.verdict == "does_not_hold"
    m = result.metrics
    assert m["steps_beta_0"] < m["steps_beta_0.9"]
    assert f"({m['steps_beta_0']:.0f} 대 {m['steps_beta_0.9']:.0f}스텝" in result.conclusion


def test_the_advantage_grows_with_the_condition_number():
    easy, hard = smallest(SLUG).metrics, run(SLUG, condition=1000.0, max_steps=3000).metrics
    assert hard["speedup_beta_0.9_over_0"] > 2 * easy["speedup_beta_0.9_over_0"]


def test_seeds_change_the_problem():
    a, b = smallest(SLUG), run(SLUG, seed=7)
    assert a.summaries["steps_beta_0"].per_seed != b.summaries["steps_beta_0"].per_seed \
        or a.summaries["steps_beta_0.9"].per_seed != b.summaries["steps_beta_0.9"].per_seed
