"""The demo API with the real worker pool (one worker process, room for one waiting run)."""

from __future__ import annotations

import json
import re

import pytest

from tests.demos.conftest import PROGRESS_PARAMS, SLOW_PARAMS, SLUG, wait_for_run, workers_left

pytestmark = pytest.mark.slow

SMALL = {"depth": 6, "width": 32, "batch_size": 16, "trials": 1}


def start(client, **body):
    response = client.post(f"/api/v1/demos/{SLUG}/runs", json=body)
    assert response.status_code == 202, response.text
    return response


def test_catalogue_and_detail(pool_client):
    demos = pool_client.get("/api/v1/demos").json()
    assert SLUG in [d["slug"] for d in demos]
    detail = pool_client.get(f"/api/v1/demos/{SLUG}").json()
    depth = detail["params_schema"]["properties"]["depth"]
    assert (depth["minimum"], depth["maximum"], depth["default"]) == (2, 60, 20)
    assert detail["defaults"]["depth"] == 20 and detail["smallest"]["depth"] == 6
    assert {c["year"] for c in detail["citations"]} == {2010, 2015}
    assert [q["where"] for q in detail["questions"]][:2] == ["면접 #5", "면접 #12"]
    assert detail["runs_url"] == f"/api/v1/demos/{SLUG}/runs"


def test_a_run_is_queued_then_stored_with_where_it_ran(pool_client):
    response = start(pool_client, params=SMALL, seed=11, fresh=True)
    queued = response.json()
    assert queued["status"] in ("queued", "running")
    assert response.headers["location"] == f"/api/v1/runs/{queued['id']}"
    run = wait_for_run(pool_client, queued["id"])
    assert run["status"] == "succeeded", run["error"]
    gpu = pool_client.app.state.demo_engine.probe().cuda
    assert run["device"] == ("cuda" if gpu else "cpu") and run["device_requested"] == "auto"
    assert run["device_name"]  # the GPU's name, or the CPU model
    assert run["torch_version"].startswith("2.") and run["seed"] == 11 and run["wall_ms"] > 0
    assert run["result"]["metrics"]["sigmoid_to_relu_first_layer_ratio"]["mean"] < 1e-2
    assert run["params"]["depth"] == 6 and run["params"]["width"] == 32
    assert run["url"] == f"/runs/{run['id']}"
    assert "depth=6" in run["reproduce_url"] and "seed=11" in run["reproduce_url"]


def test_same_params_and_seed_on_cpu_give_identical_numbers(pool_client):
    first = wait_for_run(pool_client, start(pool_client, params=SMALL, seed=5, device="cpu", fresh=True).json()["id"])
    second = wait_for_run(pool_client, start(pool_client, params=SMALL, seed=5, device="cpu", fresh=True).json()["id"])
    assert first["id"] != second["id"] and not second["cached"]
    assert first["result"] == second["result"]
    other_seed = wait_for_run(pool_client, start(pool_client, params=SMALL, seed=6, device="cpu", fresh=True).json()["id"])
    assert other_seed["result"]["metrics"] != first["result"]["metrics"]


def test_a_repeat_answers_at_once_from_the_cache(pool_client):
    original = wait_for_run(pool_client, start(pool_client, params=SMALL, seed=21).json()["id"])
    repeat = start(pool_client, params=SMALL, seed=21).json()
    assert repeat["status"] == "succeeded"  # in the POST answer itself: nothing was queued
    assert repeat["cached"] and repeat["cached_from"] == original["id"] and repeat["id"] != original["id"]
    assert repeat["result"] == original["result"]
    assert repeat["wall_ms"] == original["wall_ms"] and repeat["device"] == original["device"]
    permalink = pool_client.get(f"/api/v1/runs/{repeat['id']}").json()
    assert permalink["result"] == original["result"]
    # the key is the resolved device (auto is cpu or cuda), and the order of params does not matter
    device = original["device"]
    assert start(pool_client, params=dict(reversed(list(SMALL.items()))), seed=21, device=device).json()["cached"]


def test_events_stream_progress_then_the_result(pool_client):
    run_id = start(pool_client, params=PROGRESS_PARAMS, seed=31, fresh=True).json()["id"]
    events = []
    with pool_client.stream("GET", f"/api/v1/runs/{run_id}/events", headers={"Accept-Encoding": "gzip, br"}) as stream:
        assert stream.headers["content-type"].startswith("text/event-stream")
        assert "content-encoding" not in stream.headers  # events go out as they come, never compressed
        name = None
        for line in stream.iter_lines():
            if line.startswith("event: "):
                name = line.removeprefix("event: ")
            elif line.startswith("data: "):
                events.append((name, json.loads(line.removeprefix("data: "))))
    names = [name for name, _ in events]
    assert "progress" in names, names
    assert names[-1] == "result" and names.index("progress") < names.index("result")
    progress = [data for name, data in events if name == "progress"]
    assert all(0 <= p["fraction"] <= 1 for p in progress)
    partial = progress[0]["charts"][0]["series"]
    assert 1 <= len(partial) <= 4 and all(len(s["x"]) == len(s["y"]) == 30 for s in partial)
    result = events[-1][1]
    assert result["status"] == "succeeded" and result["result"]["conclusion"]
    # a finished run's stream answers with its result straight away
    with pool_client.stream("GET", f"/api/v1/runs/{run_id}/events") as stream:
        body = "".join(stream.iter_text())
    assert "event: result" in body and "event: progress" not in body


