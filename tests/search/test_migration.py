"""Migration 0002 creates the search tables and takes them away again."""

from __future__ import annotations

from alembic import command
from sqlalchemy import text

from app.db.engine import make_engine
from app.db.migrate import alembic_config, upgrade


def _tables(url: str) -> set[str]:
    engine = make_engine(url)
    with engine.connect() as connection:
        names = set(connection.execute(text("SELECT name FROM sqlite_master WHERE type = 'table'")).scalars())
    engine.dispose()
    return names


def test_upgrade_creates_and_downgrade_drops_the_search_tables(tmp_path):
    url = f"sqlite:///{tmp_path / 'm.sqlite3'}"
    upgrade(url)
    assert {"search_index", "search_vocab", "search_text"} <= _tables(url)
    command.downgrade(alembic_config(url), "0001")
    assert not {t for t in _tables(url) if t.startswith("search_")}
    upgrade(url)
    assert "search_index" in _tables(url)


def test_0003_keeps_indexed_rows_and_adds_the_broader_columns(tmp_path):
    url = f"sqlite:///{tmp_path / 'm.sqlite3'}"
    upgrade(url, "0002")
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.exec_driver_sql("INSERT INTO search_index (rowid, title, body, answers) VALUES (7, 'dropout', 'b', 'a')")
    engine.dispose()
    upgrade(url)
    engine = make_engine(url)
    with engine.begin() as conn:
        assert conn.exec_driver_sql("SELECT rowid FROM search_index WHERE search_index MATCH 'dropout'").scalar() == 7
        conn.exec_driver_sql("UPDATE search_index SET title_broader = 'regularization' WHERE rowid = 7")
        assert conn.exec_driver_sql("SELECT term FROM search_vocab WHERE term = 'regularization'").scalar()
    engine.dispose()
    command.downgrade(alembic_config(url), "0002")
    engine = make_engine(url)
    with engine.connect() as conn:
        assert conn.exec_driver_sql(
            "SELECT rowid FROM search_index WHERE search_index MATCH 'title:regularization'"
        ).scalar() == 7
    engine.dispose()
