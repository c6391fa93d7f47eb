"""Dark mode: a reader whose system asks for a dark theme gets one (static/css/dark.css) on every page,
and no text is left dark-on-dark or light-on-light. Checked as WCAG contrast of every piece of visible
text against the background it is drawn on, at 1280 and 375 px."""

from __future__ import annotations

import httpx
import pytest

from tests.browser.support import DESKTOP, PHONE, screenshot
from tests.browser.test_reading import offline_world, open_page

# For each element that holds text of its own: its colour and the first opaque background behind it.
# Large text (24 px, or 18.66 px bold) needs 3:1, other text 4.5:1 (WCAG 2.x AA).
LOW_CONTRAST = """() => {
  const rgba = (value) => {
    const parts = value.match(/[\\d.]+/g).map(Number);
    return { r: parts[0], g: parts[1], b: parts[2], a: parts.length > 3 ? parts[3] : 1 };
  };
  const luminance = ({ r, g, b }) => {
    const channel = (c) => { c /= 255; return c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4); };
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
  };
  const over = (top, bottom) => ({
    r: top.r * top.a + bottom.r * (1 - top.a), g: top.g * top.a + bottom.g * (1 - top.a),
    b: top.b * top.a + bottom.b * (1 - top.a), a: 1,
  });
  const backgroundOf = (element) => {
    const layers = [];
    for (let node = element; node; node = node.parentElement) {
      const colour = rgba(getComputedStyle(node).backgroundColor);
      if (colour.a > 0) layers.push(colour);
      if (colour.a >= 1) break;
    }
    let colour = { r: 255, g: 255, b: 255, a: 1 };  // the canvas under everything
    if (layers.length && layers[layers.length - 1].a >= 1) colour = layers.pop();
    while (layers.length) colour = over(layers.pop(), colour);
    return colour;
  };
  const failures = [];
  for (const element of document.body.querySelectorAll("*")) {
    const ownText = [...element.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
    if (!ownText || element.closest("script, style, noscript, [hidden], .skip-link, .uplot canvas")) continue;
    const style = getComputedStyle(element);
    const box = element.getBoundingClientRect();
    if (style.visibility !== "visible" || style.display === "none" || box.width === 0 || box.height === 0) continue;
    if (element.matches(":disabled")) continue;
    const text = over(rgba(style.color), backgroundOf(element));
    const back = backgroundOf(element);
    const [light, dark] = [luminance(text), luminance(back)].sort((x, y) => y - x);
    const ratio = (light + 0.05) / (dark + 0.05);
    const size = parseFloat(style.fontSize);
    const large = size >= 24 || (size >= 18.66 && Number(style.fontWeight) >= 700);
    if (ratio < (large ? 3 : 4.5)) {
      const b = `rgb(${Math.round(back.r)}, ${Math.round(back.g)}, ${Math.round(back.b)})`;
      failures.push(`${element.tagName.toLowerCase()}.${element.className}: ${style.color} on ${b} = ${ratio.toFixed(2)}`);
    }
  }
  return failures;
}"""


@pytest.fixture
def dark_page(browser, request):
    viewport = PHONE if getattr(request, "param", "desktop") == "phone" else DESKTOP
    context = browser.new_context(viewport=viewport, color_scheme="dark", locale="ko-KR", device_scale_factor=1)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.errors = errors
    yield page
    context.close()


def page_background(page) -> float:
    return page.evaluate("""() => {
      const [r, g, b] = getComputedStyle(document.body).backgroundColor.match(/\\d+/g).map(Number);
      return (r + g + b) / 3;
    }""")


def reading_paths(base: str) -> list[str]:
    paths = ["/", "/unanswered", "/questions", "/authors", "/search?q=%EB%B0%B0%EC%B9%98", "/login", "/signup",
             "/demos", "/concepts", "/concepts/batch_normalization", "/concepts/normalization"]
    paths += [c["url"] for c in httpx.get(f"{base}/api/v1/collections", timeout=None).json()]
    questions = httpx.get(f"{base}/api/v1/questions", params={"per_page": 100}, timeout=None).json()
    assert questions["total"] <= 100, "raise the page size of this test"
    paths += [q["url"] for q in questions["items"]]
    paths += [d["url"] for d in httpx.get(f"{base}/api/v1/demos", timeout=None).json()[:3]]
    return paths


def test_every_page_reads_in_dark_mode(live_server, dark_page):
    base = live_server.url
    offline_world(dark_page, base)
    unreadable: dict[str, str] = {}  # each kind of unreadable text, with the first page that shows it
    for path in reading_paths(base):
        open_page(dark_page, base + path)
        assert page_background(dark_page) < 40, f"{path}: the page stayed light"
        for failure in dark_page.evaluate(LOW_CONTRAST):
            unreadable.setdefault(failure, path)
    assert unreadable == {}
    assert dark_page.errors == []


@pytest.mark.parametrize("dark_page", ["desktop", "phone"], indirect=True)
def test_question_code_and_run_in_dark_mode(live_server, dark_page, request):
    """A question with code, its experiment panel, and a finished run's page with its charts."""
    base = live_server.url
    width = request.node.callspec.params["dark_page"]
    offline_world(dark_page, base)
    with_code = next(question for question in httpx.get(f"{base}/api/v1/questions", params={"per_page": 100}, timeout=None).json()["items"]
                     if 'class="highlight"' in httpx.get(base + question["url"], headers={"Accept": "text/html"}, timeout=None).text)
    open_page(dark_page, base + with_code["url"])
    code = dark_page.locator(".highlight").first
    assert code.evaluate("e => getComputedStyle(e).color") == "rgb(230, 237, 243)"  # Pygments' github-dark
    background = code.evaluate("e => getComputedStyle(e).backgroundColor")
    assert max(int(channel) for channel in background[4:-1].split(",")) < 40, background
    assert dark_page.evaluate(LOW_CONTRAST) == []
    screenshot(dark_page, f"dark-{width}-question")

    slug = httpx.get(f"{base}/api/v1/demos", timeout=None).json()[0]["slug"]
    response = httpx.post(f"{base}/api/v1/demos/{slug}/runs", json={"params": {}}, timeout=None)
    assert response.status_code in (200, 201, 202), response.text
    open_page(dark_page, base + response.json()["url"])
    dark_page.locator("#run-status.demo-status--succeeded").wait_for(timeout=120_000)
    assert dark_page.evaluate(LOW_CONTRAST) == []
    axis_ink = dark_page.evaluate("getComputedStyle(document.documentElement).getPropertyValue('--chart-ink').trim()")
    assert axis_ink == "#9da7b3"
    screenshot(dark_page, f"dark-{width}-run")
    assert dark_page.errors == []
