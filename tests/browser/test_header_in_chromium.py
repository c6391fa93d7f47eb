"""The signed-in header at 1280 and 375 px: the links after 알림 (the reader's name, 로그아웃) sit at the
same distance as every other link, on pages that load the writing styles too, with and without the
unread count (a header screenshot of each)."""

from __future__ import annotations

import pytest

from tests.browser.support import ARTIFACTS, ask_in_browser, no_horizontal_scroll
from tests.browser.test_reading import offline_world
from tests.browser.test_writing import sign_up

# Each item of the header's menu: its text and its box, in order.
NAV_BOXES = """() => [...document.querySelectorAll('.site-header__nav > *')].map(e => {
  const r = e.getBoundingClientRect();
  return {text: e.textContent.trim(), left: r.left, right: r.right, top: Math.round(r.top)};
})"""


def gaps(page) -> list[tuple[str, str, float]]:
    """(item, next item, space between them) for the neighbours that share a row."""
    boxes = page.evaluate(NAV_BOXES)
    return [(a["text"], b["text"], round(b["left"] - a["right"], 1))
            for a, b in zip(boxes, boxes[1:], strict=False) if a["top"] == b["top"]]


def check_even(page, name: str) -> None:
    found = gaps(page)
    assert any(a.startswith("알림") for a, _, _ in found), (name, found)  # 알림 and the name share a row
    widths = {gap for _, _, gap in found}
    assert max(widths) - min(widths) <= 1, f"{name}: uneven gaps in the header {found}"
    assert no_horizontal_scroll(page), name
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.locator(".site-header").screenshot(path=str(ARTIFACTS / f"header-{name}.png"))


@pytest.mark.parametrize("width", ["desktop", "phone"])
def test_the_header_spaces_its_links_evenly(live_server, new_page, width):
    base = live_server.url
    phone = width == "phone"
    asker, answerer = new_page(phone=phone), new_page(phone=phone)
    for page in (asker, answerer):
        offline_world(page, base)
    sign_up(asker, base, f"gapasker{width}", "김 철수")
    sign_up(answerer, base, f"gapanswerer{width}", "Answerer")
    question_url = ask_in_browser(asker, base, f"헤더 간격을 보는 질문 ({width})", "알림 옆 이름까지의 간격")
    for path in ("/", question_url.removeprefix(base), "/ask"):  # the last two load writes.css
        asker.goto(base + path)
        check_even(asker, f"{width}-{path.strip('/').replace('/', '-') or 'home'}")

    answerer.goto(question_url)
    answerer.fill("#answer-body", "헤더의 알림 숫자가 생기도록 답합니다.")
    answerer.click("#answer-form button.primary")
    answerer.wait_for_load_state("load")
    asker.goto(question_url)
    assert asker.locator(".nav-inbox__count").inner_text() == "1"
    check_even(asker, f"{width}-unread")
