"""Revision history of a posted question or answer: who changed it, when, and what changed.

Each revision is compared with the one before as a unified diff: changed lines with a few lines of
context, and inside a changed line the inserted and deleted words marked. The diff is data (lines and
marked segments), not HTML: the template escapes every piece of it.

Anyone may read a history and anyone with an account may write one, so its cost is bounded: the line
diff is textdiff's budgeted patience diff (near-linear), words are compared only inside changed
lines and only while the changed lines stay under WORD_DIFF_CAP characters (past it the revision says
it is shown line by line), each pair of texts is diffed once (DIFF_CACHE_SIZE pairs kept), and a
history is read PER_PAGE revisions at a time.
"""

from __future__ import annotations

import math
import re
from functools import lru_cache
from typing import NamedTuple

from sqlmodel import Session

from app import urls
from app.db.queries import writes as queries
from app.schemas.content import DiffLine, DiffSegment, RevisionHistory, RevisionPublic
from app.services.posting import live_answer, live_question
from app.services.textdiff import Diff, Work

CONTEXT_LINES = 3
# Characters on changed lines (both sides) up to which words inside them are compared.
WORD_DIFF_CAP = 12_000
# Lines one revision shows: a history page costs at most PER_PAGE times this, however long the edits.
MAX_SHOWN_LINES = 1_000
DIFF_CACHE_SIZE = 256
PER_PAGE = 10
MAX_PER_PAGE = 50


_TOKEN = re.compile(r"\w+|\s+|[^\w\s]")
SIMILAR_ENOUGH = 0.5  # below this, a changed line is shown as replaced whole, not word by word


def _segment(text: str, changed: bool) -> DiffSegment:
    # Built from the texts themselves, thousands per long edit: no validation to repeat.
    return DiffSegment.model_construct(text=text, changed=changed)


def _merged(pieces: list[tuple[str, bool]]) -> list[DiffSegment]:
    segments: list[DiffSegment] = []
    for text, changed in pieces:
        if segments and segments[-1].changed == changed:
            segments[-1] = _segment(segments[-1].text + text, changed)
        elif text:
            segments.append(_segment(text, changed))
    return segments


def _segments(old: str, new: str, work: Work | None) -> tuple[list[DiffSegment], list[DiffSegment]]:
    """A replaced line pair as segments, the words that differ marked on each side."""
    old_tokens, new_tokens = _TOKEN.findall(old), _TOKEN.findall(new)
    matcher = Diff(old_tokens, new_tokens, work)
    if matcher.ratio() < SIMILAR_ENOUGH:
        return [_segment(old, True)], [_segment(new, True)]
    deleted, inserted = [], []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        deleted.append(("".join(old_tokens[i1:i2]), tag != "equal"))
        inserted.append(("".join(new_tokens[j1:j2]), tag != "equal"))
    return _merged(deleted), _merged(inserted)


def _line(kind: str, segments: list[DiffSegment], old_line: int | None = None, new_line: int | None = None) -> DiffLine:
    return DiffLine.model_construct(kind=kind, old_line=old_line, new_line=new_line, segments=segments)


class Changes(NamedTuple):
    lines: list[DiffLine]
    added: int
    removed: int
    line_only: bool  # the changed lines were too long to compare word by word
    lines_left_out: int  # past MAX_SHOWN_LINES


