"""A revision history costs near-linear work in the edit, however the edit was shaped to hurt.

Counted in executed Python lines (tests/work.py), not time: the view of a 16,000-character edit may
cost at most 50x the first view of an ordinary question page.
"""

from __future__ import annotations

import random

import pytest

from app.services.revisions import MAX_SHOWN_LINES, WORD_DIFF_CAP, diff_changes
from app.services.textdiff import Diff
from tests.work import counting_lines

RATIO_LIMIT = 50


def words(rng: random.Random, count: int) -> list[str]:
    return [rng.choice(["가중치", "기울기", "손실", "학습률", "배치", "x", "y", "0", "1", "."]) for _ in range(count)]


def edits(rng: random.Random, size: int) -> dict[str, tuple[str, str]]:
    """(before, after) pairs of about ``size`` characters each, in the shapes that made difflib quadratic."""
    line = " ".join(words(rng, size // 4))[:size]
    shuffled = line.split(" ")
    rng.shuffle(shuffled)
    repeated = "\n".join(rng.choice(["", "x", "- [ ] x", "y"]) for _ in range(size // 3))
    many = "\n".join(" ".join(words(rng, 4)) for _ in range(size // 20))
    return {
        "one long line, words shuffled": (line, " ".join(shuffled)[:size]),
        "repeated short lines, redrawn": (repeated, "\n".join(rng.choice(["", "x", "y", "z"]) for _ in range(size // 3))),
        "every line changed a little": (many, "\n".join(row.replace("손실", "오차", 1) + " ." for row in many.split("\n"))),
        "block moved": (many, many[size // 2:] + "\n" + many[:size // 2]),
    }


@pytest.mark.parametrize("shape", ["one long line, words shuffled", "repeated short lines, redrawn",
                                   "every line changed a little", "block moved"])
def test_diff_work_grows_linearly_with_the_edit(shape):
    per_char = []
    for size in (2_000, 4_000, 8_000, 16_000):
        before, after = edits(random.Random(size), size)[shape]
        with counting_lines() as count:
            diff_changes(before, after)
        per_char.append(count.lines / (len(before) + len(after)))
    assert max(per_char) <= 2 * per_char[0], per_char  # quadratic work would grow 8x over this range


def test_the_diff_is_right_whatever_the_budget():
    rng = random.Random(7)
    for _ in range(500):
        a = [rng.choice("abcde") for _ in range(rng.randint(0, 40))]
        b = [x for x in a if rng.random() > 0.2]
        for _ in range(rng.randint(0, 6)):
            b.insert(rng.randint(0, len(b)), rng.choice("abcxyz"))
        rebuilt = []
        for tag, i1, i2, j1, j2 in Diff(a, b).get_opcodes():
            assert tag != "equal" or a[i1:i2] == b[j1:j2]
            rebuilt += b[j1:j2]
        assert rebuilt == b


def test_large_changes_are_shown_line_by_line():
    rng = random.Random(3)
    before = "\n".join(" ".join(words(rng, 8)) for _ in range(600))
    after = "\n".join(row + " 바뀜" for row in before.split("\n"))
    assert len(before) + len(after) > WORD_DIFF_CAP
    changes = diff_changes(before, after)
    assert changes.line_only
    assert all(segment.changed for line in changes.lines if line.kind in ("add", "del") for segment in line.segments)
    assert len(changes.lines) == MAX_SHOWN_LINES and changes.lines_left_out == 1200 - MAX_SHOWN_LINES
    huge = diff_changes("\n".join(["x", ""] * 3000), "\n".join(["y", ""] * 3000))
    assert len(huge.lines) == MAX_SHOWN_LINES and (huge.added, huge.removed) == (5999, 5999)  # the last "" is kept
    assert huge.lines_left_out == 5999 * 2 + 1 - MAX_SHOWN_LINES
    small = diff_changes("하나\n둘 셋", "하나\n둘 넷")
    assert not small.line_only and [s.changed for s in small.lines[-1].segments] == [False, True]


def test_a_16000_character_edit_costs_at_most_50_question_pages(alice, bob):
    reader = alice.client.__class__(alice.client.app)  # anonymous
    ordinary = []
    for _ in range(2):  # the first of each warms what every later view reuses (templates, search)
        question = alice.ask(title="배치 정규화는 왜 쓰나요?", body="학습이 안정되는 이유가 궁금합니다. " * 20)
        bob.answer(question["id"], body="내부 공변량 이동을 줄인다고 합니다. " * 10)
        alice.answer(question["id"], body="기울기 흐름이 좋아집니다.")
        ordinary.append(question)
    assert reader.get(f"/questions/{ordinary[0]['id']}").status_code == 200
    small_edit = alice.client.patch(f"/api/v1/questions/{ordinary[0]['id']}", headers=alice.headers,
                                    json={"body": "학습이 안정되는 이유가 궁금합니다."})
    assert small_edit.status_code == 200
    for url in (f"/questions/{ordinary[0]['id']}/revisions", f"/api/v1/questions/{ordinary[0]['id']}/revisions"):
        assert reader.get(url).status_code == 200
    question = ordinary[1]
    with counting_lines() as page:
        assert reader.get(f"/questions/{question['id']}").status_code == 200
    assert page.lines > 1000

    rng = random.Random(16_000)
    for shape, (before, after) in edits(rng, 16_000).items():
        posted = alice.ask(title="긴 글을 고치면 이력은?", body=before)
        edited = alice.client.patch(f"/api/v1/questions/{posted['id']}", headers=alice.headers, json={"body": after})
        assert edited.status_code == 200, edited.text
        for url in (f"/questions/{posted['id']}/revisions", f"/api/v1/questions/{posted['id']}/revisions"):
            with counting_lines() as view:
                response = reader.get(url)
            assert response.status_code == 200
            assert view.lines <= RATIO_LIMIT * page.lines, (shape, url, view.lines / page.lines)


def test_revisions_are_paginated_newest_first(alice, app):
    app.state.settings = app.state.settings.with_overrides(rate_limit_edits_per_minute=100)
    question = alice.ask(title="여러 번 고친 질문", body="판 0")
    for number in range(1, 13):
        assert alice.client.patch(f"/api/v1/questions/{question['id']}", headers=alice.headers,
                                  json={"body": f"판 {number}"}).status_code == 200
    first = alice.client.get(f"/api/v1/questions/{question['id']}/revisions").json()
    assert (first["total"], first["page"], first["pages"], first["per_page"]) == (13, 1, 2, 10)
    assert [r["number"] for r in first["revisions"]] == list(range(4, 14))
    assert first["newer_url"] is None and first["older_url"].endswith("?page=2")
    older = alice.client.get(first["older_url"]).json()
    assert [r["number"] for r in older["revisions"]] == [1, 2, 3] and older["older_url"] is None
    assert older["revisions"][1]["changes"][-1]["segments"][-1] == {"text": "1", "changed": True} or \
        any(s["changed"] for line in older["revisions"][1]["changes"] for s in line["segments"])
    html = alice.client.get(f"/questions/{question['id']}/revisions?page=2").text
    assert "2쪽 중 2쪽" in html and 'rel="prev" href="?page=1"' in html and "13판" not in html
    assert alice.client.get(f"/api/v1/questions/{question['id']}/revisions?per_page=51").status_code == 422
