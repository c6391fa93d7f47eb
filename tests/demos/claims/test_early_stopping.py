"""early-stopping: with noisy labels the weights kept at the best validation check beat training to the
end on test accuracy and loss; without label noise and with more data the accuracy gain disappears."""

from __future__ import annotations

import pytest

from app.demos.experiments.early_stopping import stop_check
from app.demos.registry import get_demo
from tests.demos.support import check_seeds_draw_new_data_and_repeat, run, smallest

pytestmark = pytest.mark.slow
SLUG = "early-stopping"


def test_the_patience_rule_stops_after_patience_checks_without_improvement():
    assert stop_check([3.0, 2.0, 2.5, 2.6, 2.7, 1.0], patience=3) == (4, 1)
    assert stop_check([3.0, 2.0, 1.0], patience=1) == (2, 2)  # never stopped: the last check is kept


def test_stopping_early_beats_training_to_the_end_on_noisy_labels():
    result = smallest(SLUG)
    assert result.verdict == "holds"
    assert all(gain > 0.01 for gain in result.summaries["test_accuracy_gain"].per_seed)
    m = result.metrics
    assert m["test_accuracy_early"] > m["test_accuracy_final"] + 0.01
    assert m["kept_step"] < m["stop_step"] <= get_demo(SLUG).smallest.steps
    assert f"테스트 정확도 {m['test_accuracy_early']:.1%}" in result.conclusion


def test_without_label_noise_the_accuracy_gain_disappears():
    result = run(SLUG, **get_demo(SLUG).breaking.model_dump())
    assert result.verdict in ("does_not_hold", "mixed")
    assert result.claims[0].verdict != "holds"
    assert "1%p 넘게 낫지 않았습니다" in result.conclusion


def test_seeds_change_the_data_and_the_same_seed_repeats():
    check_seeds_draw_new_data_and_repeat(SLUG, "test_loss_final")
