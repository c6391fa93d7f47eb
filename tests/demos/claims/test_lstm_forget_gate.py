"""lstm-forget-gate: with the forget gate's bias at 1 an LSTM's first-step gradient is orders of magnitude
larger than at 0 over 20 steps, and only that network learns to recall the first input's sign in the same
steps; over 3 steps both learn it and the gradients differ by a factor of about 2 (the breaking preset)."""

from __future__ import annotations

import pytest

from app.demos.registry import get_demo
from tests.demos.support import check_seeds_draw_new_data_and_repeat, run

pytestmark = pytest.mark.slow
SLUG = "lstm-forget-gate"


def test_forget_bias_one_carries_the_gradient_and_the_recall_over_twenty_steps():
    result = run(SLUG, **get_demo(SLUG).params().model_dump())
    assert result.verdict == "holds"
    m = result.metrics
    assert m["mean_forget_gate_bias1"] > 0.7 and abs(m["mean_forget_gate_bias0"] - 0.5) < 0.02
    assert m["accuracy_bias1"] > 0.7 and m["accuracy_bias0"] < 0.6
    assert f"10^{m['log10_first_step_grad_gain']:.1f}배 컸습니다" in result.conclusion
    assert f"편향 1이 {m['accuracy_bias1']:.2f}, 편향 0이 {m['accuracy_bias0']:.2f}(우연은 0.5)" in result.conclusion


def test_on_short_sequences_there_is_nothing_to_forget():
    result = run(SLUG, **get_demo(SLUG).breaking.model_dump())
    assert result.verdict == "does_not_hold"
    m = result.metrics
    assert m["log10_first_step_grad_gain"] < 1.0
    assert m["accuracy_bias0"] > 0.9 and m["accuracy_bias1"] > 0.9
    assert "둘 다 과제를 배웠습니다" in result.conclusion


def test_seeds_change_the_data_and_the_same_seed_repeats():
    check_seeds_draw_new_data_and_repeat(SLUG, "log10_first_step_grad_bias1", steps=20)
