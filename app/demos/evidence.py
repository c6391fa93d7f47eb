"""From per-seed numbers to evidence: a mean with its 95% interval, and a verdict the numbers can contradict.

An experiment measures every metric once per seed. A claim is declared as data (``Claim``): which
metric, which direction, what margin. The verdict follows from the interval alone, so an experiment
cannot talk itself into "holds": ``holds`` when the whole 95% interval of the mean lies past the
margin in the claimed direction, ``does_not_hold`` when it lies wholly on the other side, ``mixed``
when it straddles the margin (or too few seeds gave a finite number to say).

Pure Python and scipy (for the t quantile); no torch, so the web process can use it too.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel

Verdict = Literal["holds", "does_not_hold", "mixed"]
Direction = Literal["greater", "less"]

VERDICT_WORDS: dict[str, str] = {"holds": "성립", "does_not_hold": "성립하지 않음", "mixed": "엇갈림"}


class MetricSummary(BaseModel):
    mean: float | None  # None when no seed gave a finite value
    ci95: tuple[float, float] | None  # t-interval of the mean; None with fewer than two finite values
    per_seed: list[float | None]  # in the order of the run's seeds; None where that seed gave no number


@dataclass(frozen=True)
class Claim:
    """The claim's test: ``metric`` (one number per seed) is ``direction`` than ``margin``.

    Write the metric so that the claim reads as a comparison with a margin, e.g.
    ``val_loss_without - val_loss_with`` is ``greater`` than ``0.01``. ``statement`` is the claim in
    Korean, one clause, as the verdict sentence quotes it.
    """

    metric: str
    direction: Direction
    margin: float
    statement: str
    # What the metric measures, in Korean, as the verdict lines name it (the code name stays for the API).
    metric_label: str


class ClaimOutcome(BaseModel):
    metric: str
    direction: Direction
    margin: float
    statement: str
    metric_label: str | None = None  # None in results stored before claims had labels
    verdict: Verdict
    mean: float | None
    ci95: tuple[float, float] | None


def _t_quantile(df: int) -> float:
    from scipy.stats import t

    return float(t.ppf(0.975, df))


def summarise(values: list[float | None]) -> MetricSummary:
    """Mean and 95% t-interval over the finite values; non-finite values are kept as None."""
    per_seed = [v if v is not None and math.isfinite(v) else None for v in values]
    finite = [v for v in per_seed if v is not None]
    if not finite:
        return MetricSummary(mean=None, ci95=None, per_seed=per_seed)
    mean = statistics.fmean(finite)
    if len(finite) < 2:
        return MetricSummary(mean=mean, ci95=None, per_seed=per_seed)
    half = _t_quantile(len(finite) - 1) * statistics.stdev(finite) / math.sqrt(len(finite))
    return MetricSummary(mean=mean, ci95=(mean - half, mean + half), per_seed=per_seed)


def summarise_all(per_seed: dict[str, list[float | None]]) -> dict[str, MetricSummary]:
    return {name: summarise(values) for name, values in per_seed.items()}


def judge(claim: Claim, summary: MetricSummary) -> Verdict:
    if summary.ci95 is None:
        return "mixed"
    low, high = summary.ci95
    beyond, short = (low > claim.margin, high < claim.margin) if claim.direction == "greater" else (
        high < claim.margin, low > claim.margin)
    return "holds" if beyond else "does_not_hold" if short else "mixed"


def overall(verdicts: list[Verdict]) -> Verdict:
    """All claims hold → holds; the headline (first) claim fails → does_not_hold; anything else is mixed."""
    if verdicts and all(v == "holds" for v in verdicts):
        return "holds"
    if verdicts and verdicts[0] == "does_not_hold":
        return "does_not_hold"
    return "mixed"


def outcomes(claims: tuple[Claim, ...], summaries: dict[str, MetricSummary]) -> list[ClaimOutcome]:
    out = []
    for claim in claims:
        summary = summaries[claim.metric]
        out.append(ClaimOutcome(metric=claim.metric, metric_label=claim.metric_label, direction=claim.direction,
                                margin=claim.margin, statement=claim.statement, verdict=judge(claim, summary),
                                mean=summary.mean, ci95=summary.ci95))
    return out


def _number(value: float) -> str:
    return f"{value:.3g}"


def _numbers(outcome: ClaimOutcome, seeds: int) -> str:
    if outcome.mean is None:
        return f"시드 {seeds}개 모두 수치를 내지 못했습니다"
    if outcome.ci95 is None:
        return f"평균 {_number(outcome.mean)}, 구간을 낼 시드가 모자랍니다"
    low, high = outcome.ci95
    return f"평균 {_number(outcome.mean)}, 95% 구간 [{_number(low)}, {_number(high)}], 시드 {seeds}개"


def verdict_sentence(outcome: ClaimOutcome, seeds: int) -> str:
    """The conclusion's first sentence: the verdict in plain Korean, then the interval it rests on."""
    side = "보다 커야" if outcome.direction == "greater" else "보다 작아야"
    metric = outcome.metric_label or outcome.metric
    return (f"판정: {VERDICT_WORDS[outcome.verdict]} — {outcome.statement} (기준: ‘{metric}’ 값이 "
            f"{_number(outcome.margin)}{side} 성립; {_numbers(outcome, seeds)}).")


def dissent_sentence(headline: ClaimOutcome, others: list[ClaimOutcome], seeds: int) -> str | None:
    """The claims judged otherwise than the headline, named right after it: a conclusion that opens with
    '판정: 성립' while another claim came out '엇갈림' would otherwise read as the run's whole verdict."""
    differing = [o for o in others if o.verdict != headline.verdict]
    if not differing:
        return None
    named = [f"‘{o.statement}’ — {VERDICT_WORDS[o.verdict]}({_numbers(o, seeds)})" for o in differing]
    return f"다른 주장: {'; '.join(named)}."


def relabelled_conclusion(conclusion: str, outcome: ClaimOutcome, seeds: int) -> str:
    """A conclusion stored before claims had Korean labels opens with a verdict sentence that names the
    metric by its code name; that sentence is given again as verdict_sentence writes it now."""
    side = "보다 큼" if outcome.direction == "greater" else "보다 작음"
    before = (f"판정: {VERDICT_WORDS[outcome.verdict]} — {outcome.statement} ({outcome.metric} "
              f"{_number(outcome.margin)}{side} 기준; {_numbers(outcome, seeds)}).")
    if not conclusion.startswith(before):
        return conclusion
    return verdict_sentence(outcome, seeds) + conclusion[len(before):]
