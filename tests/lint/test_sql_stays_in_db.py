"""SQL is written only under app/db/ (app/db/queries/ for reads and writes, the engine, migrations and
the write transaction beside them): services and routes call query functions and use the ORM session's
unit of work (get, add, delete), never statements of their own."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
STATEMENT_BUILDERS = {"select", "text", "update", "delete", "insert", "func", "and_", "or_", "tuple_", "col",
                      "literal", "case", "join", "outerjoin", "union", "exists"}
EXECUTING = {"exec_driver_sql", "execute", "exec", "executemany", "executescript"}


def sql_outside_db(source: str) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] in ("sqlalchemy", "sqlmodel"):
            found += [(node.lineno, f"imports {alias.name}") for alias in node.names
                      if alias.name in STATEMENT_BUILDERS]
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in EXECUTING:
            found.append((node.lineno, f"calls .{node.func.attr}()"))
    return found


def test_the_check_sees_statements_and_their_execution():
    source = "from sqlmodel import Session, select\nfrom sqlalchemy import text\nsession.exec(select(Q))\n" \
             "conn.exec_driver_sql('SELECT 1')\nsession.get(Q, 1)\nsession.add(q)\n"
    assert sql_outside_db(source) == [(1, "imports select"), (2, "imports text"), (3, "calls .exec()"),
                                      (4, "calls .exec_driver_sql()")]


def test_no_module_outside_app_db_writes_sql():
    broken = [f"{path.relative_to(ROOT)}:{line}: {what}"
              for path in sorted((ROOT / "app").rglob("*.py")) if path.relative_to(ROOT / "app").parts[0] != "db"
              for line, what in sql_outside_db(path.read_text(encoding="utf-8"))]
    assert broken == []
