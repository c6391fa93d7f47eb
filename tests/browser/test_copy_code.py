"""The copy button on code blocks: it copies exactly the code, stays in the block's corner when the
code scrolls sideways on a phone, and appears on code that htmx brings in later (the answer preview)."""

from __future__ import annotations

import httpx
import pytest

from tests.browser.support import no_horizontal_scroll, screenshot
from tests.browser.test_reading import offline_world, open_page


def question_with_code(base: str) -> str:
    for question in httpx.get(f"{base}/api/v1/questions", params={"per_page": 100}, timeout=None).json()["items"]:
        if 'class="highlight"' in httpx.get(base + question["url"], headers={"Accept": "text/html"}, timeout=None).text:
            return question["url"]
    raise AssertionError("no seed question shows a code block")


@pytest.mark.parametrize("width", ["desktop", "phone"])
def test_copy_button_copies_the_code(live_server, request, width):
    page = request.getfixturevalue("page" if width == "desktop" else "phone_page")
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    offline_world(page, live_server.url)
    open_page(page, live_server.url + question_with_code(live_server.url))
    frames = page.locator(".rendered .code-frame")
    assert frames.count() == page.locator(".rendered pre").count() >= 1
    first = frames.first
    code = first.locator("pre").inner_text().rstrip("\n")
    button = first.locator("button.copy-code")
    button.scroll_into_view_if_needed()
    before = button.bounding_box()
    first.locator(".highlight, pre").first.evaluate("e => { e.scrollLeft = 200; }")
    assert button.bounding_box() == before  # it does not scroll away with the code
    button.click()
    page.locator(".copy-code", has_text="복사됨").first.wait_for()
    assert page.evaluate("navigator.clipboard.readText()") == code
    assert no_horizontal_scroll(page)
    screenshot(page, f"copy-code-{width}")
    assert page.errors == []


def test_preview_code_gets_a_copy_button(live_server, page):
    from tests.browser.test_writing import sign_up

    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    sign_up(page, live_server.url, "copier", "복사왕", next_path="/ask")
    page.goto(live_server.url + "/ask")
    page.fill("#body", "이렇게 해 보세요.\n\n```python\nimport torch\nprint(torch.ones(2))\n```")
    button = page.locator("#body-preview .copy-code")
    button.wait_for()  # htmx swapped the preview in after the page had loaded
    button.click()
    page.locator("#body-preview .copy-code", has_text="복사됨").wait_for()
    assert page.evaluate("navigator.clipboard.readText()") == "import torch\nprint(torch.ones(2))"
    assert page.errors == []


def test_a_new_api_token_has_a_copy_button(live_server, phone_page):
    """The token is shown once, 47 characters in a wrapped line: selecting it by hand on a phone was fiddly."""
    from tests.browser.test_writing import sign_up

    page = phone_page
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    sign_up(page, live_server.url, "tokencopier", "토큰왕", next_path="/settings/tokens")
    page.fill("#token-name", "노트북")
    page.click("form.write-form button[type=submit]")
    page.wait_for_load_state("load")
    token = page.locator("#new-token").inner_text()
    button = page.locator("button.copy-token")
    assert token.startswith("kbt_") and button.is_visible() and button.inner_text() == "토큰 복사"
    button.click()
    page.locator("button.copy-token", has_text="복사됨").wait_for()
    assert page.evaluate("navigator.clipboard.readText()") == token
    assert no_horizontal_scroll(page)
    screenshot(page, "copy-token-phone")
    assert page.errors == []
