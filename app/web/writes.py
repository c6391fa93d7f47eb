"""Writing pages: ask, answer, reply, edit, delete, vote, accept, preview, revisions.

Forms post here with a CSRF token and a one-time form token (the idempotency key for a double
click). A rejected form is shown again with what the user typed, so nothing is lost.
"""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from app import urls
from app.auth.deps import Csrf, HtmlUser
from app.auth.limits import limit_edits, limit_posts, limit_previews
from app.errors import AppError
from app.http.deps import SessionDep
from app.http.params import IdForm, IdPath, PageQuery, RevisionsPerPageQuery
from app.schemas.limits import check_body, clean_text, clean_title
from app.services import posting, reading, revisions, voting
from app.web.templating import refused_form

router = APIRouter(include_in_schema=False)

# An empty field arrives as missing, and FastAPI would refuse it before the form could be shown
# again: the fields default to "" so that the service's Korean message reaches the re-shown form.
Title = Annotated[str, Form(max_length=2000)]
Body = Annotated[str, Form(max_length=100_000)]
FormToken = Annotated[str, Form(max_length=200)]


def render(request: Request, template: str, context: dict, status_code: int = 200,
           headers: dict[str, str] | None = None) -> HTMLResponse:
    context.setdefault("form_token", secrets.token_urlsafe(16))
    return request.app.state.templates.TemplateResponse(request, template, context, status_code=status_code,
                                                        headers=headers)


def rejected(request: Request, template: str, context: dict, exc: AppError,
             fields: tuple[str, ...] = ("body",)) -> HTMLResponse:
    """The form again, with what was typed and why it was refused, next to the refused field when the
    refusal names one of `fields` (and Retry-After on a 429)."""
    return render(request, template, {**context, **refused_form(exc, fields)}, status_code=exc.status_code,
                  headers=exc.headers or None)


def redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def _rejected(exc: AppError) -> bool:
    return exc.status_code in (413, 422, 429)


@router.get("/ask", response_class=HTMLResponse)
def ask_form(request: Request, session: SessionDep, user: HtmlUser, collection: str = posting.GENERAL_SLUG,
             title: Annotated[str, Query(max_length=200)] = ""):
    """?title= prefills the title: a search that found nothing offers to ask what was searched for."""
    return render(request, "writes/ask.html", {"collections": reading.list_collections(session),
                                               "collection": collection, "title": clean_title(title), "body": ""})


@router.post("/ask", dependencies=[Csrf])
def ask(request: Request, session: SessionDep, user: HtmlUser, form_token: FormToken, title: Title = "",
        body: Body = "",
        collection: Annotated[str, Form(max_length=200)] = posting.GENERAL_SLUG):
    try:
        limit_posts(request, user)
        result = posting.create_question(session, user, title=title, body=body, collection=collection,
                                         idempotency_key=f"form:{form_token}")
    except AppError as exc:
        if not _rejected(exc):
            raise
        return rejected(request, "writes/ask.html", {
            "collections": reading.list_collections(session), "collection": collection, "title": title,
            "body": body}, exc, ("title", "body"))
    return redirect(result.url)


def _answer_or_reply(request, session, user, body, form_token, *, question_id=None, parent_answer_id=None):
    try:
        limit_posts(request, user)
        result = posting.create_answer(session, user, question_id=question_id, parent_answer_id=parent_answer_id,
                                       body=body, idempotency_key=f"form:{form_token}")
    except AppError as exc:
        if not _rejected(exc):
            raise
        return rejected(request, "writes/answer_retry.html", {
            "question_id": question_id, "parent_answer_id": parent_answer_id, "body": body,
            "back": _retry_back(session, question_id, parent_answer_id)}, exc)
    return redirect(result.url)


def _retry_back(session, question_id: int | None, parent_answer_id: int | None) -> str | None:
    """Where the refused answer or reply was being written: the retry page stood alone, with no word of which
    question it was for and no way back but the browser's."""
    if question_id is not None:
        return f"{urls.question(question_id)}#answer-form"
    if parent_answer_id is None:
        return None
    try:
        parent = posting.live_answer(session, parent_answer_id)
    except AppError:  # gone meanwhile: the page still keeps what was typed
        return None
    return urls.answer(parent.question_id, parent_answer_id)


@router.post("/questions/{question_id}/answers", dependencies=[Csrf])
def answer(request: Request, session: SessionDep, user: HtmlUser, question_id: IdPath, form_token: FormToken,
           body: Body = ""):
    return _answer_or_reply(request, session, user, body, form_token, question_id=question_id)


@router.post("/answers/{answer_id}/replies", dependencies=[Csrf])
def reply(request: Request, session: SessionDep, user: HtmlUser, answer_id: IdPath, form_token: FormToken,
          body: Body = ""):
    return _answer_or_reply(request, session, user, body, form_token, parent_answer_id=answer_id)


@router.get("/questions/{question_id}/edit", response_class=HTMLResponse)
def edit_question_form(request: Request, session: SessionDep, user: HtmlUser, question_id: IdPath):
    question = posting.live_question(session, question_id)
    if question.user_id != user.id:
        raise AppError(403, "내가 쓴 글만 고칠 수 있습니다.", code="not_owner")
    return render(request, "writes/edit.html", {"kind": "question", "item_id": question_id, "title": question.title,
                                                "body": question.body_md, "back": urls.question(question_id)})


