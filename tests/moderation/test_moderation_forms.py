"""Moderation through the HTML forms (CSRF token on each): a member's flag, the moderators' buttons,
and that a member posting to them gets 403; plus the pages that must forget a hidden post."""

from __future__ import annotations

import re

from tests.writes.helpers import csrf_from


def form(account, path: str, data: dict, page: str = "/ask"):
    token = csrf_from(account.client.get(page).text)
    return account.client.post(path, data={**data, "csrf_token": token}, follow_redirects=False)


def test_a_member_flags_through_the_form_and_cannot_use_the_moderators_forms(alice, bob, mod):
    qid = alice.ask()["id"]
    answer = alice.answer(qid, body="광고 답변입니다")
    page = bob.client.get(f"/questions/{qid}").text
    assert f'action="/answers/{answer["id"]}/flag"' in page and 'action="/moderation/' not in page

    flagged = form(bob, f"/answers/{answer['id']}/flag", {"reason": "광고", "question_id": qid})
    assert flagged.status_code == 201 and "신고했습니다" in flagged.text
    assert form(bob, f"/answers/{answer['id']}/flag", {"reason": "광고", "question_id": qid}).status_code == 409
    missing_token = bob.client.post(f"/questions/{qid}/flag", data={"reason": "광고"})
    assert missing_token.status_code == 403

    for path, data in [(f"/moderation/answers/{answer['id']}/hide", {"reason": "광고"}),
                       (f"/moderation/questions/{qid}/close", {"reason": "무관"}),
                       ("/moderation/suspend", {"username": "alice", "days": "3", "reason": "광고"})]:
        refused = form(bob, path, data)
        assert refused.status_code == 403 and "운영자만 할 수 있는 일입니다" in refused.text

    assert 'action="/moderation/answers/' in mod.client.get(f"/questions/{qid}").text
    hidden = form(mod, f"/moderation/answers/{answer['id']}/hide", {"reason": "광고", "next": "/moderation"})
    assert hidden.status_code == 303 and hidden.headers["location"] == "/moderation"
    queue = mod.client.get("/moderation").text
    assert "광고 답변입니다" in queue and "되살리기" in queue


def test_the_close_form_takes_a_number_or_an_address_and_refuses_anything_else(alice, mod):
    original, duplicate, other = (alice.ask(title=f"같은 질문 {n}")["id"] for n in range(3))
    closed = form(mod, f"/moderation/questions/{duplicate}/close", {"duplicate_of": f"http://x/questions/{original}"})
    assert closed.status_code == 303 and closed.headers["location"] == f"/questions/{duplicate}"
    assert mod.client.get(f"/api/v1/questions/{duplicate}").json()["closed"]["duplicate_of"]["id"] == original
    refused = form(mod, f"/moderation/questions/{other}/close", {"duplicate_of": "배치 정규화 질문"})
    assert refused.status_code == 422 and "번호(12)나 주소" in refused.text
    reopened = form(mod, f"/moderation/questions/{duplicate}/reopen", {})
    assert reopened.status_code == 303


def test_the_close_form_takes_a_full_address_copied_from_the_address_bar(alice, mod):
    original, duplicate = (alice.ask(title=f"주소로 닫을 질문 {n}")["id"] for n in range(2))
    address = f"https://kb.deep-learning-study.example.org/questions/{original}?sort=votes#answer-1234"
    maxlength = re.search(r'id="close-duplicate"[^>]*maxlength="(\d+)"', mod.client.get(f"/questions/{duplicate}").text)
    assert int(maxlength.group(1)) >= len(address)  # the browser would cut a paste at maxlength
    closed = form(mod, f"/moderation/questions/{duplicate}/close", {"duplicate_of": address})
    assert closed.status_code == 303
    assert mod.client.get(f"/api/v1/questions/{duplicate}").json()["closed"]["duplicate_of"]["id"] == original


def test_hiding_a_duplicate_drops_it_from_the_originals_cached_page(client, alice, bob, mod):
    original = alice.ask(title="드롭아웃은 왜 쓰나요?")["id"]
    duplicate = bob.ask(title="드롭아웃 쓰는 이유")["id"]
    mod.client.post(f"/api/v1/questions/{duplicate}/close", json={"duplicate_of": original}, headers=mod.headers)
    assert f'href="/questions/{duplicate}"' in client.get(f"/questions/{original}").text
    mod.client.post(f"/api/v1/questions/{duplicate}/hide", json={"reason": "광고"}, headers=mod.headers)
    assert f'href="/questions/{duplicate}"' not in client.get(f"/questions/{original}").text
    assert client.get(f"/api/v1/questions/{original}").json()["duplicates"] == []


