"""Fine-grained invalidation: a write drops the cached responses that show what it changed and
keeps the rest (app.db.queries.versions, app.web.caching). Counted on the cache, not timed. The
tests on a database run on SQLite and on PostgreSQL (where no PRAGMA data_version exists)."""

from __future__ import annotations

import pytest

from app.web.caching import Entry, ResponseCache
from tests.conftest import BACKENDS
from tests.writes.helpers import Account, indexed

HTML = {"Accept": "text/html"}


def kept_versions(app, path: str):
    found = app.state.response_cache._entries.get(f"{path}?")
    return None if found is None else found[0]


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_post_refreshes_its_question_and_keeps_the_others(app, reader, client_factory, sample):
    alice = Account(client_factory, "alice")
    other = alice.ask(title="다른 모음의 질문입니다", body="본문")  # the general collection
    indexed(alice.client)  # the new question's search document (and the links it changes) is done first
    pages = [f"/questions/{sample.open}", f"/questions/{sample.parent}", f"/questions/{other['id']}",
             "/collections/general", f"/collections/{sample.collection}", f"/api/v1/questions/{sample.parent}"]
    before = {path: reader.get(path, headers=HTML) for path in pages}
    kept = {path: kept_versions(app, path) for path in pages}
    assert all(version is not None for version in kept.values())

    alice.answer(sample.parent, body="부모 질문에 새로 단 답변")
    indexed(alice.client)

    # Untouched: the other questions' pages and the other collection keep their entries and ETags.
    for path in (f"/questions/{sample.open}", f"/questions/{other['id']}", "/collections/general"):
        again = reader.get(path, headers={**HTML, "If-None-Match": before[path].headers["etag"]})
        assert again.status_code == 304, path
        assert kept_versions(app, path) == kept[path]
    # Changed: the question (page and JSON) and its collection's list (answer counts).
    page = reader.get(f"/questions/{sample.parent}", headers=HTML)
    assert "부모 질문에 새로 단 답변" in page.text and page.headers["etag"] != before[pages[1]].headers["etag"]
    assert kept_versions(app, pages[1]) != kept[pages[1]]
    api = reader.get(f"/api/v1/questions/{sample.parent}").json()
    assert api["answer_count"] == before[pages[5]].json()["answer_count"] + 1
    listing = reader.get(f"/collections/{sample.collection}",
                         headers={"If-None-Match": before[pages[4]].headers["etag"]})
    assert listing.status_code == 200


@pytest.mark.parametrize("backend", BACKENDS)
def test_no_stale_page_after_any_kind_of_write(reader, client_factory, sample):
    """Each write to a question is visible on the very next read of its (cached) page."""
    alice, bob = Account(client_factory, "alice"), Account(client_factory, "bob")
    question = alice.ask(title="캐시가 따라오는지 보는 질문", body="처음 본문")
    qid = question["id"]
    path = f"/api/v1/questions/{qid}"

    def read() -> dict:
        reader.get(f"/questions/{qid}", headers=HTML)  # keep the HTML page cached as well
        return reader.get(path).json()

    assert read()["answer_count"] == 0
    answer = bob.answer(qid, body="첫 답변입니다")
    assert read()["answer_count"] == 1
    reply = alice.client.post(f"/api/v1/answers/{answer['id']}/replies", json={"body": "답글입니다"},
                              headers=alice.headers)
    assert reply.status_code == 201, reply.text
    assert read()["answers"][0]["replies"][0]["body_md"] == "답글입니다"
    assert alice.client.post(f"/api/v1/answers/{answer['id']}/votes", headers=alice.headers).status_code == 201
    assert read()["answers"][0]["vote_score"] == 1
    assert bob.client.post(f"/api/v1/questions/{qid}/votes", headers=bob.headers).status_code == 201
    assert read()["plus_one_count"] == 1
    accepted = alice.client.post(f"/api/v1/questions/{qid}/accept", json={"answer_id": answer["id"]},
                                 headers=alice.headers)
    assert accepted.status_code == 200, accepted.text
    assert read()["accepted_answer_id"] == answer["id"]
    edited = alice.client.patch(f"/api/v1/questions/{qid}", json={"body": "고친 본문"}, headers=alice.headers)
    assert edited.status_code == 200, edited.text
    assert read()["body_md"] == "고친 본문"
    assert "고친 본문" in reader.get(f"/questions/{qid}", headers=HTML).text
    assert bob.client.delete(f"/api/v1/answers/{answer['id']}", headers=bob.headers).status_code == 204
    assert read()["answer_count"] == 1  # the reply stays
    assert alice.client.delete(f"/api/v1/questions/{qid}", headers=alice.headers).status_code == 204
    assert reader.get(path).status_code == 404


@pytest.mark.parametrize("backend", BACKENDS)
def test_links_to_a_question_follow_its_title_and_answered_state(reader, client_factory):
    """Neighbour links show other questions: a new question, a retitle, a first answer reach them."""
    alice, bob = Account(client_factory, "alice"), Account(client_factory, "bob")
    first = alice.ask(title="첫 번째로 올린 질문", body="본문")
    path = f"/api/v1/questions/{first['id']}"
    assert reader.get(path).json()["next"] is None
    second = alice.ask(title="두 번째로 올린 질문", body="본문")
    assert reader.get(path).json()["next"]["id"] == second["id"]
    assert reader.get(path).json()["next"]["answered"] is False
    bob.answer(second["id"], body="두 번째 질문의 답")
    assert reader.get(path).json()["next"]["answered"] is True
    renamed = alice.client.patch(f"/api/v1/questions/{second['id']}", json={"title": "이름을 바꾼 두 번째 질문"},
                                 headers=alice.headers)
    assert renamed.status_code == 200, renamed.text
    assert "이름을 바꾼 두 번째 질문" in reader.get(f"/questions/{first['id']}", headers=HTML).text


def test_an_older_response_never_replaces_a_newer_one():
    cache = ResponseCache()
    newer, older = Entry(200, [], b"newer"), Entry(200, [], b"older")
    cache.put((1, 5, 9), "/questions/1?", newer)
    cache.put((1, 5, 7), "/questions/1?", older)  # a slow request begun before the last commit
    assert cache.get((1, 5, 9), "/questions/1?") is newer
    assert cache.get((1, 5, 7), "/questions/1?") is None
    cache.put((1, 6, 9), "/questions/2?", older)
    assert cache.get((1, 5, 9), "/questions/1?") is newer  # an entry of another path is untouched
