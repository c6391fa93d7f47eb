"""Jinja2 environment for the HTML pages: Korean filters and helpers shared by every template."""

from __future__ import annotations

import hashlib
import re
import secrets
import threading
from collections import OrderedDict
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from jinja2 import pass_context
from markupsafe import Markup
from pydantic_core import to_jsonable_python

from app import urls
from app.config import Settings
from app.demos.metric_names import metric_label
from app.demos.params import display_value, labelled_values, param_pairs
from app.demos.registry import get_demo
from app.errors import AppError
from app.http.assets import Assets
from app.http.slots import shared_render_of, unread_label
from app.ingest.shapes import KIND_NAMES
from app.korean import particle
from app.render.titles import display_title
from app.schemas.content import AnswerNode
from app.services.reading import ReaderMarks
from app.services.standing import is_admin, is_moderator, is_suspended
from app.urls import with_query

# Times are stored in UTC; readers are in Korea, which has kept UTC+9 without daylight saving since 1988.
KST = timezone(timedelta(hours=9), "KST")


# Error pages name the offending field the way the page's reader knows it, not by its parameter name.
FIELD_LABELS = {
    "question_id": "질문 번호", "answer_id": "답변 번호", "token_id": "토큰 번호", "run_id": "실행 번호",
    "page": "쪽 번호", "per_page": "한 쪽에 보이는 개수", "status": "답변 여부", "sort": "정렬", "parent": "상위 질문",
    "collection": "모음", "author": "작성자", "q": "검색어", "offset": "건너뛸 개수", "limit": "개수",
    "username": "아이디", "password": "비밀번호", "display_name": "표시 이름", "name": "이름",
    "title": "제목", "body": "본문", "seed": "난수 시드", "device": "장치",
}


# The home page's groups, in words a newcomer understands ("노드", "주차" are the study groups' own words):
# a heading and one line on what such a collection is.
KIND_GROUPS = {
    "nodes": ("스터디 노드별 질문", "교재의 한 단원(노드)을 공부하며 스터디원들이 주고받은 질문과 답"),
    "weeks": ("주차별 스터디 질문", "매주 강의를 보고 모은 질문과 답"),
    "interview": ("면접 준비 질문", "딥러닝 면접에 자주 나오는 질문과 모범 답안"),
    "general": ("사이트에서 올린 질문", "이 사이트에서 누구나 올린 질문"),
}


def format_datetime(value: datetime | None) -> str:
    if value is None:
        return ""
    if value.tzinfo is None:  # a naive value is UTC: SQLite keeps no offset
        value = value.replace(tzinfo=UTC)
    return value.astimezone(KST).strftime("%Y-%m-%d %H:%M")


RUN_STATUS_NAMES = {"queued": "대기 중", "running": "실행 중", "succeeded": "완료", "failed": "실패",
                    "timed_out": "시간 초과"}
_SENTENCE_END = re.compile(r"(?<=[.!?。])\s+")


def first_sentence(text: str, limit: int = 240) -> str:
    """A conclusion's first sentence (its verdict), for cards that show one line of it."""
    head = _SENTENCE_END.split(text.strip(), maxsplit=1)[0]
    return head if len(head) <= limit else head[: limit - 1].rstrip() + "…"


def excerpt(html: str, limit: int = 160) -> str:
    """Rendered HTML as one line of plain text, cut at a word near `limit`: for <meta name="description">
    and the OpenGraph card that KakaoTalk and search engines show under a shared link."""
    text = " ".join(Markup(html).striptags().split())
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0] or text[:limit]
    return cut.rstrip(" ,.·:;") + "…"


def demo_param_labels(slug: str, params: dict) -> list[tuple[str, str, str]]:
    """A question's demo preset as the reader reads it (label, name, value); see labelled_values."""
    spec = get_demo(slug)
    if spec is None:
        return [(name, name, display_value(value)) for name, value in params.items()]
    return labelled_values(spec.params, params)


def demo_metric_label(slug: str, name: str) -> str:
    """A metric as the reader reads it: its Korean name, else the code name."""
    return metric_label(slug, name) or name


@pass_context
def reader_choice(context, kind: str, item_id: int, marks: ReaderMarks, caller) -> Markup:
    """A per-reader control (a call block given its variant): the reader's own variant in a page
    rendered for them, every variant as a choice slot in one rendered for every signed-in reader."""
    shared = shared_render_of(context["request"].state)
    if shared is None or shared.slots is None:
        return caller(marks.variant(kind, item_id))
    return shared.choice(kind, item_id, ReaderMarks.VARIANTS[kind], caller)


@pass_context
def header_marks(context) -> ReaderMarks:
    """The reader's marks the header shows (unread notifications), for reader_choice in base.html."""
    return ReaderMarks(unread_count=getattr(context["request"].state, "unread_count", 0) or 0)


@pass_context
def reader_unread(context, shown: str = "unread_label") -> Markup | str:
    """The header's unread notifications as a number ("unread_count") or as its badge shows it
    ("unread_label"): the text, or a slot in the page kept for every signed-in reader."""
    shared = shared_render_of(context["request"].state)
    if shared is not None and shared.slots is not None:
        return shared.slots.marker(shown)
    count = getattr(context["request"].state, "unread_count", 0) or 0
    return str(count) if shown == "unread_count" else unread_label(count)


@pass_context
def new_form_token(context) -> Markup | str:
    """A posting form's one-time id (its Idempotency-Key): fresh in each form of each page view."""
    shared = shared_render_of(context["request"].state)
    if shared is None or shared.slots is None:
        return secrets.token_urlsafe(16)
    return shared.form_token()


