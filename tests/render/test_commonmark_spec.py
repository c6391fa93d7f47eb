"""The Korean emphasis rule changes nothing else of CommonMark.

spec.txt is the CommonMark 0.31.2 specification as npm's ``commonmark-spec`` package ships it
(CC-BY-SA, see LICENSE beside it). Every one of its 652 examples must render the same with and
without the Korean flanking rule: the rule only acts where a Hangul character touches the run.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

from app.render.korean_emphasis import korean_emphasis_plugin

SPEC = Path(__file__).parent / "commonmark" / "spec.txt"
EXAMPLE = re.compile(r"^`{32} example\n([\s\S]*?)^\.\n([\s\S]*?)^`{32}$", re.MULTILINE)


def spec_examples() -> list[tuple[str, str]]:
    text = SPEC.read_text(encoding="utf-8").split("<!-- END TESTS -->")[0]
    return [(md.replace("→", "\t"), html.replace("→", "\t")) for md, html in EXAMPLE.findall(text)]


EXAMPLES = spec_examples()
PLAIN = MarkdownIt("commonmark")
KOREAN = MarkdownIt("commonmark").use(korean_emphasis_plugin)


def test_the_whole_spec_is_read():
    assert len(EXAMPLES) == 652


@pytest.mark.parametrize(("markdown", "html"), EXAMPLES, ids=[f"example-{n}" for n in range(1, len(EXAMPLES) + 1)])
def test_spec_example_renders_as_without_the_korean_rule(markdown, html):
    assert KOREAN.render(markdown) == PLAIN.render(markdown)


def test_the_rule_does_act_on_korean_text():
    assert KOREAN.render("**ReLU(렐루)**는") != PLAIN.render("**ReLU(렐루)**는")
