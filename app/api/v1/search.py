"""Search API. Thin: parse input, call one service, return it."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query

from app.http.cacheable import cacheable
from app.http.deps import SessionDep
from app.search import service
from app.search.schemas import SearchResults

router = APIRouter(tags=["검색"])


@router.get(
    "/search",
    response_model=SearchResults,
    summary="질문 검색",
    responses={404: {"description": "없는 모음 (`{\"error\": {...}}`)"}, 422: {"description": "입력값 오류"}},
)
@cacheable
def search(
    session: SessionDep,
    q: Annotated[str, Query(max_length=2000,
                            description="검색어 (조사·어미, 한영 용어, 띄어쓰기 오류를 견딥니다)")] = "",
    collection: Annotated[str | None, Query(max_length=200, description="모음 slug")] = None,
    status: Annotated[Literal["answered", "unanswered", "all"] | None, Query(description="답변 여부")] = None,
    limit: Annotated[int, Query(ge=1, le=service.MAX_LIMIT)] = 20,
    offset: Annotated[int, Query(ge=0, le=service.MAX_OFFSET)] = 0,
):
    """관련도 순 질문 목록. `snippet`과 `title_html`은 HTML 이스케이프된 문자열이고 찾은 낱말은 `<mark>`로 감쌉니다.
    결과가 없거나 복합어 속에 오타가 있으면 사전 용어로 고친 검색어로 찾아 그 결과를 주고, `query`는 고친 검색어,
    `corrected_from`은 사용자가 친 원래 검색어가 됩니다."""
    return service.search_questions(session, q, collection=collection, status=status, limit=limit, offset=offset)