class AnswerFragments:
    """Each answer of a question page as rendered for anonymous readers (with its replies), kept by what it
    shows: its content and its replies' (AnswerNode as JSON), its depth, whether it or a reply is the
    newest activity, the corrections on them, its question. Anonymous pages are rendered for nobody in
    particular (no token, no marks, no editor), so the same content is the same markup: after a new answer
    the page is rendered again with only that answer (and the one that stops being the newest) rendered,
    the others taken from here. A page for a signed-in reader is always rendered whole."""

    def __init__(self, enabled: bool, size: int = 8192, max_chars: int = 16 * 1024 * 1024) -> None:
        self.enabled, self.size, self.max_chars = enabled, size, max_chars
        self._kept: OrderedDict[bytes, Markup] = OrderedDict()
        self._chars = 0  # of the markup kept: long answers are bounded by their size, not their number
        self._lock = threading.Lock()
        self.rendered = 0  # answers rendered (not taken from here): what the tests count

    def __call__(self, context, macro: Callable[[AnswerNode, int], Markup], answer: AnswerNode, depth: int) -> Markup:
        request = context.get("request")
        if not self.enabled or request is None or getattr(request.state, "user", None) is not None:
            with self._lock:
                self.rendered += 1
            return macro(answer, depth)
        question = context["question"]
        ids = _subtree_ids(answer)
        newest = question.newest_answer_id if question.newest_answer_id in ids else None
        parts = [answer.model_dump_json(), f"{depth} {newest} {question.id} {question.closed is not None}",
                 *(c.model_dump_json() for c in question.corrections if c.answer_id in ids)]
        key = hashlib.blake2b("\0".join(parts).encode(), digest_size=16).digest()
        with self._lock:
            found = self._kept.get(key)
            if found is not None:
                self._kept.move_to_end(key)
                return found
        markup = macro(answer, depth)
        with self._lock:
            self.rendered += 1
            if key not in self._kept:  # another thread may have rendered the same meanwhile
                self._kept[key] = markup
                self._chars += len(markup)
            while len(self._kept) > self.size or self._chars > self.max_chars:
                self._chars -= len(self._kept.popitem(last=False)[1])
        return markup


def _subtree_ids(answer: AnswerNode) -> set[int]:
    ids, waiting = set(), [answer]
    while waiting:
        node = waiting.pop()
        ids.add(node.id)
        waiting.extend(node.replies)
    return ids


def make_templates(settings: Settings, assets: Assets | None = None) -> Jinja2Templates:
    """`assets`: the app's static files (their hashed names); a template rendered alone gets its own."""
    assets = assets or Assets.load(settings.static_dir)
    templates = Jinja2Templates(directory=str(settings.templates_dir))
    env = templates.env
    # Checking every template file's mtime on each render cost ~4% of a page; only a developer
    # editing templates under a running server needs it (KB_DEV=1).
    env.auto_reload = settings.development
    env.globals["KIND_NAMES"] = KIND_NAMES
    env.globals["site_name"] = "질문창고"
    env.globals["urls"] = urls  # templates build addresses as the services do
    env.globals["static"] = assets.url  # every link to static/: its content-hashed name
    env.filters["datetime"] = format_datetime
    env.filters["excerpt"] = excerpt
    env.filters["first_sentence"] = first_sentence
    env.filters["display_title"] = display_title
    env.filters["particle"] = particle  # {{ word }}{{ word | particle("으로") }}: 드롭아웃으로, 모델로
    env.filters["jsonable"] = to_jsonable_python  # pydantic models for `tojson` (charts in run cards)
    env.globals["run_status_names"] = RUN_STATUS_NAMES
    env.filters["kind_name"] = lambda kind: KIND_NAMES.get(kind, kind)
    env.filters["kind_group"] = lambda kind: KIND_GROUPS.get(kind, (KIND_NAMES.get(kind, kind), ""))
    env.filters["field_label"] = lambda field: FIELD_LABELS.get(field, field)
    env.filters["demo_value"] = display_value  # parameter and result values on demo pages and panels
    env.globals["demo_param_pairs"] = param_pairs  # hidden inputs that carry a preset to the run form
    env.globals["demo_param_labels"] = demo_param_labels
    env.globals["demo_metric_label"] = demo_metric_label
    # Who may see the moderators' buttons and the log link, and whether to say the account is suspended.
    env.globals.update(is_moderator=is_moderator, is_admin=is_admin, is_suspended=is_suspended)
    env.globals["reader_choice"] = reader_choice
    env.globals["header_marks"] = header_marks
    env.globals["reader_unread"] = reader_unread
    env.globals["new_form_token"] = new_form_token
    # Kept answers would outlive a template edited under a development server: off there.
    env.globals["answer_item"] = pass_context(AnswerFragments(enabled=not settings.development))
    return templates


def refused_form(exc: AppError, fields: tuple[str, ...]) -> dict:
    """What a refused form shows: the message next to each of its fields the refusal names
    ("errors", field -> message), or above the form ("error") when it names none of them."""
    named = [d for d in exc.details or [] if isinstance(d, dict) and d.get("field") in fields]
    errors = {d["field"]: (exc.message if len(named) == 1 else d.get("message") or exc.message) for d in named}
    return {"errors": errors, "error": None if errors else exc.message}


def render(request: Request, template: str, context: dict, status_code: int = 200) -> HTMLResponse:
    return request.app.state.templates.TemplateResponse(request, template, context, status_code=status_code)


def canonical(request: Request, path: str, **params) -> str:
    """The page's absolute address under KB_BASE_URL, for <link rel="canonical"> and share links."""
    return request.app.state.settings.base_url.rstrip("/") + with_query(path, **params)
