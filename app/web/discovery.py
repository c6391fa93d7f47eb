"""/robots.txt and /sitemap.xml: study groups share question links (KakaoTalk, blogs), and a search
engine that finds every question through the sitemap brings the next reader in."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import PlainTextResponse, Response

from app.http.deps import SessionDep
from app.services.discovery import sitemap_entries
from app.web.templating import canonical

router = APIRouter(include_in_schema=False)

# Forms, accounts, revision diffs and per-run pages: nothing a search result should lead to, and the
# diffs and runs cost CPU per view.
NOT_FOR_CRAWLERS = ("/ask", "/login", "/signup", "/settings/", "/search", "/runs/", "/api/", "/media/",
                    "/questions/*/edit", "/questions/*/revisions", "/answers/")


@router.get("/robots.txt", response_class=PlainTextResponse)
def robots(request: Request) -> str:
    lines = ["User-agent: *", *(f"Disallow: {path}" for path in NOT_FOR_CRAWLERS), "",
             f"Sitemap: {canonical(request, '/sitemap.xml')}"]
    return "\n".join(lines) + "\n"


@router.get("/sitemap.xml")
def sitemap(request: Request, session: SessionDep) -> Response:
    xml = request.app.state.templates.get_template("discovery/sitemap.xml").render(
        entries=[(canonical(request, entry.path), entry.changed) for entry in sitemap_entries(session)])
    return Response(xml, media_type="application/xml")
