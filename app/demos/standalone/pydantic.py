"""Just enough of pydantic's surface for an experiment module to run outside the app.

`kb demo export` puts this module's source into the standalone script in pydantic's place, so the
script needs Python and torch only. The exporter has already validated the parameters with real
pydantic, so nothing here validates: a model is its fields' values, filled from keyword arguments
or the declared defaults. Parameter models stay frozen and hashable as they are in the app.
"""

from __future__ import annotations

from typing import Any

_MISSING = object()


class FieldInfo:
    def __init__(self, default: Any = _MISSING, default_factory: Any = None) -> None:
        self.default, self.default_factory = default, default_factory

    def value(self, name: str) -> Any:
        if self.default_factory is not None:
            return self.default_factory()
        if self.default is _MISSING or self.default is Ellipsis:
            raise TypeError(f"missing value for field {name!r}")
        return self.default


def Field(default: Any = _MISSING, *, default_factory: Any = None, **_constraints: Any) -> Any:  # noqa: N802
    return FieldInfo(default, default_factory)


def ConfigDict(**settings: Any) -> dict:  # noqa: N802
    return settings


class BeforeValidator:
    def __init__(self, function: Any) -> None:
        self.function = function


class BaseModel:
    model_fields: dict[str, FieldInfo] = {}
    model_config: dict = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        fields: dict[str, FieldInfo] = {}
        for klass in reversed(cls.__mro__):
            for name, annotation in vars(klass).get("__annotations__", {}).items():
                if name.startswith("model_") or "ClassVar" in str(annotation):
                    continue
                declared = vars(klass).get(name, fields.get(name, FieldInfo()))
                fields[name] = declared if isinstance(declared, FieldInfo) else FieldInfo(declared)
        cls.model_fields = fields
        for name in fields:
            if isinstance(vars(cls).get(name), FieldInfo):
                delattr(cls, name)

    def __init__(self, **data: Any) -> None:
        unknown = set(data) - set(self.model_fields)
        if unknown:
            raise TypeError(f"{type(self).__name__}: unknown fields {sorted(unknown)}")
        for name, info in self.model_fields.items():
            object.__setattr__(self, name, data[name] if name in data else info.value(name))

    def __setattr__(self, name: str, value: Any) -> None:
        if self.model_config.get("frozen"):
            raise TypeError(f"{type(self).__name__} is frozen")
        object.__setattr__(self, name, value)

    def _values(self) -> tuple:
        return tuple(getattr(self, name) for name in self.model_fields)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, BaseModel) and type(self) is type(other) and self._values() == other._values()

    def __hash__(self) -> int:
        return hash((type(self), self._values()))

    def __repr__(self) -> str:
        inner = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.model_fields)
        return f"{type(self).__name__}({inner})"

    def model_copy(self, update: dict | None = None, deep: bool = False) -> BaseModel:
        return type(self)(**{**{name: getattr(self, name) for name in self.model_fields}, **(update or {})})

    def model_dump(self, **_options: Any) -> dict:
        return {name: _dump(getattr(self, name)) for name in self.model_fields}

    @classmethod
    def model_validate(cls, value: Any) -> BaseModel:
        return value if isinstance(value, cls) else cls(**value)


def _dump(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump()
    if isinstance(value, (list, tuple)):
        return [_dump(v) for v in value]
    if isinstance(value, dict):
        return {k: _dump(v) for k, v in value.items()}
    return value


def field_validator(*_fields: Any, **_options: Any) -> Any:
    """Validators are not run: the exporter validated the parameters already."""
    def keep(function: Any) -> Any:
        return function
    return keep


model_validator = field_validator


class ValidationError(ValueError):
    pass
