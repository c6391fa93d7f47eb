"""Moderation: members flag posts; moderators work the queue (hide or restore a post, dismiss its
flags), close questions (as duplicates too) and suspend accounts; admins read the log of it all.

A hidden post is soft: it keeps its rows, gets hidden_at and hidden_reason, and deleted_at as well, so
every reader's query (lists, search, feeds, counters, the related questions) drops it as it drops a
deleted post, and the same write bumps the content versions that key the page caches. Its author and
the moderators still see it, with the reason, on its question page. Every moderator action writes
one ModerationAction row in the same transaction as the action, and the post's author gets an inbox
notification (hidden with the reason, restored, closed, closed as a duplicate with the original) in
that transaction too; a reopened question tells its asker and its watchers.
"""

from __future__ import annotations

import json
import re
from collections import OrderedDict
from datetime import timedelta

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from app import urls
from app.clock import now_utc
from app.db.models import (
    NOTIFY_CLOSE,
    NOTIFY_DUPLICATE,
    NOTIFY_HIDE,
    NOTIFY_RESTORE,
    ROLES,
    Answer,
    Flag,
    ModerationAction,
    Question,
    User,
)
from app.db.queries import moderation as queries
from app.db.queries import writes as writes_queries
from app.db.transactions import write_transaction
from app.errors import AppError
from app.schemas.limits import clean_text
from app.schemas.moderation import (
    AccountStanding,
    FlagPublic,
    FlagReport,
    HiddenPosts,
    LogEntry,
    LogPage,
    ModerationQueue,
    QueueItem,
    SuspensionPublic,
)
from app.services import notifications
from app.services.posting import _finish, live_answer, live_question
from app.services.reading import author_url
from app.services.standing import (
    ensure_can_post,
    is_admin,
    is_moderator,
    is_suspended,
    require_admin,
    require_moderator,
)

REASON_MAX = 500
SUSPEND_MAX_DAYS = 3650
QUEUE_LIMIT = 500  # open flags read per queue page; a queue longer than this is worked down first
HIDDEN_SHOWN = 50
ACTION_NAMES = {"hide": "숨김", "restore": "되살림", "dismiss": "신고 정리", "close": "닫음",
                "reopen": "다시 엶", "suspend": "정지", "unsuspend": "정지 풂", "role": "역할 변경"}


def check_reason(raw: str | None, *, field: str = "reason") -> str:
    reason = " ".join(clean_text(raw).split())
    if not reason:
        raise AppError(422, "사유를 적어 주세요.", details=[{"field": field, "message": "사유가 비어 있습니다."}])
    if len(reason) > REASON_MAX:
        raise AppError(422, f"사유는 {REASON_MAX}자 이하여야 합니다.",
                       details=[{"field": field, "max_length": REASON_MAX, "length": len(reason)}])
    return reason


def _log(session: Session, moderator: User | None, action: str, *, reason: str = "", question_id: int | None = None,
         answer_id: int | None = None, target_user_id: int | None = None, **details) -> None:
    session.add(ModerationAction(
        moderator_id=moderator.id if moderator is not None else None, action=action, question_id=question_id,
        answer_id=answer_id, target_user_id=target_user_id, reason=reason,
        details_json=json.dumps(details, ensure_ascii=False, default=str), created_at=now_utc()))


def _one_post(question_id: int | None, answer_id: int | None) -> None:
    if (question_id is None) == (answer_id is None):
        raise AppError(422, "질문이나 답변 중 하나를 골라 주세요.")


def _target(session: Session, question_id: int | None, answer_id: int | None) -> tuple[Question | Answer, int]:
    """The live post a member flags or a moderator hides, and its question's id."""
    _one_post(question_id, answer_id)
    if question_id is not None:
        question = live_question(session, question_id)
        return question, question_id
    answer = live_answer(session, answer_id)  # type: ignore[arg-type]
    return answer, answer.question_id


def _any_post(session: Session, question_id: int | None, answer_id: int | None) -> Question | Answer:
    """The post whether shown or not (a hidden post is restored, a deleted one's flags dismissed)."""
    _one_post(question_id, answer_id)
    post: Question | Answer | None = (session.get(Question, question_id) if question_id is not None
                                      else session.get(Answer, answer_id))
    if post is None:
        raise AppError(404, "글을 찾을 수 없습니다.")
    return post


