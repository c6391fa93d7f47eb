"""`kb demo export SLUG`: one Python file that runs an experiment with plain Python and torch.

The script carries the source of the experiment module and of every app module it imports (found by
reading their import statements, also those inside functions), each verbatim except that ``app.`` in
an import becomes the script's private package ``_kb.`` and pydantic becomes the small stand-in in
``pydantic.py``. What the app reads from other libraries comes along too: the 8×8 digits that
scikit-learn ships, written in as data (when the experiment uses them), and the t quantile of the
95% intervals, which the app asks scipy for, computed in plain Python (``tdist.py``). The script
seeds and sets torch's determinism flags as the engine does (app/demos/execute.py), runs the
experiment on the engine's seeds and prints the metrics as JSON: for an experiment with claims, each
metric's mean, 95% interval and per-seed values, the claims' verdicts and the overall verdict; for an
older one, its metrics.

The script runs on as many torch threads as the engine's run did (``threads``, written in as the
default of ``--threads``): with another count a CPU reduction adds its per-thread partial sums in
another order, and a training that amplifies the last bits (batchnorm at a high learning rate, the
resumed Adam of save-load) ends percents or 1e-4 away from the engine's numbers.
"""

from __future__ import annotations

import ast
import base64
import gzip
import importlib
import importlib.util
import inspect
import json
import re
import sys
from functools import lru_cache
from pathlib import Path

from app.demos.base import DemoParams, DemoSpec
from app.demos.execute import run_seeds

PACKAGE = "_kb"  # the script's name for `app`
_APP_IMPORT = re.compile(r"^(\s*)(from|import)(\s+)app(?=[.\s])", re.MULTILINE)
_PYDANTIC_IMPORT = re.compile(r"^(\s*)from(\s+)pydantic(\s+)import", re.MULTILINE)
_SHIM = "app.demos.standalone.pydantic"
_TDIST = "app.demos.standalone.tdist"


def module_of(spec: DemoSpec):
    """The experiment module a spec was defined in (its ``run`` lives there)."""
    name = spec.run.__module__
    return sys.modules.get(name) or importlib.import_module(name)


