"""Public schemas: the JSON contract of API v1 (pinned by tests). Pages render the same objects."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field


class SourceRef(BaseModel):
    path: str | None = Field(None, description="content 폴더 기준 원본 파일 경로 (`/` 구분)")
    line: int | None = Field(None, description="원본 파일의 줄 번호 (1부터)")


class CollectionPublic(BaseModel):
    slug: str
    title: str
    kind: str = Field(description="nodes(노드) | weeks(주차) | interview(면접) | general(일반)")
    source_path: str | None
    question_count: int
    answered_count: int
    unanswered_count: int
    url: str


class SectionPublic(BaseModel):
    id: int
    title: str | None
    intro_html: str = ""
    question_ids: list[int] = []


class CollectionDetail(CollectionPublic):
    intro_html: str
    notes_html: str
    sections: list[SectionPublic]
    questions: QuestionPage = Field(description="이 모음의 질문 한 페이지 (원본 순서, `status`로 거른 것)")


AUTHOR_URL = "쓴 사람의 페이지: 계정이면 /users/{username}, 원본 작성자면 /authors/{name}"


class QuestionSummary(BaseModel):
    id: int
    label: str | None
    title: str
    author: str | None
    author_url: str | None = Field(None, description=AUTHOR_URL)
    answered: bool
    answer_count: int = Field(description="답변과 답글을 합한 수")
    reply_count: int = Field(0, description="answer_count 중 답글의 수 (답변 = answer_count - reply_count)")
    plus_one_count: int = 0
    parent_id: int | None
    collection: str
    source: SourceRef
    origin: str
    last_activity_at: datetime
    url: str


class Page(BaseModel):
    items: list[Any]
    total: int
    page: int
    per_page: int


class QuestionPage(Page):
    items: list[QuestionSummary]


class ReactionPublic(BaseModel):
    kind: str
    emoji: str
    author: str | None
    count: int = 1


class AnswerNode(BaseModel):
    id: int
    author: str | None
    author_url: str | None = Field(None, description=AUTHOR_URL)
    body_html: str
    body_md: str
    origin: str
    source: SourceRef
    vote_score: int
    accepted: bool = False
    created_at: datetime
    updated_at: datetime
    deleted: bool = False
    hidden: bool = Field(False, description="운영자가 숨긴 답변 (본문은 쓴 사람과 운영자에게만 보입니다)")
    reactions: list[ReactionPublic] = []
    replies: list[AnswerNode] = []


class ReferencePublic(BaseModel):
    title: str
    url: str


class QuestionLink(BaseModel):
    id: int
    label: str | None
    title: str
    answered: bool = False
    url: str
    collection_title: str | None = Field(None, description="관련 질문에서: 그 질문이 든 모음의 이름")


class CollectionRef(BaseModel):
    slug: str
    title: str
    kind: str
    url: str


class DemoLinkPublic(BaseModel):
    slug: str
    title: str
    params: dict[str, Any]
    url: str
    breaking_url: str | None = None  # the demo at parameters where its claim is expected to break
    concepts: list[str] = Field([], description="질문과 실험이 함께 다루는 개념 id (content/search/terms.tsv)")
    match: Literal["editor", "auto"] = Field("editor", description="editor: content/demos.toml의 링크, auto: 자동 연결")
    score: float | None = Field(None, description="자동 연결의 확신도 0~1 (편집자 링크는 null)")


class CorrectionMeasured(BaseModel):
    """How the latest stored run of the experiment at the correction's preset judged its claim."""

    verdict: Literal["holds", "does_not_hold", "mixed"]
    sentence: str = Field(description="판정 문장: 주장, 기준, 평균과 95% 구간, 시드 수")
    mean: float | None
    ci95: tuple[float, float] | None
    seeds: list[int]
    run_url: str


class CorrectionDemo(BaseModel):
    slug: str
    title: str
    url: str = Field(description="실험 페이지 (교정 항목의 설정을 채운 것)")
    claim: str | None = Field(None, description="이 교정과 관련된 실험의 주장 (없으면 null)")
    measured: CorrectionMeasured | None = Field(
        None, description="그 설정에서 가장 최근에 저장된 실행의 판정 (아직 실행이 없거나 주장이 없으면 null)")


class CorrectionPublic(BaseModel):
    """A known factual error in an answer (content/corrections.toml), shown beside it: "답변과 다른 점"."""

    answer_id: int | None = Field(description="문장이 든 답변")
    sentence: str = Field(description="답변에서 인용한 문장")
    correction: str = Field(description="바로잡은 내용")
    source: ReferencePublic
    demo: CorrectionDemo | None = None


class ConceptChip(BaseModel):
    id: str = Field(description="content/search/terms.tsv의 개념 id")
    label: str
    url: str = Field(description="개념 페이지 (/concepts/{id})")


