"""HTML pages. Each page calls the same service function as its JSON twin and links to it."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from app.api.deps import SessionDep
from app.services import reading

router = APIRouter(include_in_schema=False)


def render(request: Request, template: str, context: dict, status_code: int = 200) -> HTMLResponse:
    return request.app.state.templates.TemplateResponse(request, template, context, status_code=status_code)


@router.get("/", response_class=HTMLResponse)
def home(request: Request, session: SessionDep):
    collections = reading.list_collections(session)
    return render(request, "pages/home.html", {"collections": collections, "json_url": "/api/v1/collections"})
