"""Reading pages. Each page calls the same service function as its JSON twin, with the same
parameters, and links to it (Datasette's habit); templates live in templates/reading/."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse

from app import urls
from app.errors import AppError
from app.http.cacheable import cacheable
from app.http.deps import DetailMemoDep, SessionDep
from app.http.params import IdPath, PageQuery, PerPageQuery, SortQuery, StatusQuery
from app.http.slots import shared_render_of
from app.schemas.content import AuthorDetail, CollectionDetail, QuestionSummary, SectionPublic, UserDetail
from app.services import concepts, moderation, reading
from app.web.templating import canonical, render, with_query

router = APIRouter(include_in_schema=False)

HOME_LIST_SIZE = 8


@dataclass
class Pager:
    """Where a paginated list stands and the links around it (the same query with another page)."""

    page: int
    per_page: int
    total: int
    path: str
    params: dict = field(default_factory=dict)

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    def url(self, page: int) -> str:
        return with_query(self.path, **self.params, page=page)

    @property
    def beyond_end(self) -> bool:
        return self.page > self.pages


def pager(result, path: str, default_per_page: int, **params) -> Pager:
    per_page = None if result.per_page == default_per_page else result.per_page
    return Pager(page=result.page, per_page=result.per_page, total=result.total, path=path,
                 params={**params, "per_page": per_page})


def collection_titles(session) -> dict[str, str]:
    """slug -> title, for lists that name each question's collection."""
    return {c.slug: c.title for c in reading.list_collections(session)}


@dataclass
class SectionGroup:
    section: SectionPublic | None
    questions: list[QuestionSummary]


def outline(detail: CollectionDetail, *, include_empty: bool) -> list[SectionGroup]:
    """This page's questions grouped under their sections, in source order. Sections without any
    question (an empty `## 노드 04`) are shown where they stand, when the list is not filtered."""
    index = {section.id: i for i, section in enumerate(detail.sections)}
    section_of = {qid: section for section in detail.sections for qid in section.question_ids}
    groups: list[SectionGroup] = []
    for item in detail.questions.items:
        section = section_of.get(item.id)
        if groups and groups[-1].section is section:
            groups[-1].questions.append(item)
        else:
            groups.append(SectionGroup(section, [item]))
    if include_empty and detail.sections:
        shown = [index[g.section.id] for g in groups if g.section is not None]
        last_page = detail.questions.page * detail.questions.per_page >= detail.questions.total
        low = 0 if detail.questions.page == 1 else min(shown, default=len(detail.sections))
        high = len(detail.sections) - 1 if last_page else max(shown, default=-1)
        groups += [SectionGroup(s, []) for s in detail.sections[low:high + 1] if not s.question_ids]
        groups.sort(key=lambda g: index[g.section.id] if g.section is not None else -1)
    return groups


@router.get("/", response_class=HTMLResponse)
@cacheable
def home(request: Request, session: SessionDep):
    collections = reading.list_collections(session)
    answered = reading.list_questions(session, status="answered", sort="activity", per_page=HOME_LIST_SIZE)
    unanswered = reading.list_questions(session, status="unanswered", sort="activity", per_page=HOME_LIST_SIZE)
    kinds: dict[str, list] = {}
    for collection in collections:
        kinds.setdefault(collection.kind, []).append(collection)
    return render(request, "reading/home.html", {
        "collections": collections, "kinds": kinds, "answered": answered, "unanswered": unanswered,
        "concepts": concepts.most_asked_concepts(session),
        "collection_titles": {c.slug: c.title for c in collections},
        "canonical_url": canonical(request, urls.home()), "json_url": urls.api("/collections"),
    })


