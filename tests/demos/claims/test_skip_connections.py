"""skip-connections: with the same layers and initial weights, the identity path keeps the first layer's
gradient alive in a deep network (the plain one loses it geometrically) and the residual network trains;
with two hidden layers there is nothing to fix."""

from __future__ import annotations

import pytest

from app.demos.registry import get_demo
from tests.demos.support import run, smallest

pytestmark = pytest.mark.slow
SLUG = "skip-connections"


def test_in_a_deep_network_only_the_residual_one_keeps_its_gradient_and_learns():
    result = smallest(SLUG)
    assert result.verdict == "holds"
    m = result.metrics
    assert m["log10_first_over_last_grad_plain"] < -3
    assert m["log10_first_over_last_grad_residual"] > -1
    assert m["test_loss_fraction_residual"] < 0.6 < m["test_loss_fraction_plain"]
    assert f"10^{m['log10_first_over_last_grad_plain']:.1f}배로 사라졌고" in result.conclusion


def test_with_two_hidden_layers_skip_connections_change_nothing():
    result = run(SLUG, **get_demo(SLUG).breaking.model_dump())
    assert result.verdict == "does_not_hold"
    m = result.metrics
    assert abs(m["log10_gradient_flow_gain"]) < 1
    assert abs(m["test_loss_fraction_plain_minus_residual"]) < 0.1
    assert "곱해질 층이 적어" in result.conclusion


def test_the_vanishing_grows_with_depth():
    shallow, deep = smallest(SLUG).metrics, run(SLUG, depth=40).metrics
    assert deep["log10_gradient_flow_gain"] > shallow["log10_gradient_flow_gain"] + 2


def test_seeds_change_data_and_weights():
    a, b = smallest(SLUG), run(SLUG, seed=7)
    assert a.summaries["log10_gradient_flow_gain"].per_seed != b.summaries["log10_gradient_flow_gain"].per_seed
