"""Every experiment names what it demonstrates as concept ids of the term dictionary: questions reach
experiments through the concepts they share, so an unknown or missing id would silently link nothing."""

from __future__ import annotations

import pytest

from app.demos.registry import all_demos
from app.search.terms import default_dictionary


@pytest.mark.parametrize("demo", all_demos(), ids=lambda demo: demo.slug)
def test_every_experiment_names_known_concepts(demo):
    known = default_dictionary().terms
    assert demo.concepts, f"{demo.slug} names no concept"
    unknown = [concept for concept in demo.concepts if concept not in known]
    assert not unknown, f"{demo.slug}: concepts not in content/search/terms.tsv: {unknown}"
    assert len(set(demo.concepts)) == len(demo.concepts), f"{demo.slug} repeats a concept"
