""""답변과 다른 점": a correction from content/corrections.toml is shown beside the answer it corrects,
on the question page and in its JSON twin, and where the correction names an experiment's claim, the
box says how the latest stored run at that preset judged it, with its numbers."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from sqlmodel import Session

from app.db.engine import make_engine
from app.db.models import DemoRun
from app.demos.base import Measurement, Table
from app.demos.engine import params_json
from app.demos.execute import judged_result
from app.demos.registry import get_demo
from tests.reading import contract

HTML = {"accept": "text/html"}


def question_id(client, label: str) -> int:
    items = client.get("/api/v1/questions", params={"collection": "deep-learning-interview", "per_page": 100}).json()
    return next(item["id"] for item in items["items"] if item["label"] == label)


@pytest.mark.read_only
def test_the_dropout_answer_carries_its_correction_beside_it(seeded_client):
    qid = question_id(seeded_client, "#16-1")
    body = seeded_client.get(f"/api/v1/questions/{qid}").json()
    contract.check(body, contract.QUESTION_DETAIL)
    [correction] = body["corrections"]
    assert correction["answer_id"] in {a["id"] for a in body["answers"]}
    assert "제거 확률 p를 곱함으로써" in correction["sentence"] and "1−p" in correction["correction"]
    assert correction["source"]["url"] == "https://jmlr.org/papers/v15/srivastava14a.html"
    demo = correction["demo"]
    assert demo["slug"] == "dropout" and demo["claim"] == get_demo("dropout").claims[1].statement
    assert demo["measured"] is None  # nothing has run in this database

    page = seeded_client.get(f"/questions/{qid}", headers=HTML).text
    answer = page.index(f'id="answer-{correction["answer_id"]}"')
    box = page.index('class="correction"', answer)
    assert box < page.index("</li>", answer)  # inside the answer's own item, after its text
    shown = page[box:page.index("</aside>", box)]
    assert "답변과 다른 점" in shown and "1−p" in shown
    assert 'href="https://jmlr.org/papers/v15/srivastava14a.html"' in shown
    assert "이 설정으로 저장된 실행이 아직 없습니다" in shown


@pytest.mark.read_only
def test_a_question_without_corrections_has_none(seeded_client):
    body = seeded_client.get(f"/api/v1/questions/{question_id(seeded_client, '#16')}").json()
    assert body["corrections"] == []
    assert 'class="correction"' not in seeded_client.get(body["url"], headers=HTML).text


def _store(settings, result_json: str, run_id: str) -> None:
    spec = get_demo("dropout")
    engine = make_engine(settings.database_url)
    now = datetime.now(UTC)
    with Session(engine) as session:
        session.add(DemoRun(id=run_id, demo_slug=spec.slug, demo_version=spec.version,
                            params_json=params_json(spec.params()), seed=0, cache_key=run_id, status="succeeded",
                            result_json=result_json, created_at=now, finished_at=now))
        session.commit()
    engine.dispose()


def _result(ratios: list[float]) -> str:
    spec = get_demo("dropout")
    measurement = Measurement(per_seed={"test_loss_gain": [0.1, 0.2, 0.15], "expectation_error_ratio": ratios},
                              charts=[], table=Table(columns=["a"], rows=[[1.0]]), notes=[])
    return judged_result(spec, measurement, (0, 1, 2)).model_dump_json()


def test_the_box_reports_the_latest_stored_run_with_its_numbers(seeded_client, seeded_settings):
    qid = question_id(seeded_client, "#16-1")
    _store(seeded_settings, _result([0.05, 0.06, 0.07]), "corr-holds")
    body = seeded_client.get(f"/api/v1/questions/{qid}").json()
    contract.check(body, contract.QUESTION_DETAIL)
    measured = body["corrections"][0]["demo"]["measured"]
    assert measured["verdict"] == "holds" and measured["seeds"] == [0, 1, 2]
    assert abs(measured["mean"] - 0.06) < 1e-9 and measured["ci95"][0] < 0.06 < measured["ci95"][1] < 0.25
    assert measured["run_url"] == "/runs/corr-holds"
    assert measured["sentence"].startswith("판정: 성립 — ") and "평균 0.06" in measured["sentence"]
    page = seeded_client.get(f"/questions/{qid}", headers=HTML).text
    box = page.index('class="correction"')
    shown = page[box:page.index("</aside>", box)]
    assert 'href="/runs/corr-holds"' in shown and "평균 0.06" in shown


def test_a_run_that_does_not_back_the_correction_says_so(seeded_client, seeded_settings):
    qid = question_id(seeded_client, "#16-1")
    _store(seeded_settings, _result([0.5, 0.6, 0.55]), "corr-fails")
    measured = seeded_client.get(f"/api/v1/questions/{qid}").json()["corrections"][0]["demo"]["measured"]
    assert measured["verdict"] == "does_not_hold" and measured["sentence"].startswith("판정: 성립하지 않음")
    assert json.dumps(measured, ensure_ascii=False).count("0.55") >= 1
