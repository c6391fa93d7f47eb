"""teacher-forcing: an RNN trained with teacher forcing on sine waves errs far more when it reads its own
predictions (free-running) than when it reads the true values, and the error grows with the horizon;
with one step to predict the two evaluations are the same (the breaking preset)."""

from __future__ import annotations

import pytest

from app.demos.registry import get_demo
from tests.demos.support import check_seeds_draw_new_data_and_repeat, run, smallest

pytestmark = pytest.mark.slow
SLUG = "teacher-forcing"


def test_free_running_errors_compound_over_the_horizon():
    result = smallest(SLUG)
    assert result.verdict == "holds"
    m = result.metrics
    assert m["mse_free"] > 10 * m["mse_forced"]
    assert m["log10_free_last_over_first"] > 0.3
    assert f"10^{m['log10_free_over_forced']:.1f}배 컸습니다" in result.conclusion
    assert "스텝마다 쌓입니다" in result.conclusion


def test_with_one_step_to_predict_there_is_nothing_to_feed_back():
    result = run(SLUG, **get_demo(SLUG).breaking.model_dump())
    assert result.verdict == "does_not_hold"
    m = result.metrics
    assert m["log10_free_over_forced"] == 0.0 and m["mse_free"] == m["mse_forced"]
    assert "노출 편향은 오차가 되먹임될 때 생깁니다" in result.conclusion


def test_seeds_change_the_waves_and_the_same_seed_repeats():
    check_seeds_draw_new_data_and_repeat(SLUG, "mse_forced", steps=20)
