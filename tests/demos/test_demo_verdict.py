"""The public result: a verdict first (API, the page's JSON twin, the run page), each metric as mean,
95% interval and per-seed values, and older single-number results still read. Runs are stored
directly, so no worker starts."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime

import pytest
from sqlmodel import Session

from app.db.engine import make_engine
from app.db.models import DemoRun
from app.demos.base import Chart, DemoParams, DemoSpec, Measurement, Series, Table
from app.demos.engine import params_json
from app.demos.evidence import Claim
from app.demos.execute import judged_result
from app.demos.registry import get_demo
from tests.demos.conftest import demo_settings, running_app

CLAIM = Claim("gain", "greater", 0.0, "드롭아웃이 검증 손실을 낮춘다", metric_label="검증 손실 이득")
SPEC = DemoSpec(slug="dropout", title="t", summary="s", params=DemoParams, smallest=DemoParams(), run=None,
                claims=(CLAIM, Claim("cost", "less", 2.0, "스텝 시간이 두 배를 넘지 않는다",
                                     metric_label="스텝 시간 비")))


def judged(gains: list[float]) -> str:
    chart = Chart(key="c", title="곡선", x_label="x", y_label="y",
                  series=[Series(name="평균", x=[1.0, 2.0], y=[0.5, 0.6], lower=[0.4, 0.5], upper=[0.6, 0.7])])
    measurement = Measurement(per_seed={"gain": gains, "cost": [1.1, 1.2, 1.3]}, charts=[chart],
                              table=Table(columns=["a"], rows=[[1.0]]), notes=["세부 설명."])
    return judged_result(SPEC, measurement, (4, 5, 6)).model_dump_json()


@pytest.fixture(scope="module")
def stored(tmp_path_factory, migrated_template):
    db_path = tmp_path_factory.mktemp("verdict") / "kb.sqlite3"
    shutil.copy(migrated_template, db_path)
    engine = make_engine(f"sqlite:///{db_path}")
    now = datetime.now(UTC)
    rows = {
        "fails": judged([-0.3, -0.2, -0.25]),
        "holds": judged([0.3, 0.2, 0.25]),
        "old": json.dumps({"charts": [], "table": {"columns": ["a"], "rows": [[1.0]]}, "conclusion": "예전 결론",
                           "metrics": {"m": 1.5}}),
    }
    real = get_demo("dropout")
    with Session(engine) as session:
        for run_id, result_json in rows.items():
            session.add(DemoRun(id=run_id, demo_slug="dropout", params_json="{}", seed=4, cache_key=run_id,
                                status="succeeded", result_json=result_json, created_at=now, finished_at=now))
        # The newest run at the defaults of the current version: what the demo page's verdict box shows.
        session.add(DemoRun(id="at-defaults", demo_slug="dropout", demo_version=real.version,
                            params_json=params_json(real.params()), seed=0, cache_key="d", status="succeeded",
                            result_json=rows["holds"], created_at=now, finished_at=now))
        session.commit()
    engine.dispose()
    with running_app(demo_settings(db_path)) as client:
        yield client


def test_the_run_json_leads_with_the_verdict_and_carries_intervals(stored):
    result = stored.get("/api/v1/runs/fails").json()["result"]
    assert result["verdict"] == "does_not_hold" and result["verdict_word"] == "성립하지 않음"
    assert result["seeds"] == [4, 5, 6]
    headline = result["claims"][0]
    assert headline["statement"] == "드롭아웃이 검증 손실을 낮춘다" and headline["verdict"] == "does_not_hold"
    low, high = headline["ci95"]
    assert headline["mean"] == pytest.approx(-0.25) and low < headline["mean"] < high < 0
    gain = result["metrics"]["gain"]
    assert gain["per_seed"] == [-0.3, -0.2, -0.25] and gain["ci95"] == [low, high]
    assert result["claims"][1]["verdict"] == "holds" and result["claims"][1]["verdict_word"] == "성립"
    assert result["charts"][0]["series"][0]["lower"] == [0.4, 0.5]
    assert stored.get("/api/v1/runs/holds").json()["result"]["verdict_word"] == "성립"


def test_an_older_single_number_result_still_reads(stored):
    result = stored.get("/api/v1/runs/old").json()["result"]
    assert result["verdict"] is None and result["claims"] == []
    assert result["metrics"] == {"m": {"mean": 1.5, "ci95": None, "per_seed": [1.5]}}
    assert result["seeds"] == [4]
    page = stored.get("/runs/old").text
    assert "예전 결론" in page and 'id="run-verdict" hidden' in page


def test_the_run_page_shows_the_verdict_box_before_the_details(stored):
    page = stored.get("/runs/fails").text
    box = page.index('id="run-verdict"')
    assert box < page.index('id="run-charts"') < page.index('id="run-conclusion"')
    verdict_box = page[page.rindex("<section", 0, box):page.index("</section>", box)]
    assert "판정: <strong id=\"run-verdict-word\">성립하지 않음</strong>" in verdict_box
    assert "드롭아웃이 검증 손실을 낮춘다" in verdict_box and "95% 구간 [" in verdict_box and "시드 3개" in verdict_box
    assert "demo-verdict--does_not_hold" in verdict_box
    twin = json.loads(page.split('<script type="application/json" id="run-data">', 1)[1].split("</script>", 1)[0])
    assert twin["result"]["verdict"] == "does_not_hold" and twin["result"]["metrics"]["gain"]["per_seed"]


def test_the_demo_page_leads_with_the_claims_their_latest_verdict_and_the_breaking_preset(stored):
    page = stored.get("/demos/dropout").text
    box = page.index("demo-verdict")
    assert box < page.index('class="demo-form"')
    verdict_box = page[box:page.index("</section>", box)]
    assert "판정: <strong>성립</strong>" in verdict_box and 'href="/runs/at-defaults"' in verdict_box
    assert "95% 구간 [" in verdict_box and "시드 3개" in verdict_box
    breaking = get_demo("dropout").breaking
    assert "주장이 깨지는 설정</a>" in verdict_box and f"epochs={breaking.epochs}" in verdict_box
    detail = stored.get("/api/v1/demos/dropout").json()
    assert detail["verdict_at_defaults"]["run_id"] == "at-defaults"
    assert detail["verdict_at_defaults"]["verdict_word"] == "성립"
    assert detail["verdict_at_breaking"] is None  # nobody ran the breaking preset yet
    assert detail["breaking_changes"] == {"epochs": breaking.epochs}
    assert detail["breaking_url"] == f"/demos/dropout?epochs={breaking.epochs}"
    assert [c["metric"] for c in detail["claims"]] == [c.metric for c in get_demo("dropout").claims]
