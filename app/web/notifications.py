"""Inbox pages: /inbox (with its JSON twin /api/v1/inbox), mark-read, watch buttons, e-mail settings.

Every form posts with the CSRF token and answers with a redirect back to the page it came from.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from app import urls
from app.auth.deps import Csrf, HtmlUser
from app.errors import AppError
from app.http.deps import SessionDep
from app.http.params import IdPath, PageQuery
from app.services import notifications
from app.web.templating import render

router = APIRouter(include_in_schema=False)
SETTINGS_JSON = urls.notification_settings()


def _back(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


@router.get("/notifications")
def notifications_alias():
    """The address people try first (the issue that asked for the inbox found it 404)."""
    return RedirectResponse("/inbox", status_code=308)


@router.get("/inbox", response_class=HTMLResponse)
def inbox_page(request: Request, session: SessionDep, user: HtmlUser, page: PageQuery = 1,
               unread: Annotated[bool, Query(description="읽지 않은 것만")] = False):
    inbox = notifications.inbox(session, user, page=page, unread_only=unread)
    return render(request, "notifications/inbox.html", {"inbox": inbox, "json_url": inbox.json_url})


@router.post("/inbox/read-all", dependencies=[Csrf])
def read_all(session: SessionDep, user: HtmlUser):
    notifications.mark_all_read(session, user)
    return _back("/inbox")


@router.post("/inbox/{notification_id}/read", dependencies=[Csrf])
def read_one(session: SessionDep, user: HtmlUser, notification_id: IdPath,
             go: Annotated[str, Form(max_length=10)] = ""):
    """`go=1` (the item's own link) marks it read and opens what it points at; else back to the inbox."""
    item = notifications.mark_read(session, user, notification_id)
    return _back(item.url if go == "1" else "/inbox")


@router.post("/questions/{question_id}/watch", dependencies=[Csrf])
def toggle_watch(session: SessionDep, user: HtmlUser, question_id: IdPath):
    notifications.toggle_watch(session, user, question_id)
    return _back(urls.question(question_id))


@router.get("/settings/notifications", response_class=HTMLResponse)
def settings_page(request: Request, user: HtmlUser):
    return render(request, "notifications/settings.html", {"json_url": SETTINGS_JSON, 
        "settings": notifications.settings_of(user, email_available=request.app.state.mailer is not None)})


@router.post("/settings/notifications", dependencies=[Csrf], response_class=HTMLResponse)
def save_settings(request: Request, session: SessionDep, user: HtmlUser,
                  email: Annotated[str, Form(max_length=300)] = "",
                  email_notifications: Annotated[str, Form(max_length=10)] = ""):
    available, wanted = request.app.state.mailer is not None, email_notifications == "1"
    try:
        saved = notifications.update_settings(session, user, email=email, email_notifications=wanted,
                                              email_available=available)
    except AppError as exc:
        if exc.status_code != 422:
            raise
        shown = notifications.settings_of(user, email_available=available).model_copy(
            update={"email": email, "email_notifications": wanted})
        return render(request, "notifications/settings.html",
                      {"json_url": SETTINGS_JSON, "settings": shown, "error": exc.message}, status_code=422)
    return render(request, "notifications/settings.html", {"json_url": SETTINGS_JSON, "settings": saved, "saved": True})
