"""Runs inside the question: each linked experiment's latest result at its preset (GET
/questions/{id}/results and its JSON twin), computed once on a first view when the server allows
it, runs started in place from the panel, the run page's way back, run cards, and /runs/compare."""

from __future__ import annotations

import re
import shutil

import pytest
from sqlmodel import Session

from app.db.engine import make_engine
from app.db.models import DemoRun
from app.demos.engine import new_run_id, params_json
from app.demos.params import validate_params
from app.demos.registry import get_demo
from tests.demos.conftest import demo_settings, running_app, wait_for_run

# The slow tests share one app (one torch worker) rather than start one per xdist worker.
pytestmark = pytest.mark.xdist_group("runs-in-question")

SLUG = "conv-output-shape"  # no training: a run takes a fraction of a second once the worker is up


def linked_question(client, slug: str = SLUG) -> tuple[int, dict]:
    linked = client.get(f"/api/v1/demos/{slug}").json()["linked_questions"]
    assert linked, f"{slug} is linked to a seed question in content/demos.toml"
    return linked[0]["id"], linked[0]["params"]


def result_item(client, question_id: int, slug: str = SLUG) -> dict:
    response = client.get(f"/api/v1/questions/{question_id}/results")
    assert response.status_code == 200, response.text
    items = [item for item in response.json()["items"] if item["demo"]["slug"] == slug]
    assert len(items) == 1
    return items[0]


@pytest.fixture(scope="module")
def precomputing(tmp_path_factory, seeded_template):
    """The seeded knowledge base with a one-worker pool that computes linked presets on first view."""
    db_path = tmp_path_factory.mktemp("runs-in-question") / "kb.sqlite3"
    shutil.copy(seeded_template, db_path)
    settings = demo_settings(db_path, demo_precompute=True, demo_queue_size=4)
    with running_app(settings) as client:
        yield client, settings


def test_results_list_every_linked_demo_and_say_when_nothing_ran(seeded_client):
    question_id, params = linked_question(seeded_client)
    detail = seeded_client.get(f"/api/v1/questions/{question_id}").json()
    results = seeded_client.get(f"/api/v1/questions/{question_id}/results").json()
    assert [item["demo"]["slug"] for item in results["items"]] == [d["slug"] for d in detail["demos"]]
    item = result_item(seeded_client, question_id)
    assert item["demo"]["params"] == params
    # The test settings do not compute on view: nothing ran, nothing was started.
    assert item["state"] == "not_run" and item["run"] is None
    assert seeded_client.get(f"/api/v1/demos/{SLUG}").json()["verdict_at_defaults"] is None
    fragment = seeded_client.get(f"/questions/{question_id}/results")
    assert fragment.status_code == 200
    assert "아직 이 설정으로 실행한 결과가 없습니다" in fragment.text
    assert 'hx-get="/questions/' not in fragment.text  # the fragment does not ask for itself again


def test_the_question_page_asks_for_its_results_after_it_loads(seeded_client):
    question_id, _ = linked_question(seeded_client)
    page = seeded_client.get(f"/questions/{question_id}").text
    assert f'hx-get="/questions/{question_id}/results" hx-trigger="load"' in page
    assert "/static/vendor/htmx/htmx.min." in page and "/static/js/run-cards." in page  # content-hashed names


def test_results_of_an_unknown_question_are_a_404_in_the_envelope(seeded_client):
    response = seeded_client.get("/api/v1/questions/999999/results")
    assert response.status_code == 404
    assert "999999" in response.json()["error"]["message"]


@pytest.mark.slow
def test_a_first_view_computes_the_preset_once_and_later_views_show_it(precomputing):
    client, _ = precomputing
    question_id, params = linked_question(client)
    first = result_item(client, question_id)
    assert first["state"] in ("computing", "ready")
    run_id = first["run"]["id"]
    assert first["run"]["params"] == {**get_demo(SLUG).params().model_dump(mode="json"), **params}
    again = result_item(client, question_id)
    assert again["run"]["id"] == run_id  # a second view joins the run, it does not start another
    finished = wait_for_run(client, run_id)
    assert finished["status"] == "succeeded"
    ready = result_item(client, question_id)
    assert ready["state"] == "ready" and ready["run"]["id"] == run_id
    verdict_word = ready["run"]["result"]["verdict_word"]
    fragment = client.get(f"/questions/{question_id}/results").text
    card = fragment[fragment.index(f'data-run="{run_id}"'):]
    card = card[:card.index("</article>")]
    assert verdict_word in card and 'hx-trigger="every' not in card  # done: the card stops asking
    assert ('data-chart-board' in card) == bool(ready["run"]["result"]["charts"])
    first_sentence = ready["run"]["result"]["conclusion"].split(". ")[0]
    assert first_sentence[:40] in card


