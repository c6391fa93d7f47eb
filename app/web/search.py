"""Search pages: the results page (JSON twin: /api/v1/search) and the "similar questions" fragment.

`GET /search/suggest?q=…` answers an HTML fragment (no <html>, no layout) for htmx: a list of up
to five existing questions similar to the text being typed, or an empty body. The ask form hooks
it on its title input; htmx sends the input under its own name, so `title` is read too:

    <input name="title" hx-get="/search/suggest" hx-trigger="input changed delay:300ms"
           hx-target="#similar-questions" hx-swap="innerHTML">
    <div id="similar-questions" aria-live="polite"></div>

The last word is treated as unfinished (prefix match), so suggestions appear while typing.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from app import urls
from app.http.cacheable import cacheable
from app.http.deps import SessionDep
from app.search import service
from app.web.templating import canonical, with_query

router = APIRouter(include_in_schema=False)

PER_PAGE = 20


@router.get("/search", response_class=HTMLResponse)
@cacheable
def search_page(
    request: Request,
    session: SessionDep,
    q: Annotated[str, Query(max_length=2000)] = "",
    collection: Annotated[str | None, Query(max_length=200)] = None,
    status: Annotated[Literal["answered", "unanswered", "all", ""] | None, Query()] = None,
    page: Annotated[int, Query(ge=1, le=service.TOTAL_CAP // PER_PAGE)] = 1,
):
    collection = collection or None
    status = status or None
    results = service.search_questions(
        session, q, collection=collection, status=status, limit=PER_PAGE, offset=(page - 1) * PER_PAGE
    )
    filters = dict(q=q, collection=collection, status=status)
    pages = max(1, -(-results.total // PER_PAGE))
    context = {
        "results": results,
        "search_query": q,
        "collection": collection,
        "status": status,
        "collections": service.collection_choices(session),
        "page": page,
        "pages": pages,
        "previous_url": with_query(urls.search(), **filters, page=page - 1) if page > 1 else None,
        "next_url": with_query(urls.search(), **filters, page=page + 1) if page < pages else None,
        "canonical_url": canonical(request, urls.search(), **filters, page=page),
        "json_url": with_query(urls.api(urls.search()), **{
            k: v for k, v in {**filters, "limit": PER_PAGE, "offset": (page - 1) * PER_PAGE}.items() if v}),
    }
    return request.app.state.templates.TemplateResponse(request, "search/results.html", context)


@router.get("/search/suggest", response_class=HTMLResponse)
def suggest_fragment(
    request: Request,
    session: SessionDep,
    q: Annotated[str, Query(max_length=2000)] = "",
    title: Annotated[str, Query(max_length=2000)] = "",
):
    hits = service.suggest_questions(session, q or title)
    if not hits:
        return HTMLResponse("")
    return request.app.state.templates.TemplateResponse(request, "search/_suggest.html", {"hits": hits})
