"""Browsing by topic in Chromium at 1280 and 375 px: the concept list → a concept → its question and
its experiment, with nothing wider than the screen."""

from __future__ import annotations

import pytest

from tests.browser.support import no_horizontal_scroll, screenshot
from tests.browser.test_reading import offline_world, open_page


@pytest.mark.parametrize("width", ["desktop", "phone"])
def test_browse_by_concept(live_server, request, width):
    page = request.getfixturevalue("page" if width == "desktop" else "phone_page")
    base = live_server.url
    offline_world(page, base)
    open_page(page, base + "/concepts")
    assert no_horizontal_scroll(page)
    screenshot(page, f"concepts-{width}-1-index")
    page.locator(".concept-chip", has_text="배치 정규화").first.click()
    page.wait_for_load_state("load")
    assert page.url == base + "/concepts/batch_normalization"
    assert page.locator("h1").inner_text() == "배치 정규화"
    assert no_horizontal_scroll(page)
    screenshot(page, f"concepts-{width}-2-batch-norm")
    assert page.locator(".concept-family a", has_text="정규화").count() >= 1
    first = page.locator("#concept-questions-title ~ ul .qrow__title").first
    title = first.inner_text()
    first.click()
    page.wait_for_load_state("load")
    assert "/questions/" in page.url and page.locator("h1").inner_text().endswith(title.split(" ", 1)[-1])
    page.go_back()
    page.locator("#concept-demos-title ~ ul a").first.click()
    page.wait_for_load_state("load")
    assert page.url.startswith(base + "/demos/")
    assert page.errors == []
