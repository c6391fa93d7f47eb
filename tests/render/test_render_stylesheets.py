"""The committed stylesheets match what the renderer emits."""

from __future__ import annotations

import re

from app.config import PROJECT_ROOT
from app.render import render_markdown
from app.render.highlight import stylesheet
from app.render.sanitize import ALLOWED_CLASSES

CSS = PROJECT_ROOT / "static" / "css"


def test_pygments_css_is_the_generated_one():
    # Fails after a Pygments upgrade or a style change: regenerate with the command in its header.
    assert (CSS / "pygments.css").read_text(encoding="utf-8") == stylesheet()


def test_pygments_css_uses_classes_only_and_covers_emitted_tokens():
    css = (CSS / "pygments.css").read_text(encoding="utf-8")
    html = render_markdown("```python\nimport torch  # 주석\nx: int = torch.zeros(3).sum()\nprint(f'{x}')\n```")
    used = set(re.findall(r'<span class="([a-z0-9]+)">', html))
    styled = set(re.findall(r"\.highlight \.([a-z0-9]+) ", css))
    assert {"kn", "nn", "c1", "nb", "mi"} <= used & styled  # classes survive sanitising and are coloured
    assert styled <= ALLOWED_CLASSES["span"] | {"hll"}  # nothing styled that the sanitiser would strip
    assert "style=" not in html


def test_render_css_styles_every_renderer_class():
    css = (CSS / "render.css").read_text(encoding="utf-8")
    for name in ("rendered", "image-missing", "image-missing-label", "image-missing-alt", "image-missing-file", "math-source", "math-block",
                 "task-list-item"):
        assert f".{name}" in css
    assert "image-missing" in ALLOWED_CLASSES["span"]
