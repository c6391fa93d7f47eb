"""autoencoder-bottleneck: on a curved d-dimensional sheet the held-out reconstruction error falls
until the code width reaches d and flattens after it; on noise that fills every direction it does not."""

from __future__ import annotations

import pytest

from app.demos.registry import get_demo
from tests.demos.support import check_seeds_draw_new_data_and_repeat, run, smallest

pytestmark = pytest.mark.slow
SLUG = "autoencoder-bottleneck"


def test_the_error_bends_at_the_intrinsic_dimension():
    result = smallest(SLUG)
    assert result.verdict == "holds"
    m = result.metrics
    assert m["share_by_intrinsic"] > 0.9 and m["knee"] > 0.5
    assert m["error_at_widest"] < m["error_at_intrinsic"] < 0.1
    assert f"전체 하락의 {m['share_by_intrinsic']:.0%}" in result.conclusion


def test_pca_needs_more_directions_than_the_autoencoder_on_the_curved_sheet():
    result = smallest(SLUG)
    m = result.metrics
    assert m["pca_error_at_intrinsic"] > 1.5 * m["error_at_intrinsic"]
    assert "휘어진 곡면" in result.conclusion
    chart = result.charts[0]
    autoencoder, pca = chart.series
    assert autoencoder.y[0] == pca.y[0] == 1.0  # width 0 predicts the mean
    assert all(a >= b - 1e-9 for a, b in zip(pca.y, pca.y[1:], strict=False))  # PCA's error only falls with k


def test_without_low_dimensional_structure_there_is_no_bend():
    result = run(SLUG, **get_demo(SLUG).breaking.model_dump())
    assert result.verdict == "does_not_hold"
    m = result.metrics
    assert m["share_by_intrinsic"] < 0.7 and m["knee"] < 0.2
    assert m["error_at_intrinsic"] > 0.5
    assert "꺾이지 않았습니다" in result.conclusion or "꺾일 까닭이 없습니다" in result.conclusion
    assert "휘어진 곡면" not in result.conclusion


def test_seeds_change_the_data_and_repeat():
    check_seeds_draw_new_data_and_repeat(SLUG, "error_at_intrinsic")
