"""Write API: ask, answer, reply, edit, delete, vote, accept, preview. Thin: parse, call a service.

The write routes are async and hand their whole work to app.auth.deps.ApiCall: the account lookup,
the rate limit and the service share one session, on the event loop for a short write on SQLite and
on one worker thread otherwise."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from pydantic.json_schema import JsonDict

from app import urls
from app.auth.deps import ApiCallDep
from app.auth.limits import limit_edits, limit_posts, limit_previews
from app.http.deps import SessionDep
from app.http.params import MAX_ID, IdPath, PageQuery, RevisionsPerPageQuery
from app.schemas.content import RevisionHistory
from app.schemas.limits import BODY_MAX, TITLE_MAX, TITLE_MIN
from app.services import posting, revisions, voting

router = APIRouter(tags=["쓰기"])

ERRORS: dict[int | str, dict[str, Any]] = {code: {"description": f"`{{\"error\": {{...}}}}` ({code})"}
                                           for code in (401, 403, 404, 409, 413, 422, 429)}
IdemHeader = Annotated[str | None, Header(
    alias="Idempotency-Key", max_length=200,
    description="같은 키로 다시 보내면 글을 새로 만들지 않고 첫 결과를 돌려줍니다.")]


# Declared, not enforced by pydantic: the services clean the text first (NFC, control characters and lone
# surrogates stripped, whitespace collapsed in titles) and check the cleaned length, which a pydantic
# bound on the raw string would get wrong (and it refuses lone surrogates outright).
TITLE_BOUNDS: JsonDict = {"minLength": TITLE_MIN, "maxLength": TITLE_MAX}
BODY_BOUNDS: JsonDict = {"minLength": 1, "maxLength": BODY_MAX}


class QuestionCreate(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [
        {"title": "배치 정규화는 왜 학습을 빠르게 하나요?",
         "body": "내부 공변량 변화를 줄인다는데 $\\mu$와 $\\sigma$는 어디서 오나요?"}]})

    title: str = Field(json_schema_extra=TITLE_BOUNDS, description="제목 (3~200자)")
    body: str = Field(json_schema_extra=BODY_BOUNDS, description=f"본문 Markdown (최대 {BODY_MAX:,}자)")
    collection: str | None = Field(default=None, max_length=200, description="모음 slug (없으면 general)")


class QuestionUpdate(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"body": "고친 본문입니다."}]})

    title: str | None = Field(None, json_schema_extra=TITLE_BOUNDS)
    body: str | None = Field(None, json_schema_extra=BODY_BOUNDS)


class AnswerCreate(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"body": "배치마다 평균과 분산을 다시 구합니다."}]})

    body: str = Field(json_schema_extra=BODY_BOUNDS, description=f"본문 Markdown (최대 {BODY_MAX:,}자)")


class AcceptRequest(BaseModel):
    answer_id: int | None = Field(default=None, ge=1, le=MAX_ID, description="채택할 답변 id (null이면 채택 취소)")


class PreviewRequest(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"body": "**굵게**와 $x^2$"}]})

    body: str = Field(json_schema_extra={"maxLength": BODY_MAX, "minLength": 0})


def created(result: posting.WriteResult) -> JSONResponse:
    headers = {"Location": result.api_url}
    if result.replayed:
        headers["Idempotent-Replayed"] = "true"
    return JSONResponse(result.payload, status_code=201, headers=headers)


@router.post("/questions", status_code=201, summary="질문하기", responses=ERRORS)
async def create_question(call: ApiCallDep, data: QuestionCreate, idempotency_key: IdemHeader = None):
    return created(await call.run(posting.create_question, limit=limit_posts, title=data.title, body=data.body,
                                  collection=data.collection, idempotency_key=idempotency_key))


@router.post("/questions/{question_id}/answers", status_code=201, summary="답변하기", responses=ERRORS)
async def create_answer(call: ApiCallDep, question_id: IdPath, data: AnswerCreate, idempotency_key: IdemHeader = None):
    return created(await call.run(posting.create_answer, limit=limit_posts, question_id=question_id, body=data.body,
                                  idempotency_key=idempotency_key))


@router.post("/answers/{answer_id}/replies", status_code=201, summary="답글 달기", responses=ERRORS)
async def create_reply(call: ApiCallDep, answer_id: IdPath, data: AnswerCreate, idempotency_key: IdemHeader = None):
    return created(await call.run(posting.create_answer, limit=limit_posts, parent_answer_id=answer_id,
                                  body=data.body, idempotency_key=idempotency_key))


@router.get("/answers/{answer_id}", summary="답변 하나", responses=ERRORS)
def get_answer(session: SessionDep, answer_id: IdPath):
    return posting.answer_payload(posting.live_answer(session, answer_id))


@router.patch("/questions/{question_id}", summary="내 질문 고치기", responses=ERRORS)
async def edit_question(call: ApiCallDep, question_id: IdPath, data: QuestionUpdate):
    return await call.run(posting.edit_question, question_id, limit=limit_edits, title=data.title, body=data.body)


@router.delete("/questions/{question_id}", status_code=204, summary="내 질문 지우기", responses=ERRORS)
async def delete_question(call: ApiCallDep, question_id: IdPath):
    await call.run(posting.delete_question, question_id)
    return Response(status_code=204)


@router.patch("/answers/{answer_id}", summary="내 답변 고치기", responses=ERRORS)
async def edit_answer(call: ApiCallDep, answer_id: IdPath, data: AnswerCreate):
    return await call.run(posting.edit_answer, answer_id, limit=limit_edits, body=data.body)


@router.delete("/answers/{answer_id}", status_code=204, summary="내 답변 지우기", responses=ERRORS)
async def delete_answer(call: ApiCallDep, answer_id: IdPath):
    await call.run(posting.delete_answer, answer_id)
    return Response(status_code=204)


@router.post("/questions/{question_id}/votes", status_code=201, summary="나도 궁금해요 (+1)", responses=ERRORS)
async def vote_question(call: ApiCallDep, question_id: IdPath):
    result = await call.run(voting.vote_question, question_id)
    return JSONResponse(result, status_code=201, headers={"Location": urls.api(urls.question(question_id))})


@router.delete("/questions/{question_id}/votes", summary="+1 취소", responses=ERRORS)
async def unvote_question(call: ApiCallDep, question_id: IdPath):
    return await call.run(voting.unvote_question, question_id)


@router.post("/answers/{answer_id}/votes", status_code=201, summary="답변 추천", responses=ERRORS)
async def vote_answer(call: ApiCallDep, answer_id: IdPath):
    result = await call.run(voting.vote_answer, answer_id)
    return JSONResponse(result, status_code=201, headers={"Location": urls.api_answer(answer_id)})


@router.delete("/answers/{answer_id}/votes", summary="추천 취소", responses=ERRORS)
async def unvote_answer(call: ApiCallDep, answer_id: IdPath):
    return await call.run(voting.unvote_answer, answer_id)


@router.post("/questions/{question_id}/accept", summary="답변 채택 (질문한 사람만)", responses=ERRORS)
async def accept_answer(call: ApiCallDep, question_id: IdPath, data: AcceptRequest):
    return await call.run(voting.accept_answer, question_id, data.answer_id)


@router.get("/questions/{question_id}/revisions", summary="질문 수정 이력 (누가, 언제, 앞 판과의 차이)",
            response_model=RevisionHistory, responses=ERRORS)
def question_revisions(session: SessionDep, question_id: IdPath, page: PageQuery = 1,
                       per_page: RevisionsPerPageQuery = revisions.PER_PAGE):
    return revisions.question_history(session, question_id, page, per_page)


@router.get("/answers/{answer_id}/revisions", summary="답변 수정 이력 (누가, 언제, 앞 판과의 차이)",
            response_model=RevisionHistory, responses=ERRORS)
def answer_revisions(session: SessionDep, answer_id: IdPath, page: PageQuery = 1,
                     per_page: RevisionsPerPageQuery = revisions.PER_PAGE):
    return revisions.answer_history(session, answer_id, page, per_page)


@router.post("/preview", summary="Markdown 미리보기 (수식 포함, 저장하지 않음; 글을 쓸 수 있는 계정만)",
             responses=ERRORS)
async def preview(call: ApiCallDep, data: PreviewRequest):
    return {"html": await call.run(posting.preview, data.body, limit=limit_previews)}
