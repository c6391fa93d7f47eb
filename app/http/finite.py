"""JSON has no NaN or infinity, yet Python's parser accepts `NaN`, `Infinity`, `-Infinity` and turns
`1e999` into inf. Such a number passes type checks, fails every range check, and then the error body
that echoes it cannot be encoded. Any JSON body that holds one is answered with a 422 in the error
envelope, naming where it was, before a route sees it (app.http.body.RequestBody).
"""

from __future__ import annotations

import json
import math
from typing import Any

from starlette.datastructures import Headers

FINITE_MESSAGE = "유한한 수여야 합니다 (NaN, Infinity, 1e999처럼 표현할 수 없는 수는 받지 않습니다)."


class _NonFinite:
    """Stands where the parser met a non-finite number, so its path can be reported."""


_MARK = _NonFinite()


def _parse_float(text: str) -> Any:
    value = float(text)
    return value if math.isfinite(value) else _MARK


def non_finite_paths(body: bytes) -> list[str] | None:
    """Dotted paths ("params.learning_rate", "values.0") of every non-finite number in a JSON body;
    None when the body is not JSON at all (the route's own parser answers that)."""
    try:
        parsed = json.loads(body, parse_constant=lambda _: _MARK, parse_float=_parse_float)
    except (ValueError, RecursionError):
        return None
    found: list[str] = []
    stack: list[tuple[str, Any]] = [("", parsed)]
    while stack:
        path, value = stack.pop()
        if value is _MARK:
            found.append(path)
        elif isinstance(value, dict):
            stack.extend((f"{path}.{key}" if path else str(key), item) for key, item in value.items())
        elif isinstance(value, list):
            stack.extend((f"{path}.{index}" if path else str(index), item) for index, item in enumerate(value))
    return sorted(found)


def is_json(headers: Headers) -> bool:
    kind = headers.get("content-type", "").split(";", 1)[0].strip().lower()
    return kind == "application/json" or kind.endswith("+json")
