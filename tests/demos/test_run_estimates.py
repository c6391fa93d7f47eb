"""A time estimate before each run (app/demos/costs.py, fitted by bench/demo_costs.py): the demo page
and GET /api/v1/demos/{slug}/estimate say how long a setting will take, and a run the model expects
past the time limit is refused up front with a 422 naming the parameter to lower, instead of
holding a worker until the limit kills it."""

from __future__ import annotations

import math

import pytest

from app.demos.costs import REFUSE_ABOVE, estimate, load_model
from app.demos.params import validate_params
from app.demos.registry import all_demos, get_demo

SLUG = "activation-gradients"
# The setting the issue ran into the 60 s limit with.
TOO_SLOW = {"depth": 60, "width": 1024, "batch_size": 2048, "trials": 20}


def test_the_estimate_multiplies_each_parameters_power_law():
    spec = get_demo(SLUG)
    model = {SLUG: {"version": spec.version, "seconds": 0.5, "elasticity": {"depth": 1.0, "width": 2.0}}}
    defaults = spec.params().model_dump(mode="json")
    at_defaults = estimate(spec, spec.params(), model)
    assert at_defaults.seconds == pytest.approx(0.5) and at_defaults.driver is None
    bigger = validate_params(spec.params, {**defaults, "depth": defaults["depth"] * 2,
                                           "width": defaults["width"] * 2})
    found = estimate(spec, bigger, model)
    assert found.seconds == pytest.approx(0.5 * 2 * 4)
    assert found.driver == "width"  # width² costs more than depth
    smaller = validate_params(spec.params, {**defaults, "width": defaults["width"] // 2})
    assert estimate(spec, smaller, model).driver is None  # nothing adds time
    stale = {SLUG: {**model[SLUG], "version": spec.version + "-old"}}
    assert estimate(spec, bigger, stale) is None  # a changed experiment has no estimate until refitted


def test_the_shipped_model_names_real_experiments_with_sane_numbers():
    model = load_model()
    registered = {spec.slug for spec in all_demos()}
    assert model and set(model) <= registered
    for slug, entry in model.items():
        assert entry["seconds"] > 0, slug
        assert all(math.isfinite(e) and abs(e) <= 3 for e in entry["elasticity"].values()), slug
    assert model[SLUG]["version"] == get_demo(SLUG).version, "refit: python bench/demo_costs.py --slugs " + SLUG


@pytest.mark.slow  # a posted run asks the pool for its device: a worker importing torch
def test_the_issues_slow_setting_is_refused_naming_what_to_lower(client):
    response = client.post(f"/api/v1/demos/{SLUG}/runs", json={"params": TOO_SLOW})
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "too_slow"
    detail, = error["details"]
    assert detail["field"] in {f"params.{name}" for name in TOO_SLOW}
    assert detail["estimate_s"] > detail["limit_s"] * REFUSE_ABOVE
    assert "초를 넘습니다" in error["message"] and "줄여 주세요" in error["message"]
    assert client.get(f"/api/v1/demos/{SLUG}").json()["verdict_at_defaults"] is None  # nothing ran


def test_the_estimate_endpoint_follows_the_form(client):
    defaults = client.get(f"/api/v1/demos/{SLUG}/estimate")
    assert defaults.status_code == 200
    body = defaults.json()
    assert 0 < body["seconds"] < body["limit_s"] and body["over_limit"] is False
    slow = client.get(f"/api/v1/demos/{SLUG}/estimate", params=TOO_SLOW).json()
    assert slow["over_limit"] is True and slow["driver"] in TOO_SLOW and slow["driver_label"]
    bad = client.get(f"/api/v1/demos/{SLUG}/estimate", params={"depth": "-3"})
    assert bad.status_code == 422 and bad.json()["error"]["details"][0]["field"] == "depth"
    unknown = client.get("/api/v1/demos/no-such-demo/estimate")
    assert unknown.status_code == 404


@pytest.mark.slow  # a posted run asks the pool for its device: a worker importing torch
def test_the_demo_page_shows_the_estimate_and_the_form_refusal_names_the_field(client):
    page = client.get(f"/demos/{SLUG}").text
    assert 'id="run-estimate"' in page and "예상 시간 약" in page
    form = {name: str(value) for name, value in TOO_SLOW.items()}
    refused = client.post(f"/demos/{SLUG}/runs", data=form, headers={"Origin": str(client.base_url)})
    assert refused.status_code == 422
    assert "초를 넘습니다" in refused.text and "demo-field--error" in refused.text


def test_refusing_can_be_switched_off_for_servers_with_faster_workers(settings):
    from fastapi.testclient import TestClient

    from tests.apps import new_app

    with TestClient(new_app(settings.with_overrides(demo_refuse_too_slow=False))) as client:
        slow = client.get(f"/api/v1/demos/{SLUG}/estimate", params=TOO_SLOW).json()
    assert slow["seconds"] > slow["limit_s"] and slow["over_limit"] is False


def test_a_refused_form_brings_its_first_error_into_view(client):
    """The refused form came back scrolled to the page's top, the form and its errors screens below on a
    phone: the first error now takes the focus (autofocus), which the browser scrolls to. A page without
    errors takes no focus, and only one element ever asks for it."""
    assert "autofocus" not in client.get(f"/demos/{SLUG}").text
    origin = {"Origin": str(client.base_url)}
    too_slow = {name: str(value) for name, value in TOO_SLOW.items()}
    refused = client.post(f"/demos/{SLUG}/runs", data=too_slow, headers=origin).text
    assert refused.count("autofocus") == 1
    focused = refused.split("autofocus", 1)[0].rsplit("<", 1)[1]
    assert focused.startswith('div class="demo-field demo-field--error"') and 'tabindex="-1"' in focused
    bad_seed = client.post(f"/demos/{SLUG}/runs", data={"seed": "-1"}, headers=origin).text
    assert bad_seed.count("autofocus") == 1
    assert '<ul class="demo-errors" role="alert" tabindex="-1" autofocus>' in bad_seed
