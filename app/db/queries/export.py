"""Reads for `kb export`: everything one collection holds, ingested and posted, in source order.

One query per kind of row for a whole collection (joined through its questions), so exporting a
collection of any size costs a handful of queries and never a list of ids longer than SQLite allows.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel import Session, select

from app.db.models import (
    LINK_AUTO,
    LINK_HIDDEN,
    Answer,
    Collection,
    DemoLink,
    Question,
    Reaction,
    Reference,
    Section,
    User,
    Vote,
)


def collections(session: Session) -> Sequence[Collection]:
    return session.exec(select(Collection).order_by(Collection.kind, Collection.source_path, Collection.slug)).all()


def sections(session: Session, collection_id: int) -> Sequence[Section]:
    return session.exec(select(Section).where(Section.collection_id == collection_id).order_by(Section.position)).all()


def questions(session: Session, collection_id: int) -> Sequence[Question]:
    """Every question a reader can open (soft-deleted ones are gone; retired ones still carry posts)."""
    return session.exec(
        select(Question)
        .where(Question.collection_id == collection_id, Question.deleted_at.is_(None))
        .order_by(Question.position, Question.id)
    ).all()


def answers(session: Session, collection_id: int) -> Sequence[Answer]:
    """All answers and replies of the collection's questions, deleted ones included: the exporter
    leaves them out but lifts their replies to their place."""
    return session.exec(
        select(Answer)
        .join(Question, Question.id == Answer.question_id)
        .where(Question.collection_id == collection_id, Question.deleted_at.is_(None))
        .order_by(Answer.question_id, Answer.position, Answer.id)
    ).all()


def reactions(session: Session, collection_id: int) -> Sequence[Reaction]:
    on_questions = (
        select(Reaction)
        .join(Question, Question.id == Reaction.question_id)
        .where(Question.collection_id == collection_id)
    )
    on_answers = (
        select(Reaction)
        .join(Answer, Answer.id == Reaction.answer_id)
        .join(Question, Question.id == Answer.question_id)
        .where(Question.collection_id == collection_id)
    )
    rows = list(session.exec(on_questions).all()) + list(session.exec(on_answers).all())
    return sorted(rows, key=lambda reaction: reaction.id)


def question_votes(session: Session, collection_id: int) -> list[tuple[int, str]]:
    """(question id, voter's display name) of every "나도 궁금해요" given by an account."""
    rows = session.exec(
        select(Vote.question_id, User.display_name)
        .join(User, User.id == Vote.user_id)
        .join(Question, Question.id == Vote.question_id)
        .where(Question.collection_id == collection_id)
        .order_by(Vote.id)
    ).all()
    return [(question_id, name) for question_id, name in rows]


def references(session: Session, collection_id: int) -> Sequence[Reference]:
    return session.exec(
        select(Reference)
        .join(Question, Question.id == Reference.question_id)
        .where(Question.collection_id == collection_id)
        .order_by(Reference.question_id, Reference.position)
    ).all()


def demo_links(session: Session) -> list[tuple[int, str, str, str, bool]]:
    """(collection id, question label, demo slug, params JSON, hidden) of every editor's demo link
    (or `hide` line) on a labelled question still in its file, in the order they were listed.
    Automatic links are left out: the linker finds them again from the text."""
    rows = session.exec(
        select(Question.collection_id, Question.label, DemoLink.demo_slug, DemoLink.params_json,
               DemoLink.match == LINK_HIDDEN)
        .join(Question, Question.id == DemoLink.question_id)
        .where(Question.label.is_not(None), Question.deleted_at.is_(None), Question.retired_at.is_(None),
               DemoLink.match != LINK_AUTO)
        .order_by(DemoLink.position, DemoLink.id)
    ).all()
    return [tuple(row) for row in rows]