@router.get("/collections/{slug}", response_class=HTMLResponse)
@cacheable
def collection_page(
    request: Request,
    session: SessionDep,
    slug: Annotated[str, Path(max_length=200)],
    status: StatusQuery = None,
    page: PageQuery = 1,
    per_page: PerPageQuery = 50,
):
    detail = reading.collection_detail(session, slug, status=status, page=page, per_page=per_page)
    status = None if status == "all" else status
    path = urls.collection(slug)
    return render(request, "reading/collection.html", {
        "collection": detail, "status": status,
        "groups": outline(detail, include_empty=status is None),
        "pager": pager(detail.questions, path, 50, status=status),
        "status_urls": {value: with_query(path, status=value) for value in (None, "answered", "unanswered")},
        "canonical_url": canonical(request, path, status=status, page=page),
        "json_url": with_query(urls.api(urls.collection(slug)), status=status, page=page,
                               per_page=None if per_page == 50 else per_page),
    })


@router.get("/questions/{question_id}", response_class=HTMLResponse)
@cacheable
def question_page(request: Request, session: SessionDep, memo: DetailMemoDep, question_id: IdPath):
    """The question as everyone sees it (kept per version), plus what is the reader's own (one query;
    none in the page kept for every signed-in reader, whose marks the response cache fills in per view).
    A post a moderator hid is shown, with the reason, only to its author and the moderators: a page
    that may show one is rendered for its reader alone."""
    user = request.state.user
    shared = shared_render_of(request.state)
    members = shared if shared is not None and shared.slots is not None else None
    try:
        question = reading.question_detail(session, question_id, memo)
    except AppError as exc:
        if members is not None and exc.status_code == 404:
            members.refuse()  # hidden from most, shown to its author: who is asking decides
        hidden = moderation.hidden_question_for(session, user, question_id) \
            if exc.status_code == 404 and members is None else None
        if hidden is None:
            raise
        return render(request, "moderation/hidden_question.html", {
            "post": hidden, "json_url": urls.hidden_posts(question_id)})
    if members is not None and question.hidden_answer_ids:
        members.refuse()  # its hidden answers are shown to their authors
    signed_in = user is not None and shared is None
    return render(request, "reading/question.html", {
        "question": question, "marks": reading.reader_marks(session, user.id if signed_in else None, question.id),
        "hidden_answers": moderation.hidden_answers_for(session, user, question.id)
        if question.hidden_answer_ids and signed_in else [],
        "canonical_url": canonical(request, question.url),
        "json_url": urls.api(urls.question(question.id)),
    })


def _question_list(request: Request, session, *, path: str, heading: str, status, sort, page: int, per_page: int,
                   collection: str | None = None, author: str | None = None) -> HTMLResponse:
    result = reading.list_questions(session, collection=collection, status=status, author=author, sort=sort,
                                    page=page, per_page=per_page)
    fixed = path == "/unanswered"  # its status is the page itself
    names = sort_names(collection)
    sort = sort if sort in names else None  # ?sort=activity without a collection is the default chip
    filters = dict(collection=collection, author=author, sort=sort) | ({} if fixed else {"status": status})
    return render(request, "reading/questions.html", {
        "heading": heading, "result": result, "status": status, "sort": sort, "fixed_status": fixed,
        "collection_titles": collection_titles(session),
        "collection": collection, "author": author, "pager": pager(result, path, 20, **filters),
        "sort_urls": {value: with_query(path, **{**filters, "sort": value}) for value in names},
        "status_urls": {value: with_query(path, **{**filters, "status": value})
                        for value in (None, "answered", "unanswered")},
        "sort_names": names,
        "canonical_url": canonical(request, path, **filters, page=page),
        "json_url": with_query(urls.api(urls.questions()), **{**filters, "status": status}, page=page,
                               per_page=None if per_page == 20 else per_page),
    })


SORT_NAMES = {None: "원본 순서", "activity": "최근 활동", "newest": "최근 질문", "answers": "답변 많은 순",
              "plus_ones": "궁금해요 많은 순"}


