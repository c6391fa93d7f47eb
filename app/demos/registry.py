"""Every experiment module in ``app.demos.experiments``, found by listing the package.

Adding a demo is adding one module that defines ``DEMO``; nothing else has to be edited.
Importing this module imports the experiment modules, which must not import torch at module level.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from functools import lru_cache

from app.demos import experiments
from app.demos.base import DemoParams, DemoSpec

SLUG_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


class RegistryError(RuntimeError):
    pass


def _check(module_name: str, spec: object) -> DemoSpec:
    if not isinstance(spec, DemoSpec):
        raise RegistryError(f"{module_name}: DEMO must be a DemoSpec")
    if not SLUG_PATTERN.match(spec.slug):
        raise RegistryError(f"{module_name}: slug {spec.slug!r} is not lowercase-with-dashes")
    if not (isinstance(spec.params, type) and issubclass(spec.params, DemoParams)):
        raise RegistryError(f"{module_name}: params must subclass DemoParams")
    if not isinstance(spec.smallest, spec.params):
        raise RegistryError(f"{module_name}: smallest must be an instance of its params model")
    for concept, preset in spec.presets.items():
        if concept not in spec.concepts or not isinstance(preset, spec.params):
            raise RegistryError(
                f"{module_name}: preset {concept!r} must name one of its concepts and be its params model")
    if not callable(spec.run):
        raise RegistryError(f"{module_name}: run must be callable")
    return spec


@lru_cache(maxsize=1)
def _load() -> dict[str, DemoSpec]:
    demos: dict[str, DemoSpec] = {}
    for info in sorted(pkgutil.iter_modules(experiments.__path__), key=lambda i: i.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{experiments.__name__}.{info.name}")
        spec = _check(module.__name__, getattr(module, "DEMO", None))
        if spec.slug in demos:
            raise RegistryError(f"{module.__name__}: slug {spec.slug!r} is used twice")
        demos[spec.slug] = spec
    return demos


def all_demos() -> list[DemoSpec]:
    return list(_load().values())


def get_demo(slug: str) -> DemoSpec | None:
    return _load().get(slug)
