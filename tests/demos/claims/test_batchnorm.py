"""batchnorm: trainability at the largest learning rate and overfitting at each arm's best rate are
two claims, each judged on its own interval over seeds (the old demo read one seed at one rate and
let the first stand for the second: at lr 0.1 its verdict flipped between seeds)."""

from __future__ import annotations

from functools import cache

import pytest

from app.demos.evidence import judge
from app.demos.registry import get_demo
from tests.demos.support import run

pytestmark = pytest.mark.slow

SLUG = "batchnorm"


@cache
def at(seed: int = 0, **changes):
    return run(SLUG, seed=seed, **{**get_demo(SLUG).params().model_dump(), **changes})


def test_bn_trains_where_the_plain_net_fails_at_the_largest_rate():
    result = at()
    trainability = result.claims[0]
    assert trainability.metric == "high_lr_train_loss_gain" and trainability.verdict == "holds"
    s = result.summaries
    assert all(loss > 1.0 for loss in s["train_loss_high_lr_plain"].per_seed)  # near chance, ln 10 = 2.30
    assert all(loss < 0.3 for loss in s["train_loss_high_lr_bn"].per_seed)
    # At the smallest rate of the grid the plain network trains too: BN buys tolerance of large rates.
    assert s["train_loss_plain_lr0"].mean < 0.5
    assert result.conclusion.startswith("판정: ")


def test_overfitting_is_judged_apart_on_held_out_loss_at_each_arms_best_rate():
    result = at()
    spec = get_demo(SLUG)
    overfitting = result.claims[1]
    assert overfitting.metric == "best_test_loss_gain"
    assert overfitting.verdict == judge(spec.claims[1], result.summaries["best_test_loss_gain"])
    plain, bn = result.summaries["test_loss_best_plain"].mean, result.summaries["test_loss_best_bn"].mean
    assert f"테스트 손실은 BN 없이 {plain:.3g}, BN으로 {bn:.3g}" in result.conclusion
    wins = sum(g > 0 for g in result.summaries["best_test_loss_gain"].per_seed)
    assert f"시드 3개 중 {wins}개에서 BN이 낮음" in result.conclusion
    rates = {0.04, 0.2, 1.0}
    assert {round(v, 6) for v in result.summaries["best_lr_plain"].per_seed} <= rates
    assert result.verdict == ("holds" if overfitting.verdict == "holds" else "mixed")


def test_at_a_modest_top_rate_the_trainability_claim_cannot_hold():
    assert get_demo(SLUG).breaking.learning_rate == 0.05
    result = at(learning_rate=0.05)
    assert result.claims[0].verdict in ("does_not_hold", "mixed")
    assert result.verdict in ("does_not_hold", "mixed")


def test_the_old_lr_0_1_preset_is_judged_on_all_seeds():
    result = at(learning_rate=0.1)
    spec = get_demo(SLUG)
    for claim, outcome in zip(spec.claims, result.claims):
        assert outcome.verdict == judge(claim, result.summaries[claim.metric])
    assert len(result.summaries["high_lr_train_loss_gain"].per_seed) == 3


def test_train_mode_predictions_depend_on_the_batch():
    result = at()
    m = result.metrics
    assert m["train_mode_accuracy_b2"] < m["test_accuracy_best_bn"] - 0.2
    assert m["train_mode_accuracy_sorted"] < m["test_accuracy_best_bn"] - 0.2
    assert m["batch1_raises"] == 1.0 and m["running_mean_shift"] > 0.01
    assert f"{m['train_mode_accuracy_b2']:.1%}" in result.conclusion


def test_bn_after_the_activation_is_a_preset_of_its_own():
    result = run(SLUG, placement="after")
    assert "선형층 → ReLU → BN" in result.conclusion


def test_seeds_change_the_data_and_the_same_seed_reproduces():
    first, again, other = run(SLUG), run(SLUG), run(SLUG, seed=9)
    assert {k: v.per_seed for k, v in first.summaries.items()} == {k: v.per_seed for k, v in again.summaries.items()}
    assert first.summaries["test_loss_best_bn"].per_seed != other.summaries["test_loss_best_bn"].per_seed
