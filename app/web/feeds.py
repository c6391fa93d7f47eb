"""Atom feeds: /feed.atom (the whole site) and /collections/{slug}/feed.atom."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import Response

from app.http.cacheable import cacheable
from app.http.deps import SessionDep
from app.services.feeds import questions_feed

router = APIRouter(include_in_schema=False)
ATOM = "application/atom+xml; charset=utf-8"


@router.get("/feed.atom")
@cacheable
def site_feed(request: Request, session: SessionDep) -> Response:
    return Response(questions_feed(session, request.app.state.settings.base_url), media_type=ATOM)


@router.get("/collections/{slug}/feed.atom")
@cacheable
def collection_feed(request: Request, session: SessionDep, slug: Annotated[str, Path(max_length=200)]) -> Response:
    return Response(questions_feed(session, request.app.state.settings.base_url, collection_slug=slug),
                    media_type=ATOM)
