"""Runs inside the question, in Chromium at 1280 and 375 px: "실행" on a linked experiment puts the
run's card (verdict, headline numbers, chart) into the question page without leaving it; the stored
result then shows on the next view without a click; the card's run page links back; a run address
pasted into an answer becomes the run's card."""

from __future__ import annotations

import re

import httpx
from playwright.sync_api import expect

from tests.browser.support import no_horizontal_scroll, screenshot
from tests.browser.test_reading import offline_world, open_page

SLUG = "conv-output-shape"


def panel_item(page):
    return page.locator(".demo-panel__item", has=page.locator(f'a.demo-panel__name[href^="/demos/{SLUG}"]'))


def test_a_linked_experiment_runs_inside_the_question(live_server, page, phone_page):
    base = live_server.url
    linked = httpx.get(f"{base}/api/v1/demos/{SLUG}", timeout=None).json()["linked_questions"]
    question_url = f"{base}/questions/{linked[0]['id']}"

    offline_world(page, base)
    open_page(page, question_url)
    item = panel_item(page)
    expect(item.locator(".demo-panel__note")).to_contain_text("아직 이 설정으로 실행한 결과가 없습니다")
    item.get_by_role("button", name="실행").click()
    card = item.locator(".run-card")
    expect(card).to_have_attribute("data-status", "succeeded", timeout=120_000)
    assert page.url == question_url  # the reader never left the question
    expect(card.locator(".run-card__verdict")).to_be_visible()
    expect(card.locator(".run-card__conclusion")).not_to_be_empty()
    screenshot(page, "question-run-in-place-desktop")

    offline_world(phone_page, base)
    open_page(phone_page, question_url)
    phone_card = panel_item(phone_page).locator(".run-card")
    expect(phone_card).to_have_attribute("data-status", "succeeded")  # stored: shown without a click
    assert no_horizontal_scroll(phone_page)
    screenshot(phone_page, "question-run-in-place-phone")

    card.locator(".run-card__more").click()
    page.wait_for_url(re.compile(r"/runs/[\w-]+\?question=\d+$"))
    run_url = page.url.split("?")[0]
    page.locator("#run-origin").click()
    page.wait_for_url(question_url)
    assert page.errors == [] and phone_page.errors == []

    # A run address pasted into an answer shows as that run's card.
    page.goto(f"{base}/signup")
    page.fill("input[name=username]", "runsharer")
    page.fill("input[name=display_name]", "실행공유자")
    page.fill("input[name=password]", "correct horse 1")
    page.click("main form button[type=submit]")
    page.wait_for_load_state("load")
    open_page(page, question_url)
    page.fill("#answer-body", f"제가 돌려 본 결과입니다.\n\n{run_url}\n")
    page.get_by_role("button", name="답변 올리기").click()
    page.wait_for_load_state("load")
    pasted = page.locator(".rendered-body + .run-card-slot .run-card, .run-card-slot .run-card").last
    expect(pasted).to_have_attribute("data-run", run_url.rsplit("/", 1)[-1])
    expect(pasted.locator(".run-card__verdict")).to_be_visible()
    screenshot(page, "question-pasted-run-card-desktop")
    assert page.errors == []
