"""The "코드 보기" panel: an experiment module's own source, as installed, highlighted once per process.

The source is read with ``inspect.getsource`` from the module the engine runs, so the page can never
show code other than what produced the numbers beside it.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from functools import lru_cache

from app.config import PROJECT_ROOT
from app.demos.registry import get_demo
from app.demos.standalone.bundle import module_of
from app.render.highlight import code_block_html


@dataclass(frozen=True)
class SourceView:
    module: str  # app.demos.experiments.dropout
    path: str  # app/demos/experiments/dropout.py, relative to the project
    lines: int
    html: str  # highlighted by Pygments (static/css/pygments.css)


@lru_cache(maxsize=64)
def experiment_source(slug: str) -> SourceView | None:
    spec = get_demo(slug)
    if spec is None:
        return None
    module = module_of(spec)
    source = inspect.getsource(module)
    file = inspect.getsourcefile(module) or module.__name__.replace(".", "/") + ".py"
    try:
        path = str(PROJECT_ROOT.joinpath(file).resolve().relative_to(PROJECT_ROOT.resolve()))
    except ValueError:  # installed outside the project (a wheel): name it by its module
        path = module.__name__.replace(".", "/") + ".py"
    return SourceView(module=module.__name__, path=path, lines=source.count("\n") + 1,
                      html=code_block_html(source, "python"))
