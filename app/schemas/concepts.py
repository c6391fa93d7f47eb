"""Public shapes of the concept pages (/concepts, /api/v1/concepts): the term dictionary's concepts
with what the site holds about each."""

from __future__ import annotations

from pydantic import BaseModel, Field

from app.schemas.content import QuestionLink


class ConceptRef(BaseModel):
    id: str = Field(description="content/search/terms.tsv의 개념 id (한 번 정하면 바뀌지 않음)")
    label: str = Field(description="대표 표기")
    question_count: int = Field(description="이 개념을 제목·본문·답변에서 다루는 질문 수")
    url: str


class ConceptDemo(BaseModel):
    slug: str
    title: str
    url: str


class Paper(BaseModel):
    authors: str
    year: int
    title: str
    url: str | None
    demo: str = Field(description="이 논문을 인용한 실험의 slug")


class ConceptDetail(BaseModel):
    id: str
    label: str
    names: list[str] = Field(description="같은 뜻의 다른 표기 (한국어, 영어, 줄임말)")
    broader: list[ConceptRef] = Field(description="이 개념을 포함하는 더 넓은 개념")
    narrower: list[ConceptRef] = Field(description="이 개념에 포함되는 더 좁은 개념")
    question_count: int
    questions: list[QuestionLink] = Field(
        description="제목에서 다룬 질문 먼저, 그다음 본문, 답변; 같은 무게면 답변된 질문 먼저")
    demos: list[ConceptDemo] = Field(description="이 개념을 실험하는 실험")
    papers: list[Paper] = Field(description="그 실험들이 인용한 논문")
    url: str


class ConceptList(BaseModel):
    items: list[ConceptRef]
    total: int
