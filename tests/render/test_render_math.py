"""Math as MathML on the server: $…$, $$…$$, LaTeX hidden in comments, and the fallback."""

from __future__ import annotations

import re

import pytest

from app.config import PROJECT_ROOT
from app.render import render_markdown
from app.render.math import latex_to_html, math_image_latex

INTERVIEW = PROJECT_ROOT / "content" / "interview" / "deep-learning-interview.md"
DEAD_IMAGE = "render.githubusercontent.com/render/math"


def interview_section(label: str) -> str:
    """The text of one `## #N` section of the interview seed, up to the next section."""
    text = INTERVIEW.read_text(encoding="utf-8")
    start = text.index(f"\n## {label}\n")
    end = text.find("\n## ", start + 1)
    return text[start:end if end != -1 else None]


def test_inline_dollars_become_inline_mathml():
    html = render_markdown("손실 $L = \\frac{1}{n}\\sum_i (y_i - \\hat{y}_i)^2$ 을 줄인다.")
    assert html.count("<math") == 1 and '<math display="inline">' in html
    assert "<mfrac>" in html and "<msup>" in html
    assert '<annotation encoding="application/x-tex">L = \\frac{1}{n}' in html


def test_display_dollars_become_block_mathml():
    html = render_markdown("$$\n\\mu = {1 \\over m} \\sum x_i\n$$\n\n그리고 문장 안의 $$E=mc^2$$ 도.")
    assert html.count('<math display="block">') == 2
    assert '<div class="math-block"><math display="block">' in html
    # the inline $$…$$ stays inside its paragraph
    assert re.search(r"<p>그리고 문장 안의 <math display=\"block\">.*</math> 도\.</p>", html)


def test_prices_are_not_math():
    html = render_markdown("GPU는 $5 이고 TPU는 $10 입니다.")
    assert "<math" not in html and "$5" in html and "$10" in html


def test_comment_latex_becomes_math_and_dead_image_is_dropped():
    markdown = ('변수 <!-- $x_1, x_2$ --> <img style="transform: translateY(0.1em);" '
                'src="https://render.githubusercontent.com/render/math?math=x_1%2C%20x_2">과 가중치')
    html = render_markdown(markdown)
    assert html.count("<math") == 1 and DEAD_IMAGE not in html and "<img" not in html
    assert re.search(r"변수 <math display=\"inline\">.*</math>과 가중치", html)


def test_comment_latex_at_line_start_inside_a_list_item():
    # A line starting with "<!--" is an HTML block even inside a list item.
    markdown = ("- `Min-Max`: 식은 아래와 같다.\n"
                "  <!-- $x= {{x - x_{min}} \\over {x_{max} - x_{min}}}$ --> <img src=\"https://render.githubusercontent"
                ".com/render/math?math=x%3D\">\n")
    html = render_markdown(markdown)
    assert html.count("<math") == 1 and DEAD_IMAGE not in html and "<mfrac>" in html


def test_display_comment_latex():
    html = render_markdown("<!-- $$\\sigma(x) = \\frac{1}{1+e^{-x}}$$ -->")
    assert '<math display="block">' in html


def test_image_before_its_comment_is_dropped_too():
    html = render_markdown('<img src="https://latex.codecogs.com/svg.latex?y"> <!-- $y$ --> 끝')
    assert html.count("<math") == 1 and "codecogs" not in html


def test_lone_formula_image_shows_its_formula():
    html = render_markdown('값은 <img src="https://render.githubusercontent.com/render/math?math=%5Cgamma"> 이다 '
                           "![](https://chart.googleapis.com/chart?cht=tx&chl=%5Cbeta)")
    assert html.count("<math") == 2 and "<img" not in html
    assert "\\gamma" in html and "\\beta" in html


def test_ordinary_external_image_next_to_comment_math_stays():
    html = render_markdown('<!-- $a$ --> <img src="https://example.com/plot.png" alt="그림">')
    assert html.count("<math") == 1 and 'src="https://example.com/plot.png"' in html


def test_interview_section_4_has_its_two_comment_formulas_as_mathml():
    section = interview_section("#4")
    assert section.count("<!-- $") == 2
    html = render_markdown(section)
    assert html.count("<math") == 2
    assert DEAD_IMAGE not in html
    assert "x_{min}" in html and "\\mu" in html  # the LaTeX is kept as the annotation


def test_whole_interview_file_shows_every_comment_formula():
    text = INTERVIEW.read_text(encoding="utf-8")
    html = render_markdown(text)
    assert html.count("<math") == text.count("<!-- $") > 10
    assert DEAD_IMAGE not in html and "math-source" not in html


@pytest.mark.parametrize("latex", [
    r"{x \over y}", r"\frac{a}{b}", r"\partial L", r"\mu", r"x_{min}", r"z-score", r"\mathbb{R}^n",
])
def test_common_latex_converts(latex):
    html = latex_to_html(latex, False)
    assert html.startswith('<math display="inline">') and "math-source" not in html


@pytest.mark.parametrize("latex", [
    r"\frac{a}{b", "x}", r"a^", r"\left( x", r"\notacommand{x}", "{" * 3000 + "}" * 3000,
])
def test_unconvertible_latex_falls_back_to_visible_source(latex):
    html = render_markdown(f"식: ${latex}$ 끝")
    assert '<code class="math-source">' in html and "<math" not in html
    assert "식:" in html and "끝" in html


def test_fallback_source_is_escaped():
    html = latex_to_html(r"\left< <b>", True)
    assert "<b>" not in html and "&lt;b&gt;" in html


@pytest.mark.parametrize("src, latex", [
    ("https://render.githubusercontent.com/render/math?math=x%3D%20%7B1%7D", "x= {1}"),
    ("https://latex.codecogs.com/svg.latex?\\dpi{110}&space;x^2", "x^2"),
    ("https://chart.googleapis.com/chart?cht=tx&chl=a%2Bb", "a+b"),
    ("https://example.com/render/math?math=x", None),
    ("/images/x.png", None),
])
def test_formula_image_urls(src, latex):
    assert math_image_latex(src) == latex
