"""A demo's parameters as people send them: JSON (API), form fields and query strings (pages),
`--param k=v` (CLI), TOML presets (content/demos.toml). One description of each field, read from
the parameter model's JSON schema, drives the form, the string coercion and the Korean errors.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any
from urllib.parse import urlencode

from pydantic import ValidationError
from pydantic_core import ErrorDetails

from app.demos.base import DIVERGED, DemoParams

TRUE_WORDS = {"1", "true", "on", "yes", "y", "예", "참"}
FALSE_WORDS = {"0", "false", "off", "no", "n", "아니오", "거짓", ""}


@dataclass(frozen=True)
class ParamField:
    name: str
    label: str  # Korean, from the field's description
    kind: str  # integer | number | enum | boolean | multi | text
    default: Any = None
    minimum: float | None = None
    maximum: float | None = None
    exclusive_minimum: bool = False
    exclusive_maximum: bool = False
    options: tuple = ()
    min_items: int | None = None
    max_items: int | None = None
    nullable: bool = False

    @property
    def short_label(self) -> str:
        """The label up to its first explanation: "가중치 초기화 (matched는 …)" -> "가중치 초기화"."""
        for mark in (" (", ":", ","):
            head = self.label.split(mark, 1)[0].strip()
            if head and head != self.label:
                return head
        return self.label

    @property
    def step(self) -> str:
        return "1" if self.kind == "integer" else "any"

    @property
    def log_scale(self) -> bool:
        """A positive real range spanning two decades or more (learning rates 0.001..5, weight decay):
        on a linear slider all of 0.001..0.05 would sit in its first pixel."""
        return (self.kind == "number" and self.minimum is not None and self.maximum is not None
                and self.minimum > 0 and self.maximum / self.minimum >= 100)

    def slider_position(self, value: float | None) -> float | str:
        """Where `value` sits on this field's slider: log10 of it on a log-scale slider."""
        if value is None:
            return ""
        if self.log_scale and self.minimum is not None:  # log_scale holds only with a positive minimum
            try:
                return math.log10(max(float(value), self.minimum))
            except ValueError:  # text the form reports as not a number: leave the slider empty
                return ""
        return value

    def bounds(self) -> dict:
        """The limits a caller must respect, for error details."""
        out: dict[str, Any] = {}
        if self.minimum is not None:
            out["exclusive_minimum" if self.exclusive_minimum else "minimum"] = self.minimum
        if self.maximum is not None:
            out["exclusive_maximum" if self.exclusive_maximum else "maximum"] = self.maximum
        if self.options:
            out["allowed"] = list(self.options)
        if self.min_items is not None:
            out["min_items"] = self.min_items
        if self.max_items is not None:
            out["max_items"] = self.max_items
        return out

    def bounds_text(self) -> str:
        """Korean, e.g. "2 이상 60 이하의 정수"."""
        kind = {"integer": "정수", "number": "수"}.get(self.kind)
        if kind:
            parts = []
            if self.minimum is not None:
                parts.append(f"{_num(self.minimum)} {'초과' if self.exclusive_minimum else '이상'}")
            if self.maximum is not None:
                parts.append(f"{_num(self.maximum)} {'미만' if self.exclusive_maximum else '이하'}")
            return " ".join(parts) + f"의 {kind}" if parts else kind
        if self.kind == "enum":
            return " / ".join(str(o) for o in self.options) + " 중 하나"
        if self.kind == "multi":
            count = ""
            if self.min_items is not None and self.max_items is not None:
                count = f" {self.min_items}~{self.max_items}개"
            elif self.min_items is not None:
                count = f" {self.min_items}개 이상"
            return " / ".join(str(o) for o in self.options) + f" 중{count}"
        if self.kind == "boolean":
            return "true 또는 false"
        return "문자열"


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() and abs(value) < 1e15 else f"{value:g}"


def _resolve(schema: dict, node: dict) -> dict:
    if "$ref" in node:
        name = node["$ref"].rsplit("/", 1)[-1]
        merged = dict(schema.get("$defs", {}).get(name, {}))
        merged.update({k: v for k, v in node.items() if k != "$ref"})
        return merged
    return node


