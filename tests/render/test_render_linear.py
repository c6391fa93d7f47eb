"""Every render path costs work linear in its input: the shapes people (and attackers) can post, at
growing sizes, counted in executed Python lines (tests/work.py), never in time.

The old task-list plugin scanned back from every item to its list, so 2,500 items took seconds; a
quadratic path shows here as work per character growing with the input (x4 over this range).
"""

from __future__ import annotations

import pytest

from app.render.markdown import render_markdown
from tests.work import counting_lines

SHAPES = {
    "task list": lambda n: "- [ ] x\n" * n,
    "checked task list, nested": lambda n: "".join("  " * (i % 4) + "- [x] 할 일\n" for i in range(n)),
    "numbered list": lambda n: "".join(f"{i}. a\n" for i in range(1, n + 1)),
    "nested quotes": lambda n: ">" * 40 + " a\n" * n,
    "emphasis openers": lambda n: "*a " * n,
    "underscores": lambda n: "_a " * n,
    "mixed delimiters": lambda n: "*_" * n,
    "Korean emphasis": lambda n: "**한글**은 " * n,
    "open links": lambda n: "[a](" * n,
    "brackets": lambda n: "[" * n + "]" * n,
    "table rows": lambda n: "|a|b|\n|-|-|\n" + "|x|y|\n" * n,
    "footnotes": lambda n: "".join(f"a[^{i}]\n\n[^{i}]: b\n" for i in range(n)),
    "inline math": lambda n: "$x^2$ " * n,
    "dollar run": lambda n: "$" * n,
    "raw html": lambda n: "<div>" * n,
    "backticks": lambda n: "`a" * n,
    "images": lambda n: "![a](b.png) " * n,
    "bare urls": lambda n: "https://a.example/c " * n,
    "entities": lambda n: "&amp;" * n,
    "angle brackets": lambda n: "<a " * n,
    "code fence": lambda n: "```\n" + "a\n" * n + "```\n",
}
SIZES = (200, 400, 800)


@pytest.mark.parametrize("shape", list(SHAPES))
def test_render_work_per_character_stays_flat(shape):
    per_char = []
    for size in SIZES:
        text = SHAPES[shape](size)
        with counting_lines() as count:
            render_markdown(text)
        per_char.append(count.lines / len(text))
    assert per_char[-1] <= 1.5 * per_char[0] + 5, (shape, per_char)


def test_task_lists_render_as_disabled_checkboxes_in_marked_lists():
    html = render_markdown("- [ ] 할 일\n- [x] 한 일\n  - [X] 안쪽\n- 보통 항목\n")
    assert html.count('type="checkbox"') == 3 and html.count('checked="checked"') == 2
    assert html.count('disabled="disabled"') == 3
    assert 'class="contains-task-list"' in html and 'class="task-list-item"' in html
