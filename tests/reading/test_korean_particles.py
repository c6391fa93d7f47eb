"""Korean particles chosen by the word before them, as a reader writes them: the search page said
"드롭아웃(으)로 고쳐 찾은 결과입니다", the form-letter hedge no person writes."""

from __future__ import annotations

import pytest

from app.korean import particle, ro_particle

HTML = {"Accept": "text/html"}
pytestmark = pytest.mark.read_only  # only reads: one shared app


@pytest.mark.parametrize(("word", "particle"), [
    ("드롭아웃", "으로"), ("기울기", "로"), ("배치 정규화", "로"), ("모델", "로"), ("경사 하강법", "으로"),
    ("ReLU", "(으)로"), ("6", "으로"), ("7", "로"), ("top-1", "로"), ("", "(으)로"),
])
def test_ro_follows_the_last_syllable(word, particle):
    assert ro_particle(word) == particle


@pytest.mark.parametrize(("word", "with_final", "expected"), [
    ("김산", "은", "은"), ("민규", "은", "는"), ("Jane", "은", "은(는)"), ("배치 정규화", "이", "가"),
    ("dropout", "을", "을(를)"), ("드롭아웃", "을", "을"), ("13", "이", "이"), ("2", "을", "를"),
])
def test_each_pair_follows_the_last_syllable(word, with_final, expected):
    assert particle(word, with_final) == expected


def test_a_corrected_search_names_the_correction_with_the_right_particle(seeded_client):
    page = seeded_client.get("/search", params={"q": "드롭아욷"}, headers=HTML).text
    notice = page.split('class="search-did-you-mean">', 1)[1].split("</p>", 1)[0]
    assert notice.startswith("<strong>드롭아웃</strong>으로 고쳐 찾은 결과입니다.")
    assert "(으)로" not in notice
