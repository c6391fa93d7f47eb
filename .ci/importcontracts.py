"""An import-linter contract type that the built-in ones lack: no private names across packages.

`private_modules` (built in) keeps `app/ingest/shapes/_lines.py` inside its package, but the graph it
checks holds modules only, so `from app.ingest.shapes.nodes import _classify` in `app/services/` would
pass. This contract reads each module's own source: a name starting with one underscore, imported
from another package under the root (`app.services` from `app.ingest`) or reached through a name
imported from one (`nodes._classify` after `from app.ingest.shapes import nodes`), breaks it. If two
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


def _dotted(node: ast.expr) -> str | None:
    """`a.b.c` for a chain of attributes on a name, else None."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = _dotted(node.value)
        return f"{base}.{node.attr}" if base else None
    return None


def private_imports(module: str, source: str, root: str, is_package: bool = False) -> list[tuple[int, str]]:
    """(line, what) for each private name `module` takes from another package under `root`: imported
    (`from app.ingest.shapes.nodes import _classify`) or reached through an imported name
    (`nodes._classify(...)` after `from app.ingest.shapes import nodes`)."""
    depth = 2  # root.package
    own = _package(module, depth)
    tree = ast.parse(source)
    found = []
    bound: dict[str, str] = {}  # a name this module binds by importing -> the full name it stands for
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            target = _absolute(module, node, is_package)
            names = [(alias.name, f"{target}.{alias.name}" if target else alias.name, alias.asname)
                     for alias in node.names]
        elif isinstance(node, ast.Import):
            names = [(alias.name, alias.name, alias.asname) for alias in node.names]
        else:
            continue
        for name, full, asname in names:
            if asname or isinstance(node, ast.ImportFrom):
                bound[asname or name] = full
            else:  # `import app.search.x` binds `app`
                bound[name.split(".")[0]] = name.split(".")[0]
            if not (full == root or full.startswith(root + ".")) or _package(full, depth) == own:
                continue
            if any(_private(part) for part in full.split(".")[depth:]):
                found.append((node.lineno, full))
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Attribute) and _private(node.attr)):
            continue
        base = _dotted(node.value)
        head = base.split(".")[0] if base else None
        if base is None or head not in bound:
            continue
        full = bound[head] + base[len(head):] + "." + node.attr
        if (full.startswith(root + ".") and _package(full, depth) != own
                and not any(_private(part) for part in full.split(".")[depth:-1])):  # already reported
            found.append((node.lineno, full))
    return sorted(found)


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
