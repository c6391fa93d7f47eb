"""save-load: per seed, a state_dict round trip gives bit-identical logits, a JSON-only save gives a fresh
model, a full checkpoint resumes exactly, and resuming from weights alone with a fresh Adam makes the
loss jump; at a learning rate a hundred times smaller that jump is gone and the first claim breaks."""

from __future__ import annotations

import math

import pytest

from app.demos.registry import get_demo
from tests.demos.support import check_seeds_draw_new_data_and_repeat, run, smallest

pytestmark = pytest.mark.slow
SLUG = "save-load"


def test_state_dict_round_trip_reproduces_predictions_exactly():
    result = smallest(SLUG)
    assert result.verdict == "holds"
    s = result.summaries
    assert s["max_logit_diff_state_dict"].per_seed == [0.0] * 3
    assert s["max_logit_diff_json_and_weights"].per_seed == [0.0] * 3
    assert s["accuracy_state_dict"].per_seed == s["accuracy_trained"].per_seed
    assert min(s["accuracy_trained"].per_seed) > 0.9


def test_architecture_only_save_gives_a_fresh_model_and_wrong_code_cannot_load_weights():
    s = smallest(SLUG).summaries
    assert max(s["agreement_json_only"].per_seed) < 0.4 and max(s["accuracy_json_only"].per_seed) < 0.4
    assert s["mismatch_raises"].per_seed == [1.0] * 3
    m = smallest(SLUG).metrics
    assert m["config_bytes"] < 100 < m["weights_bytes"]


def test_resuming_needs_the_optimizer_state():
    result = smallest(SLUG)
    s = result.summaries
    assert s["resume_full_max_weight_diff"].per_seed == [0.0] * 3
    # judged on the log: the ratio spans orders of magnitude from seed to seed
    assert s["log10_resume_bump_ratio"].ci95[0] > math.log10(1.5)
    assert s["log10_resume_bump_ratio"].per_seed == [math.log10(r) for r in s["resume_bump_ratio"].per_seed]
    m = result.metrics
    # Adam keeps two moments per parameter: the full checkpoint is about three times the weights.
    assert 2.5 * m["weights_bytes"] < m["checkpoint_bytes"] < 3.5 * m["weights_bytes"]


def test_a_small_learning_rate_breaks_the_resume_claim_and_the_notes_say_why():
    demo = get_demo(SLUG)
    result = run(SLUG, **{**demo.breaking.model_dump(), "train_steps": 80, "resume_steps": 20})
    assert result.verdict == "does_not_hold"
    assert result.metrics["resume_bump_ratio"] < 1.5
    assert "여기서는 주장이 무너집니다" in result.conclusion and "학습률 0.0001" in result.conclusion


def test_notes_follow_the_numbers():
    result = smallest(SLUG)
    m = result.metrics
    assert f"{m['accuracy_json_only']:.1%}" in result.conclusion
    assert f"{int(m['weights_bytes']):,}바이트" in result.conclusion
    assert f"{m['resume_weights_only_peak_loss']:.3g}" in result.conclusion
    assert "여기서는 주장이 무너집니다" not in result.conclusion


def test_seeds_draw_new_data_and_the_same_seed_repeats():
    check_seeds_draw_new_data_and_repeat(SLUG, "resume_weights_only_peak_loss")
