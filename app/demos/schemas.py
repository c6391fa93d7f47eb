"""Public shapes of the demo API (and of the pages, which render the same objects)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from app.demos.base import Chart, Citation, DemoResult
from app.demos.execute import MAX_SEED


class QuestionRefPublic(BaseModel):
    where: str
    note: str = ""


class LinkedQuestion(BaseModel):
    """A question this demo is linked to in content/demos.toml, with the preset it runs there."""

    id: int
    label: str | None
    title: str
    url: str
    params: dict
    demo_url: str  # the demo page with the preset filled in


class DemoSummary(BaseModel):
    slug: str
    title: str
    summary: str
    version: str
    gpu_aware: bool
    questions: list[QuestionRefPublic]
    citations: list[Citation]
    url: str
    api_url: str


class DemoDetail(DemoSummary):
    params_schema: dict
    defaults: dict
    smallest: dict
    devices: list[str]
    default_seed: int
    runs_url: str  # POST here to start a run
    linked_questions: list[LinkedQuestion]


class RunRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    params: dict = Field(default_factory=dict, description="실험 매개변수 (없으면 기본값)")
    device: Literal["auto", "cpu", "cuda"] = Field("auto", description="auto는 GPU가 있으면 cuda, 없으면 cpu")
    seed: int | None = Field(None, ge=0, le=MAX_SEED, description="난수 시드 (없으면 0): 같은 시드·CPU면 같은 숫자")
    fresh: bool = Field(False, description="true면 캐시된 결과를 쓰지 않고 새로 측정합니다")


class RunProgress(BaseModel):
    fraction: float
    message: str = ""
    charts: list[Chart] = []


class RunPublic(BaseModel):
    id: str
    demo_slug: str
    demo_title: str
    demo_version: str
    status: Literal["queued", "running", "succeeded", "failed", "timed_out"]
    params: dict
    seed: int
    device_requested: str
    device: str | None  # what the run used: cpu | cuda
    device_name: str | None  # the GPU (or CPU) model
    torch_version: str | None
    cached: bool
    cached_from: str | None
    progress: RunProgress | None
    result: DemoResult | None
    error: str | None
    wall_ms: float | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    url: str  # permalink (page)
    api_url: str
    events_url: str
    reproduce_url: str  # the demo page with these params and seed filled in