def _app_imports(source: str) -> set[str]:
    """The app modules a module's source imports anywhere (top level or inside functions)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name.split(".")[0] == "app")
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module and \
                node.module.split(".")[0] == "app":
            found.add(node.module)
            if hasattr(importlib.import_module(node.module), "__path__"):
                for alias in node.names:  # `from app.demos import evidence` imports a module
                    if importlib.util.find_spec(f"{node.module}.{alias.name}") is not None:
                        found.add(f"{node.module}.{alias.name}")
    return found


def _closure(root: str) -> tuple[dict[str, str], set[str]]:
    """Module name -> source for ``root`` and every app module it reaches, and which of them are packages."""
    sources: dict[str, str] = {}
    packages: set[str] = set()
    pending = [root]
    while pending:
        name = pending.pop()
        if name in sources or name == "app":
            continue
        module = importlib.import_module(name)
        if hasattr(module, "__path__"):
            packages.add(name)
        sources[name] = inspect.getsource(module) if Path(module.__file__ or "").stat().st_size else ""
        parent = name.rpartition(".")[0]
        pending.extend(m for m in _app_imports(sources[name]) | ({parent} if parent else set()) if m not in sources)
    return sources, packages | {"app"}


def _script_name(name: str) -> str:
    return PACKAGE + name[len("app"):]


def _rewrite(source: str) -> str:
    source = _APP_IMPORT.sub(lambda m: f"{m.group(1)}{m.group(2)}{m.group(3)}{PACKAGE}", source)
    return _PYDANTIC_IMPORT.sub(lambda m: f"{m.group(1)}from{m.group(2)}{PACKAGE}.pydantic{m.group(3)}import", source)


def _digits_payload() -> tuple[str, str]:
    """scikit-learn's digits file, read as load_digits reads it, without importing scikit-learn here
    (the web process serves the script too)."""
    found = importlib.util.find_spec("sklearn")
    if found is None or not found.submodule_search_locations:
        raise RuntimeError("scikit-learn is not installed: the digits cannot be written into the script")
    path = Path(list(found.submodule_search_locations)[0]) / "datasets" / "data" / "digits.csv.gz"
    with gzip.open(path, "rt", encoding="ascii") as rows:
        values = [[int(float(v)) for v in line.split(",")] for line in rows if line.strip()]
    return (base64.b64encode(bytes(v for row in values for v in row[:-1])).decode("ascii"),
            base64.b64encode(bytes(row[-1] for row in values)).decode("ascii"))


def _overrides(sources: dict[str, str]) -> dict[str, str]:
    """Code appended to a module in place of what the app reads from scipy / scikit-learn."""
    extra = {}
    if "app.demos.evidence" in sources:
        extra["app.demos.evidence"] = (
            "\n\n# Added by `kb demo export`: the t quantile in plain Python (tdist.py), so no scipy is needed.\n"
            f"from {_script_name(_TDIST)} import t_quantile as _t_quantile  # noqa: E402,F811\n")
    if "app.demos.datasets" in sources:
        data, target = _digits_payload()
        extra["app.demos.datasets"] = (
            "\n\n# Written in by `kb demo export`: scikit-learn's 8x8 digits (load_digits), one byte per value.\n"
            f"_DIGITS_DATA = {data!r}\n_DIGITS_TARGET = {target!r}\n\n\n"
            "def _digits_arrays():\n    import base64\n\n"
            "    data, target = base64.b64decode(_DIGITS_DATA), base64.b64decode(_DIGITS_TARGET)\n"
            "    return [list(data[i:i + 64]) for i in range(0, len(data), 64)], list(target)\n")
    return extra


def _params_literal(params: DemoParams) -> str:
    """The validated parameters as Python literals (tuples stay tuples, as pydantic made them)."""
    items = []
    for name in type(params).model_fields:
        value = getattr(params, name)
        text = repr(value)
        try:
            same = ast.literal_eval(text) == value
        except (ValueError, SyntaxError):
            same = False
        if not same:
            text = f"json.loads({json.dumps(json.dumps(value))})"
        items.append(f"    {name!r}: {text},")
    return "{\n" + "\n".join(items) + "\n}"


@lru_cache(maxsize=64)
def _bundle(root: str) -> tuple[tuple[tuple[str, str], ...], tuple[str, ...], str]:
    """The script's modules (name, source) and packages for the experiment module ``root``; built
    once per process, since reading the sources and the digits file costs a moment."""
    sources, packages = _closure(root)
    if "app.demos.evidence" in sources:
        more, more_packages = _closure(_TDIST)
        sources, packages = {**more, **sources}, packages | more_packages
    sources.pop(_SHIM, None)
    for name, extra in _overrides(sources).items():
        sources[name] += extra
    bundled = {_script_name(name): _rewrite(source) for name, source in sorted(sources.items())}
    bundled[f"{PACKAGE}.pydantic"] = inspect.getsource(importlib.import_module(_SHIM))
    return tuple(bundled.items()), tuple(sorted(map(_script_name, packages))), ", ".join(sorted(sources))


def standalone_script(spec: DemoSpec, params: DemoParams, seed: int, threads: int = 1) -> str:
    """The text of a script that runs ``spec`` at ``params`` from ``seed`` on ``threads`` torch threads
    (by default: the engine run's count) and prints its metrics."""
    root = module_of(spec).__name__
    bundled, packages, names = _bundle(root)
    seeds = list(run_seeds(seed)) if spec.claims else [seed]
    return _TEMPLATE.format(
        title=spec.title, slug=spec.slug, version=spec.version, seed=seed, seeds=seeds, threads=threads,
        params=_params_literal(params), module=_script_name(root), packages=list(packages),
        modules="\n".join(f"    {name!r}: {source!r}," for name, source in bundled), module_names=names,
    )


_TEMPLATE = '''#!/usr/bin/env python3
"""{title} — 질문창고 실험 '{slug}' (버전 {version})을 python과 torch만으로 돌리는 스크립트.

`kb demo export`가 만들었습니다. 실험 모듈과 그 모듈이 쓰는 앱 모듈의 소스를 그대로 담았고
({module_names}), `app.`은 `_kb.`로, pydantic은 작은 대역으로 바꿨습니다.
서버와 같은 방식으로 시드를 정하고 결정적 연산을 켠 뒤 돌려서 측정값을 JSON으로 출력합니다.
torch 스레드 수도 서버의 실행과 같게(THREADS) 맞춥니다: 스레드 수가 다르면 CPU의 합이 다른 순서로 더해져
마지막 자리가 달라지고, 학습이 그 차이를 키워 측정값이 서버와 달라질 수 있습니다.

    python this_script.py [--device cpu|cuda] [--threads N]
"""

import argparse
import importlib
import importlib.abc
import importlib.util
import json
import math
import random
import sys

SLUG = {slug!r}
VERSION = {version!r}
SEED = {seed!r}
SEEDS = {seeds!r}  # the engine's seeds for SEED (app/demos/execute.py: run_seeds)
THREADS = {threads!r}  # torch threads of the engine's run: another count sums in another order
PARAMS = {params}
MODULE = {module!r}
PACKAGES = {packages!r}
SOURCES = {{
{modules}
}}


class _Bundle(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Imports the modules above from their source text."""

    def find_spec(self, name, path=None, target=None):
        if name in SOURCES or name in PACKAGES:
            return importlib.util.spec_from_loader(name, self, is_package=name in PACKAGES)
        return None

    def create_module(self, spec):
        return None

    def exec_module(self, module):
        code = compile(SOURCES.get(module.__name__, ""), "<" + module.__name__ + ">", "exec")
        exec(code, module.__dict__)


def _finite(value):
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {{k: _finite(v) for k, v in value.items()}}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    return value


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cpu", help="cpu (기본) 또는 cuda")
    parser.add_argument("--threads", type=int, default=THREADS,
                        help=f"torch 스레드 수 (기본 {{THREADS}}: 서버의 실행과 같은 수; "
                             "다르면 측정값이 조금 달라질 수 있습니다)")
    parser.add_argument("--quiet", action="store_true", help="진행 상황을 찍지 않습니다")
    args = parser.parse_args(argv)

    import torch

    torch.set_num_threads(max(1, args.threads))
    torch.use_deterministic_algorithms(True, warn_only=True)
    torch.backends.cudnn.deterministic = True
    torch.backends.cudnn.benchmark = False
    torch.backends.cuda.matmul.allow_tf32 = False  # full float32 on a GPU, as the server's run
    torch.backends.cudnn.allow_tf32 = False
    random.seed(SEED)
    try:
        import numpy
    except ImportError:
        numpy = None
    if numpy is not None:
        numpy.random.seed(SEED)
    torch.manual_seed(SEED)
    device = torch.device(args.device)
    if device.type == "cuda" and not torch.cuda.is_available():
        parser.error("이 컴퓨터에는 CUDA GPU가 없습니다: --device cpu로 돌려 주세요")

    sys.meta_path.insert(0, _Bundle())
    spec = importlib.import_module(MODULE).DEMO
    params = spec.params(**PARAMS)

    def progress(fraction, message="", charts=None):
        if not args.quiet:
            print(f"{{fraction * 100:5.1f}}% {{message}}", file=sys.stderr)

    if spec.claims:
        evidence = importlib.import_module("_kb.demos.evidence")
        measurement = spec.run(params, device, progress, tuple(SEEDS))
        summaries = evidence.summarise_all(measurement.per_seed)
        outcomes = evidence.outcomes(spec.claims, summaries)
        out = {{
            "slug": SLUG, "version": VERSION, "params": PARAMS, "seeds": SEEDS, "threads": torch.get_num_threads(),
            "metrics": {{name: s.model_dump() for name, s in summaries.items()}},
            "claims": [c.model_dump() for c in outcomes],
            "verdict": evidence.overall([c.verdict for c in outcomes]),
        }}
    else:
        result = spec.run(params, device, progress)
        out = {{"slug": SLUG, "version": VERSION, "params": PARAMS, "seeds": SEEDS, "threads": torch.get_num_threads(),
               "metrics": dict(result.metrics)}}
    print(json.dumps(_finite(out), ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
'''