# --- members ---------------------------------------------------------------------------------


def flag_post(session: Session, user: User, *, question_id: int | None = None, answer_id: int | None = None,
              reason: str) -> FlagPublic:
    ensure_can_post(user)
    reason = check_reason(reason)
    assert user.id is not None
    try:
        with write_transaction(session):
            post, _ = _target(session, question_id, answer_id)
            if post.user_id is not None and post.user_id == user.id:
                raise AppError(409, "내가 쓴 글은 신고할 수 없습니다. 고치거나 지울 수 있습니다.", code="own_post")
            if queries.open_flag_by(session, user.id, question_id=question_id, answer_id=answer_id) is not None:
                raise _already_flagged()
            flag = Flag(question_id=question_id, answer_id=answer_id, user_id=user.id, reason=reason,
                        created_at=now_utc())
            session.add(flag)
            session.flush()
            result = FlagPublic(id=flag.id, question_id=question_id, answer_id=answer_id, reason=reason,
                                created_at=flag.created_at)
    except IntegrityError:
        # The same member's other request flagged it between the check and the insert (uq_flag_open_*).
        raise _already_flagged() from None
    return result


def _already_flagged() -> AppError:
    return AppError(409, "이미 신고한 글입니다. 운영자가 살펴볼 때까지 기다려 주세요.", code="already_flagged")


# --- posts -----------------------------------------------------------------------------------


def hide_post(session: Session, moderator: User, *, question_id: int | None = None, answer_id: int | None = None,
              reason: str) -> QueueItem:
    require_moderator(moderator)
    reason = check_reason(reason)
    with write_transaction(session):
        if _any_post(session, question_id, answer_id).hidden_at is not None:
            raise AppError(409, "이미 숨긴 글입니다.", code="already_hidden")  # another moderator was first
        post, owner_question = _target(session, question_id, answer_id)
        now = now_utc()
        post.hidden_at, post.hidden_reason, post.deleted_at = now, reason, now
        session.add(post)
        resolved = queries.resolve_flags(session, question_id=question_id, answer_id=answer_id,
                                         resolution="hidden", now=now)
        _log(session, moderator, "hide", reason=reason, question_id=owner_question, answer_id=answer_id,
             target_user_id=post.user_id, flags=resolved)
        notifications.on_moderation(session, NOTIFY_HIDE, author_id=post.user_id, moderator=moderator,
                                    question_id=owner_question, answer_id=answer_id, reason=reason)
        _finish(session, [owner_question], linked=question_id is not None)
        item = _items(session, [post])[0]
    return item


def restore_post(session: Session, moderator: User, *, question_id: int | None = None,
                 answer_id: int | None = None) -> QueueItem:
    require_moderator(moderator)
    with write_transaction(session):
        post = _any_post(session, question_id, answer_id)
        if post.hidden_at is None:
            raise AppError(409, "숨긴 글이 아닙니다.", code="not_hidden")
        owner_question = post.id if isinstance(post, Question) else post.question_id
        assert owner_question is not None
        earlier = post.hidden_reason
        post.hidden_at = post.hidden_reason = post.deleted_at = None
        session.add(post)
        _log(session, moderator, "restore", question_id=owner_question, answer_id=answer_id,
             target_user_id=post.user_id, hidden_reason=earlier)
        notifications.on_moderation(session, NOTIFY_RESTORE, author_id=post.user_id, moderator=moderator,
                                    question_id=owner_question, answer_id=answer_id)
        _finish(session, [owner_question], linked=question_id is not None)
        item = _items(session, [post])[0]
    return item


def dismiss_flags(session: Session, moderator: User, *, question_id: int | None = None,
                  answer_id: int | None = None) -> int:
    """The flags on this post need no action: they leave the queue; how many did."""
    require_moderator(moderator)
    with write_transaction(session):
        post = _any_post(session, question_id, answer_id)
        owner_question = post.id if isinstance(post, Question) else post.question_id
        resolved = queries.resolve_flags(session, question_id=question_id, answer_id=answer_id,
                                         resolution="dismissed", now=now_utc())
        if not resolved:
            raise AppError(409, "이 글에는 처리할 신고가 없습니다.", code="no_open_flags")
        _log(session, moderator, "dismiss", question_id=owner_question, answer_id=answer_id,
             target_user_id=post.user_id, flags=resolved)
    return resolved