class QuestionDetail(BaseModel):
    id: int
    label: str | None
    title: str
    author: str | None
    author_url: str | None = Field(None, description=AUTHOR_URL)
    body_html: str
    body_md: str
    page_ref: str | None
    answered: bool
    answer_count: int = Field(description="답변과 답글을 합한 수")
    reply_count: int = Field(0, description="answer_count 중 답글의 수 (답변 = answer_count - reply_count)")
    plus_one_count: int
    accepted_answer_id: int | None
    origin: str
    collection: CollectionRef
    section: str | None
    source: SourceRef
    parent: QuestionLink | None
    children: list[QuestionLink]
    previous: QuestionLink | None
    next: QuestionLink | None
    answers: list[AnswerNode]
    reactions: list[ReactionPublic]
    references: list[ReferencePublic]
    demos: list[DemoLinkPublic] = []
    corrections: list[CorrectionPublic] = Field([], description="답변과 다른 점: 편집자가 확인한 답변의 사실 오류")
    concepts: list[ConceptChip] = Field([], description="질문 제목과 본문이 다루는 개념 (많이 다룬 것부터, 최대 6개)")
    related: list[QuestionLink] = []
    created_at: datetime
    updated_at: datetime
    last_activity_at: datetime
    newest_answer_id: int | None = Field(None, description="이 사이트에서 가장 최근에 쓰거나 고친 답변·답글")
    closed: ClosedState | None = Field(None, description="운영자가 닫은 질문이면 그 사유 (새 답변을 받지 않음)")
    duplicates: list[QuestionLink] = Field([], description="이 질문의 중복으로 닫힌 질문들")
    hidden_answer_ids: list[int] = Field([], description="운영자가 숨긴 이 질문의 답변·답글 id")
    url: str


class ClosedState(BaseModel):
    reason: str
    closed_at: datetime
    duplicate_of: QuestionLink | None = Field(None, description="중복으로 닫혔으면 원래 질문")


class AuthorPublic(BaseModel):
    name: str
    question_count: int
    answer_count: int
    url: str


class AuthorPage(Page):
    items: list[AuthorPublic]


class AnswerRef(BaseModel):
    """An answer in a list (an author's page): where it hangs and how it starts."""

    id: int
    question: QuestionLink
    excerpt: str = Field(description="답변 앞부분 (일반 텍스트)")
    is_reply: bool = Field(description="다른 답변에 단 답글인지")
    created_at: datetime
    url: str


class AnswerRefPage(Page):
    items: list[AnswerRef]


class AccountLink(BaseModel):
    username: str
    display_name: str
    url: str


class AuthorDetail(AuthorPublic):
    questions: QuestionPage
    answers: AnswerRefPage
    account: AccountLink | None = Field(
        None, description="편집자가 content/authors.toml로 이 작성자에 이어 둔 이 사이트 계정 (/users/{username})")


class UserDetail(BaseModel):
    """An account's page: what it posted on this site (source authors are on /authors)."""

    username: str
    display_name: str
    question_count: int
    answer_count: int = Field(description="답변과 답글을 합한 수")
    accepted_count: int = Field(description="질문자가 채택한 답변 수")
    created_at: datetime
    questions: QuestionPage
    answers: AnswerRefPage
    url: str
    claimed_authors: list[str] = Field(
        [], description="편집자가 content/authors.toml로 이 계정에 이어 둔 원본 작성자 (그 글도 목록과 수에 들어감)")


CollectionDetail.model_rebuild()
QuestionDetail.model_rebuild()


# --- revisions (writing) -------------------------------------------------------------------------


class DiffSegment(BaseModel):
    text: str
    changed: bool = Field(description="이 조각이 바뀐 글자인지 (추가된 줄에서는 넣은 것, 지운 줄에서는 뺀 것)")


class DiffLine(BaseModel):
    kind: str = Field(description="same(그대로) | add(추가) | del(삭제) | gap(생략된 같은 줄들)")
    old_line: int | None = None
    new_line: int | None = None
    segments: list[DiffSegment]


class RevisionPublic(BaseModel):
    number: int = Field(description="몇 번째 판인지 (1 = 처음 쓴 글)")
    author: str | None
    created_at: datetime
    title: str | None = Field(description="질문의 그때 제목 (답변은 null)")
    body_md: str
    added: int = Field(description="앞 판보다 늘어난 줄 수")
    removed: int = Field(description="앞 판보다 줄어든 줄 수")
    changes: list[DiffLine] = Field(description="앞 판과의 차이 (unified diff, 첫 판은 전체가 추가)")
    line_only: bool = Field(False, description="바뀐 줄이 너무 길어 낱말 단위 비교 없이 줄 단위로만 보여 주는지")
    lines_left_out: int = Field(0, description="너무 길어 changes에서 뺀 줄 수 (전체 글은 body_md)")


class RevisionHistory(BaseModel):
    kind: str = Field(description="question | answer")
    id: int
    title: str = Field(description="질문의 지금 제목 (답변이면 그 답변이 달린 질문의 제목)")
    url: str
    json_url: str
    revisions: list[RevisionPublic] = Field(description="이 쪽의 판들, 오래된 판부터 (1쪽이 가장 최근 판들)")
    total: int = Field(description="판 전체 수")
    page: int = Field(description="쪽 번호 (1 = 가장 최근 판들)")
    per_page: int
    pages: int
    older_url: str | None = Field(None, description="더 오래된 판들의 쪽 (없으면 null)")
    newer_url: str | None = Field(None, description="더 최근 판들의 쪽 (없으면 null)")
