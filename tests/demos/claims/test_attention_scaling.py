"""attention-scaling: at d = 512 raw dot products spread the logits by √d, the softmax saturates on one key
and the typical query's logit gradient is over ten times smaller than with the 1/√d scale; at d = 2 the
two hardly differ (the breaking preset)."""

from __future__ import annotations

import math

import pytest

from app.demos.registry import get_demo
from tests.demos.support import check_seeds_draw_new_data_and_repeat, run

pytestmark = pytest.mark.slow
SLUG = "attention-scaling"


def test_without_the_scale_the_softmax_saturates_and_its_gradient_vanishes():
    result = run(SLUG, **get_demo(SLUG).params().model_dump())
    assert result.verdict == "holds"
    m = result.metrics
    assert abs(m["logit_std_unscaled"] / math.sqrt(512) - 1) < 0.2 and abs(m["logit_std_scaled"] - 1) < 0.2
    assert m["max_weight_unscaled"] > 0.8 > 0.3 > m["max_weight_scaled"]
    assert f"기울기가 10^{m['log10_grad_ratio']:.1f}배 작았습니다" in result.conclusion
    # the gap opens with d: the table's smallest d shows no difference
    smallest_d = result.table.rows[0]
    assert smallest_d[0] == 8 and abs(math.log10(float(smallest_d[5]) / float(smallest_d[6]))) < 0.5


def test_at_small_d_scaling_changes_little():
    result = run(SLUG, **get_demo(SLUG).breaking.model_dump())
    assert result.verdict == "does_not_hold"
    m = result.metrics
    assert abs(m["log10_grad_ratio"]) < 0.2 and m["max_weight_gap"] < 0.2
    assert "소프트맥스를 포화시킬 만큼 퍼지지 않아" in result.conclusion


def test_seeds_change_the_vectors_and_the_same_seed_repeats():
    check_seeds_draw_new_data_and_repeat(SLUG, "log10_grad_ratio")
