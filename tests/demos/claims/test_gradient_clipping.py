"""gradient-clipping: at a learning rate where plain SGD on a tanh RNN diverges, the same network with its
gradient norm clipped trains to a low validation loss; at a tenth of that rate neither diverges and
clipping changes nothing (the breaking preset)."""

from __future__ import annotations

import pytest

from app.demos.registry import get_demo
from tests.demos.support import check_seeds_draw_new_data_and_repeat, run, smallest

pytestmark = pytest.mark.slow
SLUG = "gradient-clipping"


def test_clipping_keeps_training_alive_where_the_unclipped_run_diverges():
    result = smallest(SLUG)
    assert result.verdict == "holds"
    m = result.metrics
    assert m["diverged_unclipped"] == 1.0 and m["diverged_clipped"] == 0.0
    assert m["val_loss_clipped"] < 0.3
    assert 0 < m["clipped_step_fraction"] < 1
    assert f"{m['val_loss_clipped']:.3f}배에 닿았습니다" in result.conclusion
    # the reference at a tenth of the rate is reported from its own number, whichever way it went
    assert f"클리핑 없이 {m['val_loss_slow']:.3f}에 닿아" in result.conclusion


def test_at_a_small_rate_nothing_diverges_and_clipping_changes_nothing():
    result = run(SLUG, **get_demo(SLUG).breaking.model_dump())
    assert result.verdict == "does_not_hold"
    m = result.metrics
    assert m["diverged_unclipped"] == 0.0
    assert abs(m["val_loss_gain_from_clipping"]) < 0.05
    assert m["clipped_step_fraction"] < 0.2
    assert "클리핑 없는 망도 발산하지 않았습니다" in result.conclusion


def test_seeds_change_the_data_and_the_same_seed_repeats():
    check_seeds_draw_new_data_and_repeat(SLUG, "val_loss_clipped")
