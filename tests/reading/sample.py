"""A small collection written as rows, shaped like an ingested interview file: sections, a parent
question with a sub-question, nested replies, reactions, references, source lines and notes.

Used until (and besides) the seeds: it pins behaviour the seeds happen not to show."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlmodel import Session

from app.db.models import Answer, Collection, Question, Reaction, Reference, Section
from app.db.queries.ingest import refresh_question_counters

SOURCE = "interview/sample-interview.md"


def now() -> datetime:
    return datetime.now(UTC)


@dataclass
class SampleIds:
    collection: str
    parent: int
    child: int
    open: int
    empty_section: int
    answer: int
    reply: int
    nested_reply: int


def insert_sample(engine) -> SampleIds:
    stamps = dict(created_at=now(), updated_at=now())
    with Session(engine) as session:
        collection = Collection(slug="sample-interview", title="샘플 면접 질문", kind="interview", source_path=SOURCE,
                                intro_html="<p>샘플 머리말</p>", notes_html="<p>어디에도 붙지 않은 메모</p>", **stamps)
        session.add(collection)
        session.flush()
        first = Section(collection_id=collection.id, position=0, title="기초", source_line=3)
        empty = Section(collection_id=collection.id, position=1, title="비어 있는 섹션", source_line=20)
        last = Section(collection_id=collection.id, position=2, title="심화", source_line=30)
        session.add_all([first, empty, last])
        session.flush()

        def question(position, label, title, section, line, parent=None, author=None, body="<p>본문</p>"):
            row = Question(collection_id=collection.id, section_id=section.id, label=label, title=title,
                           body_md="본문", body_html=body, position=position, source_line=line,
                           parent_id=parent, author=author, fingerprint=label, last_activity_at=now(), **stamps)
            session.add(row)
            session.flush()
            return row

        parent = question(0, "#1", "ReLU를 쓰는 이유는?", first, 5, author="태하")
        child = question(1, "#1-1", "ReLU의 문제점은?", first, 12, parent=parent.id)
        open_question = question(2, "#2", "아직 답이 없는 질문", last, 31, author="민규")

        def answer(position, body, author=None, parent_answer=None, line=None):
            row = Answer(question_id=parent.id, parent_id=parent_answer, author=author, body_md=body,
                         body_html=f"<p>{body}</p>", position=position, source_line=line, fingerprint=f"a{position}",
                         **stamps)
            session.add(row)
            session.flush()
            return row

        top = answer(0, "기울기가 사라지지 않습니다.", author="서연", line=7)
        reply = answer(1, "음수 쪽은요?", author="청", parent_answer=top.id, line=8)
        nested = answer(2, "음수 쪽은 0입니다.", author="서연", parent_answer=reply.id, line=9)
        child_answer = Answer(question_id=child.id, author=None, body_md="죽은 ReLU", body_html="<p>죽은 ReLU</p>",
                              position=0, source_line=14, **stamps)
        session.add(child_answer)
        session.add_all([
            Reaction(question_id=parent.id, kind="plus_one", emoji="+1", author="김산", source_line=5),
            Reaction(answer_id=top.id, kind="emoji", emoji="👍", source_line=10),
            Reference(question_id=parent.id, position=0, title="CS231n 강의 노트", url="https://cs231n.github.io/"),
        ])
        session.flush()
        refresh_question_counters(session.connection(), collection_id=collection.id)
        session.commit()
        return SampleIds(collection=collection.slug, parent=parent.id, child=child.id, open=open_question.id,
                         empty_section=empty.id, answer=top.id, reply=reply.id, nested_reply=nested.id)
