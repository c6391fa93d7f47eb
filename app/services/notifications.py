"""Notifications: each account's inbox, questions it watches, and @mentions.

Events: an answer to a question I asked or watch, a reply to my answer or reply, an accept of my
answer, an @username mention in a question, answer or reply (also one an edit adds), a moderator
hiding or restoring my post or closing my question (`on_moderation`, in the moderator action's
transaction), and a moderator reopening a question I asked or watch (`on_reopen`). The posting
services call one hook per write (`on_question`, `on_answer`, `on_edit`, `on_accept`) inside their
write transaction, so a post and its notifications commit together or not at all. A hook is a few
statements whatever the number of watchers: one INSERT … SELECT of the watchers' rows from the watch
table, one insert of the rest (asker, mentions), one insert of the writer's watch. The ids of the new
rows are left in `session.info[NEW_NOTIFICATIONS]`; after the request the e-mail job gets them
(app.services.mail), never the request itself.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence

from sqlmodel import Session

from app import urls
from app.clock import now_utc
from app.db.models import (
    NOTIFY_ACCEPT,
    NOTIFY_ANSWER,
    NOTIFY_CLOSE,
    NOTIFY_DUPLICATE,
    NOTIFY_HIDE,
    NOTIFY_MENTION,
    NOTIFY_REOPEN,
    NOTIFY_REPLY,
    NOTIFY_RESTORE,
    Answer,
    Question,
    User,
)
from app.db.queries import notifications as queries
from app.db.transactions import write_transaction
from app.errors import AppError
from app.render.mentions import MENTION_HREF_RE, MENTION_LINK_RE, mention_names
from app.schemas.names import DELETED_NAME
from app.schemas.notifications import InboxPage, MarkedRead, NotificationPublic, NotificationSettings, WatchState

NEW_NOTIFICATIONS = "new_notifications"
PER_PAGE, MAX_PER_PAGE = 30, 100
KIND_NAMES = {NOTIFY_ANSWER: "답변", NOTIFY_REPLY: "답글", NOTIFY_ACCEPT: "채택", NOTIFY_MENTION: "언급",
              NOTIFY_HIDE: "숨김", NOTIFY_RESTORE: "되살림", NOTIFY_CLOSE: "닫힘", NOTIFY_DUPLICATE: "중복",
              NOTIFY_REOPEN: "다시 엶"}
# What each event says, from the reader's side; {actor}, {title} and {detail} (the moderator's reason)
# are filled in. A moderator's action is the site's, so it does not name the moderator.
MESSAGES = {
    NOTIFY_ANSWER: "{actor} 님이 「{title}」에 답변을 달았습니다.",
    NOTIFY_REPLY: "{actor} 님이 「{title}」의 내 글에 답글을 달았습니다.",
    NOTIFY_ACCEPT: "{actor} 님이 「{title}」에서 내 답변을 채택했습니다.",
    NOTIFY_MENTION: "{actor} 님이 「{title}」에서 나를 언급했습니다.",
    NOTIFY_HIDE: "운영자가 「{title}」의 내 글을 숨겼습니다. 사유: {detail}",
    NOTIFY_RESTORE: "운영자가 「{title}」의 내 글을 다시 보이게 했습니다.",
    NOTIFY_CLOSE: "운영자가 내 질문 「{title}」을 닫았습니다. 사유: {detail}",
    NOTIFY_DUPLICATE: "운영자가 내 질문 「{title}」을 다른 질문의 중복으로 닫았습니다. 사유: {detail}",
    NOTIFY_REOPEN: "운영자가 닫혀 있던 질문 「{title}」을 다시 열었습니다. 이제 답변을 달 수 있습니다.",
}
# A plain-looking address: something@host.tld, no spaces; what the mail server accepts is its business.
EMAIL_RE = re.compile(r"^[^@\s<>\"',;]+@[^@\s<>\"',;]+\.[^@\s<>\"',;.]+$")


def _id(row: User | Question | Answer) -> int:
    """A stored row's id (typed as optional on the model until it is flushed)."""
    assert row.id is not None
    return row.id


def message(kind: str, actor: str | None, title: str, detail: str | None = None) -> str:
    return MESSAGES.get(kind, "{actor}님의 새 소식: 「{title}」").format(actor=actor or DELETED_NAME, title=title,
                                                                   detail=detail or "")


def other_url(item) -> str | None:
    """The question a duplicate repeats (None for every other kind, or once that question is gone)."""
    return urls.question(item.other_question_id) if item.other_question_id else None


# --- mentions ------------------------------------------------------------------------------------


Mentions = Callable[[str], list[tuple[int, int, str, str]]]


def account_mentions(session: Session, markdown: str) -> Mentions | None:
    """The renderer's `mentions` for one post: @names that are accounts link to their pages. One
    lookup of the names the text holds (none at all when it has no @)."""
    if "@" not in markdown:
        return None
    accounts = dict(queries.accounts_named(session, (name for _, _, name in mention_names(markdown))))
    if not accounts:
        return None

    def find(text: str) -> list[tuple[int, int, str, str]]:
        return [(start, end, urls.user(name), accounts[name])
                for start, end, name in mention_names(text) if name in accounts]

    return find


