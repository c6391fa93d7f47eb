"""While one request renders a page a write made stale, other anonymous readers get the page as it
was (with its own ETag) instead of rendering it again; a reader with credentials always gets a fresh
render. Driven at the ASGI level with events, so the overlap is certain, not timed."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from starlette.routing import Route

from app.web.caching import ConditionalGet, ResponseCache
from tests.loops import run_in_own_loop


class Versions:
    enabled = True
    identity = "test-database"

    def __init__(self) -> None:
        self.version = 1

    def refresh(self) -> None:
        pass

    def question(self, question_id: int):
        return (self.version,), datetime(2026, 1, 1, tzinfo=UTC)


class Page:
    """The route: renders 'version N'; the one render begun while `hold` is set waits for `go` after
    saying `entered`."""

    def __init__(self, versions: Versions) -> None:
        self.versions, self.renders = versions, 0
        self.hold, self.entered, self.go = False, asyncio.Event(), asyncio.Event()

    async def __call__(self, scope, receive, send) -> None:
        self.renders += 1
        body = f"version {self.versions.version}".encode()
        if self.hold:
            self.hold = False
            self.entered.set()
            await self.go.wait()
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/html")]})
        await send({"type": "http.response.body", "body": body})


def endpoint():
    pass


endpoint.cacheable = True  # type: ignore[attr-defined]


async def get(app, cookie: str | None = None) -> tuple[bytes, dict[bytes, bytes]]:
    headers = [(b"accept", b"text/html")] + ([(b"cookie", cookie.encode())] if cookie else [])
    scope = {"type": "http", "method": "GET", "path": "/questions/7", "query_string": b"", "headers": headers}
    sent: list[dict] = []

    async def receive():
        return {"type": "http.request", "body": b""}

    async def send(message):
        sent.append(message)

    await app(scope, receive, send)
    return b"".join(m.get("body", b"") for m in sent[1:]), dict(sent[0]["headers"])


def test_readers_get_the_last_page_while_one_request_renders_the_new_one():
    async def scenario() -> None:
        versions = Versions()
        page = Page(versions)
        app = ConditionalGet(page, versions=versions, cache=ResponseCache(),
                             routes=[Route("/questions/{question_id:int}", endpoint)],
                             readers=lambda token, question_id, versions: None)  # no such login session
        first, first_headers = await get(app)
        assert first == b"version 1" and page.renders == 1

        versions.version = 2  # a write to the question
        page.hold = True
        renderer = asyncio.create_task(get(app))
        await page.entered.wait()
        during, during_headers = await get(app)
        assert during == b"version 1" and during_headers[b"etag"] == first_headers[b"etag"]
        assert page.renders == 2  # only the one render in flight
        signed_in, _ = await get(app, cookie="kb_session=someone")
        assert signed_in == b"version 2" and page.renders == 3  # credentials: never the stale page

        page.go.set()
        rendered, rendered_headers = await renderer
        assert rendered == b"version 2" and rendered_headers[b"etag"] != first_headers[b"etag"]
        after, _ = await get(app)
        assert after == b"version 2" and page.renders == 3  # kept by the render that finished

    run_in_own_loop(scenario)
