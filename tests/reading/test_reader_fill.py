"""A signed-in reader's question page: the shared part from the per-version cache, the reader's own
part (their posts, their votes) from one query, never another reader's. Counted, not timed."""

from __future__ import annotations

import pytest
from sqlalchemy import event

from tests.conftest import clients_of
from tests.writes.helpers import Account

HTML = {"Accept": "text/html"}


class StatementCounter:
    def __init__(self, engine) -> None:
        self.engine, self.count = engine, 0

    def __enter__(self):
        event.listen(self.engine, "before_cursor_execute", self._seen)
        return self

    def __exit__(self, *exc) -> None:
        event.remove(self.engine, "before_cursor_execute", self._seen)

    def _seen(self, *args) -> None:
        self.count += 1


def test_each_reader_sees_their_own_posts_and_votes_and_no_one_elses(reader, client_factory):
    alice, bob = Account(client_factory, "alice"), Account(client_factory, "bob")
    question = alice.ask(title="누가 무엇을 눌렀는지 보는 질문", body="본문")
    qid = question["id"]
    answer = bob.answer(qid, body="밥이 쓴 답변")
    assert alice.client.post(f"/api/v1/answers/{answer['id']}/votes", headers=alice.headers).status_code == 201
    assert bob.client.post(f"/api/v1/questions/{qid}/votes", headers=bob.headers).status_code == 201
    path = f"/questions/{qid}"
    for _ in range(2):  # the second round comes from the shared cache of the question's detail
        for_alice = alice.client.get(path, headers=HTML).text
        for_bob = bob.client.get(path, headers=HTML).text
        anonymous = reader.get(path, headers=HTML).text
        assert f"/questions/{qid}/edit" in for_alice and f"/answers/{answer['id']}/edit" not in for_alice
        assert f"/answers/{answer['id']}/edit" in for_bob and f"/questions/{qid}/edit" not in for_bob
        assert "upvote upvote--on" in for_alice and "upvote upvote--on" not in for_bob  # alice voted the answer
        assert "plus-one plus-one--on" in for_bob and "plus-one--on" not in for_alice  # bob +1'd the question
        assert alice.csrf() in for_alice and alice.csrf() not in for_bob and bob.csrf() not in for_alice
        for private in (f"/questions/{qid}/edit", f"/answers/{answer['id']}/edit", "upvote--on", "plus-one--on",
                        alice.csrf(), bob.csrf(), "로그아웃"):
            assert private not in anonymous


@pytest.fixture
def busy_app(settings, sample):
    """The reading app with post limits raised: one test posts 22 answers in a row."""
    from tests.apps import new_app

    return new_app(settings.with_overrides(rate_limit_posts_per_minute=10_000,
                                              rate_limit_ip_posts_per_minute=10_000))


@pytest.fixture
def busy_factory(busy_app):
    yield from clients_of(busy_app)


def test_a_signed_in_page_runs_a_bounded_number_of_statements(busy_app, busy_factory):
    app, client_factory = busy_app, busy_factory
    # Every statement on the engine is counted: no search indexing thread may commit in between.
    app.state.search_indexer.shutdown()
    alice, bob = Account(client_factory, "alice"), Account(client_factory, "bob")
    few = alice.ask(title="답이 적은 질문입니다", body="본문")["id"]
    many = alice.ask(title="답이 많은 질문입니다", body="본문")["id"]
    for question_id, count in ((few, 2), (many, 20)):
        for number in range(count):
            answer = bob.answer(question_id, body=f"짧은 답변 {number}")
            if number % 2:  # the reader's votes are part of what the page shows them
                assert alice.client.post(f"/api/v1/answers/{answer['id']}/votes",
                                         headers=alice.headers).status_code == 201

    def statements(question_id: int) -> int:
        with StatementCounter(app.state.engine) as counter:
            assert alice.client.get(f"/questions/{question_id}", headers=HTML).status_code == 200
        return counter.count

    assert alice.client.get("/", headers=HTML).status_code == 200  # her session is known from here on
    cold = statements(few), statements(many)
    assert cold[0] == cold[1], cold  # no statement per answer (no SQL from templates)
    assert statements(few) == statements(many) == 0  # until the next commit nothing of hers can change

    Account(client_factory, "carol")  # a commit that changes neither question: their pages stay kept
    # Her session again (once per commit, with her watches); her posts and votes on each question are
    # kept while the question's version stays.
    assert (statements(few), statements(many)) == (1, 0)
    bob.answer(many, body="하나 더")  # that question changed: its page is rendered again, her marks read again
    assert statements(few) == 1
    assert 0 < statements(many) <= cold[1], cold
