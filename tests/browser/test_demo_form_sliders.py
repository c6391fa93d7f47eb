"""Learning-rate sliders move over decades: on a linear 0.001..5 slider everything from 0.001 to 0.05
sat in its first pixel."""

from __future__ import annotations

import math

from tests.browser.test_demo_run import demo_server  # noqa: F401 - the fixture


def test_log_scale_slider_and_number_stay_in_step(demo_server, page):  # noqa: F811
    page.goto(f"{demo_server.url}/demos/batchnorm")
    slider = page.locator('input[data-range-for="param-learning_rate"]')
    assert slider.is_visible() and slider.get_attribute("data-log-scale") is not None
    low, high = float(slider.get_attribute("min")), float(slider.get_attribute("max"))
    assert (low, high) == (math.log10(0.001), math.log10(5.0))
    slider.evaluate("(s, v) => { s.value = v; s.dispatchEvent(new Event('input')); }", (low + high) / 2)
    assert float(page.input_value("#param-learning_rate")) == float(f"{math.sqrt(0.001 * 5.0):.3g}")
    page.fill("#param-learning_rate", "0.01")
    assert float(slider.input_value()) == -2
    page.fill("#param-learning_rate", "1")
    assert float(slider.input_value()) == 0
    assert page.errors == []


def test_the_time_estimate_follows_the_form_and_warns_before_the_click(demo_server, page):  # noqa: F811
    from playwright.sync_api import expect

    page.goto(f"{demo_server.url}/demos/activation-gradients")
    estimate = page.locator("#run-estimate")
    expect(estimate).to_contain_text("예상 시간 약")
    assert "제한을 넘어" not in estimate.inner_text()
    for name, value in {"depth": "60", "width": "1024", "batch_size": "2048", "trials": "20"}.items():
        page.fill(f"#param-{name}", value)  # the setting that used to hold a worker until the 60 s limit
    expect(estimate).to_contain_text("제한을 넘어 실행하지 않습니다")
    page.click("button.demo-button--primary")
    page.wait_for_load_state("load")
    expect(page.locator(".demo-field--error").first).to_contain_text("초를 넘습니다")
    # The refusal is a 422 page, which Chromium logs as a failed load; nothing else may be logged.
    assert [e for e in page.errors if "status of 422" not in e] == []
