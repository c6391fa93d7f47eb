"""Read API for concepts: the term dictionary's concepts and what the site holds about each.
The HTML pages (app/web/concepts.py) call the same service functions."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from app.http.deps import SessionDep
from app.schemas.concepts import ConceptDetail, ConceptList
from app.services import concepts

router = APIRouter(tags=["읽기"])

ENVELOPE = "오류 봉투 `{\"error\": {\"code\", \"message\", \"details\"?}}`"
ConceptId = Annotated[str, Path(max_length=64, description="개념 id (예: `batch_norm`, content/search/terms.tsv)")]


@router.get("/concepts", response_model=ConceptList, summary="개념 목록")
def list_concepts(session: SessionDep):
    """질문이 다루거나 실험이 시험하는 개념, 많이 물은 것부터."""
    return concepts.list_concepts(session)


@router.get("/concepts/{concept_id}", response_model=ConceptDetail, summary="개념 상세",
            responses={404: {"description": f"용어 사전에 없는 개념 — {ENVELOPE}"}})
def get_concept(session: SessionDep, concept_id: ConceptId):
    """개념의 이름들, 더 넓은·좁은 개념, 이 개념을 다루는 질문(제목에서 다룬 것 먼저), 실험과 그 실험이 인용한 논문."""
    return concepts.concept_detail(session, concept_id)
