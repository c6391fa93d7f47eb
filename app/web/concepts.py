"""Concept pages: /concepts and /concepts/{id}, twins of /api/v1/concepts and /api/v1/concepts/{id}."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse

from app import urls
from app.http.deps import SessionDep
from app.services import concepts
from app.web.templating import canonical, render

router = APIRouter(include_in_schema=False)


@router.get("/concepts", response_class=HTMLResponse)
def concept_index(request: Request, session: SessionDep):
    return render(request, "concepts/index.html", {
        "result": concepts.list_concepts(session),
        "canonical_url": canonical(request, urls.concepts()), "json_url": urls.api(urls.concepts()),
    })


@router.get("/concepts/{concept_id}", response_class=HTMLResponse)
def concept_page(request: Request, session: SessionDep, concept_id: Annotated[str, Path(max_length=64)]):
    concept = concepts.concept_detail(session, concept_id)
    return render(request, "concepts/concept.html", {
        "concept": concept,
        "canonical_url": canonical(request, concept.url), "json_url": urls.api(concept.url),
    })