@pytest.mark.slow
def test_a_failed_preset_is_not_started_again_by_a_view(precomputing):
    client, settings = precomputing
    slug = "dropout"  # linked to no question the other tests here open, so no run of it has succeeded
    question_id, params = linked_question(client, slug)
    spec = get_demo(slug)
    engine = make_engine(settings.database_url)
    failed_id = new_run_id()
    with Session(engine) as session:
        session.add(DemoRun(id=failed_id, demo_slug=slug, demo_version=spec.version,
                            params_json=params_json(validate_params(spec.params, params)), seed=0,
                            device_requested="auto", cache_key="test-failed", kind="run", status="failed",
                            error="시간 제한을 넘었습니다"))
        session.commit()
    engine.dispose()
    item = result_item(client, question_id, slug)
    assert item["state"] == "unavailable" and item["run"]["id"] == failed_id
    assert "다시 시도" in item["message"]
    assert result_item(client, question_id, slug)["run"]["id"] == failed_id  # still the same: nothing started


@pytest.mark.slow
def test_run_in_place_answers_with_the_card_and_without_js_the_run_page_links_back(precomputing):
    client, _ = precomputing
    question_id, params = linked_question(client)
    form = {**{k: str(v) for k, v in params.items()}, "question": str(question_id), "seed": "7"}
    origin = {"Origin": str(client.base_url)}
    in_place = client.post(f"/demos/{SLUG}/runs", data=form, headers={**origin, "HX-Request": "true"})
    assert in_place.status_code == 200
    assert 'class="run-card' in in_place.text and "<html" not in in_place.text
    run_id = re.search(r'data-run="([\w-]+)"', in_place.text).group(1)
    wait_for_run(client, run_id)
    card = client.get(f"/runs/{run_id}/card").text
    assert 'class="run-card' in card and "시드 7" in card

    plain = client.post(f"/demos/{SLUG}/runs", data=form, headers=origin, follow_redirects=False)
    assert plain.status_code == 303
    assert plain.headers["location"].endswith(f"?question={question_id}")
    page = client.get(plain.headers["location"]).text
    assert f'<a href="/questions/{question_id}" id="run-origin">' in page
    assert "질문으로 돌아가기" in page
    # An address that names no question, or a deleted one, just has no way back.
    assert "질문으로 돌아가기" not in client.get(f"/runs/{run_id}?question=999999").text

    refused = client.post(f"/demos/{SLUG}/runs", data={**form, "stride": "0"},
                          headers={**origin, "HX-Request": "true"})
    assert refused.status_code == 422
    assert refused.json()["error"]["message"]  # the panel shows the envelope's message in the slot


@pytest.mark.slow
def test_compare_two_runs_of_one_demo(precomputing):
    client, _ = precomputing
    runs = []
    for stride in (1, 3):
        started = client.post(f"/api/v1/demos/{SLUG}/runs", json={"params": {"stride": stride}})
        assert started.status_code == 202
        runs.append(wait_for_run(client, started.json()["id"]))
    a, b = runs
    comparison = client.get("/api/v1/runs/compare", params={"a": a["id"], "b": b["url"]})
    assert comparison.status_code == 200, comparison.text
    body = comparison.json()
    assert [(d["name"], d["a"], d["b"]) for d in body["params_differ"]] == [("stride", 1, 3)]
    assert body["seeds_differ"] is False
    for metric in body["metrics"]:
        left, right = a["result"]["metrics"].get(metric["name"]), b["result"]["metrics"].get(metric["name"])
        if left and right and left["mean"] is not None and right["mean"] is not None:
            assert metric["difference"] == pytest.approx(right["mean"] - left["mean"])
    names = [s["name"] for chart in body["charts"] for s in chart["series"]]
    assert any(n.startswith("A · ") for n in names) and any(n.startswith("B · ") for n in names)

    page = client.get("/runs/compare", params={"a": a["id"], "b": b["id"]})
    assert page.status_code == 200
    assert 'id="compare-params"' in page.text and 'id="compare-metrics"' in page.text
    for metric in body["metrics"]:  # each row named in Korean, the code name kept as its title
        assert metric["label"] != metric["name"] and re.search("[가-힣]", metric["label"]), metric
        assert f'<th scope="row" title="{metric["name"]}">{metric["label"]}</th>' in page.text
    picker = client.get("/runs/compare", params={"a": a["id"]}).text
    assert f'b={b["id"]}' in picker  # with only A, the demo's other runs are offered

    other = client.post("/api/v1/demos/conv-parameter-count/runs", json={})
    mismatch = client.get("/api/v1/runs/compare", params={"a": a["id"], "b": other.json()["id"]})
    assert mismatch.status_code == 422 and mismatch.json()["error"]["code"] == "different_demos"
    missing = client.get("/api/v1/runs/compare", params={"a": a["id"], "b": "no-such-run"})
    assert missing.status_code == 404
    wait_for_run(client, other.json()["id"])
