"""Under the Content-Security-Policy every page still works in Chromium, and no page can be framed.

The policy runs no inline script, so a handler left in a template (onsubmit=…) or an inline start-up
script (FastAPI's Swagger page) would silently stop working: the browser reports each refusal as a
securitypolicyviolation event, collected here on every page, while the page's own features are used.
"""

from __future__ import annotations

from tests.browser.test_reading import offline_world
from tests.browser.test_writing import sign_up

COLLECT = """
window.__violations = [];
document.addEventListener("securitypolicyviolation",
  (e) => window.__violations.push(
    e.violatedDirective + " " + (e.blockedURI || "inline") + " " + e.sourceFile + ":" + e.lineNumber));
"""


def violations(page) -> list[str]:
    return page.evaluate("window.__violations")


def visit(page, url: str) -> None:
    response = page.goto(url)
    assert response is not None and response.status == 200, url
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    page.wait_for_load_state("load")


def test_every_page_works_under_the_policy(live_server, new_page):
    base = live_server.url
    page = new_page()
    page.add_init_script(COLLECT)
    offline_world(page, base)
    seen: dict[str, list[str]] = {}
    for path in ("/", "/questions", "/unanswered", "/authors", "/demos", "/search?q=%EB%B0%B0%EC%B9%98", "/login",
                 "/signup"):
        visit(page, base + path)
        seen[path] = violations(page)
    visit(page, base + "/docs")  # Swagger UI starts from static/js/swagger-init.js
    page.wait_for_selector(".opblock-summary-path", timeout=30_000)
    seen["/docs"] = violations(page)

    visit(page, base + "/demos")
    page.locator("a[href^='/demos/']").first.click()
    page.wait_for_load_state("load")
    assert page.locator("input[data-range-for]").first.is_visible()  # demo-form.js showed its sliders
    seen["demo page"] = violations(page)

    sign_up(page, base, "cspwriter", "보안")
    page.goto(base + "/ask")
    page.fill("#ask-title", "보안 정책 아래에서도 미리보기가 되나요?")
    page.fill("#body", "**굵게** 그리고 `코드`\n\n```python\nprint(1)\n```")  # htmx asks the server for a preview
    page.locator("#body-preview strong").wait_for()
    seen["/ask"] = violations(page)
    page.click("form.write-form button[type=submit]")
    page.wait_for_load_state("load")
    question_url = page.url
    assert "/questions/" in question_url
    page.locator(".code-frame button").first.wait_for()  # copy-code.js added its button
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.locator("form[data-confirm] button").first.click()  # confirm.js asks first; dismissed, nothing happens
    assert dialogs == ["이 질문을 지울까요?"] and page.url == question_url
    seen["question"] = violations(page)
    assert {path: found for path, found in seen.items() if found} == {}
    assert page.errors == []


def test_no_page_can_be_framed(live_server, page):
    base = live_server.url
    page.set_content(f'<iframe id="framed" src="{base}/" width="600" height="400"></iframe>')
    framed = page.frames[-1]
    framed.wait_for_load_state("load")
    assert framed is not page.main_frame
    assert page.frame_locator("#framed").locator("main").count() == 0  # Chromium shows its own error page
