"""One description of each parameter drives the form, string coercion and the Korean errors."""

from __future__ import annotations

from typing import Literal

import pytest
from pydantic import Field

from app.demos.base import DemoParams
from app.demos.params import (
    ParamsInvalid,
    coerce_strings,
    display_value,
    param_fields,
    param_pairs,
    query_string,
    validate_params,
)


class Sample(DemoParams):
    layers: int = Field(3, ge=1, le=10, description="층 수")
    rate: float = Field(0.1, gt=0, le=1.0, description="학습률")
    optimizer: Literal["sgd", "adam"] = Field("sgd", description="옵티마이저")
    bias: bool = Field(True, description="편향 사용")
    parts: tuple[Literal["a", "b", "c"], ...] = Field(("a", "b"), min_length=1, description="고를 것")
    note: str = Field("x", max_length=5, description="메모")
    cap: int | None = Field(None, ge=0, le=5, description="상한 (없으면 제한 없음)")


def test_fields_are_read_from_the_schema():
    fields = {f.name: f for f in param_fields(Sample)}
    assert fields["layers"].kind == "integer" and (fields["layers"].minimum, fields["layers"].maximum) == (1, 10)
    assert fields["rate"].kind == "number" and fields["rate"].exclusive_minimum
    assert fields["optimizer"].kind == "enum" and fields["optimizer"].options == ("sgd", "adam")
    assert fields["bias"].kind == "boolean"
    assert fields["parts"].kind == "multi" and fields["parts"].options == ("a", "b", "c")
    assert fields["parts"].min_items == 1
    assert fields["note"].kind == "text"
    assert fields["cap"].kind == "integer" and fields["cap"].nullable
    assert fields["layers"].label == "층 수"
    assert fields["layers"].bounds_text() == "1 이상 10 이하의 정수"
    assert fields["rate"].bounds_text() == "0 초과 1 이하의 수"


def test_strings_become_typed_values():
    values = coerce_strings(Sample, {"layers": ["4"], "rate": ["0.5"], "bias": ["false"], "parts": ["a,c"],
                                     "cap": [""]})
    assert values == {"layers": 4, "rate": 0.5, "bias": False, "parts": ["a", "c"], "cap": None}
    params = validate_params(Sample, values)
    assert params.parts == ("a", "c") and params.cap is None


def test_a_submitted_form_reads_unticked_boxes_as_false():
    values = coerce_strings(Sample, {"layers": ["2"]}, unchecked_is_false=True)
    assert values["bias"] is False and values["parts"] == []


def test_an_empty_number_falls_back_to_its_default():
    assert "layers" not in coerce_strings(Sample, {"layers": [" "]})


def test_errors_name_the_field_and_its_bounds():
    with pytest.raises(ParamsInvalid) as caught:
        validate_params(Sample, {"layers": 50, "optimizer": "rmsprop", "typo": 1})
    by_field = {d["field"]: d for d in caught.value.details}
    assert by_field["layers"]["minimum"] == 1 and by_field["layers"]["maximum"] == 10
    assert by_field["layers"]["value"] == 50
    assert "1 이상 10 이하의 정수" in by_field["layers"]["message"]
    assert by_field["optimizer"]["allowed"] == ["sgd", "adam"]
    assert "typo" in by_field and "layers" in by_field["typo"]["allowed_fields"]
    assert "layers" in caught.value.message


def test_unparsable_text_is_refused_with_bounds_not_crashed():
    with pytest.raises(ParamsInvalid) as caught:
        validate_params(Sample, coerce_strings(Sample, {"layers": ["many"]}))
    assert caught.value.details[0]["field"] == "layers"
    assert caught.value.details[0]["maximum"] == 10


def test_params_must_be_an_object():
    with pytest.raises(ParamsInvalid):
        validate_params(Sample, ["layers", 3])


def test_pairs_and_query_strings_round_trip():
    params = validate_params(Sample, {"parts": ["b", "c"], "bias": False}).model_dump(mode="json")
    pairs = param_pairs(params, seed=3)
    assert ("parts", "b") in pairs and ("parts", "c") in pairs and ("bias", "false") in pairs and ("seed", "3") in pairs
    grouped: dict[str, list[str]] = {}
    for name, value in pairs:
        if name != "seed":
            grouped.setdefault(name, []).append(value)
    assert validate_params(Sample, coerce_strings(Sample, grouped)).model_dump(mode="json") == params
    assert "parts=b&parts=c" in query_string({"parts": ["b", "c"]})


@pytest.mark.parametrize("value, shown", [
    (1.23456e-13, "1.235e-13"), (0.5, "0.5"), (123456.0, "1.235e+05"), (True, "예"), (["a", "b"], "a, b"), (None, ""),
    (3, "3"),
])
def test_display_values(value, shown):
    assert display_value(value) == shown


class Rates(DemoParams):
    learning_rate: float = Field(0.1, ge=0.001, le=5.0, description="학습률")
    dropout: float = Field(0.5, ge=0.05, le=0.9, description="드롭아웃 확률")
    open_rate: float = Field(0.1, gt=0, le=5.0, description="0보다 큰 학습률")
    steps: int = Field(100, ge=10, le=10_000, description="스텝 수")


def test_ranges_over_two_decades_get_a_log_scale_slider():
    fields = {f.name: f for f in param_fields(Rates)}
    assert fields["learning_rate"].log_scale
    assert fields["learning_rate"].slider_position(0.01) == pytest.approx(-2)
    assert fields["learning_rate"].slider_position(None) == ""
    # Less than two decades, an open lower end, or whole numbers: a linear slider.
    assert not fields["dropout"].log_scale and not fields["open_rate"].log_scale and not fields["steps"].log_scale
    assert fields["dropout"].slider_position(0.3) == 0.3
