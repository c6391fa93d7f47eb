"""Concept pages over the ingested seeds: every concept that a question discusses has a page listing
those questions, ordered by how much each is about it, with its experiments, papers and family."""

from __future__ import annotations

from tests.reading.page_reader import Page
from tests.writes.helpers import Account, indexed

HTML = {"Accept": "text/html"}


def test_every_discussed_concept_has_a_page_listing_its_questions(seeded_factory):
    client = seeded_factory()
    listed = client.get("/api/v1/concepts").json()
    assert listed["total"] == len(listed["items"]) > 50
    counts = [item["question_count"] for item in listed["items"]]
    assert counts == sorted(counts, reverse=True)  # the most asked first
    for item in listed["items"]:
        detail = client.get(item["url"].replace("/concepts/", "/api/v1/concepts/"))
        assert detail.status_code == 200, item
        body = detail.json()
        assert body["question_count"] == len(body["questions"]) == item["question_count"], item["id"]
        assert item["question_count"] or body["demos"]  # listed only when something is there


def test_batch_norm_page_has_its_questions_experiment_papers_and_family(seeded_factory):
    client = seeded_factory()
    concept = client.get("/api/v1/concepts/batch_normalization").json()
    assert concept["label"] == "배치 정규화" and "BN" in concept["names"]
    assert concept["question_count"] >= 5
    titles = [q["title"] for q in concept["questions"]]
    assert any("Batch Normalization" in title or "배치 정규화" in title for title in titles[:2])
    assert {"slug": "batchnorm", "title": concept["demos"][0]["title"], "url": "/demos/batchnorm"} in concept["demos"]
    assert concept["papers"] and all(paper["demo"] == "batchnorm" for paper in concept["papers"])
    assert [b["id"] for b in concept["broader"]] == ["normalization"]
    broader = client.get("/api/v1/concepts/normalization").json()
    assert "batch_normalization" in [n["id"] for n in broader["narrower"]]


def test_questions_about_a_concept_come_before_questions_that_mention_it_in_answers(seeded_factory):
    asker = Account(seeded_factory, "conceptual")
    in_title = asker.ask(title="드롭아웃은 왜 테스트 때 끄나요?", body="궁금합니다.")
    in_answer = asker.ask(title="정칙화 기법에는 무엇이 있나요?", body="여러 가지가 궁금합니다.")
    asker.answer(in_answer["id"], body="가중치 감쇠나 드롭아웃 같은 것들이 있습니다.")
    indexed(asker.client)  # concepts are read by the indexer, after each post's response
    ids = [q["id"] for q in asker.client.get("/api/v1/concepts/dropout").json()["questions"]]
    assert in_title["id"] in ids and in_answer["id"] in ids
    assert ids.index(in_title["id"]) < ids.index(in_answer["id"])


def test_concept_page_is_the_twin_of_its_json(seeded_factory):
    client = seeded_factory()
    response = client.get("/concepts/dropout", headers=HTML)
    assert response.status_code == 200
    page = Page(response.text)
    concept = client.get("/api/v1/concepts/dropout").json()
    assert page.title == "드롭아웃 · 개념 · 질문창고"
    assert page.link("alternate") == "/api/v1/concepts/dropout"
    for question in concept["questions"]:
        assert question["url"] in response.text
    assert "/demos/dropout" in response.text
    index = client.get("/concepts", headers=HTML)
    assert index.status_code == 200 and "/concepts/dropout" in index.text


def test_unknown_concepts_are_a_404_in_the_envelope(seeded_factory):
    client = seeded_factory()
    for concept_id in ("no_such_concept", "Dropout", "드롭아웃", "x" * 64):
        response = client.get(f"/api/v1/concepts/{concept_id}")
        assert response.status_code == 404, concept_id
        assert response.json()["error"]["code"] == "not_found"
    assert client.get("/api/v1/concepts/" + "x" * 65).status_code == 422
    assert client.get("/concepts/no_such_concept", headers=HTML).status_code == 404


def test_question_shows_its_concepts_and_the_home_the_most_asked(seeded_factory):
    client = seeded_factory()
    question = next(q for q in client.get("/api/v1/questions", params={"per_page": 100}).json()["items"]
                    if q["title"].startswith("batch normalization이 과적합"))
    detail = client.get(f"/api/v1/questions/{question['id']}").json()
    ids = [c["id"] for c in detail["concepts"]]
    assert ids[:2] == ["batch_normalization", "overfitting"] or ids[:2] == ["overfitting", "batch_normalization"]
    assert len(ids) <= 6 and all(c["url"] == f"/concepts/{c['id']}" for c in detail["concepts"])
    page = client.get(question["url"], headers=HTML).text
    assert 'aria-label="이 질문의 개념"' in page and 'href="/concepts/batch_normalization"' in page
    home = client.get("/", headers=HTML).text
    assert "자주 묻는 개념" in home and 'href="/concepts/overfitting"' in home
    assert 'href="/concepts/training"' not in home  # an umbrella word tells a newcomer nothing
