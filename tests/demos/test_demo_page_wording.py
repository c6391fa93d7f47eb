"""Demo pages in a reader's words: every parameter has a Korean label (the run page and the question
panel show it), breadcrumbs start at 처음 and end on a link, the device and seed are named in Korean."""

from __future__ import annotations

import re

import pytest

from app.demos.params import param_fields
from app.demos.registry import all_demos
from tests.demos.conftest import SLUG, wait_for_run

HTML = {"accept": "text/html", "sec-fetch-site": "same-origin"}  # as a browser posts the run form
HANGUL = re.compile(r"[가-힣]")


@pytest.mark.parametrize("spec", all_demos(), ids=lambda spec: spec.slug)
def test_every_parameter_has_a_korean_short_label(spec):
    """optimizers' surface was labelled "ravine" (its description began with an option's name)."""
    for field in param_fields(spec.params):
        assert HANGUL.search(field.short_label), f"{spec.slug}.{field.name}: {field.short_label!r}"


@pytest.mark.slow
def test_demo_page_crumbs_device_and_recent_runs_read_in_korean(pool_client):
    html = pool_client.get(f"/demos/{SLUG}", headers=HTML).text
    assert '<nav class="breadcrumb" aria-label="위치"><a href="/">처음</a> › <a href="/demos">실험</a></nav>' in html
    assert '<option value="auto" selected>자동 (GPU가 있으면 GPU)</option>' in html

    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    form = {"csrf_token": token, "_form": "1", "depth": "4", "width": "16", "batch_size": "8", "trials": "1",
            "init": "matched", "activations": ["relu"], "seed": "404"}
    run_url = pool_client.post(f"/demos/{SLUG}/runs", data=form, headers=HTML,
                               follow_redirects=False).headers["location"]
    run_page = pool_client.get(run_url, headers=HTML).text
    crumbs = re.search(r'<nav class="breadcrumb" aria-label="위치">(.*?)</nav>', run_page).group(1)
    assert crumbs.startswith('<a href="/">처음</a> › <a href="/demos">실험</a> › ') and crumbs.endswith("</a>")
    wait_for_run(pool_client, run_url.rsplit("/", 1)[1])
    recent = pool_client.get(f"/demos/{SLUG}", headers=HTML).text.split('id="demo-recent-title"', 1)[1]
    assert "은닉층 수 4" in recent and "· 시드 404" in recent
    assert "depth=4" not in recent and "seed 404" not in recent


@pytest.mark.slow  # torch: a whole run
def test_snapshot_ensemble_reports_progress_at_every_snapshot():
    """The run page sat at one message for half the run: every snapshot is reported as it is saved,
    in order, and the bar only moves forward."""
    from tests.demos.support import run

    reports: list[tuple[float, str]] = []
    run("snapshot-ensemble", progress=lambda fraction, message="", charts=None: reports.append((fraction, message)))
    fractions = [fraction for fraction, _ in reports]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    snapshots = [message for _, message in reports if message.startswith("스냅샷")]
    cycles = int(snapshots[-1].split()[1].split("/")[1])
    assert snapshots == [f"스냅샷 {cycle}/{cycles} 저장" for cycle in range(1, cycles + 1)]


@pytest.mark.slow
def test_catalogue_question_chips_lead_to_the_demos_questions(pool_client):
    html = pool_client.get("/demos", headers=HTML).text
    assert (f'<a class="demo-chip" href="/demos/{SLUG}#demo-questions-title" title="활성화 함수의 종류와 saturation">'
            "면접 #5</a>") in html
    assert 'id="demo-questions-title"' in pool_client.get(f"/demos/{SLUG}", headers=HTML).text
