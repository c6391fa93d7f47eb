"""dropout: judged on test loss at each network's best validation epoch, against an early-stopped
network without dropout — not on the train–validation gap, which can shrink while held-out loss
gets worse (the old demo said "the gap shrank" at epochs=60 while validation loss rose 0.66 → 1.16,
and "did not help" at p=0.2 while validation loss fell)."""

from __future__ import annotations

from functools import cache

import pytest

from app.demos.registry import get_demo
from tests.demos.support import run

pytestmark = pytest.mark.slow

SLUG = "dropout"


@cache
def at(seed: int = 0, **changes):
    return run(SLUG, seed=seed, **{**get_demo(SLUG).params().model_dump(), **changes})


def numbers(result, name: str) -> float:
    return result.summaries[name].mean


def test_dropout_beats_early_stopping_on_held_out_loss_at_the_defaults():
    result = at()
    assert result.verdict == "holds", result.conclusion
    gain = result.summaries["test_loss_gain"]
    assert gain.ci95[0] > 0 and all(g > 0 for g in gain.per_seed)
    # The comparison is at each network's best epoch: the network without dropout was early-stopped.
    assert numbers(result, "test_loss_last_plain") > numbers(result, "test_loss_best_plain")
    assert all(1 <= e <= 120 for e in result.summaries["best_epoch_plain"].per_seed)
    assert result.conclusion.startswith("판정: 성립")


def test_eval_output_is_the_expected_train_output_and_the_unscaled_one_is_not():
    result = at()
    assert result.claims[1].verdict == "holds"
    m = result.metrics
    assert m["rel_error_max_masks"] < 0.15 * m["rel_error_1_mask"]
    assert -0.65 < m["error_slope"] < -0.35  # like 1/sqrt(M)
    assert m["rel_error_unscaled_max_masks"] > 10 * m["rel_error_max_masks"]
    assert m["agreement_with_eval_max"] > max(0.95, m["agreement_with_eval_1"])


def test_at_60_epochs_the_verdict_does_not_say_holds_and_the_text_follows_the_losses():
    params = get_demo(SLUG).breaking
    assert params.epochs == 60
    result = at(epochs=60)
    assert result.verdict in ("does_not_hold", "mixed")
    assert not result.conclusion.startswith("판정: 성립 ")
    plain, drop = numbers(result, "test_loss_best_plain"), numbers(result, "test_loss_best_dropout")
    assert f"드롭아웃 없이 {plain:.3g}" in result.conclusion and f"{drop:.3g}입니다" in result.conclusion
    assert "학습−검증" not in result.conclusion  # no train–validation gap argument
    wins = sum(g > 0 for g in result.summaries["test_loss_gain"].per_seed)
    assert f"시드 3개 중 {wins}개에서" in result.conclusion


def test_at_p_0_2_the_text_says_what_the_held_out_loss_did():
    result = at(drop_probability=0.2)
    plain, drop = numbers(result, "test_loss_best_plain"), numbers(result, "test_loss_best_dropout")
    said_no_help = "나은 일반화를 주지 못했습니다" in result.conclusion
    assert said_no_help == (drop >= plain)
    assert result.verdict == ("holds" if result.summaries["test_loss_gain"].ci95[0] > 0 else
                              "does_not_hold" if result.summaries["test_loss_gain"].ci95[1] < 0 else "mixed")


def test_the_cost_is_measured_not_estimated():
    result = at()
    assert {"ms_per_step_plain", "ms_per_step_dropout"} <= set(get_demo(SLUG).timing_metrics)
    assert all(v > 0 for v in result.summaries["ms_per_step_dropout"].per_seed)
    assert "이 기기에서 잰 값" in result.conclusion and "FLOP" not in result.conclusion
    assert "행렬곱 연산의" not in result.conclusion  # the old estimated share is gone


def test_seeds_change_the_data_and_the_same_seed_reproduces():
    first, again, other = run(SLUG), run(SLUG), run(SLUG, seed=7)
    timing = set(get_demo(SLUG).timing_metrics)
    same = {k: v.per_seed for k, v in first.summaries.items() if k not in timing}
    assert same == {k: v.per_seed for k, v in again.summaries.items() if k not in timing}
    assert first.summaries["test_loss_best_plain"].per_seed != other.summaries["test_loss_best_plain"].per_seed
    assert len(set(first.summaries["test_loss_best_plain"].per_seed)) == 3
