"""Each kind of write to question A refreshes what shows A and leaves question B's cached entry, its
ETag and another collection's list as they were (issue 12 item 1), counted on the response cache and
on validators, not timed. A 304 before the write, a 200 with a new ETag after it."""

from __future__ import annotations

import pytest

from tests.writes.helpers import Account, indexed

HTML = {"Accept": "text/html"}


def kept(app, path: str):
    """The versions the response cache keeps `path`'s page under (None: not kept)."""
    found = app.state.response_cache._entries.get(f"{path}?")
    return None if found is None else found[0]


def _answer(alice, bob, ids):
    bob.answer(ids["a"], body="A에 새로 단 답변")
    return "A에 새로 단 답변"


def _reply(alice, bob, ids):
    response = alice.client.post(f"/api/v1/answers/{ids['answer']}/replies", json={"body": "A의 답변에 단 답글"},
                                 headers=alice.headers)
    assert response.status_code == 201, response.text
    return "A의 답변에 단 답글"


def _vote_answer(alice, bob, ids):
    response = alice.client.post(f"/api/v1/answers/{ids['answer']}/votes", headers=alice.headers)
    assert response.status_code == 201, response.text
    return None


def _vote_question(alice, bob, ids):
    response = bob.client.post(f"/api/v1/questions/{ids['a']}/votes", headers=bob.headers)
    assert response.status_code == 201, response.text
    return None


def _edit(alice, bob, ids):
    response = alice.client.patch(f"/api/v1/questions/{ids['a']}", json={"body": "A의 고친 본문"},
                                  headers=alice.headers)
    assert response.status_code == 200, response.text
    return "A의 고친 본문"


def _accept(alice, bob, ids):
    response = alice.client.post(f"/api/v1/questions/{ids['a']}/accept", json={"answer_id": ids["answer"]},
                                 headers=alice.headers)
    assert response.status_code == 200, response.text
    return None


@pytest.mark.parametrize("write", [_answer, _reply, _vote_answer, _vote_question,
                                   _edit, _accept],
                         ids=["answer", "reply", "vote-answer", "vote-question", "edit", "accept"])
def test_a_write_to_one_question_refreshes_it_and_keeps_the_others(app, reader, client_factory, sample, write):
    alice, bob = Account(client_factory, "alice"), Account(client_factory, "bob")
    a = alice.ask(title="캐시를 새로 하는 질문 A", body="A의 본문")["id"]
    b = alice.ask(title="그대로 두는 질문 B", body="B의 본문")["id"]  # the same collection as A
    ids = {"a": a, "b": b, "answer": bob.answer(a, body="A의 첫 답변")["id"]}
    indexed(alice.client)  # the search index's own commits (after each response) are done before we look
    page_a, page_b, api_a = f"/questions/{a}", f"/questions/{b}", f"/api/v1/questions/{a}"
    other_list = f"/collections/{sample.collection}"
    before = {path: reader.get(path, headers=HTML) for path in (page_a, page_b, api_a, other_list, "/")}
    versions = {path: kept(app, path) for path in (page_a, page_b, other_list)}
    assert None not in versions.values()
    for path, response in before.items():  # before the write, every validator still holds
        again = reader.get(path, headers={**HTML, "If-None-Match": response.headers["etag"]})
        assert again.status_code == 304, path

    shown = write(alice, bob, ids)
    indexed(alice.client)

    # B's page and the other collection's list: the same entry, the same ETag, no render.
    for path in (page_b, other_list):
        again = reader.get(path, headers={**HTML, "If-None-Match": before[path].headers["etag"]})
        assert again.status_code == 304 and kept(app, path) == versions[path], path
    # A's page and its JSON: a 200 with a new ETag, the write on it, kept under newer versions.
    for path in (page_a, api_a):
        again = reader.get(path, headers={**HTML, "If-None-Match": before[path].headers["etag"]})
        assert again.status_code == 200 and again.headers["etag"] != before[path].headers["etag"], path
        assert shown is None or shown in again.text, path
    assert kept(app, page_a) != versions[page_a]
    new_etag = reader.get(page_a, headers=HTML).headers["etag"]  # and the new ETag holds until the next write
    assert reader.get(page_a, headers={**HTML, "If-None-Match": new_etag}).status_code == 304
    # The home page follows the site version, which every content write moves.
    home = reader.get("/", headers={**HTML, "If-None-Match": before["/"].headers["etag"]})
    assert home.status_code == 200 and home.headers["etag"] != before["/"].headers["etag"]


def test_a_list_page_follows_its_own_collection_only(app, reader, client_factory, sample):
    """A new answer in one collection changes that collection's list (its counts), not another's."""
    alice = Account(client_factory, "alice")
    mine = alice.ask(title="일반 모음에 올린 질문", body="본문")["id"]  # the general collection
    indexed(alice.client)
    lists = {slug: reader.get(f"/collections/{slug}", headers=HTML) for slug in ("general", sample.collection)}
    alice.answer(sample.parent, body="샘플 모음의 질문에 단 답변")  # the sample collection
    indexed(alice.client)
    general = reader.get("/collections/general", headers={**HTML, "If-None-Match": lists["general"].headers["etag"]})
    assert general.status_code == 304
    sampled = reader.get(f"/collections/{sample.collection}",
                         headers={**HTML, "If-None-Match": lists[sample.collection].headers["etag"]})
    assert sampled.status_code == 200 and sampled.headers["etag"] != lists[sample.collection].headers["etag"]
    alice.answer(mine, body="일반 모음의 질문에 단 답변")
    indexed(alice.client)
    assert reader.get("/collections/general",
                      headers={**HTML, "If-None-Match": lists["general"].headers["etag"]}).status_code == 200
    assert reader.get(f"/collections/{sample.collection}",
                      headers={**HTML, "If-None-Match": sampled.headers["etag"]}).status_code == 304
