"""The verdict follows the 95% interval over seeds, so the numbers can say "does not hold"."""

from __future__ import annotations

import math

import pytest

from app.demos.evidence import Claim, dissent_sentence, judge, outcomes, overall, summarise, verdict_sentence

GAIN_IS_POSITIVE = Claim(metric="gain", direction="greater", margin=0.0, statement="BN이 손실을 줄인다",
                         metric_label="손실 이득")
LOSS_IS_SMALL = Claim(metric="loss", direction="less", margin=0.5, statement="손실이 0.5 아래로 내려간다",
                      metric_label="손실")


def test_interval_is_the_t_interval_of_the_mean():
    summary = summarise([1.0, 2.0, 3.0])
    assert summary.mean == 2.0
    low, high = summary.ci95
    assert math.isclose(high - 2.0, 4.302652729911275 * 1.0 / math.sqrt(3), rel_tol=1e-9)
    assert math.isclose(2.0 - low, high - 2.0)


def test_non_finite_seeds_are_kept_as_missing_not_averaged():
    summary = summarise([1.0, float("nan"), float("inf"), None, 3.0])
    assert summary.per_seed == [1.0, None, None, None, 3.0]
    assert summary.mean == 2.0
    assert summarise([float("nan")]).mean is None


@pytest.mark.parametrize(("values", "claim", "expected"), [
    ([0.5, 0.6, 0.7], GAIN_IS_POSITIVE, "holds"),
    ([-0.5, -0.6, -0.7], GAIN_IS_POSITIVE, "does_not_hold"),
    ([-0.1, 0.2, 0.5], GAIN_IS_POSITIVE, "mixed"),
    ([0.2, 0.25, 0.3], LOSS_IS_SMALL, "holds"),
    ([0.9, 1.0, 1.1], LOSS_IS_SMALL, "does_not_hold"),
    ([0.4, None, None], LOSS_IS_SMALL, "mixed"),  # one finite seed gives no interval
])
def test_verdict_comes_from_the_interval(values, claim, expected):
    assert judge(claim, summarise(values)) == expected


def test_overall_verdict_needs_every_claim_and_fails_with_the_headline():
    assert overall(["holds", "holds"]) == "holds"
    assert overall(["holds", "does_not_hold"]) == "mixed"
    assert overall(["does_not_hold", "holds"]) == "does_not_hold"
    assert overall(["mixed", "holds"]) == "mixed"


def test_verdict_sentence_leads_with_the_verdict_and_quotes_the_interval():
    outcome = outcomes((GAIN_IS_POSITIVE,), {"gain": summarise([-0.5, -0.6, -0.7])})[0]
    sentence = verdict_sentence(outcome, 3)
    assert sentence.startswith("판정: 성립하지 않음 — BN이 손실을 줄인다")
    assert "95% 구간 [-0.848, -0.352]" in sentence and "시드 3개" in sentence


def test_a_claim_judged_otherwise_than_the_headline_is_named_after_it():
    """lstm-forget-gate on an H200 opened with '판정: 성립' (the gradient claim) while its accuracy claim
    came out '엇갈림': the conclusion names that claim and its interval right after the headline."""
    accuracy = Claim(metric="accuracy", direction="greater", margin=0.1, statement="정확도가 0.1 이상 높다",
                     metric_label="정확도 이득")
    headline, other = outcomes((GAIN_IS_POSITIVE, accuracy), {"gain": summarise([0.5, 0.6, 0.7]),
                                                              "accuracy": summarise([0.01, 0.29, 0.1])})
    assert headline.verdict == "holds" and other.verdict == "mixed"
    sentence = dissent_sentence(headline, [other], 3)
    assert sentence.startswith("다른 주장: ‘정확도가 0.1 이상 높다’ — 엇갈림(평균 0.133, 95% 구간 [")
    assert sentence.endswith("시드 3개).")
    agreeing = outcomes((accuracy,), {"accuracy": summarise([0.3, 0.31, 0.35])})[0]
    assert dissent_sentence(headline, [agreeing], 3) is None
