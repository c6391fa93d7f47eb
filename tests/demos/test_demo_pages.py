"""Demo pages: catalogue, form from the JSON schema, the no-JavaScript path (POST → 303 → a run page
that refreshes itself until the result is there)."""

from __future__ import annotations

import re
import time

import pytest

from tests.demos.conftest import RUN_WAIT_S, SLUG, TERMINAL

pytestmark = pytest.mark.slow

# As a browser asks for a page and posts its form: an anonymous reader gets no cookie with the demo
# page, so the run form is checked by the browser's word that the post comes from this site.
HTML = {"accept": "text/html", "sec-fetch-site": "same-origin"}
SMALL_FORM = {"depth": "6", "width": "32", "batch_size": "16", "trials": "1", "init": "matched",
              "activations": ["sigmoid", "relu"], "_form": "1"}


def csrf_token(client, url: str = f"/demos/{SLUG}") -> str:
    html = client.get(url, headers=HTML).text
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def test_catalogue_lists_the_demo(pool_client):
    html = pool_client.get("/demos", headers=HTML).text
    assert f'href="/demos/{SLUG}"' in html and "활성화 함수와 층별 기울기 흐름" in html and "면접 #5" in html


def test_demo_pages_have_absolute_canonical_urls(pool_client):
    base = pool_client.app.state.settings.base_url
    for path in ("/demos", f"/demos/{SLUG}"):
        assert f'<link rel="canonical" href="{base}{path}">' in pool_client.get(path, headers=HTML).text


def test_form_is_built_from_the_schema(pool_client):
    response = pool_client.get(f"/demos/{SLUG}", headers=HTML)
    assert response.status_code == 200
    html = response.text
    assert re.search(r'<input id="param-depth" type="number" name="depth" value="20" step="1" min="2" max="60"', html)
    assert 'data-range-for="param-depth"' in html  # the slider JavaScript reveals
    assert re.search(r'name="activations" value="sigmoid" checked', html)
    assert '<select id="param-init" name="init">' in html and '<option value="matched" selected>' in html
    assert "은닉층 수" in html and "2 이상 60 이하의 정수" in html  # Korean label and bounds
    assert "Glorot" in html and "Delving Deep into Rectifiers" in html
    assert 'href="/api/v1/demos/activation-gradients"' in html  # the JSON twin


def test_a_query_string_fills_the_form_in(pool_client):
    html = pool_client.get(f"/demos/{SLUG}?depth=10&activations=sigmoid&activations=tanh&seed=3&device=cpu",
                           headers=HTML).text
    assert 'name="depth" value="10"' in html
    assert re.search(r'name="activations" value="tanh" checked', html)
    assert not re.search(r'name="activations" value="relu" checked', html)
    assert 'name="seed" min="0"' in html and 'value="3"' in html
    assert '<option value="cpu" selected>' in html
    bad = pool_client.get(f"/demos/{SLUG}?depth=999", headers=HTML)
    assert bad.status_code == 200 and "2 이상 60 이하의 정수여야 합니다" in bad.text


def test_a_post_from_another_site_needs_the_csrf_token(pool_client):
    elsewhere = {**HTML, "sec-fetch-site": "cross-site"}
    response = pool_client.post(f"/demos/{SLUG}/runs", data=SMALL_FORM, headers=elsewhere, follow_redirects=False)
    assert response.status_code == 403


def test_submit_without_javascript_then_the_page_refreshes_to_the_result(pool_client):
    form = {**SMALL_FORM, "csrf_token": csrf_token(pool_client), "seed": "71", "device": "auto"}
    response = pool_client.post(f"/demos/{SLUG}/runs", data=form, headers=HTML, follow_redirects=False)
    assert response.status_code == 303
    run_url = response.headers["location"]
    assert re.fullmatch(r"/runs/[\w-]+", run_url)
    deadline = time.monotonic() + RUN_WAIT_S
    while True:
        page = pool_client.get(run_url, headers=HTML)
        assert page.status_code == 200
        live = '<meta http-equiv="refresh"' in page.text
        status = re.search(r'data-status="(\w+)"', page.text).group(1)
        if status in TERMINAL:
            break
        assert live, "a queued or running run page must refresh itself without JavaScript"
        assert time.monotonic() < deadline
        time.sleep(0.1)
    html = page.text
    assert status == "succeeded" and not live
    assert "결론" in html and "기울기가 사라집니다" in html
    assert "<td>Sigmoid</td>" in html and "<td>ReLU</td>" in html and "<td>Tanh</td>" not in html
    base = pool_client.app.state.settings.base_url
    assert f'<input id="run-permalink" class="demo-share__url" type="url" readonly value="{base}{run_url}">' in html
    assert f'<link rel="canonical" href="{base}{run_url}">' in html
    assert "seed=71" in html  # the "다시 실행" link carries the seed


