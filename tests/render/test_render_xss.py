"""Hostile content never comes out able to run script (corpus in xss_corpus.py)."""

from __future__ import annotations

import pytest

from app.render import render_markdown
from tests.render.xss_corpus import PAYLOADS, unsafe_parts


def test_corpus_is_large_enough_and_names_are_unique():
    assert len(PAYLOADS) >= 30
    assert len({name for name, _ in PAYLOADS}) == len(PAYLOADS)


@pytest.mark.parametrize("markdown", [md for _, md in PAYLOADS], ids=[name for name, _ in PAYLOADS])
@pytest.mark.parametrize("resolver", [None, lambda src: "/media/images/ok.png"], ids=["no-resolver", "resolver"])
def test_payload_renders_without_script(markdown, resolver):
    html = render_markdown(markdown, resolve_image=resolver)
    assert unsafe_parts(html) == []


@pytest.mark.parametrize(
    "html, problem",
    [
        ("<script>x</script>", "<script> element"),
        ('<img src="a.png" onerror="x">', "onerror attribute on <img>"),
        ('<a href=" JaVa&#x09;script:x">x</a>', "href"),
        ('<iframe src="https://a"></iframe>', "<iframe> element"),
        ('<a href="data:text/html,x">x</a>', "href"),
    ],
)
def test_checker_sees_what_it_looks_for(html, problem):
    # The corpus test is only as good as this checker: it must flag each kind of problem.
    assert any(problem in found for found in unsafe_parts(html))


def test_payload_text_survives_as_text():
    html = render_markdown("hello <script>alert(1)</script> world")
    assert "hello" in html and "world" in html and "alert" not in html


def test_math_injected_html_is_text_inside_math():
    html = render_markdown("$<script>alert(1)</script>$")
    assert "<math" in html and "<script" not in html
    assert "&lt;" in html  # the angle bracket is shown, as a character


def test_links_open_normally_and_outbound_ones_get_rel():
    html = render_markdown('<a href="https://example.com" target="_blank" rel="opener">x</a> [y](/questions/1)')
    assert "target=" not in html
    assert '<a href="https://example.com" rel="noopener nofollow">x</a>' in html
    assert '<a href="/questions/1">y</a>' in html


def test_ids_are_limited_to_footnotes():
    html = render_markdown('<a id="login-form">x</a> <li id="csrf_token">y</li>')
    assert "id=" not in html


def test_any_input_is_a_disabled_checkbox():
    html = render_markdown('<input type="text" name="password" value="x"> <input type="submit">')
    assert html.count('type="checkbox"') == 2 and html.count('disabled="disabled"') == 2
    assert "password" not in html and "submit" not in html
