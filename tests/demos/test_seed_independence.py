"""A seed's numbers depend on that seed alone: no experiment draws from a generator seeded with one
element of ``seeds`` (its first, say) for every seed together, which made a seed's numbers change with
the seeds run beside it. Read from the source, so it runs without torch; the dropout experiment's slow
test runs seeds [1, 2] and [2, 3] and compares seed 2."""

from __future__ import annotations

import ast

import pytest

from app.config import PROJECT_ROOT

EXPERIMENTS = sorted((PROJECT_ROOT / "app" / "demos" / "experiments").glob("*.py"))
SEEDING = {"generator", "manual_seed", "Generator", "default_rng", "Random", "seed"}


def _called(node: ast.Call) -> str:
    return node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")


def shared_generators(source: str) -> list[int]:
    """Lines where a generator is seeded from one fixed element of ``seeds`` (``seeds[0]``, ``seeds[-1]``);
    ``seeds[i % S]`` for model i of seed i % S is that model's own seed."""
    lines = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and _called(node) in SEEDING:
            for inner in (n for argument in node.args for n in ast.walk(argument)):
                fixed = isinstance(inner, ast.Subscript) and isinstance(inner.slice, ast.Constant | ast.UnaryOp)
                if fixed and getattr(inner.value, "id", None) == "seeds":
                    lines.append(node.lineno)
    return lines


def test_the_check_finds_a_generator_seeded_from_the_first_seed():
    assert shared_generators("g = torch.Generator().manual_seed(seeds[0] + 1)") == [1]
    assert shared_generators("g = generator(seeds[0] * 7919 + 29)") == [1]
    assert shared_generators("gs = [generator(seed * 7919 + 29) for seed in seeds]") == []
    assert shared_generators("g = generator(seeds[-1])") == [1]
    assert shared_generators("gs = [generator(seeds[i % S] * 1000) for i in range(M * S)]") == []


@pytest.mark.parametrize("path", EXPERIMENTS, ids=[p.stem for p in EXPERIMENTS])
def test_no_generator_is_shared_across_seeds(path):
    assert shared_generators(path.read_text(encoding="utf-8")) == [], path.name
