"""Hardening headers on every kind of response: pages, JSON, errors, static files, media, 304s."""

from __future__ import annotations

import pytest

from app.http.security import HEADERS

EXPECTED = {name.decode(): value.decode() for name, value in HEADERS}


def check(response) -> None:
    for name, value in EXPECTED.items():
        assert response.headers.get(name) == value, (response.request.url, name)
    policy = response.headers["content-security-policy"]
    script = next(part for part in policy.split("; ") if part.startswith("script-src"))
    assert "'unsafe-inline'" not in script and "'unsafe-eval'" not in script


@pytest.mark.read_only
@pytest.mark.parametrize("path", ["/", "/questions", "/api/v1/collections", "/api/v1/openapi.json", "/docs",
                                  "/questions/999999", "/api/v1/questions/999999", "/api/v1/questions/x",
                                  "/static/js/confirm.js", "/sitemap.xml", "/robots.txt", "/login"])
def test_every_response_carries_the_headers(client, path):
    check(client.get(path))


@pytest.mark.read_only
def test_errors_caches_and_refusals_carry_them_too(client):
    first = client.get("/questions")
    again = client.get("/questions", headers={"if-none-match": first.headers["etag"]})
    assert again.status_code == 304
    check(again)
    json = {"content-type": "application/json"}
    check(client.post("/api/v1/questions", content=b"x" * (300 * 1024), headers=json))
    check(client.post("/api/v1/demos/dropout/runs", content='{"seed": NaN}', headers=json))
    check(client.request("DELETE", "/"))


def test_no_template_keeps_an_inline_handler():
    import re
    from pathlib import Path

    from app.config import PROJECT_ROOT

    inline = re.compile(r"\son[a-z]+\s*=|javascript:|hx-vals='js:|<script>(?!\s*$)", re.I)
    templates = list(Path(PROJECT_ROOT / "templates").rglob("*.html"))
    assert templates and [str(path) for path in templates if inline.search(path.read_text())] == []
