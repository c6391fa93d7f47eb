"""Signed-in readers get the page kept for every signed-in reader, filled with what is theirs
(app.http.slots): the same bytes a render for them alone gives, never another reader's token or
controls, and a write refreshes exactly what it changed. Compared and counted, not timed."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from tests.writes.helpers import Account, csrf_from

HTML = {"Accept": "text/html"}
FORM_TOKEN = re.compile(r'name="form_token" value="([^"]+)"')


def form_tokens(html: str) -> list[str]:
    return FORM_TOKEN.findall(html)


def without_form_tokens(html: str) -> str:
    """Each view's one-time form ids are its own; everything else must match byte for byte."""
    return FORM_TOKEN.sub('name="form_token" value=""', html)


def kept(app, path: str):
    found = app.state.response_cache._entries.get(f"signed-in {path}?")
    return None if found is None else found[0]


@pytest.fixture
def thread(client_factory):
    """A question by alice with bob's and carol's answers, a reply, and votes in every direction:
    every per-reader control of the page has a reader who sees each of its variants."""
    alice, bob, carol, dave = (Account(client_factory, name) for name in ("alice", "bob", "carol", "dave"))
    qid = alice.ask(title="누가 무엇을 보는지 가리는 질문", body="본문입니다")["id"]
    by_bob = bob.answer(qid, body="밥의 답변")["id"]
    by_carol = carol.answer(qid, body="캐롤의 답변")["id"]
    reply = bob.client.post(f"/api/v1/answers/{by_carol}/replies", json={"body": "밥의 답글"}, headers=bob.headers)
    assert reply.status_code == 201, reply.text
    for who, path in ((alice, f"/api/v1/answers/{by_bob}/votes"), (bob, f"/api/v1/answers/{by_carol}/votes"),
                      (carol, f"/api/v1/questions/{qid}/votes"), (dave, f"/api/v1/answers/{by_bob}/votes")):
        assert who.client.post(path, headers=who.headers).status_code == 201
    accepted = alice.client.post(f"/api/v1/questions/{qid}/accept", json={"answer_id": by_bob}, headers=alice.headers)
    assert accepted.status_code == 200, accepted.text
    return qid, by_bob, by_carol, (alice, bob, carol, dave)


def test_the_filled_page_is_the_page_rendered_for_that_reader(app, settings, thread):
    from tests.apps import new_app

    qid, _, _, readers = thread
    uncached = new_app(settings)
    uncached.state.content_versions.close()  # no versions: every page is rendered for its reader
    path = f"/questions/{qid}"
    for round_ in range(2):  # the first fills the cache from one reader's request, the second reads it
        for account in readers:
            filled = account.client.get(path, headers=HTML)
            with TestClient(uncached, cookies=dict(account.client.cookies)) as own:
                rendered = own.get(path, headers=HTML)
            assert filled.status_code == rendered.status_code == 200
            assert filled.headers["cache-control"] == "private, no-store"
            assert kept(app, path) is not None
            assert without_form_tokens(filled.text) == without_form_tokens(rendered.text), (account.username, round_)
    for other in ("/", "/questions", f"/users/{readers[1].username}"):  # the header's name and logout form
        filled = readers[1].client.get(other, headers=HTML)
        with TestClient(uncached, cookies=dict(readers[1].client.cookies)) as own:
            assert filled.text == own.get(other, headers=HTML).text, other


