"""An empty or whitespace-only field in a posting form (ask, answer, reply, edit) brings the form back
with the Korean message under that field and everything else that was typed, never the error page."""

from __future__ import annotations

import re

import pytest

from tests.writes.helpers import FORM_TOKEN_RE, csrf_from

TYPED_TITLE = "드롭아웃은 <추론> 때 왜 끄나요?"
TYPED_BODY = "학습 때만 켜는 이유가 궁금합니다. $p=0.5$"


def post_form(account, page: str, action: str, data: dict):
    html = account.client.get(page).text
    tokens = {"csrf_token": csrf_from(html)}
    if match := FORM_TOKEN_RE.search(html):
        tokens["form_token"] = match.group(1)
    return account.client.post(action, data={**data, **tokens}, headers={"accept": "text/html"},
                                follow_redirects=False)


def field_error(html: str, field_id: str) -> str:
    match = re.search(rf'<p class="field-error" id="{field_id}-error"[^>]*>([^<]+)</p>', html)
    assert match, f"no message under #{field_id}"
    assert re.search(rf'id="{field_id}"[^>]*aria-invalid="true"[^>]*aria-describedby="{field_id}-error"', html, re.S)
    return match.group(1)


@pytest.mark.parametrize("blank", ["", "  \n\t "])
def test_the_ask_form_comes_back_with_the_field_error_and_the_typed_title(alice, blank):
    page = post_form(alice, "/ask", "/ask", {"title": TYPED_TITLE, "body": blank, "collection": "general"})
    assert page.status_code == 422 and "<title>질문하기" in page.text
    assert field_error(page.text, "body") == "본문을 입력해 주세요."
    assert 'value="드롭아웃은 &lt;추론&gt; 때 왜 끄나요?"' in page.text
    assert 'class="form-error"' not in page.text  # said once, under the field

    page = post_form(alice, "/ask", "/ask", {"title": blank, "body": TYPED_BODY, "collection": "general"})
    assert page.status_code == 422 and "<title>질문하기" in page.text
    assert field_error(page.text, "ask-title") == "제목은 3~200자여야 합니다."
    assert f">{TYPED_BODY}</textarea>" in page.text


@pytest.mark.parametrize("blank", ["", "   "])
def test_the_answer_and_reply_forms_come_back_with_the_field_error(alice, bob, blank):
    question = alice.ask()["id"]
    answer = bob.answer(question)["id"]
    for action in (f"/questions/{question}/answers", f"/answers/{answer}/replies"):
        page = post_form(alice, f"/questions/{question}", action, {"body": blank})
        assert page.status_code == 422, action
        assert re.search(r"<title>(답변|답글) 쓰기", page.text), action
        assert field_error(page.text, "body") == "본문을 입력해 주세요.", action
        assert f'action="{action}"' in page.text


@pytest.mark.parametrize("blank", ["", " \n "])
def test_the_edit_forms_come_back_with_the_field_error_and_the_other_field(alice, blank):
    question = alice.ask(title="고치기 전의 제목입니다")["id"]
    answer = alice.answer(question, body="고치기 전의 답변")["id"]
    edit = f"/questions/{question}/edit"
    page = post_form(alice, edit, edit, {"title": TYPED_TITLE, "body": blank})
    assert page.status_code == 422 and "<title>질문 고치기" in page.text
    assert field_error(page.text, "body") == "본문을 입력해 주세요."
    assert 'value="드롭아웃은 &lt;추론&gt; 때 왜 끄나요?"' in page.text

    page = post_form(alice, edit, edit, {"title": blank, "body": TYPED_BODY})
    assert page.status_code == 422 and field_error(page.text, "edit-title") == "제목은 3~200자여야 합니다."
    assert f">{TYPED_BODY}</textarea>" in page.text

    edit = f"/answers/{answer}/edit"
    page = post_form(alice, edit, edit, {"body": blank})
    assert page.status_code == 422 and "<title>답변 고치기" in page.text
    assert field_error(page.text, "body") == "본문을 입력해 주세요."
    unchanged = alice.client.get(f"/api/v1/questions/{question}").json()
    assert unchanged["title"] == "고치기 전의 제목입니다"