@router.post("/questions/{question_id}/edit", dependencies=[Csrf])
def edit_question(request: Request, session: SessionDep, user: HtmlUser, question_id: IdPath, title: Title = "",
                  body: Body = ""):
    try:
        limit_edits(request, user)
        posting.edit_question(session, user, question_id, title=title, body=body)
    except AppError as exc:
        if not _rejected(exc):
            raise
        return rejected(request, "writes/edit.html", {"kind": "question", "item_id": question_id, "title": title,
                                                      "body": body, "back": urls.question(question_id)}, exc,
                        ("title", "body"))
    return redirect(urls.question(question_id))


@router.get("/answers/{answer_id}/edit", response_class=HTMLResponse)
def edit_answer_form(request: Request, session: SessionDep, user: HtmlUser, answer_id: IdPath):
    answer = posting.live_answer(session, answer_id)
    if answer.user_id != user.id:
        raise AppError(403, "내가 쓴 글만 고칠 수 있습니다.", code="not_owner")
    return render(request, "writes/edit.html", {"kind": "answer", "item_id": answer_id, "body": answer.body_md,
                                                "is_reply": answer.parent_id is not None,
                                                "back": urls.answer(answer.question_id, answer_id)})


@router.post("/answers/{answer_id}/edit", dependencies=[Csrf])
def edit_answer(request: Request, session: SessionDep, user: HtmlUser, answer_id: IdPath, body: Body = ""):
    try:
        limit_edits(request, user)
        payload = posting.edit_answer(session, user, answer_id, body=body)
    except AppError as exc:
        if not _rejected(exc):
            raise
        answer = posting.live_answer(session, answer_id)
        return rejected(request, "writes/edit.html", {"kind": "answer", "item_id": answer_id, "body": body,
                                                      "is_reply": answer.parent_id is not None,
                                                      "back": urls.answer(answer.question_id, answer_id)}, exc)
    return redirect(payload["url"])


@router.post("/questions/{question_id}/delete", dependencies=[Csrf])
def delete_question(session: SessionDep, user: HtmlUser, question_id: IdPath):
    posting.delete_question(session, user, question_id)
    return redirect("/")


@router.post("/answers/{answer_id}/delete", dependencies=[Csrf])
def delete_answer(session: SessionDep, user: HtmlUser, answer_id: IdPath):
    question_id = posting.delete_answer(session, user, answer_id)
    return redirect(urls.question(question_id))


@router.post("/questions/{question_id}/vote", dependencies=[Csrf])
def toggle_question_vote(session: SessionDep, user: HtmlUser, question_id: IdPath):
    try:
        voting.vote_question(session, user, question_id)
    except AppError as exc:
        if exc.code != "already_voted":
            raise
        voting.unvote_question(session, user, question_id)
    return redirect(urls.question(question_id))


@router.post("/answers/{answer_id}/vote", dependencies=[Csrf])
def toggle_answer_vote(session: SessionDep, user: HtmlUser, answer_id: IdPath):
    try:
        result = voting.vote_answer(session, user, answer_id)
    except AppError as exc:
        if exc.code != "already_voted":
            raise
        result = voting.unvote_answer(session, user, answer_id)
    answer = posting.live_answer(session, result["answer_id"])
    return redirect(urls.answer(answer.question_id, answer_id))


@router.post("/questions/{question_id}/accept", dependencies=[Csrf])
def accept(session: SessionDep, user: HtmlUser, question_id: IdPath, answer_id: IdForm):
    voting.accept_answer(session, user, question_id, answer_id or None)
    # Back to the answer just accepted, as a vote goes back to its answer; a withdrawn acceptance names none.
    return redirect(urls.answer(question_id, answer_id) if answer_id else urls.question(question_id))


@router.post("/preview", dependencies=[Csrf], response_class=HTMLResponse)
def preview(request: Request, user: HtmlUser, body: Body = ""):
    try:
        limit_previews(request, user)
        html = posting.render(check_body(clean_text(body), required=False))
        error = None
    except AppError as exc:
        html, error = "", exc.message
    return render(request, "writes/_preview.html", {"html": html, "error": error})


@router.get("/questions/{question_id}/revisions", response_class=HTMLResponse)
def question_revisions(request: Request, session: SessionDep, question_id: IdPath, page: PageQuery = 1,
                       per_page: RevisionsPerPageQuery = revisions.PER_PAGE):
    history = revisions.question_history(session, question_id, page, per_page)
    return render(request, "writes/revisions.html", {
        "history": history, "json_url": history.json_url, "heading": "질문 수정 이력",
        "default_per_page": revisions.PER_PAGE})


@router.get("/answers/{answer_id}/revisions", response_class=HTMLResponse)
def answer_revisions(request: Request, session: SessionDep, answer_id: IdPath, page: PageQuery = 1,
                     per_page: RevisionsPerPageQuery = revisions.PER_PAGE):
    history = revisions.answer_history(session, answer_id, page, per_page)
    return render(request, "writes/revisions.html", {
        "history": history, "json_url": history.json_url, "heading": "답변 수정 이력",
        "default_per_page": revisions.PER_PAGE})
