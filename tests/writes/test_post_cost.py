"""What one API post costs, counted, not timed: SQL statements through the engine, SQLite's own work
for them, and hops to a worker thread. An answer's statements and their work do not grow with the
answers already on its question, and the whole request (account lookup, rate limit, service) is done
on the event loop (SQLite, a short text) or hops to a thread once (a long text)."""

from __future__ import annotations

import threading
from contextlib import contextmanager
from datetime import datetime

import anyio.to_thread
import pytest
from sqlalchemy import event
from starlette.testclient import TestClient

from app.auth.deps import INLINE_TEXT_CHARS
from tests.writes.helpers import indexed

# Token lookup; the question's state, the row, its revision, the watchers' notifications, the
# poster's watch, the counters, the versions, the search work: one statement each.
ANSWER_STATEMENTS = 9
# Token lookup; the collection, the row, its revision, the poster's watch, the counters, the
# versions, the search work.
QUESTION_STATEMENTS = 8


@pytest.fixture
def app(settings):
    """The writing tests' app, with room for the posts that make a long thread."""
    from tests.apps import new_app

    return new_app(settings.with_overrides(rate_limit_posts_per_minute=1000, rate_limit_ip_posts_per_minute=1000))


@contextmanager
def counting_statements(app):
    """Statements the request threads run on the app's engine (the search indexer's thread, which
    drains the post's index work after the response, is not the post)."""
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args) -> None:
        if threading.current_thread().name != "kb-search-index":
            statements.append(statement)

    engine = app.state.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


@contextmanager
def counting_sqlite_steps(app):
    """SQLite virtual-machine instructions (in steps of STEP) that the request runs (on the event loop or
    a worker thread, not the search indexer's): the work of the statements themselves, which a statement
    count does not see (a recount scans the thread)."""
    counted = [0]
    counting = [True]

    def tick() -> int:
        if counting[0] and threading.current_thread().name != "kb-search-index":
            counted[0] += 1
        return 0  # go on

    def on_checkout(dbapi_connection, _record, _proxy) -> None:
        dbapi_connection.set_progress_handler(tick, STEP)

    engine = app.state.engine
    event.listen(engine, "checkout", on_checkout)
    try:
        yield counted
    finally:
        counting[0] = False
        event.remove(engine, "checkout", on_checkout)


STEP = 10


@contextmanager
def counting_thread_hops(monkeypatch):
    hops: list[object] = []
    real = anyio.to_thread.run_sync

    async def counted(func, *args, **kwargs):
        hops.append(func)
        return await real(func, *args, **kwargs)

    monkeypatch.setattr(anyio.to_thread, "run_sync", counted)
    yield hops


def api_client(alice) -> TestClient:
    """A client with the token and no cookies: what a script posting over the API is."""
    client = TestClient(alice.client.app, headers=alice.headers)
    client.__enter__()
    return client


def answer_costs(alice, counting, measure, rounds: int, filler: int) -> tuple[list, TestClient, int]:
    """`measure` of what `counting(app)` counts for one short answer, `rounds` times, with `filler` more answers on
    the thread before each next count; no index work holds the write lock while a post is counted."""
    question = alice.ask()
    client = api_client(alice)
    path = f"/api/v1/questions/{question['id']}/answers"
    assert client.post(path, json={"body": "먼저 한 번: 토큰의 마지막 사용이 적힙니다"}).status_code == 201
    indexed(client)
    counts = []
    for round_ in range(rounds):
        with counting(client.app) as counted:
            response = client.post(path, json={"body": f"답변 {round_}: 짧은 글"})
        assert response.status_code == 201, response.text
        counts.append(measure(counted))
        for n in range(filler):  # a longer thread before the next count
            assert client.post(path, json={"body": f"채우는 답변 {round_}-{n}"}).status_code == 201
        indexed(client)
    return counts, client, question["id"]


def test_an_answer_runs_the_same_few_statements_however_long_its_thread(alice):
    counts, client, question_id = answer_costs(alice, counting_statements, len, rounds=3, filler=20)
    try:
        assert counts == [ANSWER_STATEMENTS] * 3, counts
        assert client.get(f"/api/v1/questions/{question_id}").json()["answer_count"] == 3 * 21 + 1
    finally:
        client.__exit__(None, None, None)


def test_an_answer_costs_sqlite_the_same_however_long_its_thread(alice):
    if alice.client.app.state.engine.dialect.name != "sqlite":
        pytest.skip("SQLite's instruction count")
    steps, client, question_id = answer_costs(alice, counting_sqlite_steps, lambda counted: counted[0], rounds=2,
                                                  filler=60)
    try:
        # A recount of the thread's rows took about 60 more rows times five scans; the index seeks of
        # a longer thread may take a few more steps, nothing in proportion to it.
        assert steps[1] <= steps[0] * 1.1 + 20, steps
        shown = client.get(f"/api/v1/questions/{question_id}").json()
        assert (shown["answer_count"], shown["answered"]) == (2 * 61 + 1, True)
    finally:
        client.__exit__(None, None, None)


def test_a_question_runs_a_fixed_number_of_statements(alice):
    client = api_client(alice)
    try:
        assert client.post("/api/v1/questions", json={"title": "먼저 묻기", "body": "본문"}).status_code == 201
        # Its index work done now: the indexer's write lock would send the counted post to a worker
        # thread, which starts it again (app.auth.deps.ApiCall) and so reads the token twice.
        indexed(client)
        with counting_statements(client.app) as statements:
            response = client.post("/api/v1/questions", json={"title": "셈하는 질문", "body": "본문입니다"})
        assert response.status_code == 201, response.text
        assert len(statements) == QUESTION_STATEMENTS, statements
        posted = response.json()
        indexed(client)
        shown = client.get(posted["api_url"]).json()
        assert shown["title"] == "셈하는 질문"
        assert datetime.fromisoformat(shown["created_at"]) == datetime.fromisoformat(posted["created_at"])
    finally:
        client.__exit__(None, None, None)


def test_an_api_post_hops_to_a_worker_thread_at_most_once(alice, monkeypatch):
    question = alice.ask()
    client = api_client(alice)
    try:
        hops_per_post = []
        for body in ("짧은 글은 건너가지 않습니다", "긴 글은 한 번만 건너갑니다 " * (INLINE_TEXT_CHARS // 10)):
            with counting_thread_hops(monkeypatch) as hops:
                response = client.post(f"/api/v1/questions/{question['id']}/answers", json={"body": body})
            assert response.status_code == 201, response.text
            hops_per_post.append(len(hops))
        assert hops_per_post == [0, 1], hops_per_post
    finally:
        client.__exit__(None, None, None)