def test_a_hidden_question_leaves_its_authors_page_the_home_page_and_the_feed(client, alice, mod):
    qid = alice.ask(title="숨겨질 광고 질문입니다")["id"]
    pages = ("/users/alice", "/", "/feed.atom", "/collections/general/feed.atom")
    for page in pages:
        assert "숨겨질 광고 질문입니다" in client.get(page).text, page
    mod.client.post(f"/api/v1/questions/{qid}/hide", json={"reason": "광고"}, headers=mod.headers)
    for page in pages:
        assert "숨겨질 광고 질문입니다" not in client.get(page).text, page
    assert client.get("/api/v1/users/alice").json()["question_count"] == 0


def test_a_moderator_suspends_and_unsuspends_from_the_accounts_page(alice, bob, mod):
    assert "이 계정 정지" not in alice.client.get("/users/bob").text  # members see no standing
    page = mod.client.get("/users/bob").text
    assert "역할 회원" in page and "이 계정 정지" in page
    suspended = form(mod, "/moderation/suspend", {"username": "bob", "days": "2", "reason": "광고 반복",
                                                  "next": "/users/bob"})
    assert suspended.status_code == 303 and suspended.headers["location"] == "/users/bob"
    page = mod.client.get("/users/bob").text
    assert "정지됨 (광고 반복)" in page and "정지 풀기" in page
    assert "정지 풀기" not in mod.client.get("/users/minji").text
    assert "이 계정 정지" in mod.client.get("/users/alice").text
    lifted = form(mod, "/moderation/unsuspend", {"username": "bob", "next": "/users/bob"})
    assert lifted.status_code == 303
    assert "정지됨" not in mod.client.get("/users/bob").text


def test_a_bad_duplicate_reference_shows_the_close_form_again_with_the_reason_kept(alice, bob, mod):
    duplicate, chained_to, hidden = (alice.ask(title=f"중복 확인용 질문 {n}")["id"] for n in range(3))
    chained = bob.ask(title="이미 중복으로 닫힌 질문")["id"]
    mod.client.post(f"/api/v1/questions/{chained}/close", json={"duplicate_of": chained_to}, headers=mod.headers)
    mod.client.post(f"/api/v1/questions/{hidden}/hide", json={"reason": "광고"}, headers=mod.headers)
    reason = "같은 내용을 <두 번> 올렸습니다"
    for ref, said in [("99999", "99999번 질문을 찾을 수 없습니다"), (str(duplicate), "자기 자신의 중복으로"),
                      (f"/questions/{hidden}", "숨긴 질문이라"), ("배치 정규화 질문", "번호(12)나 주소"),
                      (str(chained), f"{chained_to}번 질문의 중복으로 닫아 주세요")]:
        page = form(mod, f"/moderation/questions/{duplicate}/close", {"reason": reason, "duplicate_of": ref},
                    page=f"/questions/{duplicate}")
        assert page.status_code in (409, 422), ref
        assert "<title>질문 닫기" in page.text, ref  # the form, not the general error page
        field_error = re.search(r'<p class="field-error" id="close-duplicate-error"[^>]*>([^<]+)</p>', page.text)
        assert field_error and said in field_error.group(1), (ref, page.text)
        assert 'value="같은 내용을 &lt;두 번&gt; 올렸습니다"' in page.text, ref  # typed reason kept, escaped
        assert re.search(r'id="close-duplicate"[^>]*aria-invalid="true"', page.text), ref
        assert f'value="{ref}"' in page.text, ref
    assert mod.client.get(f"/api/v1/questions/{duplicate}").json()["closed"] is None

    closed = form(mod, f"/moderation/questions/{duplicate}/close", {"reason": reason, "duplicate_of": str(chained_to)},
                  page=f"/questions/{duplicate}")
    assert closed.status_code == 303


def test_a_bad_duplicate_reference_is_a_4xx_envelope_in_the_api(alice, mod):
    question, hidden = (alice.ask(title=f"API 중복 확인 {n}")["id"] for n in range(2))
    mod.client.post(f"/api/v1/questions/{hidden}/hide", json={"reason": "광고"}, headers=mod.headers)
    for ref in (99999, question, hidden, "배치 정규화 질문"):
        refused = mod.client.post(f"/api/v1/questions/{question}/close", json={"duplicate_of": ref},
                                  headers=mod.headers)
        assert refused.status_code == 422, ref
        error = refused.json()["error"]
        assert error["code"] == "validation_error" and error["message"], ref
        assert [d["field"] for d in error["details"]] == ["duplicate_of"], ref
