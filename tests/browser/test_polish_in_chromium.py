"""What a demanding reader notices in Chromium: keyboard users can skip the header, every text field
looks alike, the search page has one search box, long list titles are not a wall of underlines, and the
editor writes Korean in a proportional font."""

from __future__ import annotations

from tests.browser.support import no_horizontal_scroll, screenshot


def test_first_tab_offers_skip_to_content(page, live_server):
    page.goto(live_server.url + "/questions/2")
    skip = page.locator("a.skip-link")
    assert not skip.is_visible() or skip.bounding_box()["y"] < 0  # out of sight until focused
    page.keyboard.press("Tab")
    focused = page.evaluate("[document.activeElement.className, document.activeElement.getAttribute('href')]")
    assert focused == ["skip-link", "#main"]
    assert skip.bounding_box()["y"] >= 0  # shown while it has the focus
    screenshot(page, "polish-skip-link")
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")  # the next stop is inside the page, not the header's search box
    assert page.evaluate("document.activeElement.closest('main') !== null")


def test_text_fields_share_one_border(page, live_server):
    page.goto(live_server.url + "/signup")
    border = "el => getComputedStyle(el).borderTopColor + ' ' + getComputedStyle(el).borderTopStyle"
    header_search = page.locator(".site-header__search input").evaluate(border)
    for field in ("#username", "#display_name", "#password"):
        assert page.locator(field).evaluate(border) == header_search, field


def test_search_page_has_one_search_box(phone_page, live_server):
    phone_page.goto(live_server.url + "/search?q=드롭아욱")
    assert phone_page.locator("input[name=q]").count() == 1
    assert phone_page.locator("input[name=q]").input_value() == "드롭아욱"
    screenshot(phone_page, "polish-search-phone")


def test_list_titles_underline_only_on_hover(page, live_server):
    page.goto(live_server.url + "/collections/deep-hankkeut-nodes")
    title = page.locator(".qrow__title").first
    decoration = "el => getComputedStyle(el).textDecorationLine"
    assert title.evaluate(decoration) == "none"
    title.hover()
    assert title.evaluate(decoration) == "underline"


def test_question_body_stands_clear_of_its_concept_chips(page, live_server):
    """A question with a body (06-1) had its first line flush against the row of concept chips above it."""
    listing = page.request.get(live_server.url + "/api/v1/collections/deep-hankkeut-nodes?per_page=100").json()
    question = next(q for q in listing["questions"]["items"] if q["label"] == "06-1")
    page.goto(live_server.url + question["url"])
    gap = page.evaluate("""() => document.querySelector('.question__body').getBoundingClientRect().top
                                 - document.querySelector('.concept-cloud--question').getBoundingClientRect().bottom""")
    assert gap >= 8
    screenshot(page, "polish-question-body")


def test_editor_writes_korean_in_the_page_font(page, live_server):
    page.goto(live_server.url + "/signup")
    page.fill("#username", "polish")
    page.fill("#password", "korean fonts everywhere")
    page.click("form.account-form button[type=submit]")
    page.goto(live_server.url + "/ask")
    font = "el => getComputedStyle(el).fontFamily"
    assert page.locator("#body").evaluate(font) == page.locator("body").evaluate(font)


def test_run_page_parameter_labels_are_whole_on_a_phone(phone_page, live_server):
    """The run page's labels ended in "…" on a phone ("AdaGrad·RMSProp·Ad…"): which learning rate was it?"""
    import httpx

    response = httpx.post(f"{live_server.url}/api/v1/demos/optimizers/runs", json={"params": {"steps": 50}},
                          timeout=None)
    assert response.status_code in (200, 201, 202), response.text
    phone_page.goto(live_server.url + response.json()["url"])
    cut = phone_page.evaluate("""[...document.querySelectorAll('.demo-meta__list dt')]
        .filter(dt => dt.scrollWidth > dt.clientWidth + 1).map(dt => dt.textContent)""")
    assert cut == []
    assert phone_page.locator(".demo-meta__list dt").count() >= 3  # the parameters are listed, not left out
    screenshot(phone_page, "polish-run-meta-phone")


def test_api_docs_lead_back_to_the_site(page, live_server):
    page.goto(live_server.url + "/docs")
    back = page.locator(".swagger-ui .info a", has_text="질문창고로 돌아가기")
    back.wait_for(timeout=30_000)
    assert back.get_attribute("href") == "/"  # Swagger UI opens description links in a new tab


def test_api_docs_keep_korean_words_whole_on_a_phone(phone_page, live_server):
    """Swagger UI's stylesheet broke Korean lines inside words ("모든 오 / 류는"), unlike every other page."""
    phone_page.goto(live_server.url + "/docs")
    intro = phone_page.locator(".swagger-ui .info .description p").first
    intro.wait_for(timeout=30_000)
    assert intro.evaluate("el => getComputedStyle(el).wordBreak") == "keep-all"
    phone_page.locator(".opblock-summary").first.click()
    described = phone_page.locator(".opblock-description-wrapper p").first
    described.wait_for()
    assert described.evaluate("el => getComputedStyle(el).wordBreak") == "keep-all"
    assert no_horizontal_scroll(phone_page)
    screenshot(phone_page, "polish-docs-phone")


def test_primary_button_stands_out(page, live_server):
    page.goto(live_server.url + "/login")
    colours = "el => [getComputedStyle(el).backgroundColor, getComputedStyle(el).color]"
    background, text = page.locator("form.account-form button.primary").evaluate(colours)
    assert background == "rgb(10, 88, 202)" and text == "rgb(255, 255, 255)"
