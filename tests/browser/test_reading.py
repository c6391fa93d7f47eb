"""Reading in Chromium over the seeds: home → a collection → a question → a sub-question → its parent →
the JSON twin, on a desktop and on a 375 px phone (no sideways scrolling), with no script errors."""

from __future__ import annotations

import json

import pytest

from tests.browser.support import no_horizontal_scroll, screenshot

INTERVIEW = "면접"
# A transparent 1x1 GIF: what an external image "loads" as on this offline test machine.
BLANK_GIF = bytes.fromhex("47494638396101000100800000000000ffffff21f90401000000002c00000000010001000002024401003b")


def offline_world(page, base: str) -> None:
    """The test machine reaches nothing outside: answer requests to other hosts (images that content
    links, e.g. the Eraser banner) with a blank image, so that a console error means our own page broke."""
    page.route(lambda url: not url.startswith(base),
               lambda route: route.fulfill(status=200, content_type="image/gif", body=BLANK_GIF))


def open_page(page, url: str) -> None:
    response = page.goto(url)
    assert response is not None and response.status == 200, url
    page.wait_for_load_state("load")


def check_layout(page, name: str) -> None:
    screenshot(page, name)
    assert no_horizontal_scroll(page), f"{name}: the page is wider than the screen"
    assert page.evaluate("document.documentElement.lang") == "ko"
    assert page.title()


def walk(page, base: str, width: str) -> None:
    offline_world(page, base)
    open_page(page, base + "/")
    check_layout(page, f"reading-{width}-1-home")
    assert page.locator("h2", has_text=INTERVIEW).count() == 1

    page.locator(".kind", has=page.locator("h2", has_text=INTERVIEW)).locator(".collection-card__title").first.click()
    page.wait_for_load_state("load")
    assert "/collections/" in page.url
    check_layout(page, f"reading-{width}-2-collection")
    assert page.locator(".section-block").count() >= 1

    page.locator(".qrow__title", has_text="#12 ").first.click()
    page.wait_for_load_state("load")
    assert "/questions/" in page.url
    parent_url = page.url
    check_layout(page, f"reading-{width}-3-question")
    assert page.locator(".answer").count() >= 1
    assert page.locator(".subquestions .qrow").count() == 4  # #12-1 … #12-4

    page.locator(".subquestions .qrow__title").first.click()
    page.wait_for_load_state("load")
    assert page.locator("h1").inner_text().startswith("#12-1")
    check_layout(page, f"reading-{width}-4-subquestion")

    page.locator(".parent-link a").click()
    page.wait_for_load_state("load")
    assert page.url == parent_url

    page.locator(".question-foot .source a", has_text="JSON").click()
    page.wait_for_load_state("load")
    body = json.loads(page.locator("body").inner_text())
    assert body["label"] == "#12" and len(body["children"]) == 4


def test_reading_walk_desktop(live_server, page):
    walk(page, live_server.url, "desktop")
    assert page.errors == []


def test_reading_walk_phone(live_server, phone_page):
    walk(phone_page, live_server.url, "phone")
    assert phone_page.errors == []


@pytest.mark.parametrize("width", ["desktop", "phone"])
def test_every_reading_page_fits_and_has_no_script_errors(live_server, request, width):
    """Each question page too: formulas, tables and code must scroll inside their box on a phone."""
    import httpx

    browser_page = request.getfixturevalue("page" if width == "desktop" else "phone_page")
    base = live_server.url
    offline_world(browser_page, base)
    collections = httpx.get(f"{base}/api/v1/collections", timeout=None).json()
    paths = ["/", "/unanswered", "/questions", "/authors", "/docs", "/search?q=%EB%B0%B0%EC%B9%98"]
    paths += [c["url"] for c in collections]
    questions = httpx.get(f"{base}/api/v1/questions", params={"per_page": 100}, timeout=None).json()
    assert questions["total"] <= 100, "raise the page size of this test"
    paths += [q["url"] for q in questions["items"]]
    authors = httpx.get(f"{base}/api/v1/authors", params={"per_page": 100}, timeout=None).json()["items"]
    paths += [a["url"] for a in authors[:5]]
    too_wide = []
    for path in paths:
        open_page(browser_page, base + path)
        if not no_horizontal_scroll(browser_page):
            too_wide.append(path)
            screenshot(browser_page, f"too-wide-{width}-{path.strip('/').replace('/', '-') or 'home'}")
    assert too_wide == []
    assert browser_page.errors == []


def test_api_docs_render_offline(live_server, page):
    """Swagger UI comes from static/vendor: with no network it still draws every read endpoint."""
    requested = []
    page.on("request", lambda req: requested.append(req.url))
    open_page(page, live_server.url + "/docs")
    page.wait_for_selector(".opblock-summary-path", timeout=30_000)
    paths = page.locator(".opblock-summary-path").all_inner_texts()
    assert "/api/v1/questions/{question_id}" in [p.replace("\u200b", "") for p in paths]
    assert all(url.startswith(live_server.url) for url in requested), requested
    screenshot(page, "reading-desktop-5-docs")
    assert page.errors == []