def mentioned_usernames(html: str) -> set[str]:
    """The accounts a rendered post links as mentions (code and links never hold one)."""
    found = set()
    for tag in MENTION_LINK_RE.findall(html):
        if (href := MENTION_HREF_RE.search(tag)) is not None:
            found.add(href.group(1))
    return found


# --- the hooks the posting services call inside their write transaction ------------------------------


def _notify(session: Session, recipients: dict[int, str], *, actor: User, question_id: int,
            answer_id: int | None, **extra) -> None:
    """One row per recipient (never the actor), inserted as one multi-row statement."""
    now = now_utc()
    rows = [{"user_id": user_id, "kind": kind, "question_id": question_id, "answer_id": answer_id,
             "actor_id": _id(actor), "created_at": now, **extra}
            for user_id, kind in recipients.items() if user_id != _id(actor)]
    if rows:
        session.info.setdefault(NEW_NOTIFICATIONS, []).extend(queries.insert_notifications(session, rows))


def _mentions(session: Session, html: str, recipients: dict[int, str]) -> None:
    for user_id in queries.user_ids_by_username(session, mentioned_usernames(html)).values():
        recipients.setdefault(user_id, NOTIFY_MENTION)  # an answer or reply to them says more


def on_question(session: Session, *, question_id: int, body_html: str, actor: User) -> None:
    """Asking watches the question; @mentions in its body notify those accounts."""
    queries.watch(session, _id(actor), question_id, now_utc())
    recipients: dict[int, str] = {}
    _mentions(session, body_html, recipients)
    _notify(session, recipients, actor=actor, question_id=question_id, answer_id=None)


def on_answer(session: Session, *, answer_id: int, question_id: int, parent_id: int | None, body_html: str,
              actor: User, asker_id: int | None, parent_author_id: int | None = None) -> None:
    """An answer notifies the question's watchers and its asker; a reply notifies the author of the
    answer or reply it is under; @mentions notify those named. Answering watches the question.
    The caller read the question's asker and the parent's author already (posting's lookups)."""
    recipients: dict[int, str] = {}
    done: set[int] = set()
    if parent_id is not None:
        if parent_author_id is not None:
            recipients[parent_author_id] = NOTIFY_REPLY
    else:
        # The watchers' rows straight from the watch table in one statement, however many they are.
        ids, done = queries.notify_watchers(session, question_id=question_id, answer_id=answer_id,
                                            kind=NOTIFY_ANSWER, actor_id=_id(actor), now=now_utc())
        session.info.setdefault(NEW_NOTIFICATIONS, []).extend(ids)
        if asker_id is not None and asker_id not in done:
            recipients[asker_id] = NOTIFY_ANSWER  # the asker hears of answers even after unwatching
    _mentions(session, body_html, recipients)
    for user_id in done:
        recipients.pop(user_id, None)  # one notification per person per post
    _notify(session, recipients, actor=actor, question_id=question_id, answer_id=answer_id)
    queries.watch(session, _id(actor), question_id, now_utc())


def on_edit(session: Session, *, before_html: str, after_html: str, actor: User, question_id: int,
            answer_id: int | None = None) -> None:
    """An edit that adds @mentions notifies the newly named: not those the previous version named, nor
    those already told of a mention in this post (a name removed and put back is not news twice)."""
    added = mentioned_usernames(after_html) - mentioned_usernames(before_html)
    if not added:
        return
    user_ids = set(queries.user_ids_by_username(session, added).values())
    user_ids -= queries.mentioned_in(session, user_ids, question_id=question_id, answer_id=answer_id)
    _notify(session, dict.fromkeys(user_ids, NOTIFY_MENTION), actor=actor, question_id=question_id,
            answer_id=answer_id)


def on_accept(session: Session, question: Question, answer_id: int | None, actor: User) -> None:
    """The asker accepted an answer: its writer hears of it (clearing an accept says nothing)."""
    if answer_id is None:
        return
    owner = queries.answer_owner(session, answer_id)
    if owner is not None:
        _notify(session, {owner: NOTIFY_ACCEPT}, actor=actor, question_id=_id(question), answer_id=answer_id)


def on_moderation(session: Session, kind: str, *, author_id: int | None, moderator: User, question_id: int,
                  answer_id: int | None = None, reason: str | None = None,
                  other_question_id: int | None = None) -> None:
    """A moderator hid or restored a post, or closed a question: its author hears of it with the
    reason (a source author without an account, or a moderator acting on their own post, hears nothing)."""
    if author_id is not None:
        _notify(session, {author_id: kind}, actor=moderator, question_id=question_id, answer_id=answer_id,
                detail=reason, other_question_id=other_question_id)


