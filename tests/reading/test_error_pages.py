"""The HTML error pages read as a Korean product's: a sentence for a heading (not a bare status number),
fields under their Korean names, and ways on from a dead end."""

from __future__ import annotations

import re

import pytest

from tests.reading.page_reader import Page

pytestmark = pytest.mark.read_only  # every test here only reads: one shared app

HTML = {"Accept": "text/html"}


def visible_text(html: str) -> str:
    main = html.split("<main", 1)[1].split(">", 1)[1].split("</main>", 1)[0]
    return re.sub(r"<[^>]+>", " ", main)


@pytest.mark.parametrize("path, status, heading", [
    ("/questions/999999", 404, "찾는 페이지가 없습니다"),
    ("/no-such-page", 404, "찾는 페이지가 없습니다"),
    ("/questions/abc", 422, "주소나 입력에 잘못된 값이 있습니다"),
])
def test_error_page_heading_is_a_sentence(reader, path, status, heading):
    page = reader.get(path, headers=HTML)
    assert page.status_code == status
    assert re.search(r"<h1[^>]*>([^<]*)</h1>", page.text).group(1) == heading
    assert Page(page.text).title == f"{heading} · 질문창고"
    assert f"오류 {status}" in page.text  # the number is still there for whoever reports it


@pytest.mark.parametrize("path, english, korean", [
    ("/questions/abc", "question_id", "질문 번호"),
    ("/collections/sample-interview?page=-1", "page", "쪽 번호"),
    ("/questions?per_page=0", "per_page", "한 쪽에 보이는 개수"),
    ("/questions?status=maybe", "status", "답변 여부"),
])
def test_422_page_names_fields_in_korean(reader, path, english, korean):
    page = reader.get(path, headers=HTML)
    assert page.status_code == 422
    text = visible_text(page.text)
    assert korean in text and english not in text
    assert english in reader.get(path).json()["error"]["message"]  # the JSON twin keeps the parameter name


def test_422_page_offers_the_page_without_the_bad_parameters(reader, sample):
    page = Page(reader.get("/collections/sample-interview?page=-1", headers=HTML).text)
    assert "/collections/sample-interview" in page.hrefs("기본값으로 다시 보기")


def test_404_page_offers_search_and_ways_on(reader):
    text = reader.get("/questions/999999", headers=HTML).text
    page = Page(text)
    assert "/" in page.hrefs("처음으로") and "/unanswered" in page.hrefs("답을 기다리는 질문")
    assert 'action="/search"' in text.split("<main", 1)[1]  # a search box in the page itself
    assert "기본값으로 다시 보기" not in text  # that offer is for bad query parameters only

