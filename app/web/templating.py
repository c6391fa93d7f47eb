"""Jinja2 environment for the HTML pages: Korean filters and helpers shared by every template."""

from __future__ import annotations

from datetime import datetime

from fastapi.templating import Jinja2Templates

from app.config import Settings
from app.demos.params import display_value, param_pairs

KIND_NAMES = {"nodes": "노드", "weeks": "주차", "interview": "면접", "general": "일반"}


def format_datetime(value: datetime | None) -> str:
    if value is None:
        return ""
    return value.strftime("%Y-%m-%d %H:%M")


def make_templates(settings: Settings) -> Jinja2Templates:
    templates = Jinja2Templates(directory=str(settings.templates_dir))
    env = templates.env
    env.globals["KIND_NAMES"] = KIND_NAMES
    env.globals["site_name"] = "질문창고"
    env.globals["base_url"] = settings.base_url.rstrip("/")
    env.filters["datetime"] = format_datetime
    env.filters["kind_name"] = lambda kind: KIND_NAMES.get(kind, kind)
    env.filters["demo_value"] = display_value  # parameter and result values on demo pages and panels
    env.globals["demo_param_pairs"] = param_pairs  # hidden inputs that carry a preset to the run form
    return templates
