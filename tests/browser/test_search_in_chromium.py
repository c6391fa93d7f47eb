"""Search in a real browser on the seeded content: the results page, the header box, and similar
questions suggested while a new question's title is typed (htmx, debounced)."""

from __future__ import annotations

from urllib.parse import quote

from tests.browser.support import no_horizontal_scroll, screenshot

QUERY = "드롭아웃은 테스트할 때 어떻게 동작해"


def test_results_page_highlights_and_filters(live_server, page):
    page.goto(f"{live_server.url}/search?q={quote(QUERY)}")
    results = page.locator(".search-result")
    assert results.count() >= 3
    assert page.locator(".search-result mark").first.is_visible()
    assert "드랍아웃" in results.first.locator(".search-result__title").inner_text()  # node 07-3
    screenshot(page, "search-results-desktop")

    page.select_option("select[name=collection]", label=page.locator("select[name=collection] option").nth(1).inner_text())
    page.check("input[name=status][value=answered]")
    page.click(".search-filters button[type=submit]")
    page.wait_for_load_state("load")
    assert "collection=" in page.url and "status=answered" in page.url
    badges = page.locator(".search-result .badge").all_inner_texts()
    assert badges and set(badges) == {"답변됨"}
    assert page.errors == []


def test_results_page_fits_a_phone(live_server, phone_page):
    phone_page.goto(f"{live_server.url}/search?q={quote('배치정규화 위치')}")
    assert phone_page.locator(".search-result mark").first.is_visible()
    assert no_horizontal_scroll(phone_page)
    screenshot(phone_page, "search-results-phone")
    assert phone_page.errors == []


def test_header_search_box_corrects_a_typo(live_server, page):
    page.goto(f"{live_server.url}/")
    page.fill(".site-header__search input[name=q]", "드롭아욷")
    page.press(".site-header__search input[name=q]", "Enter")
    page.wait_for_load_state("load")
    assert page.locator(".search-did-you-mean strong").inner_text() == "드롭아웃"
    assert page.locator(".search-result").count() >= 3
    assert page.errors == []


def test_similar_questions_appear_while_typing_a_new_question(live_server, page):
    page.goto(f"{live_server.url}/signup")
    page.fill("input[name=username]", "typist")
    page.fill("input[name=display_name]", "타이피스트")
    page.fill("input[name=password]", "correct horse 1")
    page.click("main form button[type=submit]")
    page.wait_for_load_state("load")

    page.goto(f"{live_server.url}/ask")
    page.locator("#ask-title").press_sequentially("배치 정규화는 어디에 넣", delay=40)
    page.wait_for_selector("#similar-questions li a", timeout=5000)
    titles = page.locator("#similar-questions li a").all_inner_texts()
    assert any("정규화" in title or "normalization" in title.lower() for title in titles)
    screenshot(page, "ask-similar-questions")
    assert page.errors == []
