"""data-augmentation: with training glyphs only at the centre and test glyphs up to 3 pixels away, shift
augmentation of the strength picked on validation beats none, and 8-pixel shifts (glyphs pushed out of the
frame) fall back; when the test is centred too, validation picks no augmentation and nothing is gained."""

from __future__ import annotations

import pytest

from app.demos.registry import get_demo
from tests.demos.support import run, smallest

pytestmark = pytest.mark.slow
SLUG = "data-augmentation"


def test_moderate_augmentation_helps_and_too_much_hurts():
    result = smallest(SLUG)
    assert result.verdict == "holds"
    m = result.metrics
    assert m["test_acc_shift_0"] < 0.4  # the centre-only MLP is near chance (4 classes) off-centre
    assert 1 <= m["chosen_strength"] <= 5
    assert m["test_acc_chosen"] > m["test_acc_shift_8"] + 0.1
    assert f"증강 없이 {m['test_acc_shift_0']:.2f}보다" in result.conclusion


def test_when_the_test_has_no_shifts_augmentation_gains_nothing():
    result = run(SLUG, **get_demo(SLUG).breaking.model_dump())
    assert result.verdict == "does_not_hold"
    m = result.metrics
    assert m["chosen_strength"] == 0 and m["test_acc_shift_0"] > 0.9
    assert "증강이 새로 보여 줄 것이 없습니다" in result.conclusion


def test_seeds_change_the_glyphs():
    a, b = smallest(SLUG), run(SLUG, seed=7)
    assert a.summaries["test_acc_shift_0"].per_seed != b.summaries["test_acc_shift_0"].per_seed
