"""Compressed responses (app.http.compression): the same bytes once decoded, each encoding its own
ETag, a kept page compressed once, small and streamed responses untouched. Compared and counted, not timed."""

from __future__ import annotations

import gzip
import re

import anyio
import brotli
import pytest
from starlette.applications import Starlette
from starlette.responses import StreamingResponse
from starlette.routing import Route

from app.http import compression
from app.http.compression import CompressResponses, negotiate
from tests.loops import run_in_own_loop
from tests.writes.helpers import Account

HTML = {"Accept": "text/html"}
DECODE = {"gzip": gzip.decompress, "br": brotli.decompress}
FORM_TOKEN = re.compile(rb'name="form_token" value="([^"]+)"')


def raw(client, path: str, encoding: str, **headers):
    """The status, headers and body as they went over the wire (httpx would decode them)."""
    with client.stream("GET", path, headers={**HTML, "Accept-Encoding": encoding, **headers}) as response:
        return response.status_code, response.headers, b"".join(response.iter_raw())


def plain(client, path: str, **headers) -> bytes:
    status, sent, body = raw(client, path, "identity", **headers)
    assert status == 200 and "content-encoding" not in sent, path
    return body


@pytest.mark.parametrize("path", ["/questions/1", "/", "/api/v1/questions/1", "/api/v1/openapi.json", "/login",
                                  "/static/css/app.css"])
@pytest.mark.parametrize("encoding", ["gzip", "br"])
def test_a_compressed_response_decodes_to_the_uncompressed_bytes(reader, path, encoding):
    expected = plain(reader, path)
    assert len(expected) > compression.MIN_SIZE, path
    for _ in range(2):  # rendered (or compressed) for this request, then sent from what was kept
        status, sent, body = raw(reader, path, encoding)
        assert status == 200 and sent["content-encoding"] == encoding, path
        assert "accept-encoding" in sent["vary"].lower() and sent["content-length"] == str(len(body))
        assert len(body) < len(expected) and DECODE[encoding](body) == expected, path


@pytest.mark.read_only
def test_a_small_response_is_not_compressed(reader):
    status, sent, body = raw(reader, "/healthz", "gzip, br")
    assert status == 200 and len(body) < compression.MIN_SIZE
    assert "content-encoding" not in sent and body.startswith(b"{")


@pytest.mark.read_only
def test_images_and_fonts_are_not_compressed_again(reader):
    for path in ("/static/vendor/stix-two-math/STIXTwoMath-Regular.woff2",
                 "/static/vendor/swagger-ui/favicon-32x32.png"):
        status, sent, body = raw(reader, path, "gzip, br")
        assert status == 200 and "content-encoding" not in sent and body == plain(reader, path), path


@pytest.mark.read_only
def test_each_encoding_has_its_own_etag_and_revalidates_with_it(reader):
    path = "/questions/1"
    etags = {encoding: raw(reader, path, encoding)[1]["etag"] for encoding in ("identity", "gzip", "br")}
    assert len(set(etags.values())) == 3 and etags["gzip"].endswith('-gzip"')
    status, sent, body = raw(reader, path, "gzip", **{"If-None-Match": etags["gzip"]})
    assert status == 304 and body == b"" and sent["etag"] == etags["gzip"]
    # A client holding the gzip bytes that now takes only identity gets the page, not a 304 for bytes it lacks.
    status, sent, body = raw(reader, path, "identity", **{"If-None-Match": etags["gzip"]})
    assert status == 200 and "content-encoding" not in sent and sent["etag"] == etags["identity"]


@pytest.mark.read_only
def test_head_of_a_compressed_page_has_the_gets_headers_and_no_body(reader):
    for path in ("/questions/1", "/login", "/api/v1/questions/1"):
        _, got, body = raw(reader, path, "gzip")
        head = reader.head(path, headers={**HTML, "Accept-Encoding": "gzip"})
        assert head.status_code == 200 and head.content == b"", path
        for name in ("content-encoding", "content-length", "content-type", "etag", "vary", "cache-control"):
            assert head.headers.get(name) == got.get(name), (path, name)
        assert got["content-encoding"] == "gzip" and got["content-length"] == str(len(body))


def test_a_kept_page_is_compressed_once_per_encoding(reader, monkeypatch):
    calls = []

    def counted(body, encoding):
        calls.append(encoding)
        return compression.compress(body, encoding)

    monkeypatch.setattr("app.web.caching.compress", counted)
    for encoding in ("gzip", "gzip", "br", "gzip", "br", "identity"):
        raw(reader, "/questions/1", encoding)
    assert calls == ["gzip", "br"]


