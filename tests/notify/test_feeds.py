"""Atom feeds: the whole site's new questions (/feed.atom) and a collection's
(/collections/{slug}/feed.atom), valid Atom that a feed reader can follow."""

from __future__ import annotations

import xml.etree.ElementTree as ET

ATOM = "{http://www.w3.org/2005/Atom}"


def entries(response) -> list[ET.Element]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/atom+xml")
    root = ET.fromstring(response.content)
    assert root.tag == f"{ATOM}feed"
    for required in ("id", "title", "updated"):
        assert root.find(f"{ATOM}{required}") is not None, required
    return root.findall(f"{ATOM}entry")


def test_a_collection_feed_lists_only_its_questions_newest_first(seeded_client):
    from tests.writes.helpers import Account

    class Factory:
        def __call__(self):
            return seeded_client

    asker = Account(Factory(), "feedreader")
    collections = seeded_client.get("/api/v1/collections").json()
    slug = collections[0]["slug"]
    first = asker.ask(title="첫 번째 새 질문입니다", collection=slug)
    second = asker.ask(title="두 번째 새 질문입니다", body="**굵게** 입니다 <script>alert(1)</script>", collection=slug)
    other = asker.ask(title="일반 모음의 질문입니다")

    found = entries(seeded_client.get(f"/collections/{slug}/feed.atom"))
    titles = [e.find(f"{ATOM}title").text for e in found]
    assert titles[:2] == ["두 번째 새 질문입니다", "첫 번째 새 질문입니다"]
    assert "일반 모음의 질문입니다" not in titles
    content = found[0].find(f"{ATOM}content")
    assert content.get("type") == "html" and "<strong>굵게</strong>" in content.text and "<script" not in content.text
    assert found[0].find(f"{ATOM}id").text.endswith(f"/questions/{second['id']}")
    assert found[0].find(f"{ATOM}author/{ATOM}name").text == "feedreader"

    site = [e.find(f"{ATOM}title").text for e in entries(seeded_client.get("/feed.atom"))]
    assert site[:3] == ["일반 모음의 질문입니다", "두 번째 새 질문입니다", "첫 번째 새 질문입니다"]
    assert first["id"] != other["id"]


def test_the_site_feed_of_an_empty_site_is_valid(client):
    assert entries(client.get("/feed.atom")) == []
    assert 'type="application/atom+xml"' in client.get("/").text  # pages point feed readers to it


def test_an_unknown_collection_has_no_feed(client):
    response = client.get("/collections/no-such-collection/feed.atom")
    assert response.status_code == 404


def test_a_collection_page_points_to_its_feed(seeded_client):
    slug = seeded_client.get("/api/v1/collections").json()[0]["slug"]
    page = seeded_client.get(f"/collections/{slug}").text
    assert f'href="/collections/{slug}/feed.atom"' in page and "새 질문 피드(Atom)" in page
    assert 'type="application/atom+xml"' in page
