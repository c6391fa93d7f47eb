"""The settings page in Chromium at 1280 and 375 px: reached from the name in the header; a source
author's name refused (409, said in Korean above the form), a new name taken and kept in the history;
a wrong current password refused (shown after a redirect), then the password changed while a second
browser is logged out; the account deleted behind a confirm dialog, and its question then signed "탈퇴한 사용자".
Screenshots kept; no page scrolls sideways, reads too faint in dark mode or logs an unexpected error."""

from __future__ import annotations

import pytest

from app.schemas.names import DELETED_NAME
from tests.browser.support import no_horizontal_scroll, screenshot
from tests.browser.test_dark_mode import LOW_CONTRAST
from tests.browser.test_reading import offline_world
from tests.browser.test_writing import sign_up

PASSWORD, NEW_PASSWORD = "correct horse battery", "violet kettle orbit 42"  # test_writing.sign_up's, a new one


def unreadable_in_dark(page) -> list[str]:
    """The text test_dark_mode would call too faint, with the system asking for a dark page."""
    page.emulate_media(color_scheme="dark")
    try:
        return page.evaluate(LOW_CONTRAST)
    finally:
        page.emulate_media(color_scheme="light")


def submit(page, form: str) -> None:
    page.click(f"form[action='{form}'] button[type=submit]")
    page.wait_for_load_state("load")


def log_in(page, base: str, username: str, password: str) -> None:
    page.goto(base + "/login")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("form.account-form button[type=submit]")
    page.wait_for_load_state("load")


@pytest.mark.parametrize("width", ["desktop", "phone"])
def test_settings_page(live_server, new_page, width):
    base, phone = live_server.url, width == "phone"
    page, other = new_page(phone=phone), new_page(phone=phone)
    offline_world(page, base)
    username = f"setter{width}"
    sign_up(page, base, username, f"Setter {width}")
    page.goto(base + "/ask")
    page.select_option("#collection", "general")
    page.fill("#ask-title", f"탈퇴 뒤에도 남을 질문 ({width})")
    page.fill("#body", "본문입니다.")
    page.click("form.write-form button.primary")
    page.wait_for_load_state("load")
    question_url = page.url
    log_in(other, base, username, PASSWORD)  # a second browser, logged in as the same account

    page.click("nav .nav-user")
    page.wait_for_load_state("load")
    assert page.url == f"{base}/settings" and page.locator("h1").inner_text() == "내 설정"
    assert page.locator("form[action='/settings/password'] input[name=csrf_token]").count() == 1
    screenshot(page, f"settings-{width}-1-page")
    assert no_horizontal_scroll(page)

    page.fill("#display-name", "민규")  # signs a question in the seed files
    submit(page, "/settings/display-name")
    assert "스터디 구성원의 이름" in page.locator(".form-error").inner_text()
    assert page.input_value("#display-name") == "민규"  # what was typed stays
    screenshot(page, f"settings-{width}-2-name-refused")
    assert unreadable_in_dark(page) == []
    page.fill("#display-name", "가람" if phone else "한 가람")
    submit(page, "/settings/display-name")
    assert "표시 이름을 바꿨습니다" in page.locator(".form-done").inner_text()
    assert f"Setter {width} →" in page.locator(".name-history").inner_text()
    assert page.locator("nav .nav-user").inner_text() == ("가람" if phone else "한 가람")

    page.fill("#current-password", "not my password")
    page.fill("#new-password", NEW_PASSWORD)
    submit(page, "/settings/password")
    assert "비밀번호가 맞지 않습니다" in page.locator(".form-error").inner_text()
    page.fill("#current-password", PASSWORD)
    page.fill("#new-password", NEW_PASSWORD)
    submit(page, "/settings/password")
    assert "다른 곳의 로그인 1개를 끝내고" in page.locator(".form-done").inner_text()
    screenshot(page, f"settings-{width}-3-password-changed")
    assert unreadable_in_dark(page) == []
    assert no_horizontal_scroll(page)
    other.goto(base + "/settings")
    assert other.url.startswith(f"{base}/login")  # the other browser was logged out

    page.on("dialog", lambda dialog: dialog.accept())
    page.fill("#delete-password", NEW_PASSWORD)
    submit(page, "/settings/delete")
    assert page.locator("h1").inner_text() == "탈퇴했습니다"
    assert page.locator("nav .nav-user").count() == 0
    screenshot(page, f"settings-{width}-4-deleted")
    page.goto(question_url)
    assert page.locator(".question__meta").inner_text().count(DELETED_NAME) == 1
    screenshot(page, f"settings-{width}-5-question-signed-deleted")
    assert no_horizontal_scroll(page)
    # The name refused is the POST's own page (409, what was typed kept); a wrong password comes back
    # through a redirect to the settings page, so nothing else logs an error.
    assert sorted(set(page.errors)) == [
        "console.error: Failed to load resource: the server responded with a status of 409 (Conflict)"]


@pytest.mark.parametrize("width", ["desktop", "phone"])
def test_reset_page(live_server, new_page, width, monkeypatch, capsys):
    """The link `kb user reset-password` prints, opened in a browser: a new password set, the login
    page says so, the new password works, and the link is dead the second time."""
    from app.cli import main as kb

    base, phone = live_server.url, width == "phone"
    page = new_page(phone=phone)
    offline_world(page, base)
    username = f"forgot{width}"
    sign_up(page, base, username, username)
    monkeypatch.setenv("KB_DATABASE_URL", live_server.settings.database_url)
    monkeypatch.setenv("KB_BASE_URL", base)
    assert kb(["user", "reset-password", username]) == 0
    link = capsys.readouterr().out.strip()
    stranger = new_page(phone=phone)
    offline_world(stranger, base)
    stranger.goto(link)
    assert f"@{username} 계정의 새 비밀번호" in stranger.locator("main").inner_text()
    screenshot(stranger, f"reset-{width}-1-form")
    assert no_horizontal_scroll(stranger)
    stranger.fill("#new-password", NEW_PASSWORD)
    submit(stranger, "/reset-password")
    assert "새 비밀번호로 로그인해 주세요" in stranger.locator(".form-done").inner_text()
    assert stranger.input_value("#username") == username
    stranger.fill("#password", NEW_PASSWORD)
    stranger.click("form.account-form button[type=submit]")
    stranger.wait_for_load_state("load")
    assert stranger.locator("nav .nav-user").inner_text() == username
    page.goto(base + "/settings")
    assert page.url.startswith(f"{base}/login")  # the session from before the reset ended
    stranger.goto(link)
    assert "이미 쓰였거나" in stranger.locator(".form-error").inner_text()
    screenshot(stranger, f"reset-{width}-2-spent")
    assert stranger.errors == ["console.error: Failed to load resource: the server responded with a status of"
                               " 404 (Not Found)"]
