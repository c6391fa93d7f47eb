"""NaN, ±Infinity and 1e999 are a 422 wherever a number goes in, and a run whose numbers diverged is
stored and shown as "발산": never a 500, neither on the way in nor on every later read."""

from __future__ import annotations

import json
import math
import re

import pytest

from app.demos.base import DIVERGED, Chart, DemoResult, Series, Table
from app.demos.metric_names import metric_label
from app.demos.params import param_fields
from app.demos.registry import all_demos as list_demos
from app.demos.schemas import result_public
from tests.demos.conftest import wait_for_run

SPELLINGS = ("NaN", "Infinity", "-Infinity", "1e999", "-1e999")
JSON = {"content-type": "application/json"}


def numeric_fields():
    return [(spec.slug, field.name) for spec in list_demos() for field in param_fields(spec.params)
            if field.kind in ("integer", "number")]


def test_every_experiment_has_numeric_parameters_to_check():
    assert len({slug for slug, _ in numeric_fields()}) == len(list_demos())


@pytest.mark.parametrize("spelling", SPELLINGS)
def test_every_numeric_parameter_of_every_experiment_refuses_non_finite_numbers(client, spelling):
    for slug, name in numeric_fields():
        body = '{"params": {"%s": %s}}' % (name, spelling)
        response = client.post(f"/api/v1/demos/{slug}/runs", content=body, headers=JSON)
        assert response.status_code == 422, (slug, name, response.text)
        error = response.json()["error"]  # the body is JSON a strict parser reads
        assert error["code"] == "validation_error" and "유한한 수" in error["message"]
        assert [d["field"] for d in error["details"]] == [f"params.{name}"]


@pytest.mark.parametrize("body, field", [
    ('{"seed": NaN}', "seed"),
    ('{"seed": 1e999}', "seed"),
    ('{"fresh": Infinity}', "fresh"),
    ('{"values": [1, -Infinity], "param": "p_drop"}', "values.1"),
    ('{"params": {"p_drop": [NaN]}}', "params.p_drop.0"),
])
def test_non_finite_numbers_anywhere_in_a_body_are_422(client, body, field):
    for url in ("/api/v1/demos/dropout/runs", "/api/v1/demos/dropout/boundary-runs"):
        response = client.post(url, content=body, headers=JSON)
        assert response.status_code == 422, response.text
        assert [d["field"] for d in response.json()["error"]["details"]] == [field]


def test_every_json_write_route_refuses_non_finite_numbers_before_anything_else(client):
    """Every route that takes a JSON body, logged in or not: the number is refused at the door."""
    paths = client.app.openapi()["paths"]
    routes = [(method, path) for path, item in paths.items() for method, op in item.items()
              if method in ("post", "put", "patch", "delete") and "requestBody" in op]
    assert len(routes) >= 8
    for method, path in routes:
        url = re.sub(r"\{[^}]+\}", "1", path.replace("{slug}", "dropout"))
        response = client.request(method.upper(), url, content='{"value": NaN}', headers=JSON)
        assert response.status_code == 422, (method, path, response.text)
        assert response.json()["error"]["details"][0]["field"] == "value"


def test_the_form_and_the_prefilled_page_name_the_parameter(client):
    response = client.get("/demos/l1-vs-l2?learning_rate=nan&strength=inf", headers={"accept": "text/html"})
    assert response.status_code == 200
    assert "유한한 수" in response.text and "Internal" not in response.text


def test_a_prefilled_log_scale_parameter_that_is_not_a_number_gets_the_form_error_not_a_500(client):
    # learning_rate has a log-scale slider, whose position is log10 of the typed value.
    response = client.get("/demos/l1-vs-l2?learning_rate=abc", headers={"accept": "text/html"})
    assert response.status_code == 200
    assert 'value="abc"' in response.text and "learning_rate" in response.text


def test_validation_messages_survive_json_even_when_they_echo_a_non_finite_value():
    from app.demos.params import ParamsInvalid, validate_params

    spec = next(s for s in list_demos() if s.slug == "l1-vs-l2")
    with pytest.raises(ParamsInvalid) as caught:
        validate_params(spec.params, {"learning_rate": float("nan"), "strength": float("inf")})
    encoded = json.dumps(caught.value.details, allow_nan=False)  # would raise on a bare NaN
    assert "learning_rate" in encoded and "strength" in encoded


def test_a_result_with_non_finite_numbers_reads_back_with_them_shown_as_diverged():
    result = DemoResult(
        charts=[Chart(key="loss", title="손실", x_label="스텝", y_label="손실",
                      series=[Series(name="L2", x=[1.0, 2.0], y=[1.0, None])])],
        table=Table(columns=["규제", "‖w‖₂"], rows=[["L2", float("nan")], ["L1", float("inf")], ["없음", 1.5]]),
        conclusion="L2가 발산했습니다.", metrics={"norm_l2": float("nan"), "norm_l1": float("-inf"), "ok": 2.0})
    stored = json.dumps(result.model_dump(mode="json"), allow_nan=False)  # what the engine writes
    again = DemoResult.model_validate_json(stored)
    assert again.metrics == {"norm_l2": None, "norm_l1": None, "ok": 2.0}
    assert [row[1] for row in again.table.rows] == [DIVERGED, DIVERGED, 1.5]
    public = result_public(again, seed=0)
    assert public.metrics["norm_l2"].mean is None and public.metrics["ok"].mean == 2.0
    assert all(math.isfinite(v) for v in (public.metrics["ok"].mean,))


@pytest.mark.slow
def test_l1_vs_l2_at_learning_rate_5_and_strength_1_is_stored_and_every_page_reads_it(pool_client):
    """The run that used to break /demos/l1-vs-l2, its run page, its JSON and every cached repeat."""
    from app.demos.registry import get_demo

    params = {**get_demo("l1-vs-l2").smallest.model_dump(), "learning_rate": 5, "strength": 1}
    started = pool_client.post("/api/v1/demos/l1-vs-l2/runs", json={"params": params, "fresh": True})
    assert started.status_code == 202, started.text
    run = wait_for_run(pool_client, started.json()["id"])
    assert run["status"] == "succeeded", run["error"]
    diverged = [name for name, m in run["result"]["metrics"].items() if m["mean"] is None]
    assert "norm_l2" in diverged
    assert DIVERGED in [cell for row in run["result"]["table"]["rows"] for cell in row]
    html = {"accept": "text/html"}
    page = pool_client.get(f"/runs/{run['id']}", headers=html)
    assert page.status_code == 200 and DIVERGED in page.text
    # The diverged list names the metric in Korean; the code name stays only in its title.
    shown = re.search(r'<p class="demo-note" id="run-diverged">(.*?)</p>', page.text).group(1)
    assert f'<span title="norm_l2">{metric_label("l1-vs-l2", "norm_l2")}</span>' in shown
    assert re.search("[가-힣]", metric_label("l1-vs-l2", "norm_l2") or "")
    assert pool_client.get("/demos/l1-vs-l2", headers=html).status_code == 200
    assert pool_client.get("/api/v1/demos/l1-vs-l2").status_code == 200
    repeat = pool_client.post("/api/v1/demos/l1-vs-l2/runs", json={"params": params})
    assert repeat.status_code == 202 and repeat.json()["cached"]
    assert pool_client.get(repeat.headers["location"]).json()["result"] == run["result"]
