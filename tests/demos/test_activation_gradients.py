"""activation-gradients, the reference experiment: its claim holds on the numbers it measured, and
its conclusion follows those numbers."""

from __future__ import annotations

import pytest

from app.demos.execute import execute
from app.demos.experiments.activation_gradients import DEMO, Params
from app.demos.params import ParamsInvalid, validate_params

SLUG = "activation-gradients"


def run(**params):
    return execute(DEMO, Params(**{"depth": 6, "width": 32, "batch_size": 16, "trials": 1, **params}), "cpu", seed=0)


def test_the_claim_at_the_smallest_params():
    """Sigmoid's first-layer gradient is orders of magnitude below ReLU+He's; ReLU keeps it."""
    assert DEMO.slug == SLUG
    metrics = execute(DEMO, DEMO.smallest, "cpu", seed=0).result.metrics
    assert metrics["sigmoid_to_relu_first_layer_ratio"] < 1e-2
    assert metrics["last_to_first_ratio_sigmoid"] > 100
    assert 0.1 < metrics["last_to_first_ratio_relu"] < 10
    assert 0.1 < metrics["last_to_first_ratio_tanh"] < 10  # Glorot's point: tanh with Xavier keeps it too


def test_deeper_networks_vanish_more():
    shallow = run(depth=4).result.metrics["last_to_first_ratio_sigmoid"]
    deep = run(depth=12).result.metrics["last_to_first_ratio_sigmoid"]
    assert deep > shallow * 100


def test_conclusion_is_written_from_the_measured_numbers():
    result = run().result
    ratio = result.metrics["sigmoid_to_relu_first_layer_ratio"]
    assert f"{ratio:.1e}" in result.conclusion
    assert "기울기가 사라집니다" in result.conclusion


def test_without_sigmoid_nothing_is_said_about_it():
    result = run(activations=("tanh", "relu")).result
    assert "sigmoid_to_relu_first_layer_ratio" not in result.metrics
    assert "sigmoid" not in result.conclusion.lower()
    assert [row[0] for row in result.table.rows] == ["Tanh", "ReLU"]
    assert [s.name for s in result.charts[0].series] == ["Tanh", "ReLU"]


def test_pytorch_default_init_is_labelled():
    result = run(init="pytorch_default", activations=("relu",)).result
    assert result.table.rows[0][1] == "PyTorch 기본"


def test_different_seeds_give_different_numbers():
    a = execute(DEMO, DEMO.smallest, "cpu", seed=1).result.metrics
    b = execute(DEMO, DEMO.smallest, "cpu", seed=2).result.metrics
    assert a != b


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


def test_a_gradient_that_underflows_to_zero_is_reported_not_divided_by():
    result = run(depth=60, activations=("sigmoid", "relu")).result
    assert result.metrics["first_layer_grad_norm_sigmoid"] == 0.0
    assert result.metrics["sigmoid_to_relu_first_layer_ratio"] == 0.0
    assert "정확히 0이" in result.conclusion and "0으로 사라졌고" in result.conclusion
    assert result.charts[0].series[0].y[0] is None  # nothing to draw on a log axis
    assert result.table.rows[0][4].startswith("> ")  # at least that many times smaller
