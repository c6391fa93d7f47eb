"""conv-output-shape: the quoted (n+2p−k)/s+1 matches torch at stride 1 and fails once strides above 1 are
drawn; the floor formula with dilation always matches, and the rows it says are never read get zero gradient."""

from __future__ import annotations

import pytest

from app.demos.experiments.conv_output_shape import exact_size, quoted_size, unread_rows
from app.demos.registry import get_demo
from tests.demos.support import run, smallest

pytestmark = pytest.mark.slow
SLUG = "conv-output-shape"


def test_at_stride_one_both_formulas_match_every_measured_size():
    result = smallest(SLUG)
    assert result.verdict == "holds"
    m = result.metrics
    assert m["quoted_match_rate"] == 1.0 and m["exact_match_rate"] == 1.0
    assert m["configs_with_unread_rows"] == 0.0
    assert "모든 입력 줄이 적어도 한 출력에 쓰였습니다" in result.conclusion


def test_with_larger_strides_the_quoted_formula_fails_and_the_floor_formula_does_not():
    result = run(SLUG, **get_demo(SLUG).breaking.model_dump())
    assert result.verdict == "does_not_hold"
    m = result.metrics
    assert m["quoted_match_rate"] < 0.9
    assert m["exact_match_rate"] == 1.0
    assert m["unread_rows_predicted_rate"] == 1.0 and m["configs_with_unread_rows"] > 0
    assert f"조합의 {m['quoted_match_rate']:.0%}에서만 맞았습니다" in result.conclusion


def test_dilation_alone_breaks_the_quoted_formula():
    result = run(SLUG, dilation=3)
    assert result.claims[0].verdict == "does_not_hold" and result.claims[1].verdict == "holds"
    assert "팽창을 빼먹어" in result.conclusion


def test_the_formulas_themselves():
    assert exact_size(8, 3, 0, 2, 1) == 3 and quoted_size(8, 3, 0, 2) == 3.5
    assert unread_rows(8, 3, 0, 2, 1) == {7}
    assert unread_rows(9, 1, 0, 2, 1) == {1, 3, 5, 7}


def test_seeds_change_the_configurations():
    a, b = run(SLUG, stride=3), run(SLUG, seed=7, stride=3)
    assert a.summaries["quoted_match_rate"].per_seed != b.summaries["quoted_match_rate"].per_seed
