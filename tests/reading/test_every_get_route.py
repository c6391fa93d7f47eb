"""What every GET route of the app promises an anonymous reader, walked from the app's own routes (a
route added tomorrow is checked without editing this file): HEAD answers it with the GET's status and
headers and no body; a reading page sets no cookie and may be kept by a shared cache in front.
"""

from __future__ import annotations

import re

import pytest
from fastapi.routing import iter_route_contexts

from tests.writes.helpers import Account

HTML = {"Accept": "text/html"}
DEMO = "activation-gradients"
# Pages whose form is posted by a first-time visitor with the anonymous CSRF token: they alone may
# set the anonymous cookie, and they are never kept for everyone (private, no-store).
FORM_PAGES = {"/signup", "/login", "/forgot-password", "/reset-password"}
# Headers a HEAD must repeat from its GET (Content-Length counts the bytes a GET would send).
SAME = ("content-type", "cache-control", "etag", "last-modified", "content-length", "content-encoding", "vary",
        "location")
SHARED_PAGE = re.compile(r"^public, max-age=\d+, stale-while-revalidate=\d+$")


def get_routes(app) -> list:
    return [route for route in iter_route_contexts(list(app.routes)) if "GET" in (route.methods or ())]


@pytest.fixture
def addresses(app, reader, client_factory, sample) -> dict[str, str]:
    """Every GET route's path with its parameters filled in, with content behind it where there is any."""
    alice = Account(client_factory, "alice")
    concepts = reader.get("/api/v1/concepts").json()
    concept = (concepts["items"] if isinstance(concepts, dict) else concepts)[0]["id"]
    values = {"question_id": sample.parent, "answer_id": sample.answer, "name": "서연", "username": alice.username,
              "concept_id": concept, "run_id": "no-such-run", "path": "no/such.png"}
    filled = {}
    for route in get_routes(app):
        named = {**values, "slug": DEMO if "/demos/" in route.path else sample.collection}
        filled[route.path] = re.sub(r"\{(\w+)(?::\w+)?\}", lambda m, named=named: str(named[m.group(1)]), route.path)
    return filled


def test_every_get_route_is_walked(app, addresses):
    paths = set(addresses)
    # Not a hand list of what is checked: the walk finds routes of every router, reading and not.
    assert {"/", "/questions/{question_id}", "/api/v1/questions/{question_id}", "/login", "/demos/{slug}",
            "/api/v1/runs/{run_id}/events", "/feed.atom"} <= paths
    assert len(paths) == len(get_routes(app))


def test_head_answers_every_get_route_with_its_headers_and_no_body(reader, addresses):
    answered = 0
    for route, path in addresses.items():
        got = reader.get(path, headers=HTML, follow_redirects=False)
        head = reader.head(path, headers=HTML, follow_redirects=False)
        again = reader.get(path, headers=HTML, follow_redirects=False)
        assert head.status_code == got.status_code != 405, (route, got.status_code, head.status_code)
        assert head.content == b"", route
        # A body that differs between two GETs (/metrics counts requests) has no one length to repeat.
        same = SAME if got.content == again.content else tuple(n for n in SAME if n != "content-length")
        for name in same:
            assert head.headers.get(name) == got.headers.get(name), (route, name)
        answered += got.status_code == 200
    assert answered >= len(addresses) // 2  # most are pages with content, not 404s


def test_no_anonymous_get_of_a_cacheable_page_sets_a_cookie(app, client_factory, addresses):
    cacheable = [route.path for route in get_routes(app) if getattr(route.endpoint, "cacheable", False)]
    for route in cacheable:
        for attempt in range(2):  # rendered, then from the cache
            response = client_factory().get(addresses[route], headers=HTML)
            assert response.status_code == 200 and "set-cookie" not in response.headers, (route, attempt)


def test_no_anonymous_get_sets_a_cookie_but_a_form_page(client_factory, addresses):
    for route, path in addresses.items():
        if route in FORM_PAGES:
            continue
        for attempt in range(2):  # rendered, then (where cacheable) from the cache
            response = client_factory().get(path, headers=HTML, follow_redirects=False)
            assert "set-cookie" not in response.headers, (route, attempt, response.headers.get("set-cookie"))


def test_every_form_page_gives_a_first_time_visitor_the_cookie_its_token_needs(client_factory, addresses):
    assert set(addresses) >= FORM_PAGES
    for route in FORM_PAGES:
        response = client_factory().get(addresses[route], headers=HTML, follow_redirects=False)
        assert response.headers.get("set-cookie", "").startswith("kb_anon="), route
        assert response.headers["cache-control"] == "private, no-store", route


def test_every_cacheable_page_may_be_kept_by_a_shared_cache(app, reader, addresses):
    cacheable = [route for route in get_routes(app) if getattr(route.endpoint, "cacheable", False)]
    assert len(cacheable) >= 15
    for route in cacheable:
        response = reader.get(addresses[route.path], headers=HTML)
        assert response.status_code == 200, route.path
        policy = response.headers["cache-control"]
        if route.path.startswith("/api/"):
            assert policy == "public, no-cache", route.path  # revalidated each time, by ETag
        else:
            assert SHARED_PAGE.match(policy) and "Cookie" in response.headers["vary"], (route.path, policy)
        assert "etag" in response.headers and "set-cookie" not in response.headers, route.path
