"""Compressed responses: brotli or gzip for text above 1 KiB, and never the same bytes compressed twice.

Three kinds of response, three ways:

* A response the response cache keeps (app.web.caching) is compressed when a reader first asks for it
  in an encoding, and the compressed body is kept with the entry: a hit sends kept bytes.
* The page kept for every signed-in reader is filled per request (app.http.slots), so its bytes differ
  per reader, yet the work is done once: `SlottedGzip` compresses the page with each slot as a run of
  placeholder bytes (0xFF, which UTF-8 text never holds, so no later match can point into a slot),
  flushed to a byte boundary before and after each slot, and a request swaps each slot's compressed
  run for a stored (uncompressed) deflate block of its value, which has the same length, so every
  back-reference of the text around it still lands where it should. What a request computes is the
  CRC-32 of the filled page and a few block headers. The compressed page depends only on which variant
  of each choice slot the reader gets and on how long each value is (the name in the header), so it
  is kept per such layout, a few per page. Gzip only: a brotli stream cannot be spliced like this
  (its literals are coded in the context of the bytes before them, and its distances may repeat
  earlier ones, so the bytes after a slot decode by what the slot held); a client that takes brotli
  and not gzip gets the filled page compressed for its request alone.
* Anything else (`CompressResponses`) is compressed per request, being rendered per request anyway;
  a streamed body (server-sent events) goes out untouched and unbuffered.

Static files are compressed once per process (app.http.assets). Images and fonts are compressed
already and are never compressed again. A compressed response says `Vary: Accept-Encoding` and its
ETag names its encoding (`"…-br"`, `"…-gzip"`), so a revalidation is answered for the bytes the
client holds.
"""

from __future__ import annotations

import struct
import zlib
from collections import OrderedDict
from typing import Any

import brotli
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.http.slots import Marks, SlottedPage

MIN_SIZE = 1024  # below this the headers and the work cost more than the bytes saved
ENCODINGS = ("br", "gzip")  # in order of preference at equal weight
GZIP_LEVEL = 6
BROTLI_QUALITY = 5  # pages and JSON: within a few per cent of gzip's time, ~10% smaller
COMPRESSIBLE = frozenset({
    "text/html", "text/css", "text/plain", "text/javascript", "text/markdown", "text/csv", "text/x-python",
    "application/json", "application/javascript", "application/xml", "application/atom+xml",
    "application/rss+xml", "application/manifest+json", "image/svg+xml",
})
# Bigger bodies are compressed on a worker thread, not on the event loop (a JSON export, say).
THREAD_ABOVE = 256 * 1024
GZIP_HEADER = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"  # no name, no time: the same bytes every run
PLACEHOLDER = b"\xff"


def negotiate(accept_encoding: str | None, offered: tuple[str, ...] = ENCODINGS) -> str | None:
    """The encoding to send for an Accept-Encoding header (weights honoured, `*` understood), or None
    for the body as it is."""
    if not accept_encoding:
        return None
    weights: dict[str, float] = {}
    for item in accept_encoding.split(","):
        name, _, params = item.partition(";")
        weight = 1.0
        for param in params.split(";"):
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    weight = float(value)
                except ValueError:
                    weight = 0.0
        weights[name.strip().lower()] = weight
    best, best_weight = None, 0.0
    for encoding in offered:
        weight = weights.get(encoding, weights.get("*", 0.0))
        if weight > best_weight:
            best, best_weight = encoding, weight
    return best


def request_encoding(scope: Scope, offered: tuple[str, ...] = ENCODINGS) -> str | None:
    return negotiate(Headers(scope=scope).get("accept-encoding"), offered)


def without_accept_encoding(scope: Scope) -> Scope:
    """The request as one that accepts only the body as it is: what a kept response is rendered from."""
    return {**scope, "headers": [(k, v) for k, v in scope["headers"] if k.lower() != b"accept-encoding"]}


def compressible(headers: Headers) -> bool:
    """A type worth compressing that nobody has compressed yet (not images, fonts, archives)."""
    if "content-encoding" in headers:
        return False
    media_type = headers.get("content-type", "").partition(";")[0].strip().lower()
    return media_type in COMPRESSIBLE


def compress(body: bytes, encoding: str, *, best: bool = False) -> bytes:
    """`best` for what is compressed once per process (static files): slower, a little smaller."""
    if encoding == "br":
        compressed: bytes = brotli.compress(body, quality=9 if best else BROTLI_QUALITY)  # brotli ships no types
        return compressed
    if encoding == "gzip":
        return gzip_bytes(body, 9 if best else GZIP_LEVEL)
    raise ValueError(f"unknown encoding {encoding!r}")


def gzip_bytes(body: bytes, level: int = GZIP_LEVEL) -> bytes:
    compressor = zlib.compressobj(level, zlib.DEFLATED, -zlib.MAX_WBITS)
    deflated = compressor.compress(body) + compressor.flush()
    return GZIP_HEADER + deflated + struct.pack("<II", zlib.crc32(body), len(body) & 0xFFFFFFFF)


def encoded_etag(etag: str, encoding: str | None) -> str:
    """`"abc"` -> `"abc-gzip"` (weak tags stay weak): each encoding's bytes are their own representation."""
    if encoding is None or not etag.endswith('"'):
        return etag
    return f'{etag[:-1]}-{encoding}"'