def diff_changes(before: str, after: str, context: int = CONTEXT_LINES, work: Work | None = None) -> Changes:
    """`after` against `before`, line by line: unchanged context, deletions, insertions, and a gap
    marker where unchanged lines are left out; at most MAX_SHOWN_LINES lines, the rest counted.
    ``work`` counts the elements the diffs looked at."""
    old, new = before.split("\n") if before else [], after.split("\n") if after else []
    groups = list(Diff(old, new, work).get_grouped_opcodes(context))
    ops = [op for group in groups for op in group if op[0] != "equal"]
    added, removed = sum(j2 - j1 for _, _, _, j1, j2 in ops), sum(i2 - i1 for _, i1, i2, _, _ in ops)
    changed = sum(len(line) for tag, i1, i2, j1, j2 in ops if tag == "replace" for line in old[i1:i2] + new[j1:j2])
    by_word = changed <= WORD_DIFF_CAP
    total = sum(i2 - i1 if tag == "equal" else (i2 - i1) + (j2 - j1)
                for group in groups for tag, i1, i2, j1, j2 in group)
    lines: list[DiffLine] = []
    for number, group in enumerate(groups):
        if len(lines) >= MAX_SHOWN_LINES:
            break
        first = group[0]
        if number > 0 or first[1] > 0 or first[3] > 0:
            lines.append(_line("gap", []))
        for tag, i1, i2, j1, j2 in group:
            room = MAX_SHOWN_LINES - len(lines)
            if room <= 0:
                break
            if tag == "equal":
                lines += [_line("same", [_segment(old[i], False)], i + 1, j + 1)
                          for i, j in zip(range(i1, min(i2, i1 + room)), range(j1, j2), strict=False)]
                continue
            deleting, inserting = min(i2 - i1, room), min(j2 - j1, max(0, room - (i2 - i1)))
            paired = min(deleting, inserting) if tag == "replace" and by_word else 0
            pairs = [_segments(old[i1 + k], new[j1 + k], work) for k in range(paired)]
            lines += [_line("del", pairs[k][0] if k < paired else [_segment(old[i1 + k], True)], old_line=i1 + k + 1)
                      for k in range(deleting)]
            lines += [_line("add", pairs[k][1] if k < paired else [_segment(new[j1 + k], True)], new_line=j1 + k + 1)
                      for k in range(inserting)]
    if groups and (groups[-1][-1][2] < len(old) or groups[-1][-1][4] < len(new)) and len(lines) < MAX_SHOWN_LINES:
        lines.append(_line("gap", []))
    shown = sum(1 for line in lines if line.kind != "gap")
    return Changes(lines, added, removed, not by_word, max(0, total - shown))


def diff_lines(before: str, after: str, context: int = CONTEXT_LINES) -> list[DiffLine]:
    return diff_changes(before, after, context).lines


@lru_cache(maxsize=DIFF_CACHE_SIZE)
def _cached_changes(before: str, after: str, context: int) -> Changes:
    """Revisions never change, so a pair of texts is diffed once however often its history is read.
    Keyed on the texts themselves (hashing is linear), so no database's ids can be confused."""
    return diff_changes(before, after, context)


def _as_text(title: str | None, body_md: str) -> str:
    return (f"# {title}\n\n" if title else "") + body_md


def _history(rows, names: dict[int, str], url: str, json_url: str, kind: str, item_id: int,
             title: str, page: int, per_page: int) -> RevisionHistory:
    """Page 1 holds the newest ``per_page`` revisions; each is diffed against the one before it."""
    total = len(rows)
    pages = max(1, math.ceil(total / per_page))
    page = min(max(1, page), pages)
    start, stop = max(0, total - page * per_page), total - (page - 1) * per_page
    revisions: list[RevisionPublic] = []
    for index in range(start, stop):
        row = rows[index]
        text = _as_text(row.title, row.body_md)
        if index == 0:  # the first text whole, as added lines
            changes = _cached_changes("", text, text.count("\n") + 1)
        else:
            previous = rows[index - 1]
            changes = _cached_changes(_as_text(previous.title, previous.body_md), text, CONTEXT_LINES)
        revisions.append(RevisionPublic(
            number=index + 1, author=names.get(row.user_id), created_at=row.created_at, title=row.title,
            body_md=row.body_md, added=changes.added, removed=changes.removed, changes=changes.lines,
            line_only=changes.line_only, lines_left_out=changes.lines_left_out))

    def page_url(number: int) -> str:
        query = f"page={number}" + (f"&per_page={per_page}" if per_page != PER_PAGE else "")
        return f"{json_url}?{query}"

    return RevisionHistory(kind=kind, id=item_id, title=title, url=url, json_url=json_url, revisions=revisions,
                           total=total, page=page, per_page=per_page, pages=pages,
                           older_url=page_url(page + 1) if page < pages else None,
                           newer_url=page_url(page - 1) if page > 1 else None)


def question_history(session: Session, question_id: int, page: int = 1, per_page: int = PER_PAGE) -> RevisionHistory:
    question = live_question(session, question_id)
    rows = queries.question_revisions(session, question_id)
    return _history(rows, queries.display_names(session, {r.user_id for r in rows}), urls.question(question_id),
                    urls.api(urls.question_revisions(question_id)), "question", question_id, question.title,
                    page, per_page)


def answer_history(session: Session, answer_id: int, page: int = 1, per_page: int = PER_PAGE) -> RevisionHistory:
    answer = live_answer(session, answer_id)
    rows = queries.answer_revisions(session, answer_id)
    return _history(rows, queries.display_names(session, {r.user_id for r in rows}),
                    urls.answer(answer.question_id, answer_id), urls.api(urls.answer_revisions(answer_id)),
                    "answer", answer_id, live_question(session, answer.question_id).title, page, per_page)