def _field(schema: dict, name: str, node: dict) -> ParamField:
    node = _resolve(schema, node)
    nullable = False
    if "anyOf" in node:
        branches = [_resolve(schema, b) for b in node["anyOf"]]
        nullable = any(b.get("type") == "null" for b in branches)
        concrete = [b for b in branches if b.get("type") != "null"]
        merged = dict(concrete[0]) if concrete else {}
        merged.update({k: v for k, v in node.items() if k != "anyOf"})
        node = merged
    label = node.get("description") or node.get("title") or name
    common: dict[str, Any] = dict(name=name, label=label, default=node.get("default"), nullable=nullable)
    if "enum" in node or "const" in node:
        options = tuple(node.get("enum") or [node["const"]])
        return ParamField(kind="enum", options=options, **common)
    kind = node.get("type")
    if kind in ("integer", "number"):
        minimum = node.get("minimum", node.get("exclusiveMinimum"))
        maximum = node.get("maximum", node.get("exclusiveMaximum"))
        return ParamField(kind=kind, minimum=minimum, maximum=maximum,
                          exclusive_minimum="exclusiveMinimum" in node, exclusive_maximum="exclusiveMaximum" in node,
                          **common)
    if kind == "boolean":
        return ParamField(kind="boolean", **common)
    if kind == "array":
        items = _resolve(schema, node.get("items", {}))
        options = tuple(items.get("enum") or ())
        if options:
            return ParamField(kind="multi", options=options, min_items=node.get("minItems"),
                              max_items=node.get("maxItems"), **common)
    return ParamField(kind="text", **common)


@cache
def param_fields(model: type[DemoParams]) -> tuple[ParamField, ...]:
    """The form fields of a parameter model, built once per model: model_json_schema() costs about
    a millisecond, and every question page with a demo panel labels its preset with these."""
    schema = model.model_json_schema()
    return tuple(_field(schema, name, node) for name, node in schema.get("properties", {}).items())


# --- validation -----------------------------------------------------------------------------


class ParamsInvalid(ValueError):
    """details: [{"field", "message", <bounds>, "value"?}], one per problem, messages in Korean."""

    def __init__(self, details: list[dict]) -> None:
        self.details = details
        super().__init__(self.message)

    @property
    def message(self) -> str:
        return "매개변수가 올바르지 않습니다: " + "; ".join(d["message"] for d in self.details)


def _problem(error: ErrorDetails, fields: dict[str, ParamField]) -> dict:
    loc = [str(part) for part in error.get("loc", ())]
    name = loc[0] if loc else ""
    path = ".".join(loc)
    kind = error.get("type", "")
    spec = fields.get(name)
    detail: dict[str, Any] = {"field": path or None, "type": kind}
    if "input" in error and kind != "missing" and isinstance(error["input"], (int, float, str, bool, list, type(None))):
        value = error["input"]
        # "nan"/"inf" as text: the details go out as JSON, which has no such numbers.
        detail["value"] = str(value) if isinstance(value, float) and not math.isfinite(value) else value
    if kind == "extra_forbidden":
        known = ", ".join(fields)
        detail["message"] = f"{path}: 이 실험에 없는 매개변수입니다 (있는 매개변수: {known})"
        detail["allowed_fields"] = list(fields)
        return detail
    if spec is None:
        detail["message"] = f"{path}: {error.get('msg', '')}"
        return detail
    detail.update(spec.bounds())
    if kind == "value_error":
        reason = str(error.get("msg", "")).removeprefix("Value error, ")
        detail["message"] = f"{name}: {reason}"
    elif kind == "finite_number":
        detail["message"] = f"{name}: NaN·Infinity가 아닌 유한한 수여야 합니다 ({spec.bounds_text()})"
    else:
        shown = f" (받은 값: {detail['value']!r})" if "value" in detail else ""
        detail["message"] = f"{name}: {spec.bounds_text()}여야 합니다{shown}"
    return detail


