"""ensembles: on noisy labels, small networks averaged beat one wider network with the same parameter
count (same steps and learning rate); with clean labels, more data and tiny members the wide network wins."""

from __future__ import annotations

import pytest

from app.demos.experiments.ensembles import width_for
from app.demos.registry import get_demo
from tests.demos.support import run, smallest

pytestmark = pytest.mark.slow
SLUG = "ensembles"


def test_the_single_network_gets_the_ensembles_parameter_budget():
    m = smallest(SLUG).metrics
    assert abs(m["parameters_single"] - m["parameters_ensemble"]) <= 14  # one hidden unit's worth
    assert width_for(4 * (10 * 16 + 16 + 16 * 3 + 3)) == 65  # (908 − 3) / 14 = 64.6


def test_averaging_small_networks_beats_one_wide_network_on_noisy_labels():
    result = smallest(SLUG)
    assert result.verdict == "holds"
    m = result.metrics
    assert m["test_loss_ensemble"] < m["test_loss_member"] < m["test_loss_single"]
    assert f"({m['test_loss_ensemble']:.3f} 대 {m['test_loss_single']:.3f}" in result.conclusion


def test_with_clean_labels_and_tiny_members_the_wide_network_wins():
    result = run(SLUG, **get_demo(SLUG).breaking.model_dump())
    assert result.verdict == "does_not_hold"
    assert result.metrics["test_loss_member"] > result.metrics["test_loss_single"]
    assert "표현력(편향)" in result.conclusion


def test_seeds_change_the_data():
    assert run(SLUG, seed=1).summaries["test_loss_single"].per_seed[:2] == \
        smallest(SLUG).summaries["test_loss_single"].per_seed[1:]
    assert run(SLUG, seed=7).metrics["test_loss_single"] != smallest(SLUG).metrics["test_loss_single"]
