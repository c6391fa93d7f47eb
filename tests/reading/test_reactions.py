"""Reactions read as counts with names: one line per emoji saying how many gave it and who (the rest
counted), and one line naming everyone who said "+1"."""

from __future__ import annotations

import re

import pytest

from app.schemas.content import ReactionPublic


@pytest.fixture
def render_reactions(settings):
    from tests.apps import new_app

    env = new_app(settings).state.templates.env
    template = env.from_string('{% from "reading/_macros.html" import reactions %}{{ reactions(items) }}')

    def render(*items: ReactionPublic) -> str:
        return re.sub(r"\s+", " ", template.render(items=list(items)))

    return render


def test_an_emoji_shows_its_count_and_who_gave_it(render_reactions):
    html = render_reactions(
        ReactionPublic(kind="emoji", emoji="👍", author="민수"),
        ReactionPublic(kind="emoji", emoji="👍", author="영희"),
        ReactionPublic(kind="emoji", emoji="👍", author=None, count=2),
        ReactionPublic(kind="emoji", emoji="🔥", author=None),
    )
    assert html.count('class="reaction reaction--emoji"') == 2  # one line per emoji
    thumbs = html[html.index("👍"):]
    assert '<span class="reaction__count">4</span>' in thumbs
    assert '<span class="reaction__names">민수, 영희 외 2명</span>' in thumbs
    assert 'title="👍 4명: 민수, 영희 외 2명"' in html
    assert '🔥</span> <span class="reaction__count">1</span>' in html
    assert "reaction__names" not in html.split("🔥", 1)[1]  # nobody named: only the count


def test_plus_ones_are_one_line_naming_everyone(render_reactions):
    html = render_reactions(
        ReactionPublic(kind="plus_one", emoji="+1", author="김산"),
        ReactionPublic(kind="plus_one", emoji="+1", author="이든"),
        ReactionPublic(kind="plus_one", emoji="+1", author=None),
    )
    assert html.count("<li") == 1
    assert "김산, 이든 님 외 1명도 같은 생각이에요" in html
    unnamed = render_reactions(ReactionPublic(kind="plus_one", emoji="+1", author=None, count=3))
    assert "3명이 더 같은 생각이에요" in unnamed
