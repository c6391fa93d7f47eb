"""adamw-vs-l2: under Adam, decoupled weight decay beats an L2 penalty in the loss on held-out loss
when input scales differ (each arm its own learning rate and λ from one grid, chosen on validation);
under plain SGD the two are one update, and with standardised inputs L2 does better."""

from __future__ import annotations

import pytest

from app.demos.registry import get_demo
from tests.demos.support import check_seeds_draw_new_data_and_repeat, run, smallest

pytestmark = pytest.mark.slow
SLUG = "adamw-vs-l2"


def test_decoupled_decay_generalises_better_under_adam():
    result = smallest(SLUG)
    assert result.verdict == "holds"
    m = result.metrics
    assert m["test_loss_decoupled"] < m["test_loss_l2"] < m["test_loss_mean_only"]
    assert f"({m['test_loss_decoupled']:.3f} 대 {m['test_loss_l2']:.3f}" in result.conclusion
    # Each arm reports the (learning rate, λ) validation chose for it, from the same grid.
    l2, decoupled, baseline = result.table.rows
    assert l2[2] == decoupled[2] and "×" in l2[3] and "×" in decoupled[3]


def test_under_sgd_the_two_are_the_same_update():
    result = run(SLUG, **get_demo(SLUG).breaking.model_dump())
    assert result.verdict == "does_not_hold"
    per_seed = result.summaries
    for l2, decoupled in zip(per_seed["test_loss_l2"].per_seed, per_seed["test_loss_decoupled"].per_seed,
                             strict=True):
        assert l2 == pytest.approx(decoupled, rel=1e-4)
    assert "같은 갱신" in result.conclusion


def test_with_standardised_inputs_l2_wins_and_the_notes_say_so():
    result = run(SLUG, feature_spread=1.0)
    assert result.verdict == "does_not_hold"
    m = result.metrics
    assert m["test_loss_l2"] < m["test_loss_decoupled"]
    assert f"({m['test_loss_l2']:.3f} 대 AdamW {m['test_loss_decoupled']:.3f})" in result.conclusion


def test_seeds_change_the_data_and_repeat():
    check_seeds_draw_new_data_and_repeat(SLUG, "test_loss_l2")
