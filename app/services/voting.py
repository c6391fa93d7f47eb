"""Votes: +1 a question ("나도 궁금해요"), upvote an answer, the asker accepts an answer.

One vote per account per item (unique constraints); voting twice is a 409, never a double count.
A suspended account may neither vote, withdraw a vote nor accept: each is a write the moderator stopped.
"""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from app.clock import now_utc
from app.db.models import Answer, Question, User, Vote
from app.db.queries import writes as queries
from app.db.transactions import write_transaction
from app.errors import AppError
from app.services import notifications
from app.services.posting import _finish, live_answer, live_question
from app.services.standing import ensure_can_post


def _vote_row(session: Session, user: User, *, question_id: int | None = None, answer_id: int | None = None):
    return queries.vote_of(session, user.id, question_id=question_id, answer_id=answer_id)


def _refresh_answer_score(session: Session, answer: Answer) -> None:
    session.flush()
    answer.vote_score = queries.answer_vote_count(session, answer.id)
    session.add(answer)


def vote_question(session: Session, user: User, question_id: int) -> dict:
    ensure_can_post(user)
    try:
        with write_transaction(session):
            question = live_question(session, question_id)
            if question.user_id == user.id:
                raise AppError(403, "내 질문에는 '나도 궁금해요'를 누를 수 없습니다.", code="own_post")
            if _vote_row(session, user, question_id=question_id) is not None:
                raise AppError(409, "이미 '나도 궁금해요'를 눌렀습니다.", code="already_voted")
            session.add(Vote(user_id=user.id, question_id=question_id, created_at=now_utc()))
            # Votes and acceptance leave the search text and everything on the page but the thread alone.
            _finish(session, [question_id], reindex_ids=False, thread_only=True)
            count = session.get(Question, question_id).plus_one_count
    except IntegrityError:
        raise AppError(409, "이미 '나도 궁금해요'를 눌렀습니다.", code="already_voted") from None
    return {"question_id": question_id, "plus_one_count": count, "voted": True}


def unvote_question(session: Session, user: User, question_id: int) -> dict:
    ensure_can_post(user)
    with write_transaction(session):
        live_question(session, question_id)
        row = _vote_row(session, user, question_id=question_id)
        if row is None:
            raise AppError(404, "누른 '나도 궁금해요'가 없습니다.")
        session.delete(row)
        _finish(session, [question_id], reindex_ids=False, thread_only=True)
        count = session.get(Question, question_id).plus_one_count
    return {"question_id": question_id, "plus_one_count": count, "voted": False}


def vote_answer(session: Session, user: User, answer_id: int) -> dict:
    ensure_can_post(user)
    try:
        with write_transaction(session):
            answer = live_answer(session, answer_id)
            if answer.user_id == user.id:
                raise AppError(403, "내 답변에는 추천할 수 없습니다.", code="own_post")
            if _vote_row(session, user, answer_id=answer_id) is not None:
                raise AppError(409, "이미 추천했습니다.", code="already_voted")
            session.add(Vote(user_id=user.id, answer_id=answer_id, created_at=now_utc()))
            _refresh_answer_score(session, answer)
            _finish(session, [answer.question_id], reindex_ids=False, thread_only=True)
            score = answer.vote_score
    except IntegrityError:
        raise AppError(409, "이미 추천했습니다.", code="already_voted") from None
    return {"answer_id": answer_id, "vote_score": score, "voted": True}


def unvote_answer(session: Session, user: User, answer_id: int) -> dict:
    ensure_can_post(user)
    with write_transaction(session):
        answer = live_answer(session, answer_id)
        row = _vote_row(session, user, answer_id=answer_id)
        if row is None:
            raise AppError(404, "추천한 적이 없습니다.")
        session.delete(row)
        _refresh_answer_score(session, answer)
        _finish(session, [answer.question_id], reindex_ids=False, thread_only=True)
        score = answer.vote_score
    return {"answer_id": answer_id, "vote_score": score, "voted": False}


def accept_answer(session: Session, user: User, question_id: int, answer_id: int | None) -> dict:
    """The asker marks one answer as accepted (answer_id None clears it)."""
    ensure_can_post(user)
    with write_transaction(session):
        question = live_question(session, question_id)
        if question.user_id is None or question.user_id != user.id:
            raise AppError(403, "질문한 사람만 답변을 채택할 수 있습니다.", code="not_owner")
        if answer_id is not None:
            answer = live_answer(session, answer_id)
            if answer.question_id != question_id:
                raise AppError(422, "이 질문의 답변이 아닙니다.", details=[{"field": "answer_id"}])
            if answer.parent_id is not None:
                raise AppError(422, "답글은 채택할 수 없습니다. 질문에 단 답변을 채택해 주세요.",
                               details=[{"field": "answer_id"}])
        newly = answer_id is not None and answer_id != question.accepted_answer_id
        question.accepted_answer_id = answer_id
        session.add(question)
        if newly:
            notifications.on_accept(session, question, answer_id, user)
        _finish(session, [question_id], reindex_ids=False, thread_only=True)
    return {"question_id": question_id, "accepted_answer_id": answer_id}
