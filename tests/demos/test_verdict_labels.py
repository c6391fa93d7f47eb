"""Verdict lines name each claim's metric by its Korean label, for every experiment in the registry:
the verdict box (server-rendered and its JSON), the demo page's claim list and the conclusion's verdict
sentence; the code name stays in the API and in a title attribute. Results stored before the labels
read with them too."""

from __future__ import annotations

import re

import pytest

from app.demos.base import DemoResult, Measurement, Table
from app.demos.evidence import outcomes, summarise_all, verdict_sentence
from app.demos.execute import judged_result
from app.demos.registry import all_demos, get_demo
from app.demos.schemas import result_public
from app.web.templating import make_templates

HANGUL = re.compile("[가-힣]")
CLAIMING = [demo.slug for demo in all_demos() if demo.claims]
SEEDS = (0, 1, 2)


def measured(slug: str) -> DemoResult:
    """The experiment's claims judged on made-up numbers (the labels, not the numbers, are under test)."""
    spec = get_demo(slug)
    per_seed = {claim.metric: [claim.margin + 1.0, claim.margin + 1.5, claim.margin + 2.0] for claim in spec.claims}
    measurement = Measurement(per_seed=per_seed, charts=[], table=Table(columns=["a"], rows=[[1.0]]),
                              notes=["세부 설명."])
    return judged_result(spec, measurement, SEEDS)


def test_every_claim_in_the_registry_has_a_korean_metric_label():
    assert CLAIMING, "no experiment declares claims"
    for slug in CLAIMING:
        metrics = [claim.metric for claim in get_demo(slug).claims]
        for claim in get_demo(slug).claims:
            label = claim.metric_label
            assert HANGUL.search(label), f"{slug}/{claim.metric}: {label!r} is not Korean"
            # A library's own name (state_dict) may stay; the experiment's metric names may not.
            assert not any(metric in label for metric in metrics), f"{slug}: {label!r} holds a metric's code name"


@pytest.mark.parametrize("slug", CLAIMING)
def test_the_verdict_lines_show_the_label_and_keep_the_code_name_in_a_title(settings, slug):
    spec = get_demo(slug)
    result = result_public(measured(slug), 0, spec)
    assert [c.metric_label for c in result.claims] == [c.metric_label for c in spec.claims]
    headline = spec.claims[0]
    assert f"‘{headline.metric_label}’" in result.conclusion and headline.metric not in result.conclusion

    html = make_templates(settings).get_template("demos/_verdict.html").render(result=result)
    lines = re.findall(r'<li class="demo-verdict__claim.*?</li>', html, re.S)
    assert len(lines) == len(spec.claims)
    for line, claim in zip(lines, spec.claims, strict=True):
        shown = re.sub(r'title="[^"]*"', "", line)
        assert claim.metric_label in shown, (slug, claim.metric)
        assert claim.metric not in shown and "<code>" not in shown, (slug, line)
        assert f'title="{claim.metric}"' in line


def test_a_result_stored_before_the_labels_reads_with_them():
    spec = get_demo("dropout")
    fresh = measured("dropout")
    legacy_claims = [c.model_copy(update={"metric_label": None}) for c in fresh.claims]
    headline = legacy_claims[0]
    # The verdict sentence as it was written before claims had labels.
    old_sentence = (f"판정: 성립 — {headline.statement} ({headline.metric} 0보다 큼 기준; 평균 "
                    f"{headline.mean:.3g}, 95% 구간 [{headline.ci95[0]:.3g}, {headline.ci95[1]:.3g}], 시드 3개).")
    # What followed the headline (another claim's verdict, the notes) is kept as it was.
    rest = fresh.conclusion[len(verdict_sentence(fresh.claims[0], 3)):]
    stored = fresh.model_copy(update={"claims": legacy_claims, "conclusion": old_sentence + rest})
    result = result_public(DemoResult.model_validate_json(stored.model_dump_json()), 0, spec)
    assert [c.metric_label for c in result.claims] == [c.metric_label for c in spec.claims]
    assert result.conclusion == fresh.conclusion
    assert headline.metric not in result.conclusion


def test_the_demo_page_and_its_json_name_the_metric_both_ways(client):
    spec = get_demo("dropout")
    page = client.get("/demos/dropout").text
    box = page[page.index("demo-verdict"):page.index("</section>", page.index("demo-verdict"))]
    for claim in spec.claims:
        assert f'<span class="demo-verdict__metric" title="{claim.metric}">{claim.metric_label}</span>' in box
    assert "<code>" not in box
    claims = client.get("/api/v1/demos/dropout").json()["claims"]
    assert [(c["metric"], c["metric_label"]) for c in claims] == [(c.metric, c.metric_label) for c in spec.claims]


def test_summaries_and_outcomes_carry_the_label():
    spec = get_demo("dropout")
    summaries = summarise_all({c.metric: [1.0, 2.0, 3.0] for c in spec.claims})
    assert [o.metric_label for o in outcomes(spec.claims, summaries)] == [c.metric_label for c in spec.claims]
