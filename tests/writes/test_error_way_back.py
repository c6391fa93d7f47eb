"""A form that fails on an error page leads back to the page it was sent from, never to another site."""

from __future__ import annotations

from tests.writes.helpers import csrf_from

HTML = {"Accept": "text/html"}


def test_a_refused_form_leads_back_to_the_page_it_came_from(alice, bob):
    qid = alice.ask()["id"]
    answer = alice.answer(qid, body="두 번 신고될 답변입니다")
    page = f"http://testserver/questions/{qid}?sort=votes"
    token = csrf_from(bob.client.get(f"/questions/{qid}").text)
    form = {"reason": "광고", "question_id": qid, "csrf_token": token}
    assert bob.client.post(f"/answers/{answer['id']}/flag", data=form, headers=HTML).status_code == 201
    again = bob.client.post(f"/answers/{answer['id']}/flag", data=form, headers={**HTML, "Referer": page})
    assert again.status_code == 409
    assert f'<a href="/questions/{qid}?sort=votes">보내기 전 페이지로 돌아가기</a>' in again.text
    elsewhere = bob.client.post(f"/answers/{answer['id']}/flag", data=form,
                                headers={**HTML, "Referer": "https://evil.example/questions/1"})
    assert elsewhere.status_code == 409 and "보내기 전 페이지로" not in elsewhere.text
