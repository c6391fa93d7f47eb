"""mlp-vs-cnn: with digits placed only in the top-left corner during training, a small CNN (weight sharing
plus global max pooling) recognises them at every other position and MLPs, of the CNN's size or forty
times larger, each with its own learning rate picked on validation digits, do not; after only 20 steps
the CNN has learnt no shapes yet and its advantage is gone."""

from __future__ import annotations

import statistics

import pytest
from pydantic import ValidationError

from app.demos.registry import get_demo
from tests.demos.support import check_seeds_draw_new_data_and_repeat, run, smallest

pytestmark = pytest.mark.slow
SLUG = "mlp-vs-cnn"


def test_cnn_recognises_digits_at_unseen_positions_and_mlps_do_not():
    result = smallest(SLUG)
    assert result.verdict == "holds"
    s = result.summaries
    m = result.metrics
    assert abs(m["params_cnn"] - m["params_mlp"]) < 0.1 * m["params_cnn"]  # a fair size match
    assert m["params_mlp_large"] > 10 * m["params_cnn"]
    assert min(s["seen_accuracy_mlp_large"].per_seed) > 0.7  # the MLPs did learn the positions they saw
    assert min(s["unseen_accuracy_cnn"].per_seed) > 0.6
    assert max(s["unseen_accuracy_mlp"].per_seed) < 0.3 and max(s["unseen_accuracy_mlp_large"].per_seed) < 0.3
    assert s["unseen_gap_mlp"].ci95[0] > 0.1 and s["unseen_gap_mlp_large"].ci95[0] > 0.1


def test_each_mlp_picks_its_rate_from_the_grid_and_the_table_says_so():
    from app.demos.experiments.mlp_vs_cnn import CNN_LR, MLP_LRS

    result = smallest(SLUG)
    assert CNN_LR in MLP_LRS
    for key in ("mlp", "mlp_large"):
        assert set(result.summaries[f"lr_{key}"].per_seed) <= set(MLP_LRS)
    rates = {row[0]: row[2] for row in result.table.rows}
    assert any("검증으로 고름" in str(v) for v in rates.values()) and any("고정" in str(v) for v in rates.values())


def test_after_twenty_steps_the_claim_breaks_and_the_notes_say_why():
    result = run(SLUG, **get_demo(SLUG).breaking.model_dump())
    assert result.verdict in ("does_not_hold", "mixed")
    s = result.summaries
    assert max(s["seen_accuracy_cnn"].per_seed) < 0.5  # no shapes learnt yet
    gap = min(s["unseen_gap_mlp"].mean, s["unseen_gap_mlp_large"].mean)
    assert "여기서는 주장이 무너집니다" in result.conclusion
    assert f"{gap:.1%}p밖에 앞서지 않았습니다" in result.conclusion
    assert "20스텝으로는" in result.conclusion


def test_notes_follow_the_numbers():
    result = smallest(SLUG)
    s = result.summaries
    for key in ("unseen_accuracy_cnn", "unseen_accuracy_mlp", "unseen_accuracy_mlp_large", "seen_accuracy_cnn"):
        assert f"{statistics.fmean(s[key].per_seed):.1%}" in result.conclusion
    assert "여기서는 주장이 무너집니다" not in result.conclusion
    assert "가중치 공유" in result.conclusion


def test_seeds_draw_new_data_and_the_same_seed_repeats():
    check_seeds_draw_new_data_and_repeat(SLUG, "unseen_accuracy_cnn", steps=20)


def test_params_need_positions_left_unseen():
    with pytest.raises(ValidationError):
        get_demo(SLUG).params(canvas=10, train_span=3)
