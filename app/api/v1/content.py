"""Read API: collections, questions, authors. Thin: parse input, call one service, return it.

The HTML pages (app/web/pages.py) call the same service functions with the same parameters.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from fastapi.routing import APIRoute

from app.http.cacheable import cacheable
from app.http.deps import DetailMemoDep, SessionDep
from app.http.params import MAX_ID, PageQuery, PerPageQuery, SortQuery, StatusQuery
from app.schemas.content import (
    AuthorDetail,
    AuthorPage,
    CollectionDetail,
    CollectionPublic,
    QuestionDetail,
    QuestionPage,
    UserDetail,
)
from app.services import reading

router = APIRouter(tags=["읽기"])

CONDITIONAL = ("\n\n모든 읽기 응답에는 `ETag`와 `Last-Modified`가 붙습니다. "
               "`If-None-Match`(또는 `If-Modified-Since`)로 다시 물으면 "
               "그 사이에 바뀐 것이 없을 때 본문 없이 `304`를 돌려줍니다.")

ENVELOPE = "오류 봉투 `{\"error\": {\"code\", \"message\", \"details\"?}}`"
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": f"찾을 수 없음 — {ENVELOPE}"}}
BAD_INPUT: dict[int | str, dict[str, Any]] = {
    422: {"description": f"입력값 오류 (어느 필드가 어떤 범위를 벗어났는지 `details`에) — {ENVELOPE}"}}


@router.get("/collections", response_model=list[CollectionPublic], summary="모음 목록")
@cacheable
def list_collections(session: SessionDep):
    """모든 모음(노드·주차·면접·일반)과 질문 수, 답변된 질문 수, 미답변 질문 수."""
    return reading.list_collections(session)


@router.get("/collections/{slug}", response_model=CollectionDetail, summary="모음 상세",
            responses={**NOT_FOUND, **BAD_INPUT})
@cacheable
def get_collection(
    session: SessionDep,
    slug: Annotated[str, Path(max_length=200, description="모음 slug (예: `deep-learning-interview`)")],
    status: StatusQuery = None,
    page: PageQuery = 1,
    per_page: PerPageQuery = 50,
):
    """모음의 머리말, 섹션(원본 순서)과 각 섹션의 질문 id, 정리되지 않은 메모(`notes_html`),
    그리고 질문 한 페이지(`questions`, 원본 순서, `status`로 거름)."""
    return reading.collection_detail(session, slug, status=status, page=page, per_page=per_page)


@router.get("/questions", response_model=QuestionPage, summary="질문 목록", responses={**NOT_FOUND, **BAD_INPUT})
@cacheable
def list_questions(
    session: SessionDep,
    collection: Annotated[str | None, Query(max_length=200, description="모음 slug (지정하면 원본 순서)")] = None,
    status: StatusQuery = None,
    author: Annotated[str | None, Query(max_length=100, description="작성자 이름")] = None,
    parent: Annotated[int | None, Query(ge=1, le=MAX_ID, description="상위 질문 id (그 하위 질문만)")] = None,
    sort: SortQuery = None,
    page: PageQuery = 1,
    per_page: PerPageQuery = 20,
):
    """질문 목록. `total`은 필터를 적용한 전체 개수이고, 마지막 페이지를 넘으면 `items`가 빈 목록입니다."""
    return reading.list_questions(
        session, collection=collection, status=status, author=author, parent=parent, sort=sort, page=page,
        per_page=per_page,
    )


@router.get("/questions/{question_id}", response_model=QuestionDetail, summary="질문 상세",
            responses={**NOT_FOUND, **BAD_INPUT})
@cacheable
def get_question(session: SessionDep, memo: DetailMemoDep,
                 question_id: Annotated[int, Path(ge=1, le=MAX_ID, description="질문 id")]):
    """질문과 답변 트리(중첩 답글), 반응(👍, +1 같은 질문), 참고 문헌, 원본 파일과 줄, 상위·하위 질문,
    모음 안의 이전·다음 질문, 관련 질문, 연결된 실험(`demos`)."""
    return reading.question_detail(session, question_id, memo)


@router.get("/authors", response_model=AuthorPage, summary="작성자 목록", responses=BAD_INPUT)
@cacheable
def list_authors(session: SessionDep, page: PageQuery = 1, per_page: PerPageQuery = 50):
    """질문이나 답변을 쓴 사람 모두(이름 순)와 각자의 질문 수, 답변 수."""
    return reading.list_authors(session, page=page, per_page=per_page)


@router.get("/authors/{name}", response_model=AuthorDetail, summary="작성자 상세", responses={**NOT_FOUND, **BAD_INPUT})
@cacheable
def get_author(
    session: SessionDep,
    name: Annotated[str, Path(max_length=100, description="작성자 이름 (URL 인코딩)")],
    page: PageQuery = 1,
    per_page: PerPageQuery = 20,
):
    """한 사람의 질문과 답변(각각 한 페이지, 같은 `page`/`per_page`)."""
    return reading.author_detail(session, name, page=page, per_page=per_page)


@router.get("/users/{username}", response_model=UserDetail, summary="회원 상세",
            responses={**NOT_FOUND, **BAD_INPUT})
@cacheable
def get_user(
    session: SessionDep,
    username: Annotated[str, Path(max_length=40, description="회원 아이디")],
    page: PageQuery = 1,
    per_page: PerPageQuery = 20,
):
    """이 사이트 계정 하나의 질문과 답변(각각 한 페이지), 채택된 답변 수. 원본 자료의 작성자는 `/authors/{name}`."""
    return reading.user_detail(session, username, page=page, per_page=per_page)


for _route in router.routes:  # every read route answers conditional requests (app/web/caching.py)
    if isinstance(_route, APIRoute):
        _route.description += CONDITIONAL
