"""Revision history: who, when, and a unified diff against the previous revision, escaped."""

from __future__ import annotations

from app.services.revisions import diff_lines


def kinds(lines) -> list[str]:
    return [line.kind for line in lines]


def test_unified_diff_marks_changed_lines_and_characters():
    lines = diff_lines("하나\n둘 그리고 셋\n셋", "하나\n두울 그리고 셋\n셋\n넷")
    assert kinds(lines) == ["same", "del", "add", "same", "add"]
    deleted, inserted = lines[1], lines[2]
    assert (deleted.old_line, inserted.new_line) == (2, 2)
    assert [s.text for s in deleted.segments if s.changed] == ["둘"]
    assert [(s.text, s.changed) for s in inserted.segments] == [("두울", True), (" 그리고 셋", False)]
    assert lines[4].segments[0].changed and lines[4].new_line == 4


def test_unchanged_stretches_become_gaps():
    before = "\n".join(f"줄 {n}" for n in range(1, 31))
    after = before.replace("줄 15", "줄 열다섯")
    lines = diff_lines(before, after)
    assert kinds(lines) == ["gap", "same", "same", "same", "del", "add", "same", "same", "same", "gap"]
    assert [line.old_line for line in lines if line.kind == "same"] == [12, 13, 14, 16, 17, 18]


def test_history_through_the_api_and_the_page(alice, bob):
    created = alice.client.post("/api/v1/questions", headers=alice.headers, json={
        "title": "<b>굵은</b> 제목인가요?", "body": "<script>alert(1)</script>\n둘째 줄\n셋째 줄"}).json()
    edited = alice.client.patch(f"/api/v1/questions/{created['id']}", headers=alice.headers, json={
        "body": "<img src=x onerror=alert(1)>\n둘째 줄\n셋째 줄"})
    assert edited.status_code == 200
    history = bob.client.get(f"/api/v1/questions/{created['id']}/revisions").json()
    first, second = history["revisions"]
    assert (first["number"], first["author"], second["author"]) == (1, "alice", "alice")
    assert first["added"] == 5 and first["removed"] == 0  # the title line, a blank line, three body lines
    assert (second["added"], second["removed"]) == (1, 1)
    assert second["created_at"] >= first["created_at"]

    page = bob.client.get(f"/questions/{created['id']}/revisions")
    assert page.status_code == 200
    html = page.text
    assert "<script>alert(1)</script>" not in html and "<img src=x" not in html and "<b>굵은</b>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "<del>&lt;script&gt;alert(1)&lt;/script&gt;</del>" in html  # little in common: the whole line
    assert "2판" in html and "1판" in html and "alice" in html and "처음 쓴 글" in html
    assert html.index("2판") < html.index("1판")  # newest first


def test_answer_history_and_missing_items(alice, bob):
    question = alice.ask()
    answer = bob.answer(question["id"], body="첫 답변")
    assert bob.client.patch(f"/api/v1/answers/{answer['id']}", headers=bob.headers,
                            json={"body": "고친 답변"}).status_code == 200
    history = alice.client.get(f"/api/v1/answers/{answer['id']}/revisions").json()
    assert [r["body_md"] for r in history["revisions"]] == ["첫 답변", "고친 답변"]
    assert history["url"] == f"/questions/{question['id']}#answer-{answer['id']}"
    page = alice.client.get(f"/answers/{answer['id']}/revisions")
    assert "<del>첫</del> 답변" in page.text and "<ins>고친</ins> 답변" in page.text
    for url in ("/api/v1/answers/999999/revisions", "/api/v1/questions/999999/revisions"):
        missing = alice.client.get(url)
        assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"


def test_an_unchanged_save_makes_no_revision(alice):
    question = alice.ask(title="그대로 저장하면?", body="본문")
    assert alice.client.patch(f"/api/v1/questions/{question['id']}", headers=alice.headers,
                              json={"title": "그대로 저장하면?", "body": "본문"}).status_code == 200
    history = alice.client.get(f"/api/v1/questions/{question['id']}/revisions").json()
    assert len(history["revisions"]) == 1
