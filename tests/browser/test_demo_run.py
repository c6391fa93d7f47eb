"""A demo in Chromium: the form, a run whose charts and conclusion appear live, the phone layout,
and the same run with JavaScript switched off (the run page refreshes itself until it is done)."""

from __future__ import annotations

import re
import shutil

import pytest
from playwright.sync_api import expect

from tests.browser.support import PHONE, no_horizontal_scroll, screenshot, start_live_server

SLUG = "activation-gradients"
# base.html links these; they are shipped by the reading branch, not by the demo pages.
NOT_OURS = ("/static/css/app.css", "/static/css/pygments.css")


def track_failures(page) -> list[str]:
    failed: list[str] = []

    def on_failed(request) -> None:
        # Aborted by the page itself, not failed: demo-run.js closes the event stream once the result is
        # in, and a time estimate still on its way when "실행" leaves the form is dropped with the form.
        aborted = "ERR_ABORTED" in (request.failure or "")
        if not (aborted and (request.url.endswith("/events") or "/estimate?" in request.url)):
            failed.append(f"{request.url} ({request.failure})")

    page.on("response", lambda r: failed.append(r.url) if r.status >= 400 else None)
    page.on("requestfailed", on_failed)
    return failed


def our_errors(page, failed: list[str]) -> list[str]:
    """JavaScript errors, and console errors other than a missing stylesheet that is not ours."""
    ours = [url for url in failed if not url.endswith(NOT_OURS)]
    errors = [e for e in page.errors if not (e.startswith("console.error: Failed to load resource") and not ours)]
    return errors + ours


@pytest.fixture
def demo_server(tmp_path, migrated_template):
    """A live server on an empty database: demo pages need no content. One demo worker."""
    from app.config import Settings

    shutil.copy(migrated_template, tmp_path / "kb.sqlite3")
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'kb.sqlite3'}", testing=True, secret_key="test",
                        demo_workers=1, demo_queue_size=2, demo_time_limit_s=60.0)
    server, stop = start_live_server(settings)
    yield server
    stop()


def fill_form(page, *, depth: str, trials: str, width: str = "128") -> None:
    page.fill("#param-depth", depth)
    page.fill("#param-width", width)
    page.fill("#param-batch_size", "64")
    page.fill("#param-trials", trials)


def test_run_a_demo_and_watch_the_chart_and_conclusion_appear(demo_server, page, phone_page):
    failed, phone_failed = track_failures(page), track_failures(phone_page)
    page.goto(f"{demo_server.url}/demos/{SLUG}")
    expect(page.locator("h1")).to_have_text("활성화 함수와 층별 기울기 흐름")
    slider = page.locator('input[data-range-for="param-depth"]')
    expect(slider).to_be_visible()  # revealed by demo-form.js, kept in step with the number input
    fill_form(page, depth="40", trials="10", width="256")  # about a second of work: the chart grows meanwhile
    expect(slider).to_have_value("40")
    screenshot(page, "demo-form-desktop")
    page.click("button.demo-button--primary")
    page.wait_for_url(re.compile(r"/runs/[\w-]+$"))
    expect(page.locator(".demo-chart canvas").first).to_be_visible(timeout=60_000)
    seen_while_running = page.locator("#run-status").inner_text() == "실행 중"
    expect(page.locator("#run-conclusion")).to_contain_text("기울기", timeout=60_000)
    expect(page.locator("#run-status")).to_have_text("완료")
    expect(page.locator("#run-table tbody tr")).to_have_count(4)
    expect(page.locator(".demo-chart figcaption")).to_contain_text("층별 가중치 기울기 노름")
    legend = page.locator(".demo-chart .u-legend").inner_text()
    assert "Sigmoid" in legend and "LeakyReLU" in legend
    # The chart was drawn from progress events before the result came (unless the machine was so
    # quick that the run ended before the page connected; then the stored result drew it).
    assert seen_while_running or page.evaluate("performance.getEntriesByType('resource')"
                                               ".some(e => e.name.includes('/events'))")
    assert our_errors(page, failed) == []
    screenshot(page, "demo-run-desktop")

    run_url = page.url
    phone_page.goto(run_url)
    expect(phone_page.locator(".demo-chart canvas").first).to_be_visible()
    assert no_horizontal_scroll(phone_page)
    canvas_width = phone_page.locator(".demo-chart canvas").first.bounding_box()["width"]
    assert canvas_width <= PHONE["width"]
    screenshot(phone_page, "demo-run-phone")
    phone_page.goto(f"{demo_server.url}/demos/{SLUG}")
    assert no_horizontal_scroll(phone_page)
    screenshot(phone_page, "demo-form-phone")
    phone_page.goto(f"{demo_server.url}/demos")
    assert no_horizontal_scroll(phone_page)
    assert our_errors(phone_page, phone_failed) == []


def test_without_javascript_the_form_submits_and_the_result_appears_after_refresh(demo_server, browser):
    context = browser.new_context(java_script_enabled=False, viewport={"width": 1280, "height": 900}, locale="ko-KR")
    page = context.new_page()
    try:
        page.goto(f"{demo_server.url}/demos/{SLUG}")
        expect(page.locator('input[data-range-for="param-depth"]')).to_be_hidden()
        fill_form(page, depth="30", trials="6")
        page.click("button.demo-button--primary")
        page.wait_for_url(re.compile(r"/runs/[\w-]+$"))
        expect(page.locator("#run-conclusion")).to_contain_text("기울기", timeout=90_000)
        expect(page.locator("#run-status")).to_have_text("완료")
        expect(page.locator("#run-table tbody tr")).to_have_count(4)
        assert page.locator('meta[http-equiv="refresh"]').count() == 0  # done: no more refreshing
        screenshot(page, "demo-run-nojs")
    finally:
        context.close()


def test_the_question_page_panel_runs_its_preset(live_server, page, phone_page):
    """Interview #12 links activation-gradients with sigmoid and ReLU: the panel's button runs that."""
    import httpx

    items = httpx.get(f"{live_server.url}/api/v1/questions", params={"per_page": 100, "collection": "deep-learning-interview"}, timeout=None).json()
    question = next(q for q in items["items"] if q["label"] == "#12")
    failed = track_failures(page)
    page.goto(live_server.url + question["url"])
    panel = page.locator("section.demo-panel")
    expect(panel).to_contain_text("활성화 함수와 층별 기울기 흐름")
    expect(panel).to_contain_text("비교할 활성화 함수 sigmoid, relu")  # the preset, labelled in Korean
    screenshot(page, "demo-panel-desktop")
    item = page.locator("section.demo-panel li", has_text="활성화 함수와 층별 기울기 흐름")
    item.get_by_role("button", name="실행").click()  # runs in place: the card comes into the panel
    expect(item.locator(".run-card")).to_have_attribute("data-status", "succeeded", timeout=60_000)
    item.locator(".run-card__more").click()
    page.wait_for_url(re.compile(r"/runs/[\w-]+\?question=\d+$"))
    expect(page.locator("#run-conclusion")).to_contain_text("sigmoid", timeout=60_000)
    expect(page.locator("#run-table tbody tr")).to_have_count(2)  # the preset: sigmoid and ReLU only
    assert our_errors(page, failed) == []

    phone_page.goto(live_server.url + question["url"])
    expect(phone_page.locator("section.demo-panel")).to_be_visible()
    assert no_horizontal_scroll(phone_page)
    screenshot(phone_page, "demo-panel-phone")
