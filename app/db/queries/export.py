"""Reads for `kb export`: everything one collection holds, ingested and posted, in source order.

One query per kind of row for a whole collection (joined through its questions), so exporting a
collection of any size costs a handful of queries and never a list of ids longer than SQLite allows.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel import Session, col, select

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
    return session.exec(
        select(Collection).order_by(col(Collection.kind), col(Collection.source_path), col(Collection.slug))
    ).all()


def sections(session: Session, collection_id: int) -> Sequence[Section]:
    return session.exec(
        select(Section).where(col(Section.collection_id) == collection_id).order_by(col(Section.position))
    ).all()


def questions(session: Session, collection_id: int) -> Sequence[Question]:
    """Every question a reader can open (soft-deleted ones are gone; retired ones still carry posts)."""
    return session.exec(
        select(Question)
        .where(col(Question.collection_id) == collection_id, col(Question.deleted_at).is_(None))
        .order_by(col(Question.position), col(Question.id))
    ).all()


def answers(session: Session, collection_id: int) -> Sequence[Answer]:
    """All answers and replies of the collection's questions, deleted ones included: the exporter
    leaves them out but lifts their replies to their place."""
    return session.exec(
        select(Answer)
        .join(Question, col(Question.id) == col(Answer.question_id))
        .where(col(Question.collection_id) == collection_id, col(Question.deleted_at).is_(None))
        .order_by(col(Answer.question_id), col(Answer.position), col(Answer.id))
    ).all()


def reactions(session: Session, collection_id: int) -> Sequence[Reaction]:
    on_questions = (
        select(Reaction)
        .join(Question, col(Question.id) == col(Reaction.question_id))
        .where(col(Question.collection_id) == collection_id)
    )
    on_answers = (
        select(Reaction)
        .join(Answer, col(Answer.id) == col(Reaction.answer_id))
        .join(Question, col(Question.id) == col(Answer.question_id))
        .where(col(Question.collection_id) == collection_id)
    )
    rows = list(session.exec(on_questions).all()) + list(session.exec(on_answers).all())
    return sorted(rows, key=lambda reaction: reaction.id)


def question_votes(session: Session, collection_id: int) -> list[tuple[int, str]]:
    """(question id, voter's display name) of every "나도 궁금해요" given by an account."""
    rows = session.exec(
        select(col(Vote.question_id), col(User.display_name))
        .join(User, col(User.id) == col(Vote.user_id))
        .join(Question, col(Question.id) == col(Vote.question_id))
        .where(col(Question.collection_id) == collection_id)
        .order_by(col(Vote.id))
    ).all()
    return [(question_id, name) for question_id, name in rows]


def references(session: Session, collection_id: int) -> Sequence[Reference]:
    return session.exec(
        select(Reference)
        .join(Question, col(Question.id) == col(Reference.question_id))
        .where(col(Question.collection_id) == collection_id)
        .order_by(col(Reference.question_id), col(Reference.position))
    ).all()


def demo_links(session: Session) -> list[tuple[int, str, str, str, bool]]:
    """(collection id, question label, demo slug, params JSON, hidden) of every editor's demo link
    (or `hide` line) on a labelled question still in its file, in the order they were listed.
    Automatic links are left out: the linker finds them again from the text."""
    rows = session.exec(
        select(Question.collection_id, Question.label, DemoLink.demo_slug, DemoLink.params_json,
               DemoLink.match == LINK_HIDDEN)
        .join(Question, col(Question.id) == col(DemoLink.question_id))
        .where(col(Question.label).is_not(None), col(Question.deleted_at).is_(None), col(Question.retired_at).is_(None),
               col(DemoLink.match) != LINK_AUTO)
        .order_by(col(DemoLink.position), col(DemoLink.id))
    ).all()
    return [tuple(row) for row in rows]
