"""dying-relu: a large learning rate kills ReLU units for good, LeakyReLU's come back; fewer dead
units need not mean better accuracy, and the text says which won; small rates break the claim."""

from __future__ import annotations

import pytest

from app.demos.registry import get_demo
from tests.demos.support import check_seeds_draw_new_data_and_repeat, run, smallest

pytestmark = pytest.mark.slow
SLUG = "dying-relu"


def test_a_high_learning_rate_kills_relu_units_for_good_and_leaky_ones_come_back():
    result = smallest(SLUG)
    assert result.verdict == "holds"
    s = result.summaries
    assert all(d >= 0.1 for d in s["dead_relu_3"].per_seed)  # the largest rate, every seed
    assert s["dead_relu_0"].per_seed == [0.0] * 3  # the smallest
    assert sum(s["early_dead_relu"].per_seed) > 0
    assert s["revived_relu"].per_seed == [0.0] * 3
    assert s["early_dead_weight_change_relu"].per_seed == [0.0] * 3  # zero gradient: never moved again
    assert sum(s["revived_leaky"].per_seed) > 0


def test_small_learning_rates_break_the_claim():
    result = run(SLUG, **get_demo(SLUG).breaking.model_dump())
    assert result.verdict == "does_not_hold"
    assert "여기서는 주장이 무너집니다" in result.conclusion


def test_notes_follow_the_numbers_and_say_when_leaky_relu_learns_worse():
    result = smallest(SLUG)
    m = result.metrics
    assert f"평균 {m['dead_relu_3']:.0%}가" in result.conclusion
    assert "전혀 움직이지 않았습니다" in result.conclusion
    assert "여기서는 주장이 무너집니다" not in result.conclusion
    # Fewer dead units, lower accuracy at the largest rate: the text must say so with both numbers.
    assert m["dead_leaky_3"] < m["dead_relu_3"] and m["accuracy_leaky_3"] < m["accuracy_relu_3"]
    assert (f"시험 정확도는 {m['accuracy_leaky_3']:.1%}로 ReLU({m['accuracy_relu_3']:.1%})보다 낮았습니다"
            in result.conclusion)
    best = f"LeakyReLU {m['best_accuracy_leaky']:.1%}, ReLU {m['best_accuracy_relu']:.1%}"
    assert best in result.conclusion


def test_seeds_draw_new_data_and_the_same_seed_repeats():
    check_seeds_draw_new_data_and_repeat(SLUG, "accuracy_relu_0")