def test_the_signed_in_page_is_gzipped_once_and_filled_per_reader(app, client_factory, monkeypatch):
    built = []

    class Counted(compression.Spliced):
        def __init__(self, pieces, holes):
            built.append(len(holes))
            super().__init__(pieces, holes)

    monkeypatch.setattr(compression, "Spliced", Counted)
    alice, carol = Account(client_factory, "alice"), Account(client_factory, "carol")
    path = "/questions/1"
    for account in (alice, carol, alice, carol):
        status, sent, body = raw(account.client, path, "gzip")
        assert status == 200 and sent["content-encoding"] == "gzip" and sent["cache-control"] == "private, no-store"
        page = gzip.decompress(body)
        assert account.csrf().encode() in page and account.username.encode() in page
        expected = plain(account.client, path)
        assert FORM_TOKEN.sub(b"", page) == FORM_TOKEN.sub(b"", expected)
        assert len(set(FORM_TOKEN.findall(page)) & set(FORM_TOKEN.findall(expected))) == 0  # one-time ids stay fresh
    # One layout for both (same variants, names of the same length): compressed once for four views.
    assert len(built) == 1 and built[0] > 0


def test_a_brotli_only_client_gets_the_signed_in_page_in_brotli(app, client_factory, monkeypatch):
    """A brotli stream cannot be spliced like the gzip one, so the filled page is compressed for
    that request; a client that takes both still gets the spliced gzip."""
    calls = []

    def counted(body, encoding):
        calls.append(encoding)
        return compression.compress(body, encoding)

    monkeypatch.setattr("app.web.caching.compress", counted)
    alice = Account(client_factory, "alice")
    path = "/questions/1"
    for _ in range(2):
        status, sent, body = raw(alice.client, path, "br")
        assert status == 200 and sent["content-encoding"] == "br" and sent["cache-control"] == "private, no-store"
        assert sent["content-length"] == str(len(body)) and "accept-encoding" in sent["vary"].lower()
        page = brotli.decompress(body)
        expected = plain(alice.client, path)
        assert len(body) < len(expected) and alice.csrf().encode() in page
        assert FORM_TOKEN.sub(b"", page) == FORM_TOKEN.sub(b"", expected)  # the same bytes but one-time ids
    assert calls == ["br", "br"]
    assert raw(alice.client, path, "br, gzip")[1]["content-encoding"] == "gzip" and calls == ["br", "br"]


def test_negotiation_honours_weights():
    assert negotiate("gzip, deflate, br") == "br"
    assert negotiate("gzip;q=1, br;q=0.5") == "gzip"
    assert negotiate("br;q=0, gzip;q=0") is None
    assert negotiate("identity") is None and negotiate("") is None and negotiate(None) is None
    assert negotiate("*;q=0.1") == "br" and negotiate("gzip;q=0, *") == "br"
    assert negotiate("br, gzip", offered=("gzip",)) == "gzip"


def test_a_server_sent_event_stream_is_neither_compressed_nor_held():
    second_event_may_go = anyio.Event()
    sent: list[dict] = []

    async def events():
        yield "event: progress\ndata: " + "x" * 4000 + "\n\n"
        await second_event_may_go.wait()
        yield "event: result\ndata: {}\n\n"

    async def endpoint(request):
        return StreamingResponse(events(), media_type="text/event-stream")

    app = CompressResponses(Starlette(routes=[Route("/events", endpoint)]))
    scope = {"type": "http", "method": "GET", "path": "/events", "raw_path": b"/events", "query_string": b"",
             "headers": [(b"accept-encoding", b"gzip, br")], "http_version": "1.1", "scheme": "http",
             "server": ("test", 80), "client": ("test", 1), "root_path": ""}

    async def receive():
        await anyio.sleep_forever()

    async def send(message):
        sent.append(message)
        if message["type"] == "http.response.body" and message.get("body", b"").startswith(b"event: progress"):
            # The first event reached the client while the stream is still open: nothing was held back.
            assert sent[0]["type"] == "http.response.start"
            second_event_may_go.set()

    async def scenario():
        with anyio.fail_after(60):
            await app(scope, receive, send)

    run_in_own_loop(scenario)
    headers = dict(sent[0]["headers"])
    assert b"content-encoding" not in headers and headers[b"content-type"].startswith(b"text/event-stream")
    bodies = b"".join(message.get("body", b"") for message in sent[1:])
    assert bodies.startswith(b"event: progress") and b"event: result" in bodies
