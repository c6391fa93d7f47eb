"""Tracing a conjugated Korean predicate back to its dictionary form, without Kiwi."""

from __future__ import annotations

import pytest

from app.search.lemma import is_content_predicate, lemma_candidates


@pytest.mark.parametrize(
    "word, lemma",
    [
        ("좋아", "좋다"), ("쓰면", "쓰다"), ("낮추는", "낮추다"), ("늘어날까", "늘어나다"),  # regular
        ("커져", "커지다"), ("나눠", "나누다"), ("높여야", "높이다"), ("바꿔준다면", "바꾸다"),  # contractions
        ("정해져", "정하다"), ("놓쳤을", "놓치다"), ("작은", "작다"), ("느린", "느리다"),
        ("달라", "다르다"), ("빨라서", "빠르다"),  # 르 irregular
        ("쉬워", "쉽다"), ("어려운", "어렵다"),  # ㅂ irregular
        ("막다", "막다"),
    ],
)
def test_the_dictionary_form_is_among_the_candidates(word, lemma):
    assert lemma in lemma_candidates(word)


def test_longer_stems_come_first():
    candidates = lemma_candidates("늘어나는")
    assert candidates.index("늘어나다") < candidates.index("늘다")


def test_a_stem_must_be_followed_by_an_ending():
    assert "막다" not in lemma_candidates("막대그래프")
    assert "쓰다" not in lemma_candidates("쓰레기")


def test_light_predicates_and_other_scripts_give_nothing_useful():
    assert "하다" not in lemma_candidates("해요") and "있다" not in lemma_candidates("있는")
    assert lemma_candidates("relu") == [] and lemma_candidates("") == []


def test_content_predicates():
    assert is_content_predicate("막", "VV") and is_content_predicate("쉽", "VA-I")
    assert not is_content_predicate("하", "VV") and not is_content_predicate("보", "VX")
    assert not is_content_predicate("학습", "NNG")
