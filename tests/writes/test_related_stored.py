"""Related questions are ranked when a question is ingested, posted or edited and stored, not per
view (issue 12 item 2); a new or edited question bumps the pages whose lists it enters or leaves and
no other (item 1). Counted on the ranking function and on validators, not timed."""

from __future__ import annotations

import pytest
from sqlalchemy import event
from sqlmodel import Session

from app.db.queries import related as related_store
from app.db.queries.search import visible_question_ids
from app.search import related
from tests.conftest import BACKENDS, clients_of
from tests.writes.helpers import Account, indexed

HTML = {"Accept": "text/html"}


@pytest.fixture
def seeded_factory(seeded_settings):
    """Clients on one app over the ingested seeds."""
    from app.main import create_app

    yield from clients_of(create_app(seeded_settings))


def stored_ids(engine, question_id: int) -> list[int]:
    with Session(engine) as session:
        stored = related_store.stored_entries(session.connection(), [question_id])
    return [qid for qid, _ in stored.get(question_id, [])]


def ranked_now(engine, question_id: int) -> list[int]:
    with Session(engine) as session:
        return [qid for qid, _ in related.rank_related(session.connection(), question_id).entries]


@pytest.mark.parametrize("backend", BACKENDS)
def test_ingest_stores_every_questions_related_list(seeded_engine):
    with Session(seeded_engine) as session:
        conn = session.connection()
        ids = visible_question_ids(conn)
        stored = related_store.stored_entries(conn, ids)
        assert len(stored) > len(ids) // 2  # most seeded questions have related ones
        for question_id in ids:
            assert [qid for qid, _ in stored.get(question_id, [])] == \
                [qid for qid, _ in related.rank_related(conn, question_id).entries], question_id


def test_a_view_ranks_nothing_and_searches_nothing(seeded_client, seeded_engine, monkeypatch):
    ranked: list[int] = []
    real = related.rank_related
    monkeypatch.setattr(related, "rank_related", lambda conn, question_id, *args: ranked.append(question_id)
                        or real(conn, question_id, *args))
    statements: list[str] = []
    app_engine = seeded_client.app.state.engine

    def seen(conn, cursor, statement, *rest):
        statements.append(statement)

    event.listen(app_engine, "before_cursor_execute", seen)
    try:
        with Session(seeded_engine) as session:
            ids = visible_question_ids(session.connection())
        shown = 0
        for question_id in ids[:20]:
            page = seeded_client.get(f"/questions/{question_id}", headers=HTML)
            body = seeded_client.get(f"/api/v1/questions/{question_id}").json()
            assert page.status_code == 200
            assert [link["id"] for link in body["related"]] == stored_ids(seeded_engine, question_id)
            shown += bool(body["related"])
    finally:
        event.remove(app_engine, "before_cursor_execute", seen)
    assert shown and statements
    assert ranked == []
    # No search either (the ranking's candidates come from a MATCH; the concept chips read stored tokens).
    assert not [sql for sql in statements if "search_index MATCH" in sql]


def _etags(client, ids):
    return {qid: client.get(f"/questions/{qid}", headers=HTML).headers["etag"] for qid in ids}


def _changed(client, etags):
    return {qid for qid, etag in etags.items()
            if client.get(f"/questions/{qid}", headers={**HTML, "If-None-Match": etag}).status_code != 304}


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_new_question_bumps_only_the_pages_whose_lists_it_enters(seeded_factory, seeded_engine):
    reader = seeded_factory()
    alice = Account(seeded_factory, "alice")
    with Session(seeded_engine) as session:
        ids = visible_question_ids(session.connection())
    before = _etags(reader, ids)
    assert _changed(reader, before) == set()

    new = alice.ask(title="드롭아웃은 왜 과적합을 줄이나요?",
                    body="드롭아웃을 쓰면 과적합이 줄어든다는데, 학습 때 뉴런을 끄는 것이 왜 정규화가 되나요?")["id"]
    indexed(alice.client)

    assert stored_ids(seeded_engine, new) == ranked_now(seeded_engine, new) != []
    with Session(seeded_engine) as session:
        naming = related_store.naming(session.connection(), [new])
    assert naming  # a question about dropout enters some dropout thread's list
    # The posted question has a collection of its own (no neighbours): only the lists it entered changed.
    assert _changed(reader, before) == naming
    for question_id in naming:
        page = reader.get(f"/questions/{question_id}", headers=HTML).text
        assert f'href="/questions/{new}"' in page.split("관련 질문", 1)[1]