def test_no_reader_sees_another_readers_token_or_controls(app, reader, thread):
    qid, by_bob, by_carol, (alice, bob, carol, dave) = thread
    path = f"/questions/{qid}"
    tokens = {account.username: account.csrf() for account in (alice, bob, carol, dave)}
    assert len(set(tokens.values())) == 4
    for order in ((alice, bob, carol, dave), (dave, carol, bob, alice)):
        app.state.response_cache._entries.clear()  # each order fills the shared page from another reader
        pages = {account.username: account.client.get(path, headers=HTML).text for account in order}
        for name, html in pages.items():
            assert set(re.findall(r'name="csrf_token" value="([^"]+)"', html)) == {tokens[name]}, name
            assert re.findall(r'class="nav-user" title="내 설정">([^<]*)</a>', html) == [name]
            assert "[kb" not in html  # no slot marker left
        assert f"/questions/{qid}/edit" in pages["alice"]
        assert all(f"/questions/{qid}/edit" not in pages[name] for name in ("bob", "carol", "dave"))
        assert pages["alice"].count(f'action="/questions/{qid}/accept"') == 2  # the two answers, not the reply
        assert all("/accept" not in pages[name] for name in ("bob", "carol", "dave"))
        assert f"/answers/{by_bob}/edit" in pages["bob"] and f"/answers/{by_carol}/edit" in pages["carol"]
        for name, mine in (("bob", by_bob), ("carol", by_carol)):
            others = [f"/answers/{answer}/edit" for answer in (by_bob, by_carol) if answer != mine]
            assert not any(edit in pages[name] for edit in others)
        assert not re.search(r"/answers/\d+/edit", pages["alice"] + pages["dave"])
        # Votes: alice and dave upvoted bob's answer, bob carol's; carol +1'd the question.
        voted = {name: set(re.findall(r'action="/answers/(\d+)/vote"[^>]*>\s*<input[^>]*>\s*<button type="submit" '
                                      r'class="upvote upvote--on"', html)) for name, html in pages.items()}
        assert voted == {"alice": {str(by_bob)}, "bob": {str(by_carol)}, "carol": set(), "dave": {str(by_bob)}}
        assert "plus-one--on" in pages["carol"]
        assert all("plus-one--on" not in pages[name] for name in ("alice", "bob", "dave"))
        assert "plus-one--own" in pages["alice"] and "upvote--own" in pages["bob"] and "upvote--own" in pages["carol"]
    anonymous = reader.get(path, headers=HTML).text
    for private in [*tokens.values(), "/edit", "upvote--on", "plus-one--on", "로그아웃", "[kb"]:
        assert private not in anonymous


def test_each_view_gets_its_own_form_ids(thread):
    qid, _, _, (alice, *_) = thread
    first = form_tokens(alice.client.get(f"/questions/{qid}", headers=HTML).text)
    second = form_tokens(alice.client.get(f"/questions/{qid}", headers=HTML).text)
    assert len(first) == 4  # the answer form and one reply form per answer and reply
    assert len(set(first)) == len(first) and not set(first) & set(second)


def test_a_form_from_the_shared_page_posts_once(client_factory, thread):
    """The filled form's token and one-time id work: the answer is posted, and the same submit twice
    makes one answer (the form id is the post's Idempotency-Key)."""
    qid, _, _, (_, bob, _, _) = thread
    page = bob.client.get(f"/questions/{qid}", headers=HTML).text
    form = page[page.index(f'action="/questions/{qid}/answers"'):]
    data = {"csrf_token": csrf_from(form), "form_token": form_tokens(form)[0], "body": "공유 페이지 양식으로 쓴 답변"}
    for _ in range(2):
        posted = bob.client.post(f"/questions/{qid}/answers", data=data, follow_redirects=False)
        assert posted.status_code == 303, posted.text
    assert bob.client.get(f"/questions/{qid}", headers=HTML).text.count("공유 페이지 양식으로 쓴 답변") == 1


