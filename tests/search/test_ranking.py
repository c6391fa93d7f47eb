"""Tiered ranking (app.search.ranking) with its thresholds shrunk, so the sample content exercises
what only a large index reaches: coverage tiers, title parts and rowid windows."""

from __future__ import annotations

import pytest

from app.search import ranking
from app.search.service import search_questions


@pytest.fixture
def tiny_tiers(monkeypatch):
    monkeypatch.setattr(ranking, "POOL", 2)
    monkeypatch.setattr(ranking, "WINDOW", 2)


QUERIES = ["드롭아웃", "드롭아웃 테스트", "배치 정규화 과적합", "학습 드롭아웃 노드 기울기", "체크포인트 스냅샷 저장"]


@pytest.mark.parametrize("query", QUERIES)
def test_pages_never_overlap_or_skip_and_cover_every_match(sample_session, tiny_tiers, query):
    everything = search_questions(sample_session, query, limit=50)
    assert everything.total == len(everything.items) > 0
    for size in (1, 2, 3):
        paged = []
        for offset in range(0, everything.total, size):
            found = search_questions(sample_session, query, limit=size, offset=offset)
            paged += [item.question_id for item in found.items]
        assert paged == [item.question_id for item in everything.items], size


def test_documents_with_every_term_come_first(sample_session, sample_ids, tiny_tiers):
    names = {v: k for k, v in sample_ids.items()}
    order = [names[item.question_id] for item in search_questions(sample_session, "드롭아웃 테스트", limit=50).items]
    # Only dropout_test_time has both dropout and test; then the dropout-only questions.
    assert order[0] == "dropout_test_time"


def test_small_and_tiny_thresholds_find_the_same_questions(sample_session, monkeypatch):
    for query in QUERIES:
        normal = {item.question_id for item in search_questions(sample_session, query, limit=50).items}
        monkeypatch.setattr(ranking, "POOL", 2)
        monkeypatch.setattr(ranking, "WINDOW", 2)
        tiny = {item.question_id for item in search_questions(sample_session, query, limit=50).items}
        monkeypatch.undo()
        assert normal == tiny, query


def test_filters_apply_in_every_tier(sample_session, tiny_tiers):
    everything = search_questions(sample_session, "드롭아웃 테스트", limit=50)
    study = search_questions(sample_session, "드롭아웃 테스트", collection="study", limit=50)
    # the tiers are cut on the filtered counts, so the order may differ, never the questions
    assert sorted(i.question_id for i in study.items) == sorted(
        i.question_id for i in everything.items if i.collection == "study")
    answered = search_questions(sample_session, "드롭아웃 테스트", status="answered", limit=50)
    assert answered.items and all(i.answered for i in answered.items)
    assert answered.total == sum(1 for i in everything.items if i.answered)


def test_totals_are_counted_up_to_the_cap(sample_session, monkeypatch):
    from app.search import service

    exact = search_questions(sample_session, "드롭아웃")
    monkeypatch.setattr(service, "TOTAL_CAP", 2)
    capped = search_questions(sample_session, "드롭아웃")
    assert exact.total > 2 and exact.total_exact
    assert capped.total == 2 and not capped.total_exact
