"""Addresses are built in one place, app/urls.py (Datasette's `urls`): services put them in the data they
return, templates call `urls.…`, routes pass them on. A module or template that spells the path of one
question, answer, collection, account, experiment or run itself, or a JSON address, keeps a second copy
that goes stale when the route moves. Route declarations (`@router.get("/questions/{question_id}")`)
are the routes themselves, not addresses handed out."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# The path of one thing (a robots.txt pattern with `*` or a bare prefix is not one), or any JSON address.
ADDRESS = re.compile(r"^/(questions|answers|collections|users|authors|demos|runs|concepts)/[^*\s]+$|^/api/v1(/|$)")
TEMPLATE_ADDRESS = re.compile(
    r'\b(?:href|action|src|hx-get|hx-post|data-[\w-]+)="(?:\{%[^"%]*%\})?(/(?:questions|answers|collections|users'
    r'|authors|demos|runs|concepts|moderation)/[^"]*\{\{[^"]*|/api/v1[^"]*)"')
# Templates still spelling addresses, each being edited by its owner when the check arrived; fix one, then
# delete its line. The list may only shrink.
TEMPLATES_TO_CONVERT = {
    "templates/moderation/_answer_tools.html",
    "templates/moderation/_hidden_post.html",
    "templates/moderation/_macros.html",
    "templates/moderation/_question_tools.html",
    "templates/moderation/queue.html",
    "templates/writes/_answer_actions.html",
    "templates/writes/_answer_form.html",
    "templates/writes/_question_actions.html",
    "templates/writes/answer_retry.html",
}


def _text(node: ast.expr) -> str | None:
    """A string literal, or an f-string's leading literal part (what its address starts with)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr) and node.values and isinstance(node.values[0], ast.Constant):
        return str(node.values[0].value) + "{"
    return None


def addresses_in(source: str) -> list[tuple[int, str]]:
    tree = ast.parse(source)
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            skipped |= {id(inner) for decorator in node.decorator_list for inner in ast.walk(decorator)}
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef) and node.body \
                and isinstance(node.body[0], ast.Expr):
            skipped.add(id(node.body[0].value))  # a docstring
        if isinstance(node, ast.keyword) and node.arg == "prefix":  # APIRouter(prefix=...)
            skipped |= {id(inner) for inner in ast.walk(node.value)}
        if isinstance(node, ast.JoinedStr):
            skipped |= {id(part) for part in node.values}
    found = []
    for node in ast.walk(tree):
        text = _text(node) if isinstance(node, ast.expr) and id(node) not in skipped else None
        if text is not None and ADDRESS.match(text):
            found.append((node.lineno, text))
    return found


def test_the_check_sees_literals_and_f_strings_but_not_routes():
    source = ('"""/questions/1 in a docstring."""\n'
              'router = APIRouter(prefix="/api/v1")\n'
              '@router.get("/questions/{question_id}")\n'
              'def page(question_id):\n'
              '    a = f"/questions/{question_id}"\n'
              '    b = "/api/v1/collections"\n'
              '    c = ("/runs/", "/questions/*/edit", "/questions")\n')
    assert addresses_in(source) == [(5, "/questions/{"), (6, "/api/v1/collections")]
    assert TEMPLATE_ADDRESS.findall('<a href="/questions/{{ q.id }}/edit"> <form action="/search"> '
                                    '<a href="{{ urls.question(q.id) }}"> <div data-url="/api/v1/demos"> '
                                    '<form action="{% if a %}/answers/{{ a }}/replies{% endif %}">') \
        == ["/questions/{{ q.id }}/edit", "/api/v1/demos", "/answers/{{ a }}/replies{% endif %}"]


def test_no_module_outside_app_urls_spells_an_address():
    broken = [f"{path.relative_to(ROOT)}:{line}: {text}"
              for path in sorted((ROOT / "app").rglob("*.py")) if path != ROOT / "app" / "urls.py"
              for line, text in addresses_in(path.read_text(encoding="utf-8"))]
    assert broken == []


def test_no_template_spells_an_address():
    spelled = {str(path.relative_to(ROOT)): TEMPLATE_ADDRESS.findall(path.read_text(encoding="utf-8"))
               for path in sorted((ROOT / "templates").rglob("*.html"))}
    assert {path: found for path, found in spelled.items() if found and path not in TEMPLATES_TO_CONVERT} == {}
    assert {path for path in TEMPLATES_TO_CONVERT if not spelled.get(path)} == set(), "converted: drop it from the list"
