"""Pagination edges: per_page 1 and the maximum, a page beyond the end, totals that match the filter."""

from __future__ import annotations

import pytest

from app.services.reading import MAX_PER_PAGE

pytestmark = pytest.mark.read_only  # every test here only reads: one shared app

HTML = {"Accept": "text/html"}


def test_per_page_one_walks_every_question_once(reader, sample):
    first = reader.get("/api/v1/questions", params={"collection": sample.collection, "per_page": 1}).json()
    assert first["total"] == 3 and first["per_page"] == 1 and len(first["items"]) == 1
    seen = []
    for page in range(1, first["total"] + 1):
        body = reader.get("/api/v1/questions", params={"collection": sample.collection, "per_page": 1,
                                                       "page": page}).json()
        seen += [item["id"] for item in body["items"]]
    assert seen == [sample.parent, sample.child, sample.open]  # source order


def test_max_per_page_and_beyond_the_end(reader, sample):
    full = reader.get("/api/v1/questions", params={"per_page": MAX_PER_PAGE}).json()
    assert full["per_page"] == MAX_PER_PAGE and len(full["items"]) == full["total"] == 3
    beyond = reader.get("/api/v1/questions", params={"per_page": 2, "page": 3})
    assert beyond.status_code == 200
    assert beyond.json() == {"items": [], "total": 3, "page": 3, "per_page": 2}


def test_status_filter_totals(reader, sample):
    answered = reader.get("/api/v1/questions", params={"status": "answered"}).json()
    unanswered = reader.get("/api/v1/questions", params={"status": "unanswered"}).json()
    everything = reader.get("/api/v1/questions", params={"status": "all"}).json()
    assert (answered["total"], unanswered["total"], everything["total"]) == (2, 1, 3)
    assert [q["id"] for q in unanswered["items"]] == [sample.open]
    children = reader.get("/api/v1/questions", params={"parent": sample.parent}).json()
    assert [q["id"] for q in children["items"]] == [sample.child]


def test_collection_detail_pages_its_questions(reader, sample):
    body = reader.get(f"/api/v1/collections/{sample.collection}", params={"per_page": 2, "page": 2}).json()
    assert body["questions"]["total"] == 3 and [q["id"] for q in body["questions"]["items"]] == [sample.open]
    assert [s["title"] for s in body["sections"]] == ["기초", "비어 있는 섹션", "심화"]
    assert body["sections"][0]["question_ids"] == [sample.parent, sample.child]  # the whole outline on every page
    filtered = reader.get(f"/api/v1/collections/{sample.collection}", params={"status": "unanswered"}).json()
    assert [q["id"] for q in filtered["questions"]["items"]] == [sample.open]


def test_pages_link_their_neighbours_and_handle_the_end(reader, sample):
    page = reader.get("/unanswered", params={"per_page": 1}, headers=HTML)
    assert "1 / 1 쪽" not in page.text  # one unanswered question: no pager needed
    listing = reader.get("/questions", params={"per_page": 1, "page": 2}, headers=HTML).text
    assert 'href="/questions?per_page=1" rel="prev"' in listing
    assert 'href="/questions?per_page=1&amp;page=3" rel="next"' in listing and "2 / 3 쪽" in listing
    beyond = reader.get("/questions", params={"per_page": 1, "page": 9}, headers=HTML)
    assert beyond.status_code == 200
    assert "이 쪽에는 항목이 없습니다" in beyond.text and 'href="/questions?per_page=1&amp;page=3"' in beyond.text


def test_authors_are_paginated(reader):
    pages = [reader.get("/api/v1/authors", params={"per_page": 3, "page": n}).json() for n in (1, 2, 3)]
    assert [p["total"] for p in pages] == [4, 4, 4]
    assert [[a["name"] for a in p["items"]] for p in pages] == [["민규", "서연", "청"], ["태하"], []]
    seoyeon = next(a for a in pages[0]["items"] if a["name"] == "서연")
    assert (seoyeon["question_count"], seoyeon["answer_count"]) == (0, 2)
