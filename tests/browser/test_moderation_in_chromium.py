"""Moderation in Chromium at 1280 and 375 px: a member flags an answer, a moderator hides it from the
queue, its author sees why on the question page while others no longer see it, the moderator restores
it; then a duplicate close links both questions. Screenshots kept; no page scrolls sideways."""

from __future__ import annotations

import pytest
from sqlmodel import Session

from tests.browser.support import no_horizontal_scroll, screenshot
from tests.browser.test_reading import offline_world
from tests.browser.test_writing import sign_up

SPAM = "그래픽카드를 싸게 팝니다. 지금 연락 주세요."


def promote(settings, username: str) -> None:
    """What `kb user promote USERNAME --role moderator` does."""
    from app.db.engine import make_engine
    from app.services.moderation import set_role

    engine = make_engine(settings.database_url)
    try:
        with Session(engine) as session:
            set_role(session, username, "moderator")
    finally:
        engine.dispose()


def post_question(page, base: str, title: str) -> str:
    page.goto(base + "/ask")
    page.select_option("#collection", "general")
    page.fill("#ask-title", title)
    page.fill("#body", "배치 정규화를 왜 쓰는지 궁금합니다.")
    page.click("form.write-form button.primary")
    page.wait_for_load_state("load")
    return page.url


def checked(page, name: str) -> None:
    screenshot(page, name)
    assert no_horizontal_scroll(page), f"{name}: the page is wider than the screen"


@pytest.mark.parametrize("width", ["desktop", "phone"])
def test_flag_hide_explain_restore_and_close_as_duplicate(live_server, new_page, width):
    base = live_server.url
    phone = width == "phone"
    writer, reporter, moderator = (new_page(phone=phone) for _ in range(3))
    for page in (writer, reporter, moderator):
        offline_world(page, base)
    sign_up(writer, base, f"writer{width}", f"Writer {width.title()}")
    sign_up(reporter, base, f"reporter{width}", f"Reporter {width.title()}")
    sign_up(moderator, base, f"mod{width}", f"Mod {width.title()}")
    promote(live_server.settings, f"mod{width}")

    original = post_question(writer, base, f"배치 정규화는 왜 쓰나요? ({width})")
    writer.fill("#answer-body", SPAM)
    writer.click("#answer-form button.primary")
    writer.wait_for_load_state("load")

    # A member flags the answer.
    reporter.goto(original)
    answer = reporter.locator("li.answer").first
    answer.locator(".flag-form summary").click()
    answer.locator(".flag-form input[name=reason]").fill("광고 글")
    checked(reporter, f"moderation-{width}-1-flag-form")
    answer.locator(".flag-form button[type=submit]").click()
    reporter.wait_for_load_state("load")
    assert reporter.locator("h1").inner_text() == "신고했습니다"

    # The moderator hides it from the queue, with the flag's reason.
    moderator.goto(base + "/")
    moderator.click(".site-header__nav >> text=운영")
    moderator.wait_for_load_state("load")
    assert moderator.url == base + "/moderation"
    item = moderator.locator(".mod-item").first
    assert "광고 글" in item.locator(".mod-item__flags").inner_text()
    assert SPAM in item.inner_text()
    checked(moderator, f"moderation-{width}-2-queue")
    item.locator("input[id^=hide-]").fill("광고 글은 올릴 수 없습니다")
    item.locator("button.danger", has_text="숨기기").click()
    moderator.wait_for_load_state("load")
    assert "처리할 신고가 없습니다" in moderator.locator("#flagged-title + *").inner_text()
    assert "광고 글은 올릴 수 없습니다" in moderator.locator(".mod-item--hidden").inner_text()

    # Others no longer see it; its author sees it with the reason.
    reporter.goto(original)
    assert SPAM not in reporter.content()
    writer.goto(original)
    notice = writer.locator(".mod-hidden")
    assert "광고 글은 올릴 수 없습니다" in notice.locator(".mod-hidden__why").inner_text()
    assert SPAM in notice.inner_text()
    checked(writer, f"moderation-{width}-3-author-sees-why")

    # The moderator restores it; everyone sees it again.
    moderator.goto(base + "/moderation")
    moderator.locator(".mod-item--hidden button", has_text="되살리기").click()
    moderator.wait_for_load_state("load")
    assert "숨긴 글이 없습니다" in moderator.locator("#hidden-title + *").inner_text()
    reporter.goto(original)
    assert SPAM in reporter.locator("li.answer").first.inner_text()

    # A duplicate close links both questions.
    duplicate = post_question(writer, base, f"BN을 쓰는 이유가 뭔가요? ({width})")
    moderator.goto(duplicate)
    moderator.locator(".write-actions--question .mod-tools summary").click()
    moderator.fill("#close-duplicate", original.removeprefix(base))
    checked(moderator, f"moderation-{width}-4-close-form")
    moderator.locator(".mod-tools__form button", has_text="질문 닫기").click()
    moderator.wait_for_load_state("load")
    assert moderator.url == duplicate
    writer.goto(duplicate)
    assert "닫힌 질문" in writer.locator(".mod-notice--closed").inner_text()
    assert writer.locator("#answer-body").count() == 0  # no answer form on a closed question
    checked(writer, f"moderation-{width}-5-closed-duplicate")
    writer.click(".mod-notice--closed a.duplicate-of")
    writer.wait_for_load_state("load")
    assert writer.url == original
    writer.locator(".mod-notice--duplicates a.duplicate").click()
    writer.wait_for_load_state("load")
    assert writer.url == duplicate
    writer.goto(original)
    checked(writer, f"moderation-{width}-6-original-links-duplicate")

    for page in (writer, reporter, moderator):
        assert page.errors == [], page.errors
