"""A signed-in reader kept between commits (app.services.readers.SignedInReaders) and the page for
every signed-in reader rendered once after a write (app.http.singleflight): a logout, a password
change or a session ended by another process ends the session at the very next request, marks and
the inbox count follow every write, and N readers who miss at once cause one render. Counted, not
timed."""

from __future__ import annotations

import re
import threading
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from app.clock import now_utc
from tests.reading.test_reader_fill import StatementCounter
from tests.writes.helpers import Account, csrf_from

HTML = {"Accept": "text/html"}
HEADER_NAME = re.compile(r'class="nav-user" title="내 설정">([^<]*)</a>')
HEADER_COUNT = re.compile(r'class="nav-inbox__count">(\d+)<')


def signed_in_as(html: str) -> list[str]:
    return HEADER_NAME.findall(html)


def conditional_get(app):
    """The response cache's middleware in the app's built stack."""
    layer = app.middleware_stack
    while type(layer).__name__ != "ConditionalGet":
        layer = layer.app
    return layer


@pytest.fixture
def question(app, client_factory):
    # These tests count statements and renders between commits: no search indexing thread may commit
    # behind them (the writes' index work waits in search_pending).
    app.state.search_indexer.shutdown()
    alice = Account(client_factory, "alice")
    return alice, alice.ask(title="세션이 끝나는 순간을 보는 질문", body="본문")["id"]


def test_a_logout_ends_the_session_at_once_on_every_web_process(app, settings, question):
    """Two apps on one database stand for two web processes: both keep alice's session after her
    first view; she logs out through one, and the other refuses the cookie at its next request."""
    from tests.apps import new_app

    alice, qid = question
    path = f"/questions/{qid}"
    cookie = alice.client.cookies["kb_session"]
    with TestClient(new_app(settings), cookies={"kb_session": cookie}) as other_process:
        for _ in range(2):  # the second view is served from what each process kept
            assert signed_in_as(alice.client.get(path, headers=HTML).text) == ["alice"]
            assert signed_in_as(other_process.get(path, headers=HTML).text) == ["alice"]
        with StatementCounter(app.state.engine) as counter:
            assert signed_in_as(alice.client.get(path, headers=HTML).text) == ["alice"]
        assert counter.count == 0  # kept: no lookup between commits

        logout = alice.client.post("/logout", data={"csrf_token": alice.csrf()}, follow_redirects=False)
        assert logout.status_code == 303
        page = other_process.get(path, headers=HTML)
        assert page.status_code == 200 and signed_in_as(page.text) == [] and "/login?next=" in page.text
    with TestClient(app, cookies={"kb_session": cookie}) as same_process:
        assert signed_in_as(same_process.get(path, headers=HTML).text) == []


def test_a_password_change_ends_the_other_sessions_at_once(app, client_factory, question):
    alice, qid = question
    path = f"/questions/{qid}"
    laptop = client_factory()
    login = laptop.get("/login")
    assert laptop.post("/login", data={"username": "alice", "password": "correct horse 1",
                                       "csrf_token": csrf_from(login.text)}, follow_redirects=False).status_code == 303
    for client in (alice.client, laptop):
        assert signed_in_as(client.get(path, headers=HTML).text) == ["alice"]
    changed = alice.client.post("/settings/password", data={
        "csrf_token": alice.csrf("/settings"), "current_password": "correct horse 1",
        "new_password": "a brand new horse 2"})
    assert changed.status_code == 200, changed.text
    assert signed_in_as(laptop.get(path, headers=HTML).text) == []  # ended
    assert signed_in_as(alice.client.get(path, headers=HTML).text) == ["alice"]  # the one that changed it


def test_a_session_deleted_by_another_program_ends_at_once(app, settings, question):
    """`kb` commands and other tools write to the file without the web process: a commit is a commit."""
    import sqlite3

    from app.db.models import LoginSession

    alice, qid = question
    path = f"/questions/{qid}"
    assert signed_in_as(alice.client.get(path, headers=HTML).text) == ["alice"]
    connection = sqlite3.connect(settings.database_url.removeprefix("sqlite:///"))
    with connection:
        assert connection.execute(f"DELETE FROM {LoginSession.__tablename__}").rowcount == 1
    connection.close()
    assert signed_in_as(alice.client.get(path, headers=HTML).text) == []


def test_a_kept_session_still_ends_at_its_expiry(app, question, monkeypatch):
    from app.services import accounts, readers

    alice, qid = question
    path = f"/questions/{qid}"
    assert signed_in_as(alice.client.get(path, headers=HTML).text) == ["alice"]
    later = now_utc() + timedelta(days=400)  # past any login session's end, with no commit in between
    for module in (readers, accounts):  # the kept reader's check, and the lookup of a page rendered for one
        monkeypatch.setattr(module, "now_utc", lambda: later)
    assert signed_in_as(alice.client.get(path, headers=HTML).text) == []


