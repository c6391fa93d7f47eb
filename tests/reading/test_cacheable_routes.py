"""Reading routes declare themselves cacheable (app/http/cacheable.py); the response cache asks the app's
routes instead of keeping its own list of their paths. The anonymous cookie is made in one place."""

from __future__ import annotations

import pytest
from fastapi import APIRouter, FastAPI

from app.auth.anonymous import anonymous_cookie, anonymous_id
from app.http.cacheable import cacheable, cacheable_paths

READING = {"/", "/collections/{slug}", "/questions", "/questions/{question_id}", "/unanswered", "/authors",
           "/authors/{name}", "/search", "/api/v1/collections", "/api/v1/collections/{slug}", "/api/v1/questions",
           "/api/v1/questions/{question_id}", "/api/v1/authors", "/api/v1/authors/{name}", "/api/v1/search"}


@pytest.mark.read_only
def test_the_reading_routes_and_only_they_are_cacheable(app):
    pattern = cacheable_paths(app.routes)
    for path in ["/", "/collections/sample-interview", "/questions", "/questions/1", "/unanswered", "/authors",
                 "/authors/%EC%84%9C%EC%97%B0", "/search", "/api/v1/collections", "/api/v1/questions/1",
                 "/api/v1/authors/x", "/api/v1/search"]:
        assert pattern.match(path), path
    for path in ["/login", "/signup", "/questions/1/edit", "/questions/1/revisions", "/search/suggest", "/docs",
                 "/api/v1/me", "/api/v1/openapi.json", "/demos", "/static/css/site.css", "/sitemap.xml", "/x/"]:
        assert not pattern.match(path), path


def test_a_route_marked_in_an_included_router_is_found_with_its_prefix():
    router = APIRouter()

    @router.get("/things/{thing_id}")
    @cacheable
    def thing(thing_id: int):
        return {}

    @router.get("/things/{thing_id}/edit")
    def edit(thing_id: int):
        return {}

    @router.post("/posted")
    @cacheable
    def posted():
        return {}

    app = FastAPI()
    app.include_router(router, prefix="/v2")
    pattern = cacheable_paths(app.routes)
    assert pattern.match("/v2/things/7") and not pattern.match("/things/7")
    assert not pattern.match("/v2/things/7/edit") and not pattern.match("/v2/posted")
    assert not cacheable_paths(FastAPI().routes).match("/")


@pytest.mark.read_only
def test_a_form_page_sets_the_anonymous_cookie_made_in_one_place(reader):
    page = reader.get("/login", headers={"Accept": "text/html"})
    anon = page.cookies.get("kb_anon")
    assert anon and page.headers["set-cookie"] == anonymous_cookie(anon, https=False)
    assert anonymous_id(anon) == (anon, False)
    fresh, new = anonymous_id("x" * 101)
    assert new and len(fresh) == 32 and anonymous_id(None)[1]
    assert anonymous_cookie("abc", https=True).endswith("; Secure")
