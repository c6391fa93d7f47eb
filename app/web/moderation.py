"""Moderation pages and forms: the flag form under every post, the queue (/moderation, JSON twin
/api/v1/moderation), the log (/moderation/log, admins) and the moderators' buttons. Every form
carries the CSRF token; each route calls one service function (app.services.moderation)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from app import urls
from app.auth.deps import Csrf, HtmlUser
from app.auth.limits import limit_posts
from app.errors import AppError
from app.http.deps import SessionDep
from app.http.params import IdPath, PageQuery
from app.services import moderation
from app.web.accounts import safe_next
from app.web.templating import refused_form, render, with_query

router = APIRouter(include_in_schema=False)

Reason = Annotated[str, Form(max_length=2000)]
Next = Annotated[str, Form(max_length=2000)]
Username = Annotated[str, Form(max_length=100)]
PostKind = Annotated[Literal["questions", "answers"], Path()]  # the post's kind as its address spells it


def back(target: str | None) -> RedirectResponse:
    return RedirectResponse(safe_next(target or "/moderation"), status_code=303)


@router.get("/moderation", response_class=HTMLResponse)
def queue_page(request: Request, session: SessionDep, user: HtmlUser):
    return render(request, "moderation/queue.html", {"queue": moderation.queue(session, user),
                                                     "json_url": urls.api("/moderation")})


@router.get("/moderation/log", response_class=HTMLResponse)
def log_page(request: Request, session: SessionDep, user: HtmlUser, page: PageQuery = 1):
    log = moderation.moderation_log(session, user, page=page)
    pages = max(1, -(-log.total // log.per_page))
    return render(request, "moderation/log.html", {
        "log": log, "json_url": with_query(urls.api("/moderation/log"), page=page),
        "newer_url": with_query("/moderation/log", page=page - 1) if page > 1 else None,
        "older_url": with_query("/moderation/log", page=page + 1) if page < pages else None})


def _flagged(request: Request, question_id: int, url: str) -> HTMLResponse:
    return render(request, "moderation/flagged.html", {"back_url": url, "question_id": question_id}, status_code=201)


@router.post("/questions/{question_id}/flag", dependencies=[Csrf], response_class=HTMLResponse)
def flag_question(request: Request, session: SessionDep, user: HtmlUser, question_id: IdPath, reason: Reason):
    limit_posts(request, user)
    moderation.flag_post(session, user, question_id=question_id, reason=reason)
    return _flagged(request, question_id, urls.question(question_id))


@router.post("/answers/{answer_id}/flag", dependencies=[Csrf], response_class=HTMLResponse)
def flag_answer(request: Request, session: SessionDep, user: HtmlUser, answer_id: IdPath, reason: Reason,
                question_id: Annotated[int, Form(ge=1)]):
    limit_posts(request, user)
    moderation.flag_post(session, user, answer_id=answer_id, reason=reason)
    return _flagged(request, question_id, urls.answer(question_id, answer_id))


def _post(kind: str, post_id: int) -> dict[str, int]:
    return {"question_id": post_id} if kind == "questions" else {"answer_id": post_id}


@router.post("/moderation/{kind}/{post_id}/hide", dependencies=[Csrf])
def hide_post(session: SessionDep, user: HtmlUser, kind: PostKind, post_id: IdPath, reason: Reason, next: Next = ""):
    moderation.hide_post(session, user, **_post(kind, post_id), reason=reason)
    return back(next)


@router.post("/moderation/{kind}/{post_id}/restore", dependencies=[Csrf])
def restore_post(session: SessionDep, user: HtmlUser, kind: PostKind, post_id: IdPath, next: Next = ""):
    moderation.restore_post(session, user, **_post(kind, post_id))
    return back(next)


@router.post("/moderation/{kind}/{post_id}/dismiss", dependencies=[Csrf])
def dismiss_flags(session: SessionDep, user: HtmlUser, kind: PostKind, post_id: IdPath, next: Next = ""):
    moderation.dismiss_flags(session, user, **_post(kind, post_id))
    return back(next)


@router.post("/moderation/questions/{question_id}/close", dependencies=[Csrf])
def close_question(request: Request, session: SessionDep, user: HtmlUser, question_id: IdPath, reason: Reason = "",
                   duplicate_of: Annotated[str, Form(max_length=2000)] = ""):
    """duplicate_of: the original's id, or its address (/questions/12) as copied from the browser. A
    close refused for one of the form's fields shows the form again with what was typed."""
    try:
        moderation.close_question(session, user, question_id, reason=reason or None,
                                  duplicate_of=moderation.question_ref(duplicate_of))
    except AppError as exc:
        shown = refused_form(exc, ("reason", "duplicate_of"))
        if shown["error"] is not None:
            raise
        return render(request, "moderation/close.html", {
            "question_id": question_id, "reason": reason, "duplicate_of": duplicate_of, **shown},
            status_code=exc.status_code)
    return back(urls.question(question_id))


@router.post("/moderation/questions/{question_id}/reopen", dependencies=[Csrf])
def reopen_question(session: SessionDep, user: HtmlUser, question_id: IdPath):
    moderation.reopen_question(session, user, question_id)
    return back(urls.question(question_id))


@router.post("/moderation/suspend", dependencies=[Csrf])
def suspend_account(session: SessionDep, user: HtmlUser, username: Username, reason: Reason,
                    days: Annotated[int, Form(ge=1, le=moderation.SUSPEND_MAX_DAYS)], next: Next = ""):
    moderation.suspend_account(session, user, username, days=days, reason=reason)
    return back(next)


@router.post("/moderation/unsuspend", dependencies=[Csrf])
def unsuspend_account(session: SessionDep, user: HtmlUser, username: Username, next: Next = ""):
    moderation.unsuspend_account(session, user, username)
    return back(next)
