"""Posting: ask, answer, reply, edit (with revisions), soft delete.

Every write is one transaction (app.db.transactions: BEGIN IMMEDIATE on SQLite, row and advisory
locks where writers must take turns on PostgreSQL), so concurrent writers queue instead of failing
halfway; the idempotency record is written in the same transaction as the post, so a repeated
submit returns the first result and never a second row.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlmodel import Session

from app import urls
from app.clock import now_utc
from app.db.models import ORIGIN_POSTED, Answer, Collection, IdempotencyKey, Question, Revision, User
from app.db.queries import versions
from app.db.queries import writes as queries
from app.db.queries.ingest import refresh_question_counters
from app.db.transactions import write_transaction
from app.errors import AppError
from app.ingest.shapes import GENERAL_KIND
from app.render import render_markdown
from app.schemas.limits import check_body, check_title, clean_text, clean_title
from app.search.glossary import concept_glossary
from app.services import indexing, notifications
from app.services.standing import ensure_can_post

GENERAL_SLUG = "general"
POSTED_POSITION_BASE = 1_000_000  # posted rows sort after every ingested row


@dataclass
class WriteResult:
    """What a write gives back: the new post's public fields (with its `url` and `api_url`), and
    whether it is the first result of an earlier submit with the same key. The API answers 201 with
    Location: api_url; a form redirects to url."""

    payload: dict[str, Any] = field(default_factory=dict)
    replayed: bool = False

    @property
    def url(self) -> str:
        return self.payload["url"]

    @property
    def api_url(self) -> str:
        return self.payload["api_url"]


def render(markdown: str, session: Session | None = None) -> str:
    """Same renderer as ingest (math and glossary links included), sanitised; stored at write time.
    With a session, @username of an account links to its page (a preview has none)."""
    # No resolver: posted Markdown cannot point at server files, so a local image is a placeholder.
    mentions = notifications.account_mentions(session, markdown) if session is not None else None
    return render_markdown(markdown, glossary=concept_glossary(), mentions=mentions)


def preview(_session: Session, _user: User, body: str) -> str:
    """What posting `body` would store as its HTML, stored nowhere (an API service: called with the
    caller's session and account, which only the rate limit before it needed)."""
    return render(check_body(clean_text(body), required=False))


# --- idempotency ----------------------------------------------------------------------------


def _idem_key(user: User, scope: str, key: str | None) -> str | None:
    if not key:
        return None
    key = key.strip()
    if not (1 <= len(key) <= 200) or not key.isprintable():
        raise AppError(422, "Idempotency-Key는 1~200자의 출력 가능한 문자여야 합니다.",
                       details=[{"field": "Idempotency-Key"}])
    return f"{user.id}:{scope}:{key}"


def _recall(session: Session, key: str | None) -> WriteResult | None:
    if key is None:
        return None
    queries.lock_idempotency_key(session, key)
    row = session.get(IdempotencyKey, key)
    if row is None:
        return None
    data = json.loads(row.response_json or "{}")
    return WriteResult(data.get("payload", {}), replayed=True)


def _remember(session: Session, key: str | None, user_id: int, result: WriteResult) -> None:
    if key is None:
        return
    # status_code and location are columns of the table; every write that can be replayed is a creation.
    session.add(IdempotencyKey(key=key, user_id=user_id, created_at=now_utc(), status_code=201,
                               location=result.api_url,
                               response_json=json.dumps({"payload": result.payload}, ensure_ascii=False, default=str)))


# --- helpers --------------------------------------------------------------------------------


def question_payload(question: Question, collection: Collection) -> dict:
    return _question_fields(_id(question), question.title, question.body_md, question.body_html, question.author,
                            question.origin, collection.slug, question.created_at, question.updated_at,
                            deleted=question.deleted_at is not None)


def _question_fields(question_id: int, title: str, body_md: str, body_html: str, author: str | None, origin: str,
                     collection: str, created_at: datetime, updated_at: datetime, *, deleted: bool) -> dict:
    """A question's payload from its fields: a stored row's, or a question just posted from what was
    written (no read back)."""
    return {
        "id": question_id, "title": title, "body_md": body_md, "body_html": body_html, "author": author,
        "origin": origin, "collection": collection, "created_at": created_at.isoformat(),
        "updated_at": updated_at.isoformat(), "deleted": deleted,
        "url": urls.question(question_id), "api_url": urls.api(urls.question(question_id)),
    }


def answer_payload(answer: Answer) -> dict:
    return _answer_fields(_id(answer), answer.question_id, answer.parent_id, answer.body_md, answer.body_html,
                          answer.author, answer.origin, answer.vote_score, answer.created_at, answer.updated_at,
                          answer.deleted_at is not None)


def _answer_fields(answer_id: int, question_id: int, parent_id: int | None, body_md: str, body_html: str,
                   author: str | None, origin: str, vote_score: int, created_at: datetime, updated_at: datetime,
                   deleted: bool) -> dict:
    return {
        "id": answer_id, "question_id": question_id, "parent_id": parent_id,
        "body_md": "" if deleted else body_md, "body_html": "" if deleted else body_html,
        "author": None if deleted else author, "origin": origin, "vote_score": vote_score,
        "created_at": created_at.isoformat(), "updated_at": updated_at.isoformat(),
        "deleted": deleted, "url": urls.answer(question_id, answer_id), "api_url": urls.api_answer(answer_id),
    }


def _id(row: User | Question | Answer | Collection) -> int:
    """A stored row's id (optional on the model only until it is flushed)."""
    assert row.id is not None
    return row.id


def live_question(session: Session, question_id: int) -> Question:
    question = session.get(Question, question_id)
    if question is None or question.deleted_at is not None:
        raise AppError(404, f"{question_id}번 질문을 찾을 수 없습니다.")
    return question


def live_answer(session: Session, answer_id: int) -> Answer:
    answer = session.get(Answer, answer_id)
    if answer is None or answer.deleted_at is not None or answer.retired_at is not None:
        raise AppError(404, f"{answer_id}번 답변을 찾을 수 없습니다.")
    live_question(session, answer.question_id)
    return answer


def _collection_for(session: Session, slug: str | None) -> tuple[int, str]:
    """(id, slug) of the collection a question is posted to; the general one is made on first use."""
    slug = (slug or GENERAL_SLUG).strip()
    collection_id = queries.collection_id_by_slug(session, slug)
    if collection_id is not None:
        return collection_id, slug
    if slug != GENERAL_SLUG:
        raise AppError(404, f"'{slug}' 모음을 찾을 수 없습니다.", details=[{"field": "collection"}])
    now = now_utc()
    collection = Collection(slug=GENERAL_SLUG, title="일반 질문", kind=GENERAL_KIND, source_path=None,
                            origin=ORIGIN_POSTED, created_at=now, updated_at=now)
    session.add(collection)
    session.flush()
    return _id(collection), GENERAL_SLUG


def _count_and_bump(session: Session, question_ids: list[int], answered_before: dict[int, bool], *,
                    linked: bool = False, thread_only: bool = False) -> None:
    """The questions' counters recounted from their rows, and their content versions bumped (only
    their threads' with `thread_only`: a vote or an acceptance changes nothing else of the page); with
    `linked` (a question added, retitled, deleted or hidden) or when one became answered or unanswered,
    the pages that link to them too, since the links show that (no other page)."""
    conn = session.connection()
    rows = refresh_question_counters(conn, question_ids=question_ids)
    flipped = any(answered_before.get(qid, answered) != answered for qid, _, answered in rows)
    versions.bump(conn, questions=() if thread_only else question_ids, threads=question_ids if thread_only else (),
                  collections={cid for _, cid, _ in rows}, linked_to=question_ids if linked or flipped else ())


def _finish(session: Session, question_ids: list[int], *, linked: bool = False, reindex_ids: bool = True,
            thread_only: bool = False) -> None:
    """After a write to these questions: their counters from the rows, their content versions
    bumped (and the pages linking to them, as _count_and_bump says), and their search documents queued
    to be made again after the commit (app.services.indexing; unless the write leaves the text alone,
    or queues its own index work)."""
    answered_before = {qid: question.answered for qid in question_ids
                       if (question := session.get(Question, qid)) is not None}  # loaded already: no SQL
    session.flush()
    _count_and_bump(session, question_ids, answered_before, linked=linked, thread_only=thread_only)
    session.expire_all()  # the counters were written by SQL behind the ORM's back
    if reindex_ids:
        indexing.queue_documents(session, question_ids)


# --- use cases ------------------------------------------------------------------------------


def create_question(session: Session, user: User, *, title: str, body: str, collection: str | None = None,
                    idempotency_key: str | None = None) -> WriteResult:
    """A question, in plain statements like an answer (no ORM unit of work inside the write lock): the
    row with its position, its revision, the notifications, the counters and versions, and its search
    document queued for after the commit."""
    ensure_can_post(user)
    title, body = check_title(clean_title(title)), check_body(clean_text(body))
    key = _idem_key(user, "question", idempotency_key)
    body_html = render(body, session)  # outside the lock: rendering is the slow part
    user_id, author = _id(user), user.display_name
    with write_transaction(session):
        if (earlier := _recall(session, key)) is not None:
            return earlier
        collection_id, slug = _collection_for(session, collection)
        now = now_utc()
        question_id = queries.insert_question(session, collection_id=collection_id, title=title, author=author,
                                              user_id=user_id, body_md=body, body_html=body_html,
                                              position_base=POSTED_POSITION_BASE, now=now)
        queries.insert_revision(session, question_id=question_id, user_id=user_id, title=title, body_md=body, now=now)
        notifications.on_question(session, question_id=question_id, body_html=body_html, actor=user)
        _count_and_bump(session, [question_id], {question_id: False}, linked=True)
        indexing.queue_documents(session, [question_id])
        result = WriteResult(_question_fields(question_id, title, body, body_html, author, ORIGIN_POSTED, slug,
                                                    now, now, deleted=False))
        _remember(session, key, user_id, result)
    return result


def create_answer(session: Session, user: User, *, question_id: int | None = None, parent_answer_id: int | None = None,
                  body: str, idempotency_key: str | None = None) -> WriteResult:
    """An answer to a question, or (with parent_answer_id) a nested reply to an answer.

    Every answer pays for this path, so inside the write lock it is plain statements, no ORM unit of
    work: the question's state, the row with its position, its revision, the notifications, the
    counters and versions, and the search work queued for after the commit."""
    ensure_can_post(user)
    body = check_body(clean_text(body))
    key = _idem_key(user, f"reply{parent_answer_id}" if parent_answer_id else f"answer{question_id}", idempotency_key)
    body_html = render(body, session)
    user_id, author = _id(user), user.display_name
    with write_transaction(session):
        if (earlier := _recall(session, key)) is not None:
            return earlier
        parent_author_id = None
        if parent_answer_id is not None:
            if (parent := queries.live_answer_ref(session, parent_answer_id)) is None:
                raise AppError(404, f"{parent_answer_id}번 답변을 찾을 수 없습니다.")
            question_id, parent_author_id = parent
        assert question_id is not None
        state = queries.question_for_answer(session, question_id)
        if state is None or state[0]:
            raise AppError(404, f"{question_id}번 질문을 찾을 수 없습니다.")
        if state[1]:
            raise AppError(409, "운영자가 닫은 질문이라 새 답변이나 답글을 받지 않습니다.", code="question_closed")
        now = now_utc()
        answer_id = queries.insert_answer(session, question_id=question_id, parent_id=parent_answer_id, author=author,
                                          user_id=user_id, body_md=body, body_html=body_html,
                                          position_base=POSTED_POSITION_BASE, now=now)
        queries.insert_revision(session, answer_id=answer_id, user_id=user_id, body_md=body, now=now)
        notifications.on_answer(session, answer_id=answer_id, question_id=question_id, parent_id=parent_answer_id,
                                body_html=body_html, actor=user, asker_id=state[3], parent_author_id=parent_author_id)
        collection_id, answered = queries.count_new_answer(session, question_id, reply=parent_answer_id is not None,
                                                           now=now)
        # Its thread alone changed: the rest of its page (links, panels) stays valid. The pages linking
        # to the question show whether it is answered: bumped only when that changed.
        versions.bump(session.connection(), threads=[question_id], collections=[collection_id],
                      linked_to=[question_id] if answered != bool(state[2]) else ())
        indexing.queue_answer(session, question_id, answer_id)  # analysed and indexed after the commit
        result = WriteResult(_answer_fields(
            answer_id, question_id, parent_answer_id, body, body_html, author, ORIGIN_POSTED, 0, now, now, False))
        _remember(session, key, user_id, result)
    return result


def _owned(item: Question | Answer, user: User) -> None:
    if item.user_id is None or item.user_id != user.id:
        raise AppError(403, "내가 쓴 글만 고치거나 지울 수 있습니다.", code="not_owner")


def edit_question(session: Session, user: User, question_id: int, *, title: str | None, body: str | None) -> dict:
    ensure_can_post(user)
    question = live_question(session, question_id)
    _owned(question, user)
    new_title = check_title(clean_title(title)) if title is not None else question.title
    new_body = check_body(clean_text(body)) if body is not None else question.body_md
    body_html = render(new_body, session) if new_body != question.body_md else question.body_html
    with write_transaction(session):
        question = live_question(session, question_id)
        if (new_title, new_body) != (question.title, question.body_md):
            title_changed = new_title != question.title
            now = now_utc()
            notifications.on_edit(session, before_html=question.body_html, after_html=body_html, actor=user,
                                  question_id=question_id)
            question.title, question.body_md, question.body_html = new_title, new_body, body_html
            question.updated_at = now
            session.add(question)
            session.add(Revision(question_id=question.id, user_id=user.id, title=new_title, body_md=new_body,
                                 created_at=now))
            _finish(session, [question.id], linked=title_changed)
        payload = question_payload(question, session.get(Collection, question.collection_id))
    return payload


def edit_answer(session: Session, user: User, answer_id: int, *, body: str) -> dict:
    ensure_can_post(user)
    answer = live_answer(session, answer_id)
    _owned(answer, user)
    new_body = check_body(clean_text(body))
    body_html = render(new_body, session)
    with write_transaction(session):
        answer = live_answer(session, answer_id)
        if new_body != answer.body_md:
            now = now_utc()
            notifications.on_edit(session, before_html=answer.body_html, after_html=body_html, actor=user,
                                  question_id=answer.question_id, answer_id=answer_id)
            answer.body_md, answer.body_html, answer.updated_at = new_body, body_html, now
            session.add(answer)
            session.add(Revision(answer_id=answer.id, user_id=user.id, body_md=new_body, created_at=now))
            _finish(session, [answer.question_id])
        payload = answer_payload(answer)
    return payload


def delete_question(session: Session, user: User, question_id: int) -> None:
    with write_transaction(session):
        question = live_question(session, question_id)
        _owned(question, user)
        question.deleted_at = now_utc()
        session.add(question)
        _finish(session, [question.id], linked=True)


def delete_answer(session: Session, user: User, answer_id: int) -> int:
    with write_transaction(session):
        answer = live_answer(session, answer_id)
        _owned(answer, user)
        answer.deleted_at = now_utc()
        session.add(answer)
        question = session.get(Question, answer.question_id)
        if question.accepted_answer_id == answer.id:
            question.accepted_answer_id = None
            session.add(question)
        _finish(session, [answer.question_id])
        return answer.question_id
