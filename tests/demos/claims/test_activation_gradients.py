"""activation-gradients: per seed, a deep sigmoid net's first-layer gradient lies orders of magnitude
below ReLU + He's, which keeps its first layer within an order of its last; in a 3-layer net the
gap is under two orders and the claim breaks. Sigmoid and ReLU are always measured (the claims are
about them); an underflowed gradient is reported as exactly zero, never divided by."""

from __future__ import annotations

import pytest

from app.demos.execute import execute
from app.demos.experiments.activation_gradients import DEMO, Params
from app.demos.params import ParamsInvalid, validate_params
from app.demos.registry import get_demo
from tests.demos.support import check_seeds_draw_new_data_and_repeat, run, smallest

pytestmark = pytest.mark.slow
SLUG = "activation-gradients"


def test_sigmoid_vanishes_where_relu_and_tanh_keep_the_gradient():
    result = smallest(SLUG)
    assert result.verdict == "holds"
    s = result.summaries
    assert s["orders_sigmoid_below_relu"].ci95[0] > 2
    assert all(r > 100 for r in s["last_to_first_ratio_sigmoid"].per_seed)
    assert all(0.1 < r < 10 for r in s["last_to_first_ratio_relu"].per_seed + s["last_to_first_ratio_tanh"].per_seed)


def test_a_shallow_net_breaks_the_claim_and_the_notes_say_why():
    result = run(SLUG, **get_demo(SLUG).breaking.model_dump())
    assert result.verdict == "does_not_hold"
    assert result.claims[0].ci95[1] < 2 and result.claims[1].verdict == "holds"
    ratio = result.metrics["sigmoid_to_relu_first_layer_ratio"]
    assert "여기서는 주장이 무너집니다: 3층뿐이라" in result.conclusion and f"{ratio:.2g}배" in result.conclusion


def test_deeper_networks_vanish_more():
    shallow = run(SLUG, depth=4).summaries["orders_lost_sigmoid"].per_seed
    deep = run(SLUG, depth=12).summaries["orders_lost_sigmoid"].per_seed
    assert all(d > s + 2 for s, d in zip(shallow, deep, strict=True))


def test_pytorch_default_init_makes_relu_vanish_too():
    result = run(SLUG, init="pytorch_default", depth=12)
    assert result.claims[1].verdict == "does_not_hold" and result.verdict == "mixed"
    assert result.table.rows[0][1] == "PyTorch 기본"
    drift = result.metrics["orders_drift_relu"]
    assert f"ReLU도 1층 기울기가 마지막 층보다 {drift:.1f}자릿수 작아졌습니다" in result.conclusion
    assert "He 초기화(2/fan_in)가 필요합니다" in result.conclusion


def test_notes_follow_the_numbers():
    result = smallest(SLUG)
    m = result.metrics
    assert f"{m['sigmoid_to_relu_first_layer_ratio']:.1e}배" in result.conclusion
    assert f"{m['orders_sigmoid_below_relu']:.1f}자릿수" in result.conclusion
    assert "기울기가 사라집니다" in result.conclusion and "여기서는 주장이 무너집니다" not in result.conclusion
    assert "ReLU도" not in result.conclusion


def test_the_claimed_pair_is_always_measured_and_the_rest_only_when_chosen():
    result = run(SLUG, activations=("tanh",))
    assert [row[0] for row in result.table.rows] == ["Sigmoid", "Tanh", "ReLU"]
    assert [s.name for s in result.charts[0].series] == ["Sigmoid", "Tanh", "ReLU"]
    assert "first_layer_grad_norm_leaky_relu" not in result.metrics


def test_a_gradient_that_underflows_to_zero_is_reported_not_divided_by():
    result = run(SLUG, depth=60, activations=("sigmoid", "relu"))
    assert result.summaries["first_layer_grad_norm_sigmoid"].per_seed == [0.0] * 3
    assert result.metrics["sigmoid_to_relu_first_layer_ratio"] == 0.0
    assert "정확히 0이" in result.conclusion and "0으로 사라졌고" in result.conclusion
    assert result.charts[0].series[0].y[0] is None  # nothing to draw on a log axis
    assert result.table.rows[0][4].startswith("> ")  # at least that many times smaller


def test_the_engine_runs_it_with_three_seeds():
    result = execute(DEMO, DEMO.smallest, "cpu", seed=5).result
    assert result.seeds == [5, 6, 7] and result.verdict == "holds"


@pytest.mark.parametrize("raw, field", [
    ({"depth": 1}, "depth"),
    ({"activations": ["relu", "relu"]}, "activations"),
    ({"activations": []}, "activations"),
    ({"init": "zeros"}, "init"),
    ({"learning_rate": 0.1}, "learning_rate"),
])
def test_bad_params_name_the_field(raw, field):
    with pytest.raises(ParamsInvalid) as caught:
        validate_params(Params, raw)
    assert caught.value.details[0]["field"].split(".")[0] == field


def test_seeds_draw_new_data_and_the_same_seed_repeats():
    check_seeds_draw_new_data_and_repeat(SLUG, "orders_sigmoid_below_relu")
