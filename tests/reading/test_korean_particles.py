"""Korean particles chosen by the word before them, as a reader writes them: the search page said
"드롭아웃(으)로 고쳐 찾은 결과입니다", the form-letter hedge no person writes."""

from __future__ import annotations

import pytest

from app.korean import particle

HTML = {"Accept": "text/html"}
pytestmark = pytest.mark.read_only  # only reads: one shared app


@pytest.mark.parametrize(("word", "expected"), [
    ("드롭아웃", "으로"), ("기울기", "로"), ("배치 정규화", "로"), ("모델", "로"), ("경사 하강법", "으로"),
    ("ReLU", "(으)로"), ("6", "으로"), ("7", "로"), ("top-1", "로"), ("", "(으)로"),
])
def test_ro_follows_the_last_syllable(word, expected):
    assert particle(word, "으로") == expected


# A final consonant (받침), a final ㄹ (which takes 로 as no final does) and no final (모음).
TEMPLATE_CASES = [
    ("드롭아웃", "으로", "드롭아웃으로"), ("손실 함수", "으로", "손실 함수로"), ("모델", "으로", "모델로"),
    ("기울기", "으로", "기울기로"), ("김산", "은", "김산은"), ("레이블", "은", "레이블은"), ("민규", "은", "민규는"),
    ("드롭아웃", "을", "드롭아웃을"), ("모델", "이", "모델이"), ("배치 정규화", "이", "배치 정규화가"),
    ("ReLU", "으로", "ReLU(으)로"),
]


def test_templates_pick_particles_with_the_same_function(seeded_client):
    """Templates choose a particle through the `particle` filter, which is app.korean.particle itself."""
    env = seeded_client.app.state.templates.env
    assert env.filters["particle"] is particle
    shown = env.from_string(
        "{% for word, with_final in cases %}{{ word }}{{ word | particle(with_final) }}|{% endfor %}")
    rendered = shown.render(cases=[(word, with_final) for word, with_final, _ in TEMPLATE_CASES]).split("|")[:-1]
    assert rendered == [expected for _, _, expected in TEMPLATE_CASES]


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
