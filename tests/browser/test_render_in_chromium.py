"""Rendered Markdown in a real browser: hostile content runs nothing, formulas and placeholders show.

No page template exists for this yet, so the test serves a document of rendered bodies from a
routed origin (a real http:// page, not about:blank) with the committed stylesheets.
"""

from __future__ import annotations

import html as html_lib

import pytest

from app.config import PROJECT_ROOT
from app.render import render_markdown
from tests.browser.support import no_horizontal_scroll, screenshot
from tests.render.test_render_math import interview_section
from tests.render.xss_corpus import PAYLOADS

ORIGIN = "http://render.test"
CSS = PROJECT_ROOT / "static" / "css"
VENDOR = PROJECT_ROOT / "static" / "vendor"

# Anything that would mean script ran: dialogs, a navigation to javascript:, a global write.
TRAPS = """
window.__ran = [];
for (const name of ["alert", "confirm", "prompt", "print"]) {
  window[name] = (...args) => { window.__ran.push(name + ":" + args.join(",")); };
}
"""


def page_html(bodies: list[tuple[str, str]]) -> str:
    sections = "\n".join(
        f'<section data-name="{html_lib.escape(name)}"><h3>{html_lib.escape(name)}</h3>{body}</section>'
        for name, body in bodies
    )
    return (
        '<!doctype html><html lang="ko"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<link rel="stylesheet" href="/static/css/pygments.css"><link rel="stylesheet" href="/static/css/render.css">'
        "<style>body{font-family:'Noto Sans CJK KR',sans-serif;max-width:46rem;margin:0 auto;padding:1rem;}</style>"
        f"</head><body>{sections}</body></html>"
    )


def serve(page, document: str) -> None:
    def handle(route):
        url = route.request.url
        if url == ORIGIN + "/":
            return route.fulfill(status=200, content_type="text/html; charset=utf-8", body=document)
        if url.startswith(ORIGIN + "/static/css/"):
            name = url.rsplit("/", 1)[1]
            return route.fulfill(status=200, content_type="text/css", body=(CSS / name).read_text(encoding="utf-8"))
        if url.startswith(ORIGIN + "/static/vendor/"):
            path = VENDOR / url.removeprefix(ORIGIN + "/static/vendor/")
            return route.fulfill(status=200, content_type="font/woff2", body=path.read_bytes())
        return route.abort()  # no network here; failing loads fire onerror handlers, if any survived

    page.route("**/*", handle)
    page.add_init_script(TRAPS)
    page.goto(ORIGIN + "/")
    page.wait_for_load_state("load")


def test_xss_corpus_runs_no_script_in_chromium(page):
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    bodies = [(name, render_markdown(markdown, resolve_image=lambda src: None)) for name, markdown in PAYLOADS]
    serve(page, page_html(bodies))
    page.wait_for_timeout(500)  # let load/error/focus handlers fire, were there any
    assert page.evaluate("window.__ran") == [] and dialogs == []
    # The browser's own URL parser on every link and source left in the page.
    bad = page.evaluate("""() => Array.from(document.querySelectorAll('[href],[src]')).map(
        el => new URL(el.getAttribute('href') || el.getAttribute('src'), location.href).protocol)
        .filter(p => !['http:', 'https:', 'mailto:'].includes(p))""")
    assert bad == []
    counts = page.evaluate("""() => ({
        script: document.querySelectorAll('section script, section iframe, section object, section embed').length,
        handlers: Array.from(document.querySelectorAll('section *')).filter(
            el => Array.from(el.attributes).some(a => a.name.startsWith('on'))).length})""")
    assert counts == {"script": 0, "handlers": 0}
    assert page.errors == []


@pytest.mark.parametrize("fixture_name, shot", [("page", "render-sample-desktop"), ("phone_page", "render-sample-phone")])
def test_formulas_placeholders_and_code_show(request, fixture_name, shot):
    page = request.getfixturevalue(fixture_name)
    bodies = [
        ("#4 (주석 속 수식)", render_markdown(interview_section("#4"))),
        ("#12 (가운데 정렬 이미지)", render_markdown(interview_section("#12"))),
        ("코드와 표", render_markdown(
            "```python\nimport torch\nx = torch.randn(4, 3)  # 입력\nprint(x.mean(dim=0))\n```\n\n"
            "| 함수 | 범위 | 설명 |\n|---|:---:|---|\n| sigmoid | (0, 1) | 기울기 소실이 생기기 쉬운 함수로 아주 긴 설명이 들어갑니다 |\n"
            "| ReLU | [0, ∞) | 음수는 0 |\n\n"
            "$$\\mathrm{softmax}(z)_i = \\frac{e^{z_i}}{\\sum_{j=1}^{K} e^{z_j}} + \\frac{\\partial L}{\\partial w} "
            "+ \\sum_{k=1}^{N} \\alpha_k x_k^2 + \\beta$$\n\n"
            "깨진 수식 $\\left( x$ 와 각주[^1]\n\n[^1]: 각주 내용\n")),
    ]
    serve(page, page_html(bodies))
    maths = page.evaluate("""() => Array.from(document.querySelectorAll('math')).map(
        m => { const r = m.getBoundingClientRect(); return [r.width, r.height]; })""")
    assert len(maths) >= 3 and all(w > 5 and h > 5 for w, h in maths)  # MathML laid out, not empty
    placeholder = page.locator(".image-missing").first
    assert placeholder.is_visible() and "이미지 없음" in placeholder.inner_text()
    assert page.locator(".math-source").first.is_visible()
    assert page.evaluate("getComputedStyle(document.querySelector('.highlight .kn')).fontWeight") in ("700", "bold")
    assert no_horizontal_scroll(page)
    screenshot(page, shot)


def test_formulas_use_the_vendored_math_font_and_display_size(page):
    serve(page, page_html([("식", render_markdown(
        "인라인 $\\mu_B$ 와 $\\sqrt{\\sigma_B^2+\\epsilon}$\n\n$$\\mu_B = \\frac{1}{m}\\sum_{i=1}^{m} x_i$$"))]))
    page.evaluate("document.fonts.ready")
    assert page.evaluate("""() => Array.from(document.fonts).some(
        f => f.family.replace(/"/g, '') === 'STIX Two Math' && f.status === 'loaded')""")
    layout = page.evaluate("""() => {
        const sub = document.querySelector('math[display="inline"] msub');
        const base = sub.children[0].getBoundingClientRect(), script = sub.children[1].getBoundingClientRect();
        const size = m => parseFloat(getComputedStyle(m).fontSize);
        return {lowered: script.bottom - base.bottom, smaller: script.height < base.height,
                display: size(document.querySelector('math[display="block"]')),
                inline: size(document.querySelector('math[display="inline"]'))};
    }""")
    assert layout["lowered"] > 1 and layout["smaller"]  # μ_B: the subscript sits below the baseline, smaller
    assert layout["display"] > layout["inline"]  # a display equation is set larger than running text
