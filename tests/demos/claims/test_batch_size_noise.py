"""batch-size-noise: a minibatch gradient's variance falls like 1/B; for the same number of updates the
full batch is ahead, for the same epochs (compute) the minibatch picked on validation reaches a lower
test loss, every batch size at its own learning rate from one grid. With 512 examples seen 100 times
the full batch reaches the optimum too and the epoch claim breaks."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from app.demos.registry import get_demo
from tests.demos.support import check_seeds_draw_new_data_and_repeat, run, smallest

pytestmark = pytest.mark.slow
SLUG = "batch-size-noise"


def test_variance_falls_like_one_over_b_and_minibatches_win_per_epoch():
    result = smallest(SLUG)
    assert result.verdict == "holds"
    s = result.summaries
    assert all(-1.15 < v < -0.85 for v in s["variance_slope"].per_seed)
    assert all(v < 0.25 for v in s["theory_max_relative_error"].per_seed)
    assert s["epoch_gain_of_minibatch"].ci95[0] > 0.01
    assert s["step_gain_of_full_batch"].ci95[0] > 0.01
    # Each arm its own rate: the full batch never picks a smaller one than batch 8.
    assert all(small <= full for small, full in zip(s["chosen_lr_b8"].per_seed, s["chosen_lr_bfull"].per_seed,
                                                     strict=True))


def test_many_epochs_on_little_data_break_the_epoch_claim_and_the_notes_say_why():
    result = run(SLUG, **get_demo(SLUG).breaking.model_dump())
    assert result.verdict in ("does_not_hold", "mixed")
    assert result.claims[0].verdict in ("does_not_hold", "mixed")
    gap = result.metrics["epoch_gain_of_minibatch"]
    assert gap < 0.01
    assert "여기서는 주장이 무너집니다" in result.conclusion and f"{abs(gap):.3g}밖에" in result.conclusion
    assert "데이터 512개를 100번" in result.conclusion


def test_notes_follow_the_numbers():
    result = smallest(SLUG)
    m = result.metrics
    assert f"로그-로그 기울기 {m['variance_slope']:.2f}" in result.conclusion
    assert f"전체 배치 {m['test_loss_at_common_step_bfull']:.3g}입니다: 스텝 수로 세면" in result.conclusion
    assert f"{m['epoch_gain_of_minibatch']:.3g} 낮았습니다" in result.conclusion
    assert "여기서는 주장이 무너집니다" not in result.conclusion
    assert result.table.rows[-1][0] == "전체 배치 (1024)"


def test_n_train_must_be_a_multiple_of_the_largest_minibatch():
    with pytest.raises(ValidationError):
        get_demo(SLUG).params(n_train=1280)


def test_seeds_draw_new_data_and_the_same_seed_repeats():
    check_seeds_draw_new_data_and_repeat(SLUG, "epoch_gain_of_minibatch")
