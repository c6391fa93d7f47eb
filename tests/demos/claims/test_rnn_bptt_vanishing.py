"""rnn-bptt-vanishing: in a tanh RNN with recurrent gain 1 the gradient that BPTT brings back to the first
step shrinks geometrically with the sequence length; with gain 2.5 it grows instead (exploding)."""

from __future__ import annotations

import pytest

from app.demos.registry import get_demo
from tests.demos.support import run, smallest

pytestmark = pytest.mark.slow
SLUG = "rnn-bptt-vanishing"


def test_the_first_step_gradient_vanishes_geometrically_with_length():
    result = smallest(SLUG)
    assert result.verdict == "holds"
    m = result.metrics
    logs = [m[f"log10_grad_h1_T{T}"] for T in (2, 4, 8, 16, 32)]
    assert logs == sorted(logs, reverse=True)  # every longer sequence gets less
    assert m["factor_per_step"] < 0.9
    assert f"10^{m['log10_drop_short_to_long']:.1f}배 작아졌습니다" in result.conclusion


def test_with_a_large_recurrent_gain_the_gradient_explodes_instead():
    result = run(SLUG, **get_demo(SLUG).breaking.model_dump())
    assert result.verdict == "does_not_hold"
    m = result.metrics
    assert m["log10_drop_short_to_long"] < 0 and m["factor_per_step"] > 1
    assert "폭주하는 쪽" in result.conclusion


def test_seeds_change_the_network_and_inputs():
    a, b = smallest(SLUG), run(SLUG, seed=7)
    assert a.summaries["log10_drop_short_to_long"].per_seed != b.summaries["log10_drop_short_to_long"].per_seed
