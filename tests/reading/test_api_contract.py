"""The read API's JSON contract, pinned key by key (tests/reading/contract.py), on data where every
nested list is filled: answers with replies two levels deep, reactions, references, parent and children."""

from __future__ import annotations

import json

import pytest
from sqlmodel import Session

from app.db.engine import make_engine
from app.db.models import DemoLink
from tests.reading import contract


def non_empty(value, *path):
    for key in path:
        value = value[key]
    assert value, f"{'.'.join(map(str, path))} is empty: the contract check would prove nothing there"
    return value


@pytest.mark.read_only
def test_collections(reader, sample):
    body = reader.get("/api/v1/collections").json()
    contract.check(body, [contract.COLLECTION])
    collection = next(c for c in body if c["slug"] == sample.collection)
    assert (collection["question_count"], collection["answered_count"], collection["unanswered_count"]) == (3, 2, 1)
    assert collection["source_path"] == "interview/sample-interview.md"


@pytest.mark.read_only
def test_collection_detail(reader, sample):
    body = reader.get(f"/api/v1/collections/{sample.collection}").json()
    contract.check(body, contract.COLLECTION_DETAIL)
    non_empty(body, "sections", 0, "question_ids")
    non_empty(body, "questions", "items")


@pytest.mark.read_only
def test_questions_page(reader, sample):
    body = reader.get("/api/v1/questions", params={"collection": sample.collection}).json()
    contract.check(body, contract.QUESTION_PAGE)
    first = non_empty(body, "items")[0]
    assert first["source"] == {"path": "interview/sample-interview.md", "line": 5}
    assert non_empty(body, "items")[1]["parent_id"] == sample.parent


@pytest.mark.read_only
def test_question_detail(reader, sample):
    body = reader.get(f"/api/v1/questions/{sample.parent}").json()
    contract.check(body, contract.QUESTION_DETAIL)
    non_empty(body, "answers", 0, "replies", 0, "replies")
    non_empty(body, "answers", 0, "reactions")
    non_empty(body, "reactions")
    non_empty(body, "references")
    non_empty(body, "children")
    child = reader.get(f"/api/v1/questions/{sample.child}").json()
    contract.check(child, contract.QUESTION_DETAIL)
    assert child["parent"]["id"] == sample.parent and child["previous"]["id"] == sample.parent


def test_question_detail_demo_links(reader, sample, settings, monkeypatch):
    from app.demos import registry

    class Spec:
        slug, title = "batch-norm", "배치 정규화 실험"
        breaking = None

    monkeypatch.setattr(registry, "get_demo", lambda slug: Spec if slug == "batch-norm" else None)
    engine = make_engine(settings.database_url)
    with Session(engine) as session:
        session.add(DemoLink(question_id=sample.parent, demo_slug="batch-norm",
                             params_json=json.dumps({"layers": 20, "activation": "relu"})))
        session.add(DemoLink(question_id=sample.parent, demo_slug="removed-demo", position=1))
        session.commit()
    engine.dispose()
    body = reader.get(f"/api/v1/questions/{sample.parent}").json()
    contract.check(body, contract.QUESTION_DETAIL)
    assert body["demos"] == [{"slug": "batch-norm", "title": "배치 정규화 실험",
                              "params": {"layers": 20, "activation": "relu"},
                              "url": "/demos/batch-norm?layers=20&activation=relu", "breaking_url": None,
                              "concepts": [], "match": "editor", "score": None}]


@pytest.mark.read_only
def test_authors(reader, sample):
    body = reader.get("/api/v1/authors").json()
    contract.check(body, contract.AUTHOR_PAGE)
    non_empty(body, "items")
    detail = reader.get("/api/v1/authors/%EC%84%9C%EC%97%B0").json()
    contract.check(detail, contract.AUTHOR_DETAIL)
    assert [a["is_reply"] for a in non_empty(detail, "answers", "items")] == [False, True]


@pytest.mark.parametrize("bad", [{"x": 1}, {"id": "1"}, {"id": True}])
def test_the_checker_itself_refuses_wrong_shapes(bad):
    with pytest.raises(AssertionError):
        contract.check(bad, {"id": int})
