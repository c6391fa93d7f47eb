"""class-imbalance: with a 5% minority, the class-weighted loss beats the plain one on balanced
accuracy (each arm its own learning rate, chosen on validation); with balanced classes they tie."""

from __future__ import annotations

import pytest

from app.demos.registry import get_demo
from tests.demos.support import check_seeds_draw_new_data_and_repeat, run

pytestmark = pytest.mark.slow
SLUG = "class-imbalance"


def test_weighting_the_minority_raises_balanced_accuracy_at_the_defaults():
    result = run(SLUG, **get_demo(SLUG).params().model_dump())
    assert result.verdict == "holds"
    m = result.metrics
    assert m["minority_recall_weighted"] > m["minority_recall_plain"]
    assert m["majority_recall_weighted"] <= m["majority_recall_plain"] + 0.01  # the price is paid there
    assert f"({m['balanced_accuracy_weighted']:.3f} 대 {m['balanced_accuracy_plain']:.3f})" in result.conclusion


def test_with_balanced_classes_the_weights_change_nothing():
    result = run(SLUG, **get_demo(SLUG).breaking.model_dump())
    assert result.verdict == "does_not_hold"
    assert abs(result.metrics["balanced_accuracy_gain"]) < 0.02
    assert "균형이라" in result.conclusion


def test_seeds_change_the_data_and_repeat():
    check_seeds_draw_new_data_and_repeat(SLUG, "balanced_accuracy_plain")