def validate_params(model: type[DemoParams], raw: Mapping[str, Any] | None) -> DemoParams:
    if raw is None:
        raw = {}
    if not isinstance(raw, Mapping):
        raise ParamsInvalid([{"field": None, "type": "dict_type", "message": "params는 JSON 객체여야 합니다"}])
    try:
        return model.model_validate(dict(raw))
    except ValidationError as exc:
        fields = {f.name: f for f in param_fields(model)}
        raise ParamsInvalid([_problem(e, fields) for e in exc.errors()]) from None


# --- strings (forms, query strings, the CLI) -------------------------------------------------------


def _scalar(spec: ParamField, text: str) -> Any:
    text = text.strip()
    if spec.nullable and text == "":
        return None
    if spec.kind == "integer":
        try:
            return int(text)
        except ValueError:
            return text  # left for the model to refuse with its bounds
    if spec.kind == "number":
        try:
            return float(text)
        except ValueError:
            return text
    if spec.kind == "boolean":
        lowered = text.lower()
        return True if lowered in TRUE_WORDS else False if lowered in FALSE_WORDS else text
    if spec.kind == "enum" and spec.options and all(isinstance(o, (int, float)) for o in spec.options):
        try:
            return type(spec.options[0])(text)
        except ValueError:
            return text
    return text


def coerce_strings(model: type[DemoParams], values: Mapping[str, list[str]], *,
                   unchecked_is_false: bool = False) -> dict[str, Any]:
    """Typed values from string lists (a form, a query string, repeated --param).

    Names the model does not know are kept, so validation names them. A multi-choice field takes
    repeated values or one comma-separated value. ``unchecked_is_false``: in a submitted HTML form
    an unticked checkbox sends nothing, and a checkbox group with nothing ticked sends nothing.
    """
    fields = {f.name: f for f in param_fields(model)}
    out: dict[str, Any] = {}
    for name, texts in values.items():
        spec = fields.get(name)
        if spec is None:
            out[name] = texts[-1] if texts else ""
        elif spec.kind == "multi":
            out[name] = [part.strip() for text in texts for part in text.split(",") if part.strip()]
        elif texts and not (texts[-1].strip() == "" and spec.kind in ("integer", "number") and not spec.nullable):
            out[name] = _scalar(spec, texts[-1])
    if unchecked_is_false:
        for spec in fields.values():
            if spec.name not in values:
                if spec.kind == "boolean":
                    out[spec.name] = False
                elif spec.kind == "multi":
                    out[spec.name] = []
    return out


def param_pairs(params: Mapping[str, Any], **extra: Any) -> list[tuple[str, str]]:
    """(name, text) pairs a form or a query string carries; lists repeat their name."""
    pairs: list[tuple[str, str]] = []
    for name, value in list(params.items()) + [(k, v) for k, v in extra.items() if v is not None]:
        values = value if isinstance(value, (list, tuple)) else [value]
        for item in values:
            if isinstance(item, bool):
                pairs.append((name, "true" if item else "false"))
            else:
                pairs.append((name, "" if item is None else str(item)))
    return pairs


def query_string(params: Mapping[str, Any], **extra: Any) -> str:
    """Params (and e.g. seed/device) as a query string a page can be prefilled from."""
    return urlencode(param_pairs(params, **extra))


def display_value(value: Any) -> str:
    """Korean display of a parameter or table value: small and large floats in scientific notation."""
    if isinstance(value, (list, tuple)):
        return ", ".join(display_value(v) for v in value)
    if isinstance(value, bool):
        return "예" if value else "아니오"
    if isinstance(value, float):
        if not math.isfinite(value):
            return DIVERGED
        if value != 0 and (abs(value) < 1e-3 or abs(value) >= 1e5):
            return f"{value:.3e}"
        return f"{value:.4g}"
    return "" if value is None else str(value)


def labelled_values(model: type[DemoParams], params: Mapping[str, Any]) -> list[tuple[str, str, str]]:
    """(Korean label, parameter name, shown value) per parameter: readers see "은닉층 너비 128", not "hidden=128"."""
    fields = {f.name: f for f in param_fields(model)}
    return [(fields[name].short_label if name in fields else name, name, display_value(value))
            for name, value in params.items()]