def on_reopen(session: Session, question: Question, moderator: User) -> None:
    """A moderator reopened a closed question: its watchers (one INSERT … SELECT, however many) and its
    asker, even one who stopped watching, hear that it takes answers again; the moderator does not."""
    ids, done = queries.notify_watchers(session, question_id=_id(question), answer_id=None, kind=NOTIFY_REOPEN,
                                        actor_id=_id(moderator), now=now_utc())
    session.info.setdefault(NEW_NOTIFICATIONS, []).extend(ids)
    if question.user_id is not None and question.user_id not in done:
        _notify(session, {question.user_id: NOTIFY_REOPEN}, actor=moderator, question_id=_id(question),
                answer_id=None)


# --- the inbox --------------------------------------------------------------------------------------


def _public(row) -> NotificationPublic:
    item, title, actor_name, actor_username = row
    url = urls.answer(item.question_id, item.answer_id) if item.answer_id else urls.question(item.question_id)
    return NotificationPublic(
        id=item.id, kind=item.kind, kind_name=KIND_NAMES.get(item.kind, item.kind),
        message=message(item.kind, actor_name, title, item.detail), question_id=item.question_id,
        question_title=title, answer_id=item.answer_id, actor=actor_name,
        actor_url=urls.user(actor_username) if actor_username else None, url=url, other_url=other_url(item),
        created_at=item.created_at, read=item.read_at is not None, read_at=item.read_at)


def inbox(session: Session, user: User, *, page: int = 1, per_page: int = PER_PAGE,
          unread_only: bool = False) -> InboxPage:
    per_page = max(1, min(per_page, MAX_PER_PAGE))
    rows, total = queries.inbox_page(session, _id(user), offset=(page - 1) * per_page, limit=per_page,
                                     unread_only=unread_only)
    pages = max(1, math.ceil(total / per_page))
    if page > pages:
        raise AppError(404, f"알림은 {pages}쪽까지 있습니다.", details=[{"field": "page"}])
    return InboxPage(items=[_public(row) for row in rows], unread_count=queries.unread_count(session, _id(user)),
                     total=total, page=page, per_page=per_page, pages=pages, unread_only=unread_only,
                     url=urls.inbox(unread=1 if unread_only else None),
                     json_url=urls.api(urls.inbox(unread=1 if unread_only else None)))


def mark_read(session: Session, user: User, notification_id: int) -> NotificationPublic:
    """Someone else's notification is as absent as one that never was (404)."""
    with write_transaction(session):
        if queries.inbox_item(session, _id(user), notification_id) is None:
            raise AppError(404, f"{notification_id}번 알림을 찾을 수 없습니다.")
        queries.mark_read(session, _id(user), now_utc(), notification_id)
    session.expire_all()
    return _public(queries.inbox_item(session, _id(user), notification_id))


def mark_all_read(session: Session, user: User) -> MarkedRead:
    with write_transaction(session):
        marked = queries.mark_read(session, _id(user), now_utc())
    return MarkedRead(marked=marked, unread_count=queries.unread_count(session, _id(user)))


# --- watching --------------------------------------------------------------------------------------


def _live_question(session: Session, question_id: int) -> Question:
    question = session.get(Question, question_id)
    if question is None or question.deleted_at is not None or question.retired_at is not None:
        raise AppError(404, f"{question_id}번 질문을 찾을 수 없습니다.")
    return question


def set_watch(session: Session, user: User, question_id: int, watching: bool) -> WatchState:
    with write_transaction(session):
        _live_question(session, question_id)
        if watching:
            queries.watch(session, _id(user), question_id, now_utc())
        else:
            queries.unwatch(session, _id(user), question_id)
    return WatchState(question_id=question_id, watching=watching)


def toggle_watch(session: Session, user: User, question_id: int) -> WatchState:
    return set_watch(session, user, question_id, not queries.is_watching(session, _id(user), question_id))


# --- e-mail settings ---------------------------------------------------------------------------------


def settings_of(user: User, *, email_available: bool) -> NotificationSettings:
    return NotificationSettings(email=user.email, email_notifications=user.email_notifications,
                                email_available=email_available)


def update_settings(session: Session, user: User, *, email: str | None, email_notifications: bool,
                    email_available: bool) -> NotificationSettings:
    address = (email or "").strip() or None
    if address is not None and (len(address) > 254 or not EMAIL_RE.match(address)):
        raise AppError(422, "전자우편 주소가 올바르지 않습니다 (예: minkyu@example.com).", details=[{"field": "email"}])
    if email_notifications and address is None:
        raise AppError(422, "알림을 전자우편으로 받으려면 주소를 적어 주세요.", details=[{"field": "email"}])
    with write_transaction(session):
        row = session.get(User, _id(user))
        assert row is not None  # the signed-in account
        row.email, row.email_notifications = address, email_notifications
        session.add(row)
    session.refresh(row)
    return settings_of(row, email_available=email_available)


def new_notification_ids(session: Session) -> Sequence[int]:
    """The notifications this session's writes made (and forgets them): for the e-mail job."""
    return session.info.pop(NEW_NOTIFICATIONS, None) or ()