# --- questions -------------------------------------------------------------------------------


def close_question(session: Session, moderator: User, question_id: int, *, reason: str | None = None,
                   duplicate_of: int | None = None) -> dict:
    """Close to new answers; as a duplicate, both question pages link to each other."""
    require_moderator(moderator)
    if duplicate_of is not None and duplicate_of == question_id:
        raise _bad_original("질문을 자기 자신의 중복으로 닫을 수 없습니다. 원래 질문의 번호를 적어 주세요.")
    reason = check_reason(reason or ("중복 질문" if duplicate_of is not None else ""))
    with write_transaction(session):
        question = live_question(session, question_id)
        if question.closed_at is not None:
            raise AppError(409, "이미 닫힌 질문입니다.", code="already_closed")
        touched = [question_id]
        if duplicate_of is not None:
            original = session.get(Question, duplicate_of)
            if original is not None and original.hidden_at is not None:
                raise _bad_original(f"{duplicate_of}번 질문은 숨긴 질문이라 원래 질문으로 삼을 수 없습니다.")
            if original is None or original.deleted_at is not None:
                raise _bad_original(f"{duplicate_of}번 질문을 찾을 수 없습니다. 번호를 다시 확인해 주세요.")
            if original.duplicate_of_id is not None:
                raise _bad_original(f"{duplicate_of}번 질문도 {original.duplicate_of_id}번의 중복으로 닫혀 있습니다. "
                                    f"{original.duplicate_of_id}번 질문의 중복으로 닫아 주세요.",
                                    status_code=409, code="duplicate_chain")
            touched.append(duplicate_of)
        question.closed_at, question.closed_reason, question.duplicate_of_id = now_utc(), reason, duplicate_of
        session.add(question)
        _log(session, moderator, "close", reason=reason, question_id=question_id, target_user_id=question.user_id,
             duplicate_of=duplicate_of)
        notifications.on_moderation(session, NOTIFY_DUPLICATE if duplicate_of is not None else NOTIFY_CLOSE,
                                    author_id=question.user_id, moderator=moderator, question_id=question_id,
                                    reason=reason, other_question_id=duplicate_of)
        _finish(session, touched, reindex_ids=False)
    return {"question_id": question_id, "closed": True, "reason": reason, "duplicate_of": duplicate_of,
            "url": urls.question(question_id)}


_QUESTION_REF = re.compile(r"^\s*(?:#|(?:https?://[^/\s]+)?/questions/)?(\d{1,18})(?:[/?#]\S*)?\s*$")


def question_ref(text: str | None) -> int | None:
    """A question as a moderator gives it in a form: `12`, `#12`, `/questions/12` or its full address."""
    if not text or not text.strip():
        return None
    found = _QUESTION_REF.match(text)
    if found is None:
        raise _bad_original("원래 질문은 번호(12)나 주소(/questions/12)로 적어 주세요.")
    return int(found.group(1))


def _bad_original(message: str, *, status_code: int = 422, code: str | None = None) -> AppError:
    """A close refused for its duplicate_of: the form shows the message next to that field."""
    return AppError(status_code, message, code=code, details=[{"field": "duplicate_of", "message": message}])


def reopen_question(session: Session, moderator: User, question_id: int) -> dict:
    require_moderator(moderator)
    with write_transaction(session):
        question = live_question(session, question_id)
        if question.closed_at is None:
            raise AppError(409, "닫힌 질문이 아닙니다.", code="not_closed")
        touched = [question_id] + ([question.duplicate_of_id] if question.duplicate_of_id else [])
        earlier = question.closed_reason
        question.closed_at = question.closed_reason = question.duplicate_of_id = None
        session.add(question)
        _log(session, moderator, "reopen", question_id=question_id, target_user_id=question.user_id,
             closed_reason=earlier)
        notifications.on_reopen(session, question, moderator)
        _finish(session, touched, reindex_ids=False)
    return {"question_id": question_id, "closed": False, "url": urls.question(question_id)}


# --- accounts --------------------------------------------------------------------------------


def _account(session: Session, username: str) -> User:
    user = writes_queries.user_by_username(session, (username or "").strip().lower())
    if user is None:
        raise AppError(404, f"'{username}' 계정을 찾을 수 없습니다.")
    return user


