"""extract_text: the plain text the search index gets from rendered HTML."""

from __future__ import annotations

from app.render import extract_text, render_markdown
from app.render.text import MATH_SHOWN, math_shown, math_source


def test_blocks_are_separated_and_words_are_not_split():
    html = render_markdown("# 제목\n\n**딥**러닝 문단\n\n- 하나\n- 둘\n\n| a | b |\n|---|---|\n| 1 | 2 |")
    assert extract_text(html) == "제목 딥러닝 문단 하나 둘 a b 1 2"


def test_math_reads_as_its_latex():
    html = render_markdown("식 $x_{min} + \\mu$ 과 <!-- $$\\sigma^2$$ -->")
    text = extract_text(html)
    assert "x_{min} + \\mu" in text and "\\sigma^2" in text
    assert "∑" not in text and "<" not in text


def test_fallback_math_reads_as_its_source():
    assert extract_text(render_markdown("$\\left( x$")) == "\\left( x"


def test_missing_image_gives_its_alt_text_only():
    text = extract_text(render_markdown("앞 ![손실 곡선](/images/none.png) 뒤 ![](/images/2021-05-01.png)"))
    assert text == "앞 손실 곡선 뒤"


def test_entities_are_decoded_and_code_is_kept():
    text = extract_text(render_markdown("`a < b && c` 와 ```python\nx = 1\n```"))
    assert "a < b && c" in text and "x = 1" in text


def test_empty_input():
    assert extract_text("") == "" and extract_text(None) == ""  # type: ignore[arg-type]


def test_math_shown_reads_as_the_page_draws_it():
    html = render_markdown("식 $x_{min} + \\mu$ 과 $\\frac{\\partial L}{\\partial w}$, "
                           "$\\gamma$로 $\\sqrt{x^2+1}$ $\\hat{y}$")
    assert extract_text(html, math="shown") == "식 xₘᵢₙ + μ 과 ∂L/∂w, γ로 √(x² + 1) ŷ"
    assert extract_text(render_markdown("$a < b$ 와\n\n$\\left( x$"), math="shown") == "a < b 와 \\left( x"


def test_math_both_is_the_source_for_the_index_and_the_drawing_for_snippets():
    html = render_markdown("앞 $\\sigma^2$로 &amp; $a < b$ 뒤\n\n$$x_{t+1} = \\frac{a+b}{c}$$")
    both = extract_text(html, math="both")
    assert math_source(both).split() == extract_text(html).split()
    assert math_shown(both) == extract_text(html, math="shown") == "앞 σ²로 & a < b 뒤 xₜ₊₁ = (a + b)/c"
    cut = both[:both.index(MATH_SHOWN) + 2]  # a document clipped inside a formula
    assert math_shown(cut) == "앞 σ" and math_source(cut).split() == ["앞", "\\sigma^2"]
    stray = extract_text("<p>a\ue000b\ue002c</p>", math="both")
    assert stray == "abc"
