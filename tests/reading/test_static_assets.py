"""Static files under content-hashed names (app.http.assets): every link of a page is one, kept
forever, a changed file gets a new name, the plain names still work, and each file is compressed once."""

from __future__ import annotations

import re
import shutil
from urllib.parse import urljoin

import pytest
from fastapi.testclient import TestClient
from starlette.applications import Starlette
from starlette.routing import Mount

from app.config import PROJECT_ROOT
from app.http import assets as assets_module
from app.http.assets import Assets

HTML = {"Accept": "text/html"}
STATIC_LINK = re.compile(r'(?:href|src)="(/static/[^"]+)"')
HASHED = re.compile(r"^/static/.+\.[0-9a-f]{8}\.\w+$")
IMMUTABLE = "public, max-age=31536000, immutable"


@pytest.mark.read_only
@pytest.mark.parametrize("path", ["/", "/questions/1", "/docs", "/login", "/ask", "/demos", "/search?q=x"])
def test_every_static_link_is_a_hashed_name_kept_forever(reader, path):
    page = reader.get(path, headers=HTML)
    assert page.status_code == 200, path
    links = STATIC_LINK.findall(page.text)
    assert links and "/static/" not in STATIC_LINK.sub("", page.text), path  # no static address outside a link
    for link in links:
        assert HASHED.match(link), link
        got = reader.get(link)
        assert got.status_code == 200 and got.headers["cache-control"] == IMMUTABLE, link


@pytest.mark.read_only
def test_the_question_page_links_the_chart_library_and_htmx(reader, sample):
    links = STATIC_LINK.findall(reader.get(f"/questions/{sample.parent}", headers=HTML).text)
    for plain in ("vendor/uplot/uPlot.iife.min", "vendor/htmx/htmx.min", "css/app", "favicon"):
        assert any(link.startswith(f"/static/{plain}.") for link in links), plain


@pytest.mark.read_only
def test_a_stylesheets_font_resolves_to_its_hashed_name(reader):
    stylesheet = next(link for link in STATIC_LINK.findall(reader.get("/", headers=HTML).text) if "/render." in link)
    css = reader.get(stylesheet).text
    references = [found for found in re.findall(r'url\("?([^")]+)"?\)', css) if not found.startswith("data:")]
    assert references
    for reference in references:
        font = reader.get(urljoin(stylesheet, reference))
        assert font.status_code == 200 and font.headers["content-type"] == "font/woff2", reference
        assert font.headers["cache-control"] == IMMUTABLE and "content-encoding" not in font.headers


def test_a_changed_file_gets_a_new_name(tmp_path):
    static = tmp_path / "static"
    shutil.copytree(PROJECT_ROOT / "static", static)
    before = Assets.load(static)
    watching = Assets.load(static, development=True)  # KB_DEV: sees a file changed under a running server
    assert watching.url("js/confirm.js") == before.url("js/confirm.js")
    (static / "js" / "confirm.js").write_text("// changed\n", encoding="utf-8")
    font = static / "vendor" / "stix-two-math" / "STIXTwoMath-Regular.woff2"
    font.write_bytes(font.read_bytes() + b"\0")
    after = Assets.load(static)  # read again: a file in it changed
    assert after.url("js/confirm.js") != before.url("js/confirm.js")
    assert after.url("css/app.css") == before.url("css/app.css")  # untouched: the same name
    assert watching.url("js/confirm.js") == after.url("js/confirm.js")
    # render.css itself did not change, but it names the font by the font's hashed name: a new name too
    assert after.url("css/render.css") != before.url("css/render.css")
    with pytest.raises(LookupError):
        after.url("css/missing.css")


@pytest.mark.read_only
def test_the_plain_name_still_works_briefly_and_revalidates(reader):
    plain = reader.get("/static/css/app.css")
    assert plain.status_code == 200 and plain.headers["cache-control"] == "public, max-age=300"
    again = reader.get("/static/css/app.css", headers={"If-None-Match": plain.headers["etag"]})
    assert again.status_code == 304 and again.content == b""
    assert reader.get("/static/css/nothing-here.css").status_code == 404
    assert reader.get("/static/../app/main.py").status_code == 404


@pytest.mark.read_only
def test_an_old_hashed_name_still_gets_the_file_for_a_page_rendered_before_a_deploy(reader):
    """A page kept by a shared cache or open in a tab across a deploy names the stylesheet of before: it got a
    404 and showed unstyled. The file's current body comes back, kept minutes like the plain name, not forever."""
    current = reader.get("/static/css/app.css")
    old = reader.get("/static/css/app.0123abcd.css")
    assert old.status_code == 200 and old.content == current.content
    assert old.headers["cache-control"] == "public, max-age=300" and old.headers["content-type"].startswith("text/css")
    assert reader.get("/static/vendor/htmx/htmx.min.0123abcd.js").status_code == 200
    assert reader.get("/static/css/nothing-here.0123abcd.css").status_code == 404
    assert reader.get("/static/css/app.0123abc.css").status_code == 404  # not a digest of ours


def test_a_static_file_is_compressed_once_per_encoding(monkeypatch):
    calls = []
    real = assets_module.compress

    def counted(body, encoding, best=False):
        calls.append(encoding)
        return real(body, encoding, best=best)

    monkeypatch.setattr(assets_module, "compress", counted)
    assets = Assets(PROJECT_ROOT / "static")  # its own: the app's are shared by every app of the process
    url = assets.url("vendor/uplot/uPlot.iife.min.js")
    with TestClient(Starlette(routes=[Mount("/static", assets)])) as client:
        plain = client.get(url, headers={"Accept-Encoding": "identity"}).content
        for encoding in ("gzip", "br", "gzip", "br"):
            with client.stream("GET", url, headers={"Accept-Encoding": encoding}) as response:
                body = b"".join(response.iter_raw())
                assert response.headers["content-encoding"] == encoding and len(body) < len(plain) / 2
        assert client.get(url).content == plain  # decoded by the client: the same bytes
    assert calls == ["gzip", "br"]
