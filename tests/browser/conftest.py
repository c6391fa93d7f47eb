"""Browser tests: Playwright drives Debian's Chromium (/usr/bin/chromium) against a real uvicorn.

Playwright's own browser download is never used. Each test gets its own server on a free port,
backed by a copy of the seeded database, so tests that post cannot disturb each other.
Screenshots go to tests/artifacts/screens/ (kept by CI as artifacts, ignored by git).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.browser.support import CHROMIUM, CHROMIUM_FLAGS, DESKTOP, PHONE, LiveServer, start_live_server


def pytest_collection_modifyitems(items):
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(pytest.mark.browser)
            # One Chromium per xdist worker is plenty on two cores: keep browser tests together.
            item.add_marker(pytest.mark.xdist_group("browser"))


@pytest.fixture
def live_server(seeded_settings) -> Iterator[LiveServer]:
    # No browser test is about the time limit, and a run the niced worker starts on a busy machine
    # can take many times its usual second: only a hung run should ever hit this one.
    server, stop = start_live_server(seeded_settings.with_overrides(demo_time_limit_s=600.0))
    yield server
    stop()


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs Debian's chromium package")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS, headless=True)
        yield browser
        browser.close()


class PageErrors(list):
    """JavaScript errors and console errors seen by a page; a test asserts it stays empty."""


def _new_page(browser, viewport: dict, *, is_mobile: bool):
    context = browser.new_context(viewport=viewport, is_mobile=is_mobile, has_touch=is_mobile, locale="ko-KR",
                                  device_scale_factor=1)
    page = context.new_page()
    errors = PageErrors()
    page.on("pageerror", lambda exc: errors.append(f"pageerror: {exc}"))
    page.on("console", lambda msg: errors.append(f"console.{msg.type}: {msg.text}") if msg.type == "error" else None)
    page.errors = errors
    return context, page


@pytest.fixture
def page(browser):
    context, page = _new_page(browser, DESKTOP, is_mobile=False)
    yield page
    context.close()


@pytest.fixture
def phone_page(browser):
    context, page = _new_page(browser, PHONE, is_mobile=True)
    yield page
    context.close()


@pytest.fixture
def new_page(browser):
    """More pages, each in its own context (its own cookies: another person); phone=True for 375 px,
    width= for a phone of another width (360 px, the narrowest common one)."""
    contexts = []

    def make(*, phone: bool = False, width: int | None = None):
        viewport = {**PHONE, "width": width} if width else PHONE if phone else DESKTOP
        context, page = _new_page(browser, viewport, is_mobile=phone or width is not None)
        contexts.append(context)
        return page

    yield make
    for context in contexts:
        context.close()
