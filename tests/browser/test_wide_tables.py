"""A run's result table wider than a phone scrolls inside a visible frame and says so; on a desktop,
where it fits, nothing is added."""

from __future__ import annotations

import httpx

from tests.browser.support import no_horizontal_scroll, screenshot

WIDE = "optimizers"  # its table has a column per optimiser and surface: wider than 375 px


def test_wide_result_table_hints_on_a_phone_only(live_server, phone_page, page):
    response = httpx.post(f"{live_server.url}/api/v1/demos/{WIDE}/runs", json={"params": {"steps": 50}}, timeout=None)
    assert response.status_code in (200, 201, 202), response.text
    url = live_server.url + response.json()["url"]
    phone_page.goto(url)
    phone_page.locator("#run-status.demo-status--succeeded").wait_for(timeout=120_000)
    frame = phone_page.locator(".demo-table__scroll")
    assert frame.evaluate("f => f.scrollWidth > f.clientWidth")
    assert phone_page.locator(".demo-table__hint").is_visible()
    assert frame.evaluate("f => getComputedStyle(f).borderTopStyle") == "solid"
    assert no_horizontal_scroll(phone_page)  # the table scrolls, not the page
    screenshot(phone_page, "wide-table-phone")
    page.goto(url)
    page.locator("#run-status.demo-status--succeeded").wait_for(timeout=120_000)
    fits = page.locator(".demo-table__scroll").evaluate("f => f.scrollWidth <= f.clientWidth + 1")
    assert page.locator(".demo-table__hint").count() == (0 if fits else 1)
