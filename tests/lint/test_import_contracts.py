"""The private-names contract (.ci/importcontracts.py) that `make lint` runs: what it catches and what
it lets through, and that app/ keeps it."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("importcontracts", ROOT / ".ci" / "importcontracts.py")
assert _spec is not None and _spec.loader is not None
contracts = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(contracts)

SOURCE = """\
from app.ingest.shapes.nodes import _classify, parse
from app.ingest.shapes import _lines
from app.services.posting import _finish
from . import _helper
from ..ingest.shapes._lines import Line
from app.errors import AppError
import app.search._cache
"""


def test_private_names_from_another_package_break_it_and_the_own_package_does_not():
    found = contracts.private_imports("app.services.export", SOURCE, "app")
    assert found == [
        (1, "app.ingest.shapes.nodes._classify"),
        (2, "app.ingest.shapes._lines"),
        (5, "app.ingest.shapes._lines.Line"),
        (7, "app.search._cache"),
    ]


def test_private_names_reached_through_an_imported_name_break_it_too():
    source = ("from app.ingest.shapes import nodes, weeks as w\nimport app.search.terms\nfrom . import export\n"
              "import app.ingest.shapes._lines as lines\n"
              "nodes._classify(line)\nw._NUMBERED.match(text)\napp.search.terms._key_of('x')\n"
              "export._plan()\nnodes.parse(text)\nself._cache\nlines._split(text)\n")
    assert contracts.private_imports("app.services.export", source, "app") == [
        (4, "app.ingest.shapes._lines"),
        (5, "app.ingest.shapes.nodes._classify"),
        (6, "app.ingest.shapes.weeks._NUMBERED"),
        (7, "app.search.terms._key_of"),
    ]


def test_inside_one_package_private_names_are_shared():
    source = "from app.ingest.shapes._lines import Line\nfrom .._links import settle\n"
    assert contracts.private_imports("app.ingest.shapes.nodes", source, "app") == []


def test_app_keeps_the_contract():
    broken = []
    for path in sorted((ROOT / "app").rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        is_package = parts[-1] == "__init__"
        module = ".".join(parts[:-1] if is_package else parts)
        broken += contracts.private_imports(module, path.read_text(encoding="utf-8"), "app", is_package)
    assert broken == []
