"""One clock, no naive datetimes: every timestamp column takes aware values only and gives them back
aware, on SQLite too (which keeps no offset), so no reader of a model needs to patch a tzinfo on."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy.exc import StatementError
from sqlmodel import Session, SQLModel
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
