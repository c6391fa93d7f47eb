"""Query parameters shared by the read API and its HTML twins, so both accept (and refuse) the same input."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import Form, Path, Query

from app.services.reading import MAX_PER_PAGE

# SQLite integers are 64-bit: a larger id must be a 422, not an OverflowError (500) in the driver.
MAX_ID = 2**62
IdPath = Annotated[int, Path(ge=1, le=MAX_ID)]
IdForm = Annotated[int, Form(ge=0, le=MAX_ID)]
PageQuery = Annotated[int, Query(ge=1, le=100_000, description="페이지 번호 (1부터)")]
PerPageQuery = Annotated[int, Query(ge=1, le=MAX_PER_PAGE, description=f"한 페이지의 개수 (1~{MAX_PER_PAGE})")]
RevisionsPerPageQuery = Annotated[int, Query(ge=1, le=50, description="한 쪽의 판 수 (1~50)")]
StatusQuery = Annotated[
    Literal["answered", "unanswered", "all"] | None,
    Query(description="답변 여부: `answered`(답변됨), `unanswered`(미답변), `all`(전체)"),
]
SortQuery = Annotated[
    Literal["source", "newest", "activity", "answers", "plus_ones"] | None,
    Query(description="정렬: `source`(원본 순서), `newest`(최근 질문), `activity`(최근 활동), "
                      "`answers`(답변 많은 순), `plus_ones`(+1 많은 순). "
                      "모음을 지정하면 기본은 `source`, 아니면 `activity`"),
]
