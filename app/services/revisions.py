"""Revision history of a posted question or answer: who changed it, when, and what changed.

Each revision is compared with the one before as a unified diff (difflib): changed lines with a
few lines of context, and inside a changed line the inserted and deleted characters marked. The
diff is data (lines and marked segments), not HTML: the template escapes every piece of it.
"""

from __future__ import annotations

import re
from difflib import SequenceMatcher

from sqlmodel import Session

from app import urls
from app.db.queries import writes as queries
from app.schemas.content import DiffLine, DiffSegment, RevisionHistory, RevisionPublic
from app.services.posting import live_answer, live_question

CONTEXT_LINES = 3


_TOKEN = re.compile(r"\w+|\s+|[^\w\s]")
SIMILAR_ENOUGH = 0.5  # below this, a changed line is shown as replaced whole, not word by word


def _merged(pieces: list[tuple[str, bool]]) -> list[DiffSegment]:
    segments: list[DiffSegment] = []
    for text, changed in pieces:
        if segments and segments[-1].changed == changed:
            segments[-1] = DiffSegment(text=segments[-1].text + text, changed=changed)
        elif text:
            segments.append(DiffSegment(text=text, changed=changed))
    return segments


def _segments(old: str, new: str) -> tuple[list[DiffSegment], list[DiffSegment]]:
    """A replaced line pair as segments, the words that differ marked on each side."""
    old_tokens, new_tokens = _TOKEN.findall(old), _TOKEN.findall(new)
    matcher = SequenceMatcher(None, old_tokens, new_tokens, autojunk=False)
    if matcher.ratio() < SIMILAR_ENOUGH:
        return [DiffSegment(text=old, changed=True)], [DiffSegment(text=new, changed=True)]
    deleted, inserted = [], []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        deleted.append(("".join(old_tokens[i1:i2]), tag != "equal"))
        inserted.append(("".join(new_tokens[j1:j2]), tag != "equal"))
    return _merged(deleted), _merged(inserted)


def _plain(text: str) -> list[DiffSegment]:
    return [DiffSegment(text=text, changed=False)]


def diff_lines(before: str, after: str, context: int = CONTEXT_LINES) -> list[DiffLine]:
    """`after` against `before`, line by line: unchanged context, deletions, insertions, and a gap
    marker where unchanged lines are left out."""
    old, new = before.split("\n") if before else [], after.split("\n") if after else []
    matcher = SequenceMatcher(None, old, new, autojunk=False)
    groups = list(matcher.get_grouped_opcodes(context))
    lines: list[DiffLine] = []
    for number, group in enumerate(groups):
        first = group[0]
        if number > 0 or first[1] > 0 or first[3] > 0:
            lines.append(DiffLine(kind="gap", segments=[]))
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                lines += [DiffLine(kind="same", old_line=i + 1, new_line=j + 1, segments=_plain(old[i]))
                          for i, j in zip(range(i1, i2), range(j1, j2))]
                continue
            paired = min(i2 - i1, j2 - j1) if tag == "replace" else 0
            deleted, inserted = [], []
            for k in range(i2 - i1):
                segments = (_segments(old[i1 + k], new[j1 + k])[0] if k < paired
                            else [DiffSegment(text=old[i1 + k], changed=True)])
                deleted.append(DiffLine(kind="del", old_line=i1 + k + 1, segments=segments))
            for k in range(j2 - j1):
                segments = (_segments(old[i1 + k], new[j1 + k])[1] if k < paired
                            else [DiffSegment(text=new[j1 + k], changed=True)])
                inserted.append(DiffLine(kind="add", new_line=j1 + k + 1, segments=segments))
            lines += deleted + inserted
    if groups and (groups[-1][-1][2] < len(old) or groups[-1][-1][4] < len(new)):
        lines.append(DiffLine(kind="gap", segments=[]))
    return lines


def _as_text(title: str | None, body_md: str) -> str:
    return (f"# {title}\n\n" if title else "") + body_md


def _history(rows, names: dict[int, str], url: str, json_url: str, kind: str, item_id: int,
             title: str) -> RevisionHistory:
    revisions: list[RevisionPublic] = []
    before = ""
    for number, row in enumerate(rows, start=1):
        text = _as_text(row.title, row.body_md)
        changes = diff_lines(before, text, context=CONTEXT_LINES if number > 1 else text.count("\n") + 1)
        revisions.append(RevisionPublic(
            number=number, author=names.get(row.user_id), created_at=row.created_at, title=row.title,
            body_md=row.body_md, added=sum(1 for line in changes if line.kind == "add"),
            removed=sum(1 for line in changes if line.kind == "del"), changes=changes))
        before = text
    return RevisionHistory(kind=kind, id=item_id, title=title, url=url, json_url=json_url, revisions=revisions)


def question_history(session: Session, question_id: int) -> RevisionHistory:
    question = live_question(session, question_id)
    rows = queries.question_revisions(session, question_id)
    return _history(rows, queries.display_names(session, {r.user_id for r in rows}), urls.question(question_id),
                    urls.api(urls.question_revisions(question_id)), "question", question_id, question.title)


def answer_history(session: Session, answer_id: int) -> RevisionHistory:
    answer = live_answer(session, answer_id)
    rows = queries.answer_revisions(session, answer_id)
    return _history(rows, queries.display_names(session, {r.user_id for r in rows}),
                    urls.answer(answer.question_id, answer_id), urls.api(urls.answer_revisions(answer_id)),
                    "answer", answer_id, live_question(session, answer.question_id).title)
