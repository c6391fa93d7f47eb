"""Raw SQL that runs on SQLite and on PostgreSQL alike.

The query modules write their statements with `?` markers, SQLite's own style, which psycopg does not
accept. `run` turns each statement once into a `text()` clause with named parameters (:p1, :p2, …,
the style both dialects compile) and executes it with the values bound by name; a list of tuples is
an executemany, as with exec_driver_sql. A `?` or `:` inside a quoted literal is left alone.

Functions whose spelling differs between the engines are named here, so the statements stay one text.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from sqlalchemy import TextClause, text
from sqlalchemy.engine import Connection, CursorResult

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
    statement, count = _statement(sql)
    if isinstance(params, list) and params and isinstance(params[0], (tuple, list)):
        return conn.execute(statement, [_named(row, count) for row in params])
    return conn.execute(statement, _named(tuple(params), count))


def greatest(conn: Connection) -> str:
    """The larger-of-several function: SQLite's scalar max() is PostgreSQL's greatest()."""
    return "max" if conn.dialect.name == "sqlite" else "greatest"
