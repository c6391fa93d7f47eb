"""A write queues its search index work in its own transaction, and the index is brought up to date
after the commit (app.services.indexing): by the web process's indexer thread, at its next start, or
by `kb ingest`, all through the same drain. Nothing of it runs inside the post's write lock."""

from __future__ import annotations

import threading

import pytest
from sqlmodel import Session

from app.db.queries.writes import user_by_username
from app.db.sql import run
from app.search.service import search_questions
from app.services import accounts, indexing, posting
from tests.conftest import BACKENDS


def found(engine, q: str) -> list[int]:
    with Session(engine) as session:
        return [hit.question_id for hit in search_questions(session, q, limit=50).items]


def waiting(engine) -> list[tuple[int, int | None]]:
    with engine.connect() as conn:
        return [tuple(row) for row in run(conn, "SELECT question_id, answer_id FROM search_pending ORDER BY id")]


def poster(session: Session):
    return accounts.sign_up(session, username="poster", password="correct horse 1", display_name="poster",
                            testing=True)


def ask(session: Session, user) -> int:
    return posting.create_question(session, user, title="학습이 멈춘 것 같아요",
                                   body="손실이 줄지 않습니다.").payload["id"]


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_post_is_searchable_once_the_work_it_queued_is_drained(sample_engine):
    with Session(sample_engine) as session:
        user = poster(session)
        qid = ask(session, user)
        aid = posting.create_answer(session, user, question_id=qid,
                                    body="플래토 구간일 수 있으니 학습률 스케줄을 바꿔 보세요.").payload["id"]
    # Both committed; the index has neither yet: the work waits, durable, for after the commit.
    assert waiting(sample_engine) == [(qid, None), (qid, aid)]
    assert qid not in found(sample_engine, "학습이 멈춘") and qid not in found(sample_engine, "plateau")

    assert indexing.drain(sample_engine) == 2
    assert waiting(sample_engine) == []
    assert qid in found(sample_engine, "학습이 멈춘")
    assert qid in found(sample_engine, "plateau")  # the answer, in the English spelling of its term

    with Session(sample_engine) as session:
        posting.create_answer(session, user_by_username(session, "poster"), question_id=qid,
                              body="드롭아웃 비율도 줄여 보세요.")
    assert qid not in found(sample_engine, "드롭아웃 비율")
    assert indexing.drain(sample_engine) == 1  # the answer alone, appended to the document
    assert qid in found(sample_engine, "드롭아웃 비율") and qid in found(sample_engine, "plateau")


def test_an_answer_gone_before_the_drain_is_never_indexed(sample_engine):
    with Session(sample_engine) as session:
        user = poster(session)
        qid = ask(session, user)
        indexing.drain(sample_engine)
        aid = posting.create_answer(session, user, question_id=qid,
                                    body="플래토 구간일 수 있으니 학습률 스케줄을 바꿔 보세요.").payload["id"]
        posting.delete_answer(session, user, aid)
    assert waiting(sample_engine) == [(qid, aid), (qid, None)]
    indexing.drain(sample_engine)
    assert waiting(sample_engine) == []
    assert qid not in found(sample_engine, "plateau") and qid in found(sample_engine, "학습이 멈춘")


def test_the_indexer_thread_drains_after_a_wake_up(sample_engine, monkeypatch):
    drained = threading.Event()
    real_drain = indexing.drain

    def drain_and_tell(engine):
        done = real_drain(engine)
        if done:
            drained.set()
        return done

    monkeypatch.setattr(indexing, "drain", drain_and_tell)
    with Session(sample_engine) as session:
        user = poster(session)
        qid = ask(session, user)
        assert indexing.left_work(session) and not indexing.left_work(session)  # what get_session hands on
    indexer = indexing.SearchIndexer(sample_engine, linger_s=0.0)
    try:
        indexer.wake()
        assert drained.wait(timeout=120), "the indexer thread never drained"
    finally:
        indexer.shutdown()
    assert waiting(sample_engine) == [] and qid in found(sample_engine, "학습이 멈춘")


def test_the_drain_takes_no_pool_connection_while_it_holds_the_write_lock(sample_engine):
    """Requests hold their connection while they wait for the write lock: a drain that asked the pool
    for one after taking the lock would wait on them, and they on it, until the pool timed out."""
    from sqlalchemy import event

    from app.db import transactions

    with Session(sample_engine) as session:
        user = poster(session)
        qid = ask(session, user)
        posting.create_answer(session, user, question_id=qid, body="플래토 구간일 수 있습니다.")
    under_lock: list[bool] = []
    record = lambda *args: under_lock.append(transactions._WRITE_LOCK.locked())  # noqa: E731
    event.listen(sample_engine, "checkout", record)
    try:
        assert indexing.drain(sample_engine) == 2
    finally:
        event.remove(sample_engine, "checkout", record)
    assert under_lock and not any(under_lock)