def _standing(user: User) -> AccountStanding:
    return AccountStanding(username=user.username, role=user.role, suspended=is_suspended(user),
                           suspended_until=user.suspended_until, suspended_reason=user.suspended_reason)


def standing_for(session: Session, reader: User | None, username: str) -> AccountStanding | None:
    """An account's role and suspension as its page shows them to a moderator (nobody else sees them)."""
    if not is_moderator(reader):
        return None
    target = writes_queries.user_by_username(session, (username or "").strip().lower())
    return _standing(target) if target is not None else None


def suspend_account(session: Session, moderator: User, username: str, *, days: int, reason: str) -> AccountStanding:
    require_moderator(moderator)
    if not 1 <= days <= SUSPEND_MAX_DAYS:
        raise AppError(422, f"정지 기간은 1~{SUSPEND_MAX_DAYS}일입니다.", details=[{"field": "days"}])
    reason = check_reason(reason)
    with write_transaction(session):
        target = _account(session, username)
        if target.id == moderator.id:
            raise AppError(409, "자기 계정은 정지할 수 없습니다.", code="own_account")
        if is_admin(target) or (is_moderator(target) and not is_admin(moderator)):
            raise AppError(403, "운영자·관리자 계정은 관리자만 정지할 수 있고, 관리자 계정은 정지할 수 없습니다.",
                           code="protected_account")
        now = now_utc()
        target.suspended_until, target.suspended_reason = now + timedelta(days=days), reason
        session.add(target)
        _log(session, moderator, "suspend", reason=reason, target_user_id=target.id, days=days,
             until=target.suspended_until.isoformat())
        session.flush()
        result = _standing(target)
    return result


def unsuspend_account(session: Session, moderator: User, username: str) -> AccountStanding:
    require_moderator(moderator)
    with write_transaction(session):
        target = _account(session, username)
        if not is_suspended(target):
            raise AppError(409, "정지된 계정이 아닙니다.", code="not_suspended")
        target.suspended_until = target.suspended_reason = None
        session.add(target)
        _log(session, moderator, "unsuspend", target_user_id=target.id)
        session.flush()
        result = _standing(target)
    return result


def set_role(session: Session, username: str, role: str) -> AccountStanding:
    """`kb user promote`: whoever runs the command line holds the database already, so the log line
    names no moderator."""
    if role not in ROLES:
        raise AppError(422, f"역할은 {', '.join(ROLES)} 중 하나입니다.", details=[{"field": "role"}])
    with write_transaction(session):
        target = _account(session, username)
        earlier = target.role
        if earlier != role:
            target.role = role
            session.add(target)
            _log(session, None, "role", target_user_id=target.id, before=earlier, after=role)
        session.flush()
        result = _standing(target)
    return result


# --- what moderators and admins read ---------------------------------------------------------


def _kind(post: Question | Answer) -> str:
    if isinstance(post, Question):
        return "question"
    return "reply" if post.parent_id is not None else "answer"


def _items(session: Session, posts: list[Question | Answer],
           flags: dict[tuple[int | None, int | None], list[Flag]] | None = None) -> list[QueueItem]:
    """Posts as the queue shows them, with their question's title and their open flags."""
    flags = flags or {}
    questions = queries.questions_by_id(
        session, [p.id if isinstance(p, Question) else p.question_id for p in posts])
    flaggers = queries.users_by_id(session, [f.user_id for group in flags.values() for f in group])
    usernames = writes_queries.usernames(session, [p.user_id for p in posts])
    items = []
    for post in posts:
        assert post.id is not None
        is_question = isinstance(post, Question)
        question_id = post.id if isinstance(post, Question) else post.question_id
        question = questions.get(question_id)
        key = (post.id, None) if is_question else (None, post.id)
        items.append(QueueItem(
            kind=_kind(post), id=post.id, question_id=question_id,
            question_title=question.title if question is not None else "",
            author=post.author, author_url=author_url(post, usernames),
            author_username=usernames.get(post.user_id) if post.user_id is not None else None,
            body_html=post.body_html, hidden=post.hidden_at is not None, hidden_reason=post.hidden_reason,
            hidden_at=post.hidden_at,
            flags=[FlagReport(reason=f.reason, by=flaggers[f.user_id].username if f.user_id in flaggers else "?",
                              created_at=f.created_at) for f in flags.get(key, [])],
            url=urls.question(question_id) if is_question else urls.answer(question_id, post.id),
            api_url=urls.api(urls.question(post.id)) if is_question else urls.api_answer(post.id),
        ))
    return items