def test_votes_posts_and_the_inbox_count_follow_each_write(app, client_factory, question):
    """What each reader sees as theirs changes with the very next view after the write that changed
    it, for the writer and for the reader it notifies, while the others' kept marks stay theirs."""
    alice, qid = question
    bob, carol = Account(client_factory, "bob"), Account(client_factory, "carol")
    path = f"/questions/{qid}"
    pages = {who.username: who.client.get(path, headers=HTML).text for who in (alice, bob, carol)}
    assert all(HEADER_COUNT.search(html) is None for html in pages.values())

    answer = bob.answer(qid, body="밥이 새로 쓴 답변")["id"]  # alice asked: she watches and is notified
    assert carol.client.post(f"/api/v1/answers/{answer}/votes", headers=carol.headers).status_code == 201
    pages = {who.username: who.client.get(path, headers=HTML).text for who in (alice, bob, carol)}
    assert HEADER_COUNT.findall(pages["alice"]) == ["1"]
    assert HEADER_COUNT.search(pages["bob"]) is None and HEADER_COUNT.search(pages["carol"]) is None
    assert f"/answers/{answer}/edit" in pages["bob"]
    assert all(f"/answers/{answer}/edit" not in pages[name] for name in ("alice", "carol"))
    assert "upvote upvote--on" in pages["carol"]
    assert all("upvote upvote--on" not in pages[name] for name in ("alice", "bob"))
    assert {name: set(re.findall(r'name="csrf_token" value="([^"]+)"', html)) for name, html in pages.items()} == {
        who.username: {who.csrf()} for who in (alice, bob, carol)}


def test_a_watch_shows_at_once_though_no_question_changed(app, client_factory, question):
    """Watching changes no content version (nobody else sees it): the kept reader carries the
    questions they watch, read again after any commit."""
    alice, qid = question
    bob = Account(client_factory, "bob")
    path = f"/questions/{qid}"
    assert "watch--on" in alice.client.get(path, headers=HTML).text  # the asker watches
    assert "watch--on" not in bob.client.get(path, headers=HTML).text
    for expected in (True, False):
        method = bob.client.post if expected else bob.client.delete
        assert method(f"/api/v1/questions/{qid}/watch", headers=bob.headers).status_code in (200, 201)
        assert ("watch--on" in bob.client.get(path, headers=HTML).text) is expected
        assert "watch--on" in alice.client.get(path, headers=HTML).text


def test_readers_who_miss_together_after_a_write_cause_one_render(app, client_factory, question, monkeypatch):
    """Five signed-in readers ask for the question right after a write. The first renders the page
    for every signed-in reader; the route is held until the other four are waiting for that render,
    so all five overlap. One render, five pages, each filled for its own reader."""
    from app.services import reading

    alice, qid = question
    readers = [alice] + [Account(client_factory, f"reader{n}") for n in range(4)]
    path = f"/questions/{qid}"
    for who in readers:
        assert who.client.get(path, headers=HTML).status_code == 200
    readers[1].answer(qid, body="모두가 한꺼번에 다시 읽게 만드는 답변")

    renders, release = [], threading.Event()
    real_detail = reading.question_detail

    def held_detail(*args, **kwargs):
        renders.append(args[1])
        release.wait()
        return real_detail(*args, **kwargs)

    monkeypatch.setattr(reading, "question_detail", held_detail)
    middleware = conditional_get(app)
    results: dict[str, str] = {}

    def read(who: Account) -> None:
        results[who.username] = who.client.get(path, headers=HTML).text

    threads = [threading.Thread(target=read, args=(who,)) for who in readers]
    for thread in threads:
        thread.start()
    try:
        # Waiting for a state, not a time: the render is held until the other four wait for it (or,
        # were they not to wait, until a second render begins, which fails the test below).
        while middleware.shared_renders.waiting() < 4 and len(renders) < 2:
            assert all(thread.is_alive() for thread in threads), results
            threading.Event().wait(0.01)
    finally:
        release.set()
        for thread in threads:
            thread.join()
    assert renders == [qid]
    for who in readers:
        html = results[who.username]
        assert "모두가 한꺼번에 다시 읽게 만드는 답변" in html
        assert signed_in_as(html) == [who.username] and who.csrf() in html and "[kb" not in html
    assert f"/questions/{qid}/edit" in results["alice"]
    assert all(f"/questions/{qid}/edit" not in results[who.username] for who in readers[1:])


def test_without_a_commit_counter_every_view_looks_the_reader_up(app, question):
    """PostgreSQL has no data_version: there SignedInReaders keeps nothing and asks each time."""
    from app.services.readers import SignedInReaders

    alice, qid = question
    cookie = alice.client.cookies["kb_session"]
    readers = SignedInReaders(app.state.engine, lambda: None)
    for _ in range(2):
        with StatementCounter(app.state.engine) as counter:
            reader, marks = readers(cookie, qid, (1, 1, 1))
        assert (reader.username, marks.own_question, counter.count) == ("alice", True, 2)
    assert readers("not-a-session", qid) is None


def test_a_flood_of_unknown_cookies_keeps_a_bounded_number_of_readers(app, question):
    from app.services.readers import SignedInReaders

    alice, qid = question
    readers = SignedInReaders(app.state.engine, lambda: 1, max_kept=10)
    for n in range(50):
        assert readers(f"made-up-{n}", qid, (1, 1, 1)) is None
    assert len(readers._readers) <= 10
    assert readers(alice.client.cookies["kb_session"], qid, (1, 1, 1))[0].username == "alice"