def encoded_headers(headers: list[tuple[bytes, bytes]], encoding: str, length: int,
                    retag: bool = True) -> list[tuple[bytes, bytes]]:
    """A response's headers for its body in `encoding`: the encoding, the new length, Vary, and the
    ETag named for the encoding (`retag=False` where it already is: the response cache's)."""
    mutable = MutableHeaders(raw=list(headers))
    mutable["content-encoding"] = encoding
    mutable["content-length"] = str(length)
    vary = mutable.get("vary", "")
    if "accept-encoding" not in vary.lower():
        mutable["vary"] = f"{vary}, Accept-Encoding" if vary else "Accept-Encoding"
    if retag and "etag" in mutable:
        mutable["etag"] = encoded_etag(mutable["etag"], encoding)
    return mutable.raw


def _stored(value: bytes) -> bytes:
    """`value` as non-final stored deflate blocks (at a byte boundary: after a sync flush)."""
    blocks = []
    for start in range(0, len(value), 0xFFFF):
        chunk = value[start:start + 0xFFFF]
        blocks.append(b"\x00" + struct.pack("<HH", len(chunk), len(chunk) ^ 0xFFFF) + chunk)
    return b"".join(blocks)


class Spliced:
    """A deflate stream of text pieces with holes of known lengths between them, compressed once:
    `gzip()` fills the holes with values of those lengths, as stored blocks."""

    def __init__(self, pieces: list[bytes], holes: list[int]) -> None:
        compressor = zlib.compressobj(GZIP_LEVEL, zlib.DEFLATED, -zlib.MAX_WBITS)
        self.runs: list[bytes] = []
        for index, piece in enumerate(pieces):
            self.runs.append(compressor.compress(piece) + compressor.flush(zlib.Z_SYNC_FLUSH))
            if index < len(holes):  # the compressor's window holds the hole; its bytes in the stream are swapped
                compressor.compress(PLACEHOLDER * holes[index])
                compressor.flush(zlib.Z_SYNC_FLUSH)
        self.end = compressor.flush(zlib.Z_FINISH)
        self.size = sum(map(len, self.runs)) + len(self.end)

    def gzip(self, pieces: list[bytes], values: list[bytes]) -> bytes:
        out = [GZIP_HEADER]
        crc = length = 0
        for index, run in enumerate(self.runs):
            out.append(run)
            crc = zlib.crc32(pieces[index], crc)
            length += len(pieces[index])
            if index < len(values):
                out.append(_stored(values[index]))
                crc = zlib.crc32(values[index], crc)
                length += len(values[index])
        out += (self.end, struct.pack("<II", crc, length & 0xFFFFFFFF))
        return b"".join(out)


class SlottedGzip:
    """The gzip body of a page kept for every signed-in reader, filled per request without compressing
    it again: one `Spliced` per layout (the variant of each choice slot, the length of each value)."""

    MAX_LAYOUTS = 8

    def __init__(self, page: SlottedPage) -> None:
        self.page = page
        self._layouts: OrderedDict[tuple[Any, ...], Spliced] = OrderedDict()
        self.size = 0  # the bytes kept for the layouts, for the response cache's budget

    def body(self, *, csrf_token: str, reader: Any, marks: Marks) -> bytes:
        """The same page SlottedPage.fill gives this reader, gzip-encoded."""
        variants, parts = self.page.layout(marks)
        values = self.page.values(csrf_token=csrf_token, reader=reader)
        pieces: list[bytes] = []
        filled: list[bytes] = []
        literal: list[bytes] = []
        for part in parts:
            if isinstance(part, bytes):
                literal.append(part)
            else:
                pieces.append(b"".join(literal))
                filled.append(values[part])
                literal = []
        pieces.append(b"".join(literal))
        layout = (variants, tuple(map(len, filled)))
        spliced = self._layouts.get(layout)
        if spliced is None:
            spliced = self._layouts[layout] = Spliced(pieces, [len(value) for value in filled])
            self.size += spliced.size
            if len(self._layouts) > self.MAX_LAYOUTS:
                self.size -= self._layouts.popitem(last=False)[1].size
        else:
            self._layouts.move_to_end(layout)
        return spliced.gzip(pieces, filled)


class CompressResponses:
    """Per-request compression for what the response cache does not keep (it compresses its own
    entries once and renders them with no Accept-Encoding, so they pass here untouched). A response
    of a type not worth compressing, one already encoded, or a streamed one goes out as it came: the
    start of a server-sent event stream is sent at once, its events as they come."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        encoding = request_encoding(scope) if scope["type"] == "http" else None
        if encoding is None:
            await self.app(scope, receive, send)
            return
        held: Message | None = None

        async def compressing(message: Message) -> None:
            nonlocal held
            if message["type"] == "http.response.start":
                headers = Headers(raw=message.get("headers", []))
                length = headers.get("content-length")
                if (message["status"] in (204, 304) or not compressible(headers)
                        or (length is not None and length.isdigit() and int(length) < MIN_SIZE)):
                    await send(message)
                else:
                    held = message  # until the body says whether it is one piece
                return
            if message["type"] != "http.response.body" or held is None:
                await send(message)
                return
            start, held = held, None
            body = message.get("body", b"")
            if message.get("more_body", False) or len(body) < MIN_SIZE:
                await send(start)
                await send(message)
                return
            if len(body) > THREAD_ABOVE:
                compressed = await run_in_threadpool(compress, body, encoding)
            else:
                compressed = compress(body, encoding)
            await send({**start, "headers": encoded_headers(start.get("headers", []), encoding, len(compressed))})
            await send({"type": "http.response.body", "body": compressed, "more_body": False})

        await self.app(scope, receive, compressing)
