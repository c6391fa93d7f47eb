"""`kb search reindex`: rebuilds the whole index from the database, with Kiwi."""

from __future__ import annotations

from sqlmodel import Session

from app.cli import main
from app.db.queries import search as queries
from app.search.service import search_questions


def test_reindex_rebuilds_a_lost_index(sample_settings, sample_engine, sample_ids, monkeypatch, capsys):
    with sample_engine.begin() as conn:
        expected = queries.indexed_count(conn)
        queries.clear_search_index(conn)
    with Session(sample_engine) as session:
        assert search_questions(session, "드롭아웃").total == 0

    monkeypatch.setenv("KB_DATABASE_URL", sample_settings.database_url)
    assert main(["search", "reindex", "--workers", "2"]) == 0
    assert f"질문 {expected}개" in capsys.readouterr().out

    with Session(sample_engine) as session:
        assert queries.indexed_count(session.connection()) == expected
        found = {item.question_id for item in search_questions(session, "드롭아웃", limit=50).items}
    assert sample_ids["dropout_effect"] in found and sample_ids["deleted"] not in found
