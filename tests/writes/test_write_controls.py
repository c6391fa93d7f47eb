"""What the writing controls say and offer: Korean error details, vote buttons that show their state,
no button that can only fail (a +1 on one's own question)."""

from __future__ import annotations

import re


def test_empty_body_detail_is_korean(alice):
    response = alice.client.post("/api/v1/questions", json={"title": "빈 본문 질문", "body": "   "},
                                 headers=alice.headers)
    assert response.status_code == 422
    assert response.json()["error"]["details"][0]["message"] == "본문이 비어 있습니다."


def vote_form(html: str, action: str) -> str | None:
    """The <button> of the form posting to `action`, or None when the page has no such form."""
    match = re.search(rf'<form method="post" action="{re.escape(action)}".*?(<button[^>]*>)', html, re.S)
    return match.group(1) if match else None


def test_own_question_has_no_plus_one_button(alice, bob):
    question = alice.ask()
    path = f"/questions/{question['id']}"
    own = alice.client.get(path).text
    assert vote_form(own, f"{path}/vote") is None  # pressing it could only end on a 403 page
    assert 'class="plus-one plus-one--own"' in own
    assert vote_form(bob.client.get(path).text, f"{path}/vote") is not None


def test_plus_one_button_shows_it_is_pressed(alice, bob):
    path = f"/questions/{alice.ask()['id']}"
    assert 'aria-pressed="false"' in vote_form(bob.client.get(path).text, f"{path}/vote")
    bob.client.post(f"{path}/vote", data={"csrf_token": bob.csrf(path)})
    pressed = vote_form(bob.client.get(path).text, f"{path}/vote")
    assert 'aria-pressed="true"' in pressed and "plus-one--on" in pressed
    bob.client.post(f"{path}/vote", data={"csrf_token": bob.csrf(path)})  # pressing again takes it back
    assert 'aria-pressed="false"' in vote_form(bob.client.get(path).text, f"{path}/vote")


def test_upvote_button_shows_it_is_pressed(alice, bob):
    question = alice.ask()
    answer = bob.answer(question["id"])
    path, action = f"/questions/{question['id']}", f"/answers/{answer['id']}/vote"
    assert 'aria-pressed="false"' in vote_form(alice.client.get(path).text, action)
    alice.client.post(action, data={"csrf_token": alice.csrf(path)})
    assert 'aria-pressed="true"' in vote_form(alice.client.get(path).text, action)


def test_logged_out_readers_see_what_the_number_counts(alice, bob, client_factory):
    question = alice.ask()
    bob.answer(question["id"])
    html = client_factory().get(f"/questions/{question['id']}").text
    assert '<span class="upvote upvote--count"><span aria-hidden="true">▲</span> 추천 0</span>' in html


def test_ask_form_takes_its_title_from_the_query(alice):
    html = alice.client.get("/ask", params={"title": "  양자   얽힘\u200b 테스트 "}).text
    assert 'name="title" value="양자 얽힘 테스트"' in html
    assert alice.client.get("/ask", params={"title": "가" * 201}).status_code == 422


def test_settings_page_leads_to_ones_own_posts(client_factory):
    from tests.writes.helpers import sign_up

    client = client_factory()
    sign_up(client, "settler", display_name="정착")
    html = client.get("/settings/tokens").text
    assert '<a href="/users/settler">내가 쓴 글 보기</a>' in html  # an account's page, not a source author's
    assert 'class="nav-user" title="내 설정">정착</a>' in html
