"""A part of a word as typed (the analyser makes no token of it) is still found, on both engines:
PostgreSQL through its pg_trgm index (migration 0017), SQLite by scanning the plain text. Only when
the analysed search finds nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from app.search.service import search_questions
from tests.conftest import BACKENDS

pytestmark = pytest.mark.parametrize("backend", BACKENDS)


@pytest.mark.parametrize(("query", "expected"), [
    ("골짜", "local_minima"),  # 얕은 골짜기, in an answer
    ("초기", "weight_init"),  # 초기화
    ("이동 평", "bn_inference"),  # two words, both parts: 이동 평균
])
def test_a_part_of_a_word_finds_its_question(sample_session, sample_ids, query, expected):
    results = search_questions(sample_session, query)
    assert results.total >= 1 and results.items[0].question_id == sample_ids[expected]


@pytest.mark.parametrize(("query", "expected"), [
    ("시그모", {"sigmoid_output", "relu_vs_sigmoid"}),  # 시그모이드, and sigmoid in Latin letters
    ("드롭", {"dropout_test_time", "dropout_effect"}),  # 드롭아웃 / dropout
    ("과적", {"bn_overfitting", "dropout_effect", "overfitting_unanswered"}),  # 과적합 / overfitting
])
def test_the_beginning_of_a_term_finds_the_terms_questions(sample_session, sample_ids, query, expected):
    """A word that begins a dictionary term stands for the term, in either spelling: the index knows
    드롭 from one stray word, but the reader means 드롭아웃."""
    found = {item.question_id for item in search_questions(sample_session, query, limit=50).items}
    assert {sample_ids[key] for key in expected} <= found


def test_the_fallback_keeps_the_filters_and_treats_wildcards_as_text(sample_session, sample_ids):
    assert search_questions(sample_session, "골짜", collection="study").items[0].question_id == \
        sample_ids["local_minima"]
    assert search_questions(sample_session, "골짜", collection="interview").total == 0
    assert search_questions(sample_session, "골짜", status="unanswered").total == 0
    assert search_questions(sample_session, "%%").total == 0 and search_questions(sample_session, "__").total == 0
    assert search_questions(sample_session, "골").total == 0  # one syllable: inside too many words


def test_a_query_the_index_answers_does_not_fall_back(sample_session, sample_ids):
    """dropout is a term: the analysed results stand (the Korean spelling's question, which no text
    search for the letters d-r-o-p-o-u-t would find), scored by bm25, not by the fallback's 1s and 2s."""
    analysed = search_questions(sample_session, "dropout", limit=50)
    assert sample_ids["dropout_test_time"] in {item.question_id for item in analysed.items}
    assert all(item.score not in (1.0, 2.0) for item in analysed.items)


def test_postgresql_uses_a_trigram_index(sample_session, backend):
    if backend != "postgresql":
        pytest.skip("the trigram index is PostgreSQL's")
    conn = sample_session.connection()
    index = "SELECT count(*) FROM pg_indexes WHERE indexname = 'ix_search_text_trigrams'"
    assert conn.execute(text(index)).scalar() == 1
    conn.execute(text("SET LOCAL enable_seqscan = off"))  # a 20-row table would be scanned anyway
    plan = "\n".join(conn.execute(text(
        "EXPLAIN SELECT 1 FROM search_text AS t WHERE (t.title || ' ' || t.body || ' ' || t.answers)"
        " ILIKE '%시그모이%'")).scalars())
    assert "ix_search_text_trigrams" in plan, plan
