"""A post of one 20,000-syllable "word" (the body limit, no spaces) is indexed in a blink: neither the
stem guesser nor Kiwi gets a run longer than any word, whose cost grows with its length (squared, for
the guesser: two minutes of CPU inside the write lock before the cap)."""

from __future__ import annotations

import pytest

from app.schemas.limits import BODY_MAX
from app.search import analyze
from app.search.index import light_search_doc
from app.search.lemma import MAX_WORD_CHARS, lemma_candidates


def test_a_run_longer_than_any_word_has_no_stem_candidates():
    assert "막다" in lemma_candidates("막는")
    assert lemma_candidates("가" * (MAX_WORD_CHARS + 1)) == []


def test_kiwi_never_sees_a_run_longer_than_any_word(monkeypatch):
    def no_kiwi():
        raise AssertionError("Kiwi was asked to analyse an over-long run")

    monkeypatch.setattr(analyze, "_kiwi", no_kiwi)
    doc = analyze.build_search_doc("", "가" * BODY_MAX, "")
    assert doc is not None


@pytest.mark.parametrize("body", ["가" * BODY_MAX, "가나다라마바사 " * (BODY_MAX // 8)])
def test_the_light_analyser_takes_a_body_at_the_limit(body):
    doc = light_search_doc("긴 글", body, "", known=lambda tokens: set())
    assert doc is not None