def sort_names(collection: str | None) -> dict[str | None, str]:
    """The sort chips. Without a collection the default order is recent activity (reading.list_questions):
    its chip says so, instead of a vague "기본" beside a second "최근 활동" chip that did the same."""
    if collection:
        return SORT_NAMES
    return {None: SORT_NAMES["activity"]} | {k: v for k, v in SORT_NAMES.items() if k not in (None, "activity")}
STATUS_HEADINGS = {None: "모든 질문", "all": "모든 질문", "answered": "답변된 질문", "unanswered": "미답변 질문"}


@router.get("/questions", response_class=HTMLResponse)
@cacheable
def questions_page(
    request: Request,
    session: SessionDep,
    collection: Annotated[str | None, Query(max_length=200)] = None,
    status: StatusQuery = None,
    author: Annotated[str | None, Query(max_length=100)] = None,
    sort: SortQuery = None,
    page: PageQuery = 1,
    per_page: PerPageQuery = 20,
):
    status = None if status == "all" else status
    return _question_list(request, session, path=urls.questions(), heading=STATUS_HEADINGS[status], status=status,
                          sort=sort, page=page, per_page=per_page, collection=collection or None,
                          author=author or None)


@router.get("/unanswered", response_class=HTMLResponse)
@cacheable
def unanswered_page(
    request: Request,
    session: SessionDep,
    sort: SortQuery = None,
    page: PageQuery = 1,
    per_page: PerPageQuery = 20,
):
    return _question_list(request, session, path=urls.unanswered(), heading="답을 기다리는 질문", status="unanswered",
                          sort=sort, page=page, per_page=per_page)


@router.get("/authors", response_class=HTMLResponse)
@cacheable
def authors_page(request: Request, session: SessionDep, page: PageQuery = 1, per_page: PerPageQuery = 50):
    result = reading.list_authors(session, page=page, per_page=per_page)
    return render(request, "reading/authors.html", {
        "result": result, "pager": pager(result, urls.authors(), 50),
        "canonical_url": canonical(request, urls.authors(), page=page),
        "json_url": with_query(urls.api(urls.authors()), page=page, per_page=None if per_page == 50 else per_page),
    })


@router.get("/authors/{name}", response_class=HTMLResponse)
@cacheable
def author_page(
    request: Request,
    session: SessionDep,
    name: Annotated[str, Path(max_length=100)],
    page: PageQuery = 1,
    per_page: PerPageQuery = 20,
):
    author = reading.author_detail(session, name, page=page, per_page=per_page)
    return _posts_page(request, session, "reading/author.html", author, page=page, per_page=per_page)


@router.get("/users/{username}", response_class=HTMLResponse)
@cacheable
def user_page(
    request: Request,
    session: SessionDep,
    username: Annotated[str, Path(max_length=40)],
    page: PageQuery = 1,
    per_page: PerPageQuery = 20,
):
    user = reading.user_detail(session, username, page=page, per_page=per_page)
    return _posts_page(request, session, "reading/user.html", user, page=page, per_page=per_page,
                       standing=moderation.standing_for(session, request.state.user, user.username))


def _posts_page(request: Request, session, template: str, who: AuthorDetail | UserDetail, *, page: int,
                per_page: int, **extra):
    """A source author's or an account's page: two lists (questions, answers) paged together."""
    longer = who.questions if who.questions.total >= who.answers.total else who.answers
    return render(request, template, {
        "author": who, "pager": pager(longer, who.url, 20), "collection_titles": collection_titles(session),
        "canonical_url": canonical(request, who.url, page=page),
        "json_url": with_query(urls.api(who.url), page=page, per_page=None if per_page == 20 else per_page),
        **extra,
    })


@router.get("/docs", response_class=HTMLResponse)
def api_docs(request: Request):
    """Swagger UI from static/vendor/swagger-ui (FastAPI's default points at a CDN we cannot reach, and
    starts it with an inline script that the Content-Security-Policy would not run)."""
    return render(request, "pages/docs.html", {"openapi_url": request.app.openapi_url})
