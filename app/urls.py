"""Every address the site hands out, built in one place (Datasette's `urls`).

A page and its JSON twin share a path: `api(question(3))` is `/api/v1/questions/3`. Services put these
in the data they return, templates call them as `urls.…`, and the API uses them for `Location`.
"""

from __future__ import annotations

from urllib.parse import quote

API_PREFIX = "/api/v1"


def api(page: str) -> str:
    """The JSON twin of a page path."""
    return API_PREFIX + page


def question(question_id: int) -> str:
    return f"/questions/{question_id}"


def answer(question_id: int, answer_id: int) -> str:
    """An answer or reply is shown on its question's page."""
    return f"{question(question_id)}#answer-{answer_id}"


def api_answer(answer_id: int) -> str:
    return f"{API_PREFIX}/answers/{answer_id}"


def hidden_posts(question_id: int) -> str:
    """What a moderator hid on this question that the reader may see (its author, the moderators)."""
    return api(f"{question(question_id)}/hidden")


def question_revisions(question_id: int) -> str:
    return f"{question(question_id)}/revisions"


def answer_revisions(answer_id: int) -> str:
    return f"/answers/{answer_id}/revisions"


def collection(slug: str) -> str:
    return f"/collections/{slug}"


def author(name: str) -> str:
    return f"/authors/{quote(name, safe='')}"


def user(username: str) -> str:
    return f"/users/{quote(username, safe='')}"


def reset_password(token: str) -> str:
    # In the query, not the path: the access log writes the path (app/http/observe.py).
    return f"/reset-password?token={quote(token, safe='')}"


def demo(slug: str) -> str:
    return f"/demos/{slug}"


def demo_runs(slug: str) -> str:
    """Where a run of this demo is started (POST)."""
    return api(f"{demo(slug)}/runs")


def demo_boundary_runs(slug: str) -> str:
    """Where a boundary run (one parameter swept) of this demo is started (POST)."""
    return api(f"{demo(slug)}/boundary-runs")


def demo_script(slug: str) -> str:
    """The experiment as a standalone Python script (a download; query: its parameters and seed)."""
    return f"{demo(slug)}/script"


def run(run_id: str) -> str:
    return f"/runs/{run_id}"


def run_events(run_id: str) -> str:
    return api(f"{run(run_id)}/events")


def search() -> str:
    return "/search"


def concepts() -> str:
    return "/concepts"


def concept(concept_id: str) -> str:
    return f"/concepts/{concept_id}"
