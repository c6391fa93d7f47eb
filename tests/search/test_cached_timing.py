"""A search page or response served again from the response cache (or a shared cache in front) does not
claim the first request's timing as its own: the page showed '· 3.2ms' on every copy for as long as it
was kept, the time of a search that copy never ran."""

from __future__ import annotations

import re

import pytest

from app.search.schemas import SearchResults

pytestmark = pytest.mark.read_only  # only reads: one shared app

HTML = {"Accept": "text/html"}
TIMING = re.compile(r"\d+(?:\.\d+)?\s*ms\b")


def test_a_search_page_shows_no_timing_its_cached_copies_would_repeat(seeded_client):
    first = seeded_client.get("/search", params={"q": "드롭아웃"}, headers=HTML)
    again = seeded_client.get("/search", params={"q": "드롭아웃"}, headers=HTML)
    assert first.status_code == again.status_code == 200
    assert again.text == first.text  # the second is the kept copy
    summary = first.text.split('class="search-summary">', 1)[1].split("</p>", 1)[0]
    assert re.fullmatch(r"질문 [\d,]+개( 이상)?", summary), summary
    assert not TIMING.search(summary)


def test_the_json_says_its_timing_is_the_computed_results(seeded_client):
    """The JSON keeps took_ms (its contract) and says what it is: the time of the search that made
    this result, which a cached response repeats."""
    description = SearchResults.model_json_schema()["properties"]["took_ms"].get("description", "")
    assert "캐시" in description
    schema = seeded_client.get("/api/v1/openapi.json").json()["components"]["schemas"]["SearchResults"]
    assert "캐시" in schema["properties"]["took_ms"]["description"]
