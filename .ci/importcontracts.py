"""An import-linter contract type that the built-in ones lack: no private names across packages.

`private_modules` (built in) keeps `app/ingest/shapes/_lines.py` inside its package, but the graph it
checks holds modules only, so `from app.ingest.shapes.nodes import _classify` in `app/services/` would
pass. This contract reads each module's own import statements: a name starting with one underscore,
imported from another package under the root (`app.services` from `app.ingest`), breaks it. If two
packages need a name, it is public and lives where both may see it (STYLE.md).

Loaded by `make lint`, which puts this folder on PYTHONPATH (`contract_types` in pyproject.toml).
"""

from __future__ import annotations

import ast
from pathlib import Path

import grimp
from importlinter.application import output
from importlinter.domain.contract import Contract, ContractCheck


def _private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def _package(module: str, depth: int) -> str:
    """`app.ingest.shapes.nodes` -> `app.ingest` (depth 2): the unit inside which private names are shared."""
    return ".".join(module.split(".")[:depth])


def _source(module: str) -> Path | None:
    path = Path(*module.split("."))
    for candidate in (path.with_suffix(".py"), path / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def _absolute(module: str, node: ast.ImportFrom, is_package: bool) -> str:
    if node.level == 0:
        return node.module or ""
    parts = module.split(".")
    base = parts if is_package else parts[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join([*base, node.module] if node.module else base)


def private_imports(module: str, source: str, root: str, is_package: bool = False) -> list[tuple[int, str]]:
    """(line, what) for each private name `module` takes from another package under `root`."""
    depth = 2  # root.package
    own = _package(module, depth)
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom):
            target = _absolute(module, node, is_package)
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.Import):
            target, names = "", [alias.name for alias in node.names]
        else:
            continue
        for name in names:
            full = f"{target}.{name}" if target else name
            if not (full == root or full.startswith(root + ".")) or _package(full, depth) == own:
                continue
            if any(_private(part) for part in full.split(".")[depth:]):
                found.append((node.lineno, full))
    return found


class PrivateNamesContract(Contract):
    type_name = "private_names"

    def check(self, graph: grimp.ImportGraph, verbose: bool) -> ContractCheck:
        broken = []
        for module in sorted(graph.modules):
            root = module.split(".")[0]
            path = _source(module)
            if path is None:
                continue
            for line, name in private_imports(module, path.read_text(encoding="utf-8"), root,
                                              is_package=path.name == "__init__.py"):
                broken.append(f"{module} (l.{line}) imports {name}")
        return ContractCheck(kept=not broken, metadata={"broken": broken})

    def render_broken_contract(self, check: ContractCheck) -> None:
        output.print_error("Private names may only be imported inside their own package:", bold=False)
        output.new_line()
        for line in check.metadata["broken"]:
            output.print_error(f"- {line}", bold=False)
        output.new_line()