def test_bad_params_name_the_field_and_its_bounds(pool_client):
    response = pool_client.post(f"/api/v1/demos/{SLUG}/runs", json={"params": {"depth": 500, "init": "zeros"}})
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "invalid_params" and "depth" in error["message"]
    by_field = {d["field"]: d for d in error["details"]}
    assert by_field["params.depth"]["minimum"] == 2 and by_field["params.depth"]["maximum"] == 60
    assert by_field["params.init"]["allowed"] == ["matched", "pytorch_default"]


@pytest.mark.parametrize("body, field", [
    ({"device": "tpu"}, "device"), ({"seed": -1}, "seed"), ({"seed": "x"}, "seed"), ({"colour": 1}, "colour"),
    ({"params": [1, 2]}, "params"),
])
def test_bad_request_bodies_are_422_not_500(pool_client, body, field):
    response = pool_client.post(f"/api/v1/demos/{SLUG}/runs", json=body)
    assert response.status_code == 422
    assert field in json.dumps(response.json()["error"]["details"])


def test_a_missing_body_runs_the_defaults_as_a_cacheable_run(pool_client):
    response = pool_client.post(f"/api/v1/demos/{SLUG}/runs")
    assert response.status_code == 202
    run = wait_for_run(pool_client, response.json()["id"])
    assert run["status"] == "succeeded" and run["params"]["depth"] == 20 and run["seed"] == 0


def test_cuda_is_refused_in_korean_without_a_gpu_and_used_with_one(pool_client):
    response = pool_client.post(f"/api/v1/demos/{SLUG}/runs", json={"device": "cuda", "params": SMALL})
    if not pool_client.app.state.demo_engine.probe().cuda:
        assert response.status_code == 422
        error = response.json()["error"]
        assert error["code"] == "device_unavailable"
        assert re.search("[가-힣]", error["message"]) and "CUDA" in error["message"]
        assert error["details"][0]["field"] == "device"
        return
    # on a machine with a GPU (checked where one is lent): it runs there and records which GPU
    assert response.status_code == 202
    run = wait_for_run(pool_client, response.json()["id"])
    assert run["status"] == "succeeded" and run["device"] == "cuda" and run["device_name"]


def test_unknown_demo_and_run_are_404_envelopes(pool_client):
    for url in ("/api/v1/demos/nope", "/api/v1/runs/nope", "/api/v1/runs/nope/events"):
        response = pool_client.get(url)
        assert response.status_code == 404, url
        assert response.json()["error"]["code"] in ("demo_not_found", "run_not_found")
    response = pool_client.post("/api/v1/demos/nope/runs", json={})
    assert response.status_code == 404 and response.json()["error"]["code"] == "demo_not_found"
    assert pool_client.get("/api/v1/runs/" + "x" * 100).status_code in (404, 422)


def test_a_full_queue_answers_429_with_retry_after(pool_client):
    engine = pool_client.app.state.demo_engine
    done_before = wait_for_run(pool_client, start(pool_client, params=SMALL, seed=45).json()["id"])
    running = start(pool_client, params=SLOW_PARAMS, seed=41).json()
    waiting = start(pool_client, params=SLOW_PARAMS, seed=42).json()
    try:
        refused = pool_client.post(f"/api/v1/demos/{SLUG}/runs", json={"params": SLOW_PARAMS, "seed": 43})
        assert refused.status_code == 429
        error = refused.json()["error"]
        assert error["code"] == "queue_full"
        assert int(refused.headers["retry-after"]) >= 1
        assert error["details"]["retry_after"] == int(refused.headers["retry-after"])
        # a refused request leaves no run behind; a cached answer needs no room in the queue
        assert start(pool_client, params=SMALL, seed=45).json()["cached_from"] == done_before["id"]
        # the same run already in flight is joined, not refused
        assert start(pool_client, params=SLOW_PARAMS, seed=42).json()["id"] == waiting["id"]
    finally:
        assert engine.cancel(waiting["id"]) and engine.cancel(running["id"])
    for run_id in (running["id"], waiting["id"]):
        run = wait_for_run(pool_client, run_id)
        assert run["status"] == "failed" and "취소" in run["error"]
    assert wait_for_run(pool_client, start(pool_client, params=SMALL, seed=44).json()["id"])["status"] == "succeeded"
    assert len(workers_left()) == 1


def test_a_lone_surrogate_echoed_in_the_error_is_a_422_not_a_500(pool_client):
    """The invalid value goes back in `details`; "\\ud800" cannot be UTF-8, so the envelope escapes it."""
    response = pool_client.post(f"/api/v1/demos/{SLUG}/runs", content=b'{"params": {"init": "\\ud800"}}',
                                headers={"Content-Type": "application/json"})
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "invalid_params" and error["details"][0]["value"] == "\ud800"
