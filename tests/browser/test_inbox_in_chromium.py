"""The inbox in Chromium at 1280 and 375 px: an answer and an @mention raise the asker's unread count in
the header, /inbox lists them (screenshot), opening one marks it read and lands on the answer, "mark all
read" clears the count (screenshot); the question page's watch button toggles. No page scrolls
sideways or logs an error."""

from __future__ import annotations

import pytest

from tests.browser.support import ask_in_browser, no_horizontal_scroll, screenshot
from tests.browser.test_dark_mode import LOW_CONTRAST
from tests.browser.test_reading import offline_world
from tests.browser.test_writing import sign_up


def shot(page, name: str) -> None:
    screenshot(page, name)
    assert no_horizontal_scroll(page), f"{name}: wider than the screen"


def header_count(page) -> str:
    badge = page.locator(".nav-inbox__count")
    return badge.inner_text() if badge.count() else ""


@pytest.mark.parametrize("width", ["desktop", "phone"])
def test_inbox(live_server, new_page, width):
    base = live_server.url
    phone = width == "phone"
    asker, answerer = new_page(phone=phone), new_page(phone=phone)
    for page in (asker, answerer):
        offline_world(page, base)
    sign_up(asker, base, f"asker{width}", "Asker Kim" if phone else "Asker Lee")
    sign_up(answerer, base, f"answerer{width}", "Answerer Kim" if phone else "Answerer Lee")
    assert header_count(asker) == ""

    question_url = ask_in_browser(asker, base, f"학습률 웜업은 왜 필요한가요? ({width})",
                                  "큰 배치에서 처음 몇 스텝이 불안정합니다.")
    assert asker.locator("button.watch").inner_text() == "🔔 지켜보는 중"  # asking watches

    answerer.goto(question_url)
    answerer.click("button.watch")  # watch it by hand, then unwatch: the button says which
    answerer.wait_for_load_state("load")
    assert answerer.locator("button.watch").inner_text() == "🔔 지켜보는 중"
    answerer.click("button.watch")
    answerer.wait_for_load_state("load")
    assert answerer.locator("button.watch").inner_text() == "🔕 지켜보기"
    answerer.fill("#answer-body", "초기 기울기가 커서 Adam의 분산 추정이 불안정하기 때문입니다.")
    answerer.click("#answer-form button.primary")
    answerer.wait_for_load_state("load")
    ask_in_browser(answerer, base, f"배치 크기와 학습률 ({width})",
                   f"@asker{width} 님은 어떻게 생각하세요? 선형 스케일링이 늘 맞나요?")
    mention = answerer.locator(f"a.mention[href='/users/asker{width}']")
    assert mention.count() == 1 and mention.inner_text() == f"@asker{width}"

    asker.goto(base + "/")
    assert header_count(asker) == "2"
    asker.goto(question_url)  # a page kept for every signed-in reader shows each their own count
    assert header_count(asker) == "2" and answerer.locator(".nav-inbox__count").count() == 0
    asker.click(".nav-inbox")
    asker.wait_for_load_state("load")
    assert asker.url == base + "/inbox"
    items = asker.locator(".inbox-item--unread")
    assert items.count() == 2
    assert "나를 언급했습니다" in items.nth(0).inner_text() and "답변을 달았습니다" in items.nth(1).inner_text()
    shot(asker, f"inbox-{width}-1-unread")
    assert asker.evaluate(LOW_CONTRAST) == []
    asker.emulate_media(color_scheme="dark")  # the unread rows keep readable text in dark mode too
    asker.reload()
    shot(asker, f"inbox-{width}-1-unread-dark")
    assert asker.evaluate(LOW_CONTRAST) == []
    asker.emulate_media(color_scheme="light")

    items.nth(1).locator("button.inbox-item__message").click()  # opens the answer, marked read
    asker.wait_for_load_state("load")
    assert asker.url.startswith(question_url + "#answer-")
    assert header_count(asker) == "1"
    asker.goto(base + "/inbox")
    asker.click("text=모두 읽음으로 표시")
    asker.wait_for_load_state("load")
    assert header_count(asker) == "" and asker.locator(".inbox-item--unread").count() == 0
    assert asker.locator(".inbox-item").count() == 2
    shot(asker, f"inbox-{width}-2-all-read")
    asker.goto(question_url)
    assert header_count(asker) == ""
    asker.goto(base + "/settings/notifications")
    asker.fill("#notify-email", f"asker-{width}@example.com")
    asker.check("input[name=email_notifications]")
    asker.click("form.notify-settings button[type=submit]")
    asker.wait_for_load_state("load")
    assert asker.locator(".form-saved").count() == 1
    assert asker.locator("#notify-email").input_value() == f"asker-{width}@example.com"
    shot(asker, f"inbox-{width}-3-settings")
    assert asker.errors == [] and answerer.errors == []


# Where a text's characters sit, one rectangle per line box it spans.
LINE_TOPS = """(needle) => {
  const lead = document.querySelector('p.lead');
  const walker = document.createTreeWalker(lead, NodeFilter.SHOW_TEXT);
  let at = 0, text = '';
  const nodes = [];
  while (walker.nextNode()) { nodes.push([walker.currentNode, text.length]); text += walker.currentNode.data; }
  const start = text.indexOf(needle);
  if (start < 0) return null;
  const tops = new Set();
  for (let i = start; i < start + needle.length; i++) {
    const [node, offset] = nodes.filter(([, begin]) => begin <= i).pop();
    const range = document.createRange();
    range.setStart(node, i - offset);
    range.setEnd(node, i - offset + 1);
    for (const rect of range.getClientRects()) tops.add(Math.round(rect.top));
  }
  return [...tops];
}"""


@pytest.mark.parametrize("width", [360, 1280])
def test_the_inbox_lead_keeps_a_handle_on_one_line(live_server, new_page, width):
    """'@아이디' in the inbox's lead is one word: at 360 px the line broke after the '@'."""
    page = new_page(width=width) if width < 1000 else new_page()
    offline_world(page, live_server.url)
    sign_up(page, live_server.url, f"handle{width}", "핸들")
    page.goto(live_server.url + "/inbox")
    shot(page, f"inbox-{width}-lead")
    assert page.evaluate(LINE_TOPS, "@아이디") is not None
    assert len(page.evaluate(LINE_TOPS, "@아이디")) == 1
