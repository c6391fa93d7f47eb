"""Below the auth layer nothing knows HTTP: services (and ingest, search, demos, render, db) return data
and raise AppError with a status and, where a retry helps, `retry_after`; the framing of responses,
headers and event streams is the routes' (app/http, app/api, app/web). The layer contract keeps these
packages from importing the app's upper layers; this keeps them from importing the web frameworks."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BELOW_AUTH = ("services", "ingest", "search", "demos", "render", "db", "schemas", "clock.py", "errors.py",
              "urls.py", "config.py")
FRAMEWORKS = ("fastapi", "starlette")


def http_in(source: str) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            modules = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            modules = [node.module or ""]
        else:
            modules = []
        found += [(node.lineno, f"imports {m}") for m in modules if m.split(".")[0] in FRAMEWORKS]
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "AppError":
            found += [(node.lineno, "AppError(headers=...)") for kw in node.keywords if kw.arg == "headers"]
    return found


def test_the_check_sees_framework_imports_and_headers():
    source = ("from starlette.concurrency import run_in_threadpool\nimport fastapi.responses\nimport anyio\n"
              "raise AppError(429, 'x', headers={'Retry-After': '3'})\nraise AppError(429, 'x', retry_after=3)\n")
    assert http_in(source) == [(1, "imports starlette.concurrency"), (2, "imports fastapi.responses"),
                               (4, "AppError(headers=...)")]


def test_nothing_below_auth_knows_http():
    paths = [path for name in BELOW_AUTH for path in
             ([ROOT / "app" / name] if name.endswith(".py") else sorted((ROOT / "app" / name).rglob("*.py")))]
    broken = [f"{path.relative_to(ROOT)}:{line}: {what}" for path in paths
              for line, what in http_in(path.read_text(encoding="utf-8"))]
    assert broken == []
