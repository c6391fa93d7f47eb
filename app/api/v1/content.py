"""Read API: collections, questions, authors. Thin: parse input, call one service, return it."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query

from app.api.deps import SessionDep
from app.api.schemas import AuthorPublic, CollectionDetail, CollectionPublic, QuestionDetail, QuestionPage
from app.services import reading

router = APIRouter(tags=["읽기"])

ERROR_RESPONSES = {404: {"description": "찾을 수 없음 (`{\"error\": {...}}`)"}, 422: {"description": "입력값 오류"}}


@router.get("/collections", response_model=list[CollectionPublic], summary="모음 목록")
def list_collections(session: SessionDep):
    """모든 모음(노드·주차·면접 파일)과 질문 수, 답변된 질문 수."""
    return reading.list_collections(session)


@router.get("/collections/{slug}", response_model=CollectionDetail, summary="모음 상세", responses=ERROR_RESPONSES)
def get_collection(session: SessionDep, slug: Annotated[str, Path(max_length=200)]):
    """모음의 섹션(원본 순서)과 각 섹션의 질문 id."""
    return reading.collection_detail(session, slug)


@router.get("/questions", response_model=QuestionPage, summary="질문 목록", responses=ERROR_RESPONSES)
def list_questions(
    session: SessionDep,
    collection: Annotated[str | None, Query(max_length=200, description="모음 slug (지정하면 원본 순서)")] = None,
    status: Annotated[Literal["answered", "unanswered", "all"] | None, Query(description="답변 여부")] = None,
    author: Annotated[str | None, Query(max_length=100, description="작성자 이름")] = None,
    parent: Annotated[int | None, Query(ge=1, description="상위 질문 id (하위 질문만)")] = None,
    sort: Annotated[
        Literal["source", "newest", "activity", "answers", "plus_ones"] | None, Query(description="정렬")
    ] = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    per_page: Annotated[int, Query(ge=1, le=reading.MAX_PER_PAGE)] = 20,
):
    """질문 목록. `total`은 필터를 적용한 전체 개수입니다."""
    return reading.list_questions(
        session, collection=collection, status=status, author=author, parent=parent, sort=sort, page=page,
        per_page=per_page,
    )


@router.get("/questions/{question_id}", response_model=QuestionDetail, summary="질문 상세", responses=ERROR_RESPONSES)
def get_question(session: SessionDep, question_id: Annotated[int, Path(ge=1)]):
    """질문과 답변 트리(중첩 댓글), 반응, 참고 문헌, 원본 위치, 상·하위 질문."""
    return reading.question_detail(session, question_id)


@router.get("/authors", response_model=list[AuthorPublic], summary="작성자 목록")
def list_authors(session: SessionDep):
    return reading.list_authors(session)