def related_part(html: str) -> str:
    return html.split('id="related-title"', 1)[1] if 'id="related-title"' in html else ""


@pytest.mark.parametrize("backend", BACKENDS)
def test_an_edit_that_makes_a_related_to_b_shows_on_b(client_factory):
    alice = Account(client_factory, "alice")
    reader = client_factory()
    # One collection, in this order: B, D, A, C, E. A's neighbours are D and C.
    b = alice.ask(title="드롭아웃은 왜 과적합을 줄이나요?", body="드롭아웃과 과적합, 정규화의 관계가 궁금합니다.")["id"]
    d = alice.ask(title="깃 브랜치 이름은 어떻게 바꾸나요?", body="이미 푸시한 브랜치입니다.")["id"]
    a = alice.ask(title="파이썬 가상 환경은 어떻게 만드나요?", body="venv 폴더를 어디에 두어야 하나요?")["id"]
    c = alice.ask(title="셸 스크립트의 종료 코드는 어디서 보나요?", body="스크립트가 끝난 뒤 확인하고 싶습니다.")["id"]
    e = alice.ask(title="도커 이미지 크기를 줄이는 방법이 있나요?", body="빌드 단계를 나누면 되나요?")["id"]
    indexed(alice.client)
    pages = {qid: reader.get(f"/questions/{qid}", headers=HTML) for qid in (a, b, c, d, e)}
    assert f'href="/questions/{a}"' not in related_part(pages[b].text)

    title = "드롭아웃은 과적합을 어떻게 막나요?"
    response = alice.client.patch(f"/api/v1/questions/{a}", headers=alice.headers, json={
        "title": title, "body": "드롭아웃이 정규화처럼 과적합을 줄이는 이유가 궁금합니다."})
    assert response.status_code == 200, response.text
    indexed(alice.client)

    assert a in stored_ids(alice.client.app.state.engine, b)
    again = {qid: reader.get(f"/questions/{qid}", headers={**HTML, "If-None-Match": pages[qid].headers["etag"]})
             for qid in (b, c, d, e)}
    assert again[b].status_code == 200 and f'href="/questions/{a}"' in related_part(again[b].text)
    # D and C link to A as their next and previous question: they show its new title. E is neither
    # beside A nor related to it: the same page, the same ETag.
    assert again[c].status_code == again[d].status_code == 200
    assert title in again[c].text and title in again[d].text
    assert again[e].status_code == 304


def test_a_first_answer_bumps_the_pages_that_show_the_question_answered(client_factory):
    """Links show whether a question is answered (the JSON's previous and next carry it too): its first
    answer bumps the pages beside it, not the others."""
    alice = Account(client_factory, "alice")
    reader = client_factory()
    before, a, after, far = (alice.ask(title=f"{word} 질문입니다", body="본문입니다.")["id"]
                             for word in ("첫째", "둘째", "셋째", "넷째"))
    apis = {qid: reader.get(f"/api/v1/questions/{qid}") for qid in (before, after, far)}
    alice.answer(a, body="첫 답변입니다.")
    again = {qid: reader.get(f"/api/v1/questions/{qid}", headers={"If-None-Match": apis[qid].headers["etag"]})
             for qid in apis}
    assert again[before].status_code == 200 and again[before].json()["next"]["answered"] is True
    assert again[after].status_code == 200 and again[after].json()["previous"]["answered"] is True
    assert again[far].status_code == 304
