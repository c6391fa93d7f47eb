"""One clock, no naive datetimes: every timestamp column takes aware values only and gives them back
aware, on SQLite too (which keeps no offset), so no reader of a model needs to patch a tzinfo on."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy.exc import StatementError
from sqlmodel import Session, SQLModel, select
from sqlmodel.sql.sqltypes import UTCDateTime

from app.clock import now_utc
from app.db import models
from app.db.models import User


def test_every_timestamp_column_is_utc_aware():
    naive = [f"{table.name}.{column.name}" for table in SQLModel.metadata.tables.values() for column in table.columns
             if column.type.python_type is datetime and not isinstance(column.type, UTCDateTime)]
    assert naive == []
    assert any(isinstance(column.type, UTCDateTime) for column in models.User.__table__.columns)


def test_a_timestamp_reads_back_aware_and_a_naive_one_is_refused(engine):
    written = now_utc()
    with Session(engine) as session:
        user = User(username="clock", display_name="김 철수", password_hash="x", created_at=written)
        session.add(user)
        session.commit()
        user_id = user.id
    with Session(engine) as session:
        stored = session.get(User, user_id)
        assert stored is not None
        assert stored.created_at.utcoffset() is not None and stored.created_at == written

        stored.deleted_at = datetime(2026, 1, 1, 12, 0)  # naive: which zone it meant is lost
        with pytest.raises(StatementError, match="timezone"):
            session.commit()


def test_a_time_a_plain_statement_writes_reads_back_as_the_orm_wrote_it(engine):
    """The posts' plain INSERTs bind their times with stored_time: the same stored text as the ORM's."""
    from datetime import timedelta, timezone

    from app.db.sql import run, stored_time

    written = datetime(2026, 3, 1, 9, 30, 0, 5, tzinfo=timezone(timedelta(hours=9)))  # any zone in, UTC out
    with Session(engine) as session:
        by_orm = User(username="orm", display_name="오알엠", password_hash="x", created_at=written)
        session.add(by_orm)
        session.commit()
        conn = session.connection()
        run(conn, "INSERT INTO user (username, display_name, password_hash, role, created_at)"
                  " VALUES (?, ?, ?, ?, ?)", ("plain", "플레인", "x", by_orm.role, stored_time(conn, written)))
        session.commit()
        stored = dict(run(session.connection(), "SELECT username, created_at FROM user").all())
        assert stored["plain"] == stored["orm"]
        plain = session.exec(select(User).where(User.username == "plain")).one()
        assert plain.created_at == written and plain.created_at.utcoffset() == timedelta(0)
    with pytest.raises(ValueError, match="timezone"):
        stored_time(engine.connect(), datetime(2026, 1, 1, 12, 0))


def test_plain_statements_bind_their_markers_and_leave_quoted_ones_alone(engine):
    from app.db.sql import run

    with engine.begin() as conn:
        run(conn, "CREATE TABLE note (id INTEGER PRIMARY KEY, text TEXT, mark TEXT)")
        run(conn, "INSERT INTO note (text, mark) VALUES (?, '?')", [("하나",), ("둘",)])  # many rows
        run(conn, "INSERT INTO note (text, mark) VALUES ('a:b ?', ?)", (":name",))
        rows = run(conn, "SELECT text, mark FROM note WHERE id > ? ORDER BY id", (0,)).all()
    assert [tuple(row) for row in rows] == [("하나", "?"), ("둘", "?"), ("a:b ?", ":name")]