def test_unticked_boxes_in_the_full_form_mean_false_and_a_preset_keeps_the_defaults(pool_client):
    token = csrf_token(pool_client)
    preset = {"csrf_token": token, "activations": ["relu", "tanh"], "depth": "6", "width": "32", "trials": "1"}
    response = pool_client.post(f"/demos/{SLUG}/runs", data=preset, headers=HTML, follow_redirects=False)
    assert response.status_code == 303
    run_id = response.headers["location"].rsplit("/", 1)[1]
    run = pool_client.get(f"/api/v1/runs/{run_id}").json()
    assert run["params"]["activations"] == ["relu", "tanh"] and run["params"]["batch_size"] == 128


def test_bad_form_values_come_back_with_korean_errors(pool_client):
    token = csrf_token(pool_client)
    form = {**SMALL_FORM, "csrf_token": token, "depth": "999", "seed": "-4"}
    response = pool_client.post(f"/demos/{SLUG}/runs", data=form, headers=HTML)
    assert response.status_code == 422
    assert "시드는 0 이상" in response.text
    form = {**SMALL_FORM, "csrf_token": token, "depth": "999"}
    response = pool_client.post(f"/demos/{SLUG}/runs", data=form, headers=HTML)
    assert response.status_code == 422
    # under its Korean label, the message does not repeat the parameter's code name
    assert '<p class="demo-field__error" role="alert">2 이상 60 이하의 정수여야 합니다' in response.text
    assert "depth: 2 이상" not in response.text and 'value="999"' in response.text
    form = {**SMALL_FORM, "csrf_token": token, "activations": []}
    response = pool_client.post(f"/demos/{SLUG}/runs", data=form, headers=HTML)
    assert response.status_code == 422 and "activations" in response.text


def test_cuda_without_a_gpu_is_explained_on_the_form(pool_client):
    if pool_client.app.state.demo_engine.probe().cuda:
        pytest.skip("this machine has a GPU")
    form = {**SMALL_FORM, "csrf_token": csrf_token(pool_client), "device": "cuda"}
    response = pool_client.post(f"/demos/{SLUG}/runs", data=form, headers=HTML)
    assert response.status_code == 422 and "CUDA GPU가 없습니다" in response.text


def test_unknown_pages_are_korean_404s(pool_client):
    for url in ("/demos/nope", "/runs/nope"):
        response = pool_client.get(url, headers=HTML)
        assert response.status_code == 404 and "찾을 수 없습니다" in response.text


def test_runs_are_rate_limited_per_address(tmp_path, migrated_template):
    import shutil

    from tests.demos.conftest import demo_settings, running_app

    shutil.copy(migrated_template, tmp_path / "kb.sqlite3")
    with running_app(demo_settings(tmp_path / "kb.sqlite3", rate_limit_demo_runs_per_minute=2)) as client:
        bad = {"params": {"depth": 999}}  # refused by validation: no worker is needed to count requests
        assert [client.post(f"/api/v1/demos/{SLUG}/runs", json=bad).status_code for _ in range(2)] == [422, 422]
        limited = client.post(f"/api/v1/demos/{SLUG}/runs", json=bad)
        assert limited.status_code == 429 and int(limited.headers["retry-after"]) >= 1
        form = {**SMALL_FORM, "csrf_token": csrf_token(client)}
        assert client.post(f"/demos/{SLUG}/runs", data=form, headers=HTML).status_code == 429
        assert not client.app.state.demo_engine.runner_started
