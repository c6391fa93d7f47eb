"""Raw SQL that runs on SQLite and on PostgreSQL alike.

The query modules write their statements with `?` markers, SQLite's own style, which psycopg does not
accept. On SQLite `run` hands the text to the driver as written; elsewhere it turns each statement once
into a `text()` clause with named parameters (:p1, :p2, …, the style both dialects compile) and
executes it with the values bound by name. A list of tuples is an executemany, as with
exec_driver_sql. A `?` or `:` inside a quoted literal is left alone.

Functions whose spelling differs between the engines are named here, so the statements stay one text.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import TextClause, text
from sqlalchemy.engine import Connection, CursorResult, Dialect
from sqlmodel.sql.sqltypes import UTCDateTime

# A quoted literal or identifier (kept as written), a `?` marker, or a colon that text() would read as a bind.
_TOKENS = re.compile(r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|\?|:(?=\w)")


@lru_cache(maxsize=4096)
def _statement(sql: str) -> tuple[TextClause, int]:
    count = 0

    def replace(match: re.Match[str]) -> str:
        nonlocal count
        token = match.group(0)
        if token == "?":
            count += 1
            return f":p{count}"
        if token == ":":
            return "\\:"
        return token.replace(":", "\\:")

    return text(_TOKENS.sub(replace, sql)), count


def _named(values: Sequence[Any], count: int) -> dict[str, Any]:
    if len(values) != count:
        raise ValueError(f"statement has {count} markers, {len(values)} values given")
    return {f"p{i}": value for i, value in enumerate(values, start=1)}


def run(conn: Connection, sql: str,
        params: Sequence[Any] | list[Sequence[Any]] = ()) -> CursorResult[*tuple[Any, ...]]:
    """Execute `sql` (with `?` markers) on either engine; `params` a tuple, or a list of tuples for many rows."""
    many = isinstance(params, list) and bool(params) and isinstance(params[0], (tuple, list))
    if conn.dialect.paramstyle == "qmark":
        # SQLite reads `?` itself: the text goes to the driver as written, without the per-call cache key,
        # compiled lookup and named binds of a text() clause, which cost several times SQLite's own work
        # for the short statements every write runs. Events (statement counts) still see it.
        return conn.exec_driver_sql(sql, [tuple(row) for row in params] if many else tuple(params))
    statement, count = _statement(sql)
    if many:
        return conn.execute(statement, [_named(row, count) for row in params])
    return conn.execute(statement, _named(tuple(params), count))


@lru_cache(maxsize=16)
def _time_binder(dialect: Dialect) -> Callable[[datetime], Any] | None:
    return UTCDateTime().dialect_impl(dialect).bind_processor(dialect)


def stored_time(conn: Connection, value: datetime) -> Any:
    """`value` as the models' timestamp columns bind it (on SQLite the UTC text SQLAlchemy writes, on
    PostgreSQL the aware value), for a plain statement that writes one: the ORM reads it back alike."""
    bind = _time_binder(conn.dialect)
    return value if bind is None else bind(value)


def greatest(conn: Connection) -> str:
    """The larger-of-several function: SQLite's scalar max() is PostgreSQL's greatest()."""
    return "max" if conn.dialect.name == "sqlite" else "greatest"
