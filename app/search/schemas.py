"""Public schemas of search (the JSON contract of /api/v1/search, pinned by tests)."""

from __future__ import annotations

from pydantic import BaseModel, Field


class SearchHit(BaseModel):
    question_id: int
    title: str
    label: str | None = Field(None, description="질문 번호 (원본 파일의 라벨: 9-1, #4 …; 올린 질문은 없음)")
    title_html: str = Field(description="label 옆에 보일 제목: 라벨과 겹치는 원본의 번호(\"Q1) \")는 빼고,"
                                        " HTML 이스케이프, 찾은 낱말은 <mark>")
    collection: str = Field(description="모음 slug")
    collection_title: str = Field("", description="모음 이름")
    answered: bool
    snippet: str = Field(description="본문이나 답변에서 찾은 부분 (HTML 이스케이프, 찾은 낱말은 <mark>)")
    score: float = Field(description="관련도 (클수록 관련이 큼; BM25에 제목 가중치와 답변 여부 가산)")
    url: str


class SearchResults(BaseModel):
    query: str
    items: list[SearchHit]
    total: int = Field(description="필터를 적용한 전체 결과 수 (1,000개까지 셉니다)")
    total_exact: bool = Field(True, description="false면 결과가 total(1,000)개보다 많습니다")
    limit: int
    offset: int
    took_ms: float = Field(
        description="이 결과를 계산한 검색에 걸린 시간(ms). 내용이 바뀌기 전까지 같은 검색은 캐시에 둔 응답을"
                    " 그대로 보내므로, 이 값은 이 응답을 보낸 시간이 아니라 처음 계산할 때 잰 시간입니다",
    )
    corrected_from: str | None = Field(
        None, description="오타로 보여 고친 검색어(`query`)로 찾았을 때, 사용자가 친 원래 검색어"
                          " (원래 검색어로는 결과가 없었거나, 복합어 속 오타였을 때)",
    )
