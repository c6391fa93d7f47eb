"""What search engines and link previews (KakaoTalk, blogs) are told: robots.txt, the sitemap, and the
description and OpenGraph card of each page."""

from __future__ import annotations

import html
import re
from xml.etree import ElementTree

from app.web.templating import excerpt
from tests.reading.page_reader import Page
from tests.writes.helpers import Account

HTML = {"Accept": "text/html"}
BASE = "http://127.0.0.1:8000"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


def sitemap_urls(client) -> dict[str, str | None]:
    response = client.get("/sitemap.xml")
    assert response.status_code == 200 and response.headers["content-type"].startswith("application/xml")
    root = ElementTree.fromstring(response.content)
    return {url.findtext(f"{SITEMAP}loc"): url.findtext(f"{SITEMAP}lastmod") for url in root.iter(f"{SITEMAP}url")}


def meta(text: str, attribute: str, name: str) -> str | None:
    found = re.search(rf'<meta {attribute}="{re.escape(name)}" content="([^"]*)">', text)
    return html.unescape(found.group(1)) if found else None


def test_sitemap_lists_every_question_collection_and_experiment(seeded_factory):
    client = seeded_factory()
    urls = sitemap_urls(client)
    questions = client.get("/api/v1/questions", params={"per_page": 100}).json()
    assert questions["total"] <= 100
    assert {BASE + q["url"] for q in questions["items"]} <= urls.keys()
    assert {BASE + c["url"] for c in client.get("/api/v1/collections").json()} <= urls.keys()
    assert {BASE + d["url"] for d in client.get("/api/v1/demos").json()} <= urls.keys()
    concepts = client.get("/api/v1/concepts").json()["items"]
    assert {BASE + c["url"] for c in concepts} <= urls.keys()
    assert len(urls) == 4 + len(client.get("/api/v1/collections").json()) + questions["total"] + len(
        client.get("/api/v1/demos").json()) + len(concepts)
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\d", day) for url, day in urls.items() if "/questions/" in url)


def test_a_new_question_enters_the_sitemap_and_a_deleted_one_leaves(seeded_factory):
    asker = Account(seeded_factory, "sitemapper")
    question = asker.ask(title="시퀀스가 길어지면 기울기가 사라지나요?")
    assert BASE + question["url"] in sitemap_urls(asker.client)
    response = asker.client.delete(f"/api/v1/questions/{question['id']}", headers=asker.headers)
    assert response.status_code in (200, 204), response.text
    assert BASE + question["url"] not in sitemap_urls(asker.client)


def test_robots_keeps_crawlers_off_forms_and_points_to_the_sitemap(seeded_factory):
    response = seeded_factory().get("/robots.txt")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/plain")
    lines = response.text.splitlines()
    assert lines[0] == "User-agent: *"
    assert {"Disallow: /ask", "Disallow: /login", "Disallow: /api/", "Disallow: /runs/"} <= set(lines)
    assert f"Sitemap: {BASE}/sitemap.xml" in lines
    assert not any(line == "Disallow: /" or line == "Disallow: /questions/" for line in lines)


def test_question_page_card_describes_the_question_in_plain_text(seeded_factory):
    client = seeded_factory()
    detail = next(q for q in (client.get(item["url"].replace("/questions/", "/api/v1/questions/")).json()
                              for item in client.get("/api/v1/questions", params={"per_page": 100}).json()["items"])
                  if q["answers"] and len(excerpt(q["body_html"] or q["answers"][0]["body_html"])) > 100)
    text = client.get(detail["url"], headers=HTML).text
    description = meta(text, "name", "description")
    assert description == excerpt(detail["body_html"] or detail["answers"][0]["body_html"])  # where no body, the answer
    assert description and "<" not in description and len(description) <= 161
    assert meta(text, "property", "og:description") == description
    assert meta(text, "property", "og:title") == Page(text).title
    assert meta(text, "property", "og:url") == BASE + detail["url"]
    assert meta(text, "property", "og:type") == "article"
    assert meta(text, "property", "og:locale") == "ko_KR"


def test_every_page_has_a_description(seeded_factory):
    client = seeded_factory()
    for path in ("/", "/questions", "/collections/deep-learning-interview", "/demos", "/demos/dropout", "/login"):
        text = client.get(path, headers=HTML).text
        assert meta(text, "name", "description"), path
        assert meta(text, "property", "og:title"), path


def test_excerpt_is_one_line_cut_at_a_word():
    assert excerpt("<p>배치 <strong>정규화</strong>는\n\n<em>학습</em>을 빠르게</p>") == "배치 정규화는 학습을 빠르게"
    long = "<p>" + "기울기가 사라지는 문제 " * 30 + "</p>"
    cut = excerpt(long, limit=40)
    assert cut.endswith("…") and len(cut) <= 41 and not cut[:-1].endswith(" ")
    assert cut[:-1] in " ".join(("기울기가 사라지는 문제 " * 30).split())
    assert excerpt("<p>x &lt; y &amp; z</p>") == "x < y & z"
