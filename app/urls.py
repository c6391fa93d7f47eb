"""Every address the site hands out, built in one place (Datasette's `urls`).

A page and its JSON twin share a path: `api(question(3))` is `/api/v1/questions/3`. Services put these
in the data they return, templates call them as `urls.…`, and the API uses them for `Location`.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlencode

API_PREFIX = "/api/v1"


def api(page: str) -> str:
    """The JSON twin of a page path."""
    return API_PREFIX + page


def with_query(path: str, **params: Any) -> str:
    """`path?k=v` with the parameters that differ from their defaults (None, "" and page 1 are dropped)."""
    kept = {k: v for k, v in params.items() if v not in (None, "") and not (k == "page" and v == 1)}
    return f"{path}?{urlencode(kept)}" if kept else path


def home() -> str:
    return "/"


def questions(**query: Any) -> str:
    """The question list (query: collection, status, author, sort, page, per_page)."""
    return with_query("/questions", **query)


def unanswered() -> str:
    return "/unanswered"


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


def question_results(question_id: int) -> str:
    """The experiment results panel of a question (a fragment the page loads)."""
    return f"{question(question_id)}/results"


def ask(**query: Any) -> str:
    """The ask form (query: title, collection)."""
    return with_query("/ask", **query)


def question_revisions(question_id: int) -> str:
    return f"{question(question_id)}/revisions"


def answer_revisions(answer_id: int) -> str:
    return f"/answers/{answer_id}/revisions"


def collection(slug: str) -> str:
    return f"/collections/{slug}"


def authors() -> str:
    return "/authors"


def author(name: str) -> str:
    return f"/authors/{quote(name, safe='')}"


def user(username: str) -> str:
    return f"/users/{quote(username, safe='')}"


def me() -> str:
    """The signed-in account's JSON (its page is /settings)."""
    return api("/me")


def notification_settings() -> str:
    """The signed-in account's notification settings, JSON (its page is /settings/notifications)."""
    return api("/me/notification-settings")


def inbox(**query: Any) -> str:
    """The signed-in account's notifications (query: unread)."""
    return with_query("/inbox", **query)


def login(**query: Any) -> str:
    """The login form (query: next, the page to return to; reset and username, after a password reset)."""
    return with_query("/login", **query)


def reset_password(token: str) -> str:
    # In the query, not the path: the access log writes the path (app/http/observe.py).
    return f"/reset-password?token={quote(token, safe='')}"


def demos() -> str:
    return "/demos"


def demo(slug: str) -> str:
    return f"/demos/{slug}"


def demo_estimate(slug: str) -> str:
    """How long a run with the query's parameters would take (JSON)."""
    return api(f"{demo(slug)}/estimate")


def demo_run_form(slug: str) -> str:
    """Where the demo page's and a question panel's form starts a run (POST, then the run's page)."""
    return f"{demo(slug)}/runs"


def demo_boundary_form(slug: str) -> str:
    """Where the demo page's boundary form starts a boundary run (POST)."""
    return f"{demo(slug)}/boundary"


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


def run_card(run_id: str) -> str:
    """A run in a few lines, a fragment that asks for itself again while the run goes on."""
    return f"{run(run_id)}/card"


def runs_compare(a: str | None = None, b: str | None = None) -> str:
    """Two runs side by side; with only `a`, the page offers runs to compare it with."""
    return with_query("/runs/compare", a=a, b=b)


def run_events(run_id: str) -> str:
    return api(f"{run(run_id)}/events")


def search() -> str:
    return "/search"


def concepts() -> str:
    return "/concepts"


def concept(concept_id: str) -> str:
    return f"/concepts/{concept_id}"