def queue(session: Session, moderator: User) -> ModerationQueue:
    require_moderator(moderator)
    grouped: OrderedDict[tuple[int | None, int | None], list[Flag]] = OrderedDict()
    for flag in queries.open_flags(session, QUEUE_LIMIT):
        grouped.setdefault((flag.question_id, flag.answer_id), []).append(flag)
    questions = queries.questions_by_id(session, [q for q, _ in grouped])
    answers = queries.answers_by_id(session, [a for _, a in grouped])
    flagged: list[Question | Answer] = []
    for question_id, answer_id in grouped:
        post = questions.get(question_id) if question_id is not None else answers.get(answer_id or 0)
        if post is not None:
            flagged.append(post)
    hidden: list[Question | Answer] = [*queries.hidden_questions(session, HIDDEN_SHOWN),
                                       *queries.hidden_answers(session, HIDDEN_SHOWN)]
    hidden.sort(key=lambda p: p.hidden_at, reverse=True)  # type: ignore[arg-type, return-value]
    suspended = [SuspensionPublic(username=u.username, display_name=u.display_name,
                                  suspended_until=u.suspended_until, reason=u.suspended_reason,
                                  url=urls.user(u.username))
                 for u in queries.suspended_users(session, now_utc()) if u.suspended_until is not None]
    return ModerationQueue(flagged=_items(session, flagged, grouped), hidden=_items(session, hidden[:HIDDEN_SHOWN]),
                           suspended=suspended, open_flag_count=queries.open_flag_count(session))


def hidden_answers_for(session: Session, reader: User | None, question_id: int) -> list[QueueItem]:
    """The hidden answers and replies on this question that this reader may still see: their own
    (with the moderator's reason), or all of them for a moderator."""
    if reader is None:
        return []
    user_id = None if is_moderator(reader) else reader.id
    return _items(session, list(queries.hidden_answers(session, 200, question_id=question_id, user_id=user_id)))


def hidden_question_for(session: Session, reader: User | None, question_id: int) -> QueueItem | None:
    """A hidden question as its author or a moderator sees it (everyone else gets a 404)."""
    question = session.get(Question, question_id)
    if reader is None or question is None or question.hidden_at is None:
        return None
    if question.user_id != reader.id and not is_moderator(reader):
        return None
    return _items(session, [question])[0]


def hidden_posts(session: Session, reader: User, question_id: int) -> HiddenPosts:
    """What of this question a moderator hid that this reader may see, with the reasons: the JSON twin
    of the hidden question's page and of the question page's box of hidden answers."""
    question = session.get(Question, question_id)
    shown_question = hidden_question_for(session, reader, question_id)
    if question is None or (question.deleted_at is not None and shown_question is None):
        raise AppError(404, f"{question_id}번 질문을 찾을 수 없습니다.")
    return HiddenPosts(question=shown_question, answers=hidden_answers_for(session, reader, question_id))


def moderation_log(session: Session, admin: User, *, page: int = 1, per_page: int = 50) -> LogPage:
    require_admin(admin)
    rows, total = queries.log_page(session, limit=per_page, offset=(page - 1) * per_page)
    users = queries.users_by_id(session, [u for r in rows for u in (r.moderator_id, r.target_user_id)])

    def name(user_id: int | None) -> str | None:
        return users[user_id].username if user_id in users else None

    def where(row: ModerationAction) -> str | None:
        if row.question_id is None:
            return None
        return urls.answer(row.question_id, row.answer_id) if row.answer_id else urls.question(row.question_id)

    items = [LogEntry(id=r.id, action=r.action, action_name=ACTION_NAMES.get(r.action, r.action),
                      moderator=name(r.moderator_id), question_id=r.question_id, answer_id=r.answer_id,
                      target_user=name(r.target_user_id), reason=r.reason, details=json.loads(r.details_json or "{}"),
                      created_at=r.created_at, url=where(r))
             for r in rows if r.id is not None]
    return LogPage(items=items, total=total, page=page, per_page=per_page)

