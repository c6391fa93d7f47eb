"""Account pages in Chromium at 1280 and 375 px: a source author's name refused at sign-up (409, said
in Korean on the form), a spaced Hangul name taken, the account's question linking to /users/{username},
and that page listing it. Screenshots kept; no page scrolls sideways or logs an unexpected error."""

from __future__ import annotations

import pytest

from tests.browser.support import no_horizontal_scroll, screenshot
from tests.browser.test_reading import offline_world


@pytest.mark.parametrize("width", ["desktop", "phone"])
def test_user_page(live_server, new_page, width):
    base = live_server.url
    page = new_page(phone=width == "phone")
    offline_world(page, base)
    username = f"cheolsu{width}"
    page.goto(base + "/signup")
    page.fill("#username", username)
    page.fill("#display_name", "민규")  # signs a question in the seed files
    page.fill("#password", "correct horse battery")
    page.click("form.account-form button[type=submit]")
    page.wait_for_load_state("load")
    assert "스터디 구성원의 이름" in page.locator(".form-error").inner_text()
    screenshot(page, f"users-{width}-1-name-refused")
    page.fill("#display_name", "김 철수" if width == "desktop" else "박 철수")
    page.fill("#password", "correct horse battery")
    page.click("form.account-form button[type=submit]")
    page.wait_for_load_state("load")
    title = f"계정 페이지에 보일 질문 ({width})"
    page.goto(base + "/ask")
    page.select_option("#collection", "general")
    page.fill("#ask-title", title)
    page.fill("#body", "본문입니다.")
    page.click("form.write-form button.primary")
    page.wait_for_load_state("load")
    page.click(".question__meta a.author")
    page.wait_for_load_state("load")
    assert page.url == f"{base}/users/{username}"
    assert page.locator("h1").inner_text().startswith("김 철수" if width == "desktop" else "박 철수")
    assert page.locator(f"text={title}").count() == 1
    assert "채택된 답변 0개" in page.locator(".lead").inner_text()
    screenshot(page, f"users-{width}-2-user-page")
    assert no_horizontal_scroll(page)
    page.goto(base + "/authors/민규")
    assert page.locator(f"text={title}").count() == 0  # the account's post is not on an author's page
    assert page.errors == ["console.error: Failed to load resource: the server responded with a status of 409"
                           " (Conflict)"]