def test_a_write_refreshes_the_signed_in_page_of_its_question_only(app, client_factory, thread):
    qid, by_bob, _, (alice, bob, carol, _) = thread
    other = carol.ask(title="건드리지 않는 다른 질문", body="본문")["id"]
    for path in (f"/questions/{qid}", f"/questions/{other}"):
        assert bob.client.get(path, headers=HTML).status_code == 200
    before = {path: kept(app, path) for path in (f"/questions/{qid}", f"/questions/{other}")}

    alice.answer(qid, body="앨리스가 새로 쓴 답변")
    page = bob.client.get(f"/questions/{qid}", headers=HTML).text
    assert "앨리스가 새로 쓴 답변" in page and kept(app, f"/questions/{qid}") != before[f"/questions/{qid}"]
    assert bob.client.get(f"/questions/{other}", headers=HTML).status_code == 200
    assert kept(app, f"/questions/{other}") == before[f"/questions/{other}"]

    # A vote shows at once to the one who voted (their marks are read per view) and its count to all.
    assert alice.client.delete(f"/api/v1/answers/{by_bob}/votes", headers=alice.headers).status_code == 200
    for_alice = alice.client.get(f"/questions/{qid}", headers=HTML).text
    assert f'action="/answers/{by_bob}/vote"' in for_alice and "upvote upvote--on" not in for_alice


def test_a_signed_out_session_gets_the_anonymous_page(app, client_factory, thread):
    qid, _, _, (alice, *_) = thread
    cookie = alice.client.cookies["kb_session"]
    alice.client.get(f"/questions/{qid}", headers=HTML)
    assert alice.client.post("/logout", data={"csrf_token": alice.csrf()}, follow_redirects=False).status_code == 303
    with TestClient(app, cookies={"kb_session": cookie}) as stale:
        page = stale.get(f"/questions/{qid}", headers=HTML)
    assert page.status_code == 200 and "로그아웃" not in page.text and "nav-user" not in page.text
    assert "/login?next=" in page.text and "[kb" not in page.text


def test_a_missing_page_for_a_signed_in_reader_is_filled_too(thread):
    _, _, _, (alice, *_) = thread
    missing = alice.client.get("/questions/999999", headers=HTML)
    assert missing.status_code == 404 and "[kb" not in missing.text and alice.csrf() in missing.text


def test_moderators_suspended_readers_and_authors_of_hidden_posts_get_pages_of_their_own(app, thread):
    """What no slot covers is rendered for its reader alone: a moderator's tools on every post, a
    suspended account's notice, and a hidden answer shown (with the reason) to its author and the
    moderators but to no other reader."""
    from sqlmodel import Session, select

    from app.db.models import User
    from app.services.moderation import hide_post, set_role, suspend_account

    qid, by_bob, _, (alice, bob, carol, dave) = thread
    path = f"/questions/{qid}"
    assert "/moderation/answers/" not in carol.client.get(path, headers=HTML).text  # the shared page is kept
    with Session(app.state.engine) as session:
        set_role(session, "dave", "moderator")
    for_dave = dave.client.get(path, headers=HTML).text
    assert f"/moderation/answers/{by_bob}/hide" in for_dave and dave.csrf() in for_dave
    assert "/moderation/answers/" not in carol.client.get(path, headers=HTML).text

    with Session(app.state.engine) as session:
        moderator = session.exec(select(User).where(User.username == "dave")).one()
        hide_post(session, moderator, answer_id=by_bob, reason="광고로 보여 숨김")
    pages = {account.username: account.client.get(path, headers=HTML).text for account in (alice, bob, carol, dave)}
    assert "광고로 보여 숨김" in pages["bob"] and "광고로 보여 숨김" in pages["dave"]
    assert "광고로 보여 숨김" not in pages["alice"] and "광고로 보여 숨김" not in pages["carol"]
    for name, html in pages.items():
        assert re.findall(r'class="nav-user" title="내 설정">([^<]*)</a>', html) == [name] and "[kb" not in html

    with Session(app.state.engine) as session:
        moderator = session.exec(select(User).where(User.username == "dave")).one()
        suspend_account(session, moderator, "carol", days=3, reason="도배")
    assert "suspended-notice" in carol.client.get("/", headers=HTML).text
    assert "suspended-notice" not in bob.client.get("/", headers=HTML).text
