"""Boundary runs ("경계"): the claim judged at each value of one parameter, planned from the demo's
declaration or its breaking preset, validated before anything is stored, and shown per point."""

from __future__ import annotations

import pytest
from pydantic import Field

from app.demos.base import Boundary, Chart, DemoParams, DemoSpec, Measurement, Series, Table
from app.demos.boundary import default_boundary, sweep_params
from app.demos.evidence import Claim
from app.demos.execute import run_boundary
from app.demos.params import ParamsInvalid
from app.demos.registry import get_demo
from tests.demos.conftest import wait_for_run


class Params(DemoParams):
    budget: int = Field(100, ge=1, le=1000, description="예산")
    rate: float = Field(0.5, ge=0.0, le=1.0, description="비율")


def measure(params: Params, device, progress, seeds) -> Measurement:
    # The claim's margin is crossed at budget 30; seeds add a small spread.
    gains = [(params.budget - 30) / 10 + 0.01 * (s % 3) for s in seeds]
    progress(1.0, "완료")
    return Measurement(per_seed={"gain": gains}, notes=[], table=Table(columns=["a"], rows=[[1]]),
                       charts=[Chart(key="c", title="c", x_label="x", y_label="y", series=[Series(name="s", x=[1], y=[1])])])


CLAIM = Claim("gain", "greater", 0.0, "예산이 넉넉하면 이긴다", metric_label="이득")
SPEC = DemoSpec(slug="fake", title="가짜", summary="가짜", params=Params, smallest=Params(), run=measure,
                claims=(CLAIM,), breaking=Params(budget=10))


def test_without_a_declaration_the_breaking_parameter_is_swept_from_default_to_breaking():
    planned = default_boundary(SPEC)
    assert planned.param == "budget" and planned.values[0] == 100 and planned.values[-1] == 10
    assert len(planned.values) == 5 and all(isinstance(v, int) for v in planned.values)
    assert list(planned.values) == sorted(planned.values, reverse=True)  # log-spaced, 100 → 10
    declared = DemoSpec(**{**SPEC.__dict__, "boundary": Boundary("rate", (0.1, 0.9))})
    assert default_boundary(declared) == Boundary("rate", (0.1, 0.9))
    assert default_boundary(DemoSpec(**{**SPEC.__dict__, "claims": ()})) is None


def test_dropout_declares_its_epochs_sweep():
    planned = default_boundary(get_demo("dropout"))
    assert planned.param == "epochs" and get_demo("dropout").breaking.epochs in planned.values


@pytest.mark.parametrize("param, values, says", [
    ("nope", [1, 2], "매개변수가 아닙니다"),
    ("budget", [5], "2개 이상"),
    ("budget", [5, 5], "같은 값"),
    ("budget", [5, 5000], "budget=5000"),
])
def test_bad_sweeps_are_refused_in_korean(param, values, says):
    with pytest.raises(ParamsInvalid) as refused:
        sweep_params(SPEC, Params(), param, values)
    assert says in refused.value.message


@pytest.mark.slow  # torch: a sweep of four runs
def test_the_verdict_is_judged_at_each_point_and_the_text_says_where_it_flips():
    import torch

    result = run_boundary(SPEC, Params(), "budget", [10, 20, 40, 100], torch.device("cpu"), 0)
    points = result.boundary.points
    assert [p.verdict for p in points] == ["does_not_hold", "does_not_hold", "holds", "holds"]
    assert [p.verdict_word for p in points] == ["성립하지 않음", "성립하지 않음", "성립", "성립"]
    assert points[2].ci95[0] > 0 > points[1].ci95[1]
    assert result.conclusion.startswith("경계 — 성립: 예산(budget) = 40, 100; 성립하지 않음: 예산(budget) = 10, 20.")
    assert "20 → 40 (성립하지 않음 → 성립)" in result.conclusion
    chart = result.charts[0]
    assert chart.key == "boundary" and chart.log_x
    names = [s.name for s in chart.series]
    assert "판정: 성립" in names and "판정: 성립하지 않음" in names
    assert [row[1] for row in result.table.rows] == ["성립하지 않음", "성립하지 않음", "성립", "성립"]
    assert result.verdict is None and result.seeds == [0, 1, 2]


@pytest.mark.slow
def test_a_boundary_run_through_the_api_and_its_page(pool_client):
    small = {"hidden": 32, "max_masks": 16, "max_subnetworks": 4}
    body = {"params": small, "param": "epochs", "values": [20, 60], "device": "cpu", "fresh": True}
    response = pool_client.post("/api/v1/demos/dropout/boundary-runs", json=body)
    assert response.status_code == 202, response.text
    run = wait_for_run(pool_client, response.json()["id"], timeout_s=180)
    assert run["status"] == "succeeded", run["error"]
    assert run["kind"] == "boundary" and run["sweep"] == {"param": "epochs", "values": [20, 60]}
    boundary = run["result"]["boundary"]
    assert [p["value"] for p in boundary["points"]] == [20, 60]
    assert all(p["verdict"] in ("holds", "does_not_hold", "mixed") for p in boundary["points"])
    assert boundary["metric"] == "test_loss_gain" and run["result"]["conclusion"].startswith("경계 —")
    page = pool_client.get(run["url"]).text
    assert 'id="run-boundary"' in page and "epochs=20" in page and "경계 실행" in page
    repeat = pool_client.post("/api/v1/demos/dropout/boundary-runs", json={**body, "fresh": False}).json()
    assert repeat["cached"] and repeat["result"] == run["result"]
    single = pool_client.post("/api/v1/demos/dropout/runs", json={"params": small, "device": "cpu"}).json()
    assert not single["cached"]  # a boundary run never answers for a single run


def test_boundary_requests_are_checked_before_anything_runs(pool_client):
    bad = pool_client.post("/api/v1/demos/dropout/boundary-runs", json={"param": "epochs", "values": [60, 99999]})
    assert bad.status_code == 422 and bad.json()["error"]["details"][0]["field"] == "values"
    other = pool_client.post("/api/v1/demos/dropout/boundary-runs", json={"param": "hidden"})
    assert other.status_code == 422
    detail = pool_client.get("/api/v1/demos/dropout").json()
    assert detail["boundary"]["param"] == "epochs" and detail["boundary_runs_url"].endswith("/boundary-runs")
    page = pool_client.get("/demos/dropout").text
    assert 'action="/demos/dropout/boundary"' in page and "경계 찾기" in page


@pytest.mark.slow
def test_the_demo_page_button_starts_the_declared_sweep(pool_client):
    from tests.demos.test_demo_pages import HTML, csrf_token

    response = pool_client.post("/demos/dropout/boundary", data={"csrf_token": csrf_token(pool_client)}, headers=HTML,
                                follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/runs/")
    run = wait_for_run(pool_client, response.headers["location"].removeprefix("/runs/"), timeout_s=300)
    assert run["kind"] == "boundary" and run["status"] == "succeeded", run["error"]
    planned = default_boundary(get_demo("dropout"))
    assert [p["value"] for p in run["result"]["boundary"]["points"]] == list(planned.values)
    at_breaking = next(p for p in run["result"]["boundary"]["points"] if p["value"] == get_demo("dropout").breaking.epochs)
    assert at_breaking["verdict"] in ("does_not_hold", "mixed")  # the sweep can say no
