"""Automatic question → experiment linking: scoring only (pure, no database, no analyser).

The input is what the search index stores for a question (app.search.analyze.SearchDoc): concept
ids of the term dictionary per column, and the broader concepts above them. A concept counts by
the columns it appears in — the title most, then the question's body, then its answers, and a
broader concept (배치 정규화 → normalization) less than the term itself — and by how specific it
is to an experiment: a concept five experiments share ("learning_rate") says less about which one
fits than a concept only one names ("bptt").

An experiment's raw score is the sum over the concepts it shares with the question; the best one to
three experiments above MIN_SCORE (and not far below the best) are linked. `confidence` maps the raw
score to 0..1 for people: 0.5 at the threshold.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from app.demos.base import DemoSpec

# How much a concept counts by where the question says it (a column counts once, however often).
COLUMN_WEIGHTS = {
    "title": 3.0,
    "body": 1.5,
    "answers": 0.6,
    "title_broader": 1.0,
    "text_broader": 0.25,
}
MIN_SCORE = 3.0  # raw score below which no experiment is linked (tuned on tests/demos/linking_labels.toml)
RELATIVE_TO_BEST = 0.6  # a second or third experiment must score at least this share of the best one
MAX_LINKS = 3
# An experiment names what it is about first: its first concepts count fully, the rest (the
# vocabulary around it: "gradient", "loss_function") this much.
HEADLINE_CONCEPTS = 3
SUPPORTING_WEIGHT = 0.5
BREADTH_PENALTY = 0.25  # per narrower concept in the dictionary


@dataclass(frozen=True)
class QuestionConcepts:
    """The tokens one question's search document holds per column (space-separated strings)."""

    title: str = ""
    body: str = ""
    answers: str = ""
    title_broader: str = ""
    text_broader: str = ""

    def weights(self, known: Iterable[str]) -> dict[str, float]:
        """concept → how strongly the question is about it, for the concepts in `known`."""
        known = set(known)
        weights: dict[str, float] = {}
        for column, weight in COLUMN_WEIGHTS.items():
            if column == "body" and self.body == self.title:
                continue  # an interview or lecture question is its title: the same words count once
            for token in set(getattr(self, column).split()):
                if token in known:
                    weights[token] = weights.get(token, 0.0) + weight
        return weights


@dataclass(frozen=True)
class AutoLink:
    slug: str
    score: float  # raw score (see the module docstring)
    concepts: tuple[str, ...]  # shared concepts, the strongest first
    params: dict  # the experiment's preset for the strongest shared concept that has one, else {}

    @property
    def confidence(self) -> float:
        return confidence(self.score)


def confidence(score: float) -> float:
    """0..1, 0.5 at MIN_SCORE: what the page and the API show."""
    return round(1.0 - 0.5 ** (score / MIN_SCORE), 3)


class Catalogue:
    """The experiments' concepts with each concept's specificity (an inverse document frequency
    over the experiments that name it)."""

    def __init__(self, specs: Sequence[DemoSpec], narrower: Mapping[str, int] | None = None) -> None:
        """`narrower`: how many concepts of the dictionary name each concept as their broader one
        (regularization → l1, l2, dropout …): a concept that covers many says less about a question."""
        self.specs = {spec.slug: spec for spec in specs}
        narrower = narrower or {}
        holders: dict[str, list[str]] = {}
        self.role: dict[tuple[str, str], float] = {}
        for spec in specs:
            for position, concept in enumerate(spec.concepts):
                holders.setdefault(concept, []).append(spec.slug)
                self.role[(spec.slug, concept)] = 1.0 if position < HEADLINE_CONCEPTS else SUPPORTING_WEIGHT
        total = len(specs)
        self.holders = {concept: tuple(slugs) for concept, slugs in holders.items()}
        self.specificity = {
            concept: math.log((total + 1) / (len(slugs) + 0.5)) / (1 + BREADTH_PENALTY * narrower.get(concept, 0))
            for concept, slugs in holders.items()
        }

    def rank(self, question: QuestionConcepts, *, exclude: Iterable[str] = ()) -> list[AutoLink]:
        """The experiments to link automatically, best first (at most MAX_LINKS; maybe none)."""
        weights = question.weights(self.specificity)
        if not weights:
            return []
        excluded = set(exclude)
        shared: dict[str, dict[str, float]] = {}
        for concept, weight in weights.items():
            contribution = weight * self.specificity[concept]
            for slug in self.holders[concept]:
                if slug not in excluded:
                    shared.setdefault(slug, {})[concept] = contribution * self.role[(slug, concept)]
        scored = sorted(((sum(parts.values()), slug) for slug, parts in shared.items()),
                        key=lambda item: (-item[0], item[1]))
        if not scored or scored[0][0] < MIN_SCORE:
            return []
        best = scored[0][0]
        links: list[AutoLink] = []
        covered: set[str] = set()
        for score, slug in scored:
            if len(links) == MAX_LINKS or score < MIN_SCORE or score < RELATIVE_TO_BEST * best:
                break
            parts = shared[slug]
            if set(parts) <= covered:
                continue  # says nothing about the question that a better experiment did not
            covered |= set(parts)
            concepts = tuple(sorted(parts, key=lambda concept: (-parts[concept], concept)))
            links.append(AutoLink(slug, round(score, 3), concepts, preset_for(self.specs[slug], concepts)))
        return links

    def shared(self, question: QuestionConcepts, slug: str) -> tuple[str, ...]:
        """The concepts of one experiment the question names, the strongest first."""
        spec = self.specs.get(slug)
        if spec is None:
            return ()
        weights = question.weights(spec.concepts)
        return tuple(sorted(weights, key=lambda c: (-weights[c] * self.specificity[c], c)))


def preset_for(spec: DemoSpec, concepts: Sequence[str]) -> dict:
    """The parameters the experiment declares for the first of `concepts` it has a preset for,
    as the changes from its defaults (what a demos.toml `params` line would say)."""
    for concept in concepts:
        preset = spec.presets.get(concept)
        if preset is not None:
            defaults = spec.params().model_dump(mode="json")
            return {name: value for name, value in preset.model_dump(mode="json").items()
                    if defaults.get(name) != value}
    return {}
