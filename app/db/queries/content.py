"""Reads of the knowledge model: collections, questions, answers and what hangs on them."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Integer, cast, delete, func, tuple_
from sqlmodel import Session, col, select

from app.db.models import (
    LINK_EDITOR,
    LINK_HIDDEN,
    Answer,
    Collection,
    Correction,
    DemoLink,
    Question,
    Reaction,
    Reference,
    Section,
)

QUESTION_SORTS = {
    "source": (Question.collection_id, Question.position, Question.id),
    "newest": (Question.created_at.desc(), Question.id.desc()),
    "activity": (Question.last_activity_at.desc(), Question.id.desc()),
    "answers": (Question.answer_count.desc(), Question.id),
    "plus_ones": (Question.plus_one_count.desc(), Question.id),
}


def visible_questions():
    """Questions a reader can see: not soft-deleted and still present in their source."""
    return select(Question).where(Question.deleted_at.is_(None), Question.retired_at.is_(None))


def list_collections(session: Session) -> list[tuple[Collection, int, int]]:
    # sum() of a Boolean column comes back typed Boolean (2 answered -> True -> 1): count as integers.
    counts = (
        select(
            Question.collection_id,
            func.count(Question.id),
            func.coalesce(func.sum(cast(Question.answered, Integer)), 0),
        )
        .where(Question.deleted_at.is_(None), Question.retired_at.is_(None))
        .group_by(Question.collection_id)
        .subquery()
    )
    rows = session.exec(
        select(Collection, counts.c[1], counts.c[2])
        .join(counts, counts.c.collection_id == Collection.id, isouter=True)
        .order_by(Collection.kind, Collection.title)
    ).all()
    return [(c, int(total or 0), int(answered or 0)) for c, total, answered in rows]


def get_collection(session: Session, slug: str) -> Collection | None:
    return session.exec(select(Collection).where(Collection.slug == slug)).first()


def collection_question_counts(session: Session, collection_id: int) -> tuple[int, int]:
    total, answered = session.exec(
        select(func.count(Question.id), func.coalesce(func.sum(cast(Question.answered, Integer)), 0)).where(
            Question.collection_id == collection_id, Question.deleted_at.is_(None), Question.retired_at.is_(None)
        )
    ).one()
    return int(total), int(answered)


def list_sections(session: Session, collection_id: int) -> Sequence[Section]:
    return session.exec(
        select(Section).where(Section.collection_id == collection_id).order_by(Section.position)
    ).all()


def section_question_ids(session: Session, collection_id: int) -> list[tuple[int, int | None]]:
    """(question id, section id) of a collection's visible questions in source order: its outline."""
    rows = session.exec(
        select(Question.id, Question.section_id)
        .where(Question.collection_id == collection_id, Question.deleted_at.is_(None), Question.retired_at.is_(None))
        .order_by(Question.position, Question.id)
    ).all()
    return [(qid, section_id) for qid, section_id in rows]


def filter_questions(
    *,
    collection_id: int | None = None,
    answered: bool | None = None,
    author: str | None = None,
    parent_id: int | None = None,
    top_level_only: bool = False,
):
    query = visible_questions()
    if collection_id is not None:
        query = query.where(Question.collection_id == collection_id)
    if answered is not None:
        query = query.where(Question.answered == answered)
    if author:
        query = query.where(Question.author == author)
    if parent_id is not None:
        query = query.where(Question.parent_id == parent_id)
    elif top_level_only:
        query = query.where(Question.parent_id.is_(None))
    return query


def page_questions(session: Session, query, *, sort: str, limit: int, offset: int) -> tuple[list[Question], int]:
    total = session.exec(select(func.count()).select_from(query.subquery())).one()
    rows = session.exec(query.order_by(*QUESTION_SORTS[sort]).limit(limit).offset(offset)).all()
    return list(rows), int(total)


def get_question(session: Session, question_id: int) -> Question | None:
    question = session.get(Question, question_id)
    if question is None or question.deleted_at is not None:
        return None
    return question


def collection_slugs(session: Session, collection_ids: Sequence[int]) -> dict[int, tuple[str, str | None]]:
    if not collection_ids:
        return {}
    rows = session.exec(
        select(Collection.id, Collection.slug, Collection.source_path).where(Collection.id.in_(set(collection_ids)))
    ).all()
    return {cid: (slug, path) for cid, slug, path in rows}


def question_answers(session: Session, question_id: int) -> Sequence[Answer]:
    return session.exec(
        select(Answer)
        .where(Answer.question_id == question_id)
        .order_by(Answer.position, Answer.id)
    ).all()


def reactions_for(session: Session, question_id: int, answer_ids: Sequence[int]) -> Sequence[Reaction]:
    condition = Reaction.question_id == question_id
    if answer_ids:
        condition = condition | Reaction.answer_id.in_(list(answer_ids))
    return session.exec(select(Reaction).where(condition).order_by(Reaction.id)).all()


def question_references(session: Session, question_id: int) -> Sequence[Reference]:
    return session.exec(
        select(Reference).where(Reference.question_id == question_id).order_by(Reference.position)
    ).all()


LINK_COLUMNS = (Question.id, Question.label, Question.title, Question.answered)


def _visible_links():
    """Just what a link to a question shows: its rows' Markdown and HTML bodies stay on disk."""
    return select(*LINK_COLUMNS).where(Question.deleted_at.is_(None), Question.retired_at.is_(None))


def question_link(session: Session, question_id: int):
    """Like get_question, a retired row still has its page (posted replies hang on it)."""
    return session.exec(select(*LINK_COLUMNS).where(Question.id == question_id, Question.deleted_at.is_(None))).first()


def child_questions(session: Session, question_id: int):
    return session.exec(
        _visible_links().where(Question.parent_id == question_id).order_by(Question.position, Question.id)
    ).all()


def neighbour_questions(session: Session, question: Question):
    """The questions just before and after this one in its collection's source order (or None)."""
    here = tuple_(Question.position, Question.id)
    base = _visible_links().where(Question.collection_id == question.collection_id)
    previous = session.exec(
        base.where(here < tuple_(question.position, question.id))
        .order_by(Question.position.desc(), Question.id.desc()).limit(1)
    ).first()
    following = session.exec(
        base.where(here > tuple_(question.position, question.id)).order_by(Question.position, Question.id).limit(1)
    ).first()
    return previous, following


def question_corrections(session: Session, question_id: int) -> Sequence[Correction]:
    return session.exec(
        select(Correction).where(Correction.question_id == question_id)
        .order_by(col(Correction.position), col(Correction.id))
    ).all()


def replace_corrections(session: Session, rows: Sequence[Correction]) -> None:
    session.exec(delete(Correction))
    session.add_all(list(rows))
    session.flush()


def demo_links_for(session: Session, question_id: int) -> Sequence[DemoLink]:
    return session.exec(
        select(DemoLink).where(DemoLink.question_id == question_id, DemoLink.match != LINK_HIDDEN)
        .order_by(DemoLink.match != LINK_EDITOR, DemoLink.position, DemoLink.id)
    ).all()


def list_authors(session: Session, name: str | None = None) -> list[tuple[str, int, int]]:
    """(name, questions, answers) of everyone who wrote a visible post, by name; one name if given."""
    questions = (
        select(Question.author, func.count(Question.id))
        .where(Question.author.is_not(None), Question.deleted_at.is_(None), Question.retired_at.is_(None))
        .group_by(Question.author)
    )
    answers = (
        select(Answer.author, func.count(Answer.id))
        .join(Question, Question.id == Answer.question_id)
        .where(Answer.author.is_not(None), Answer.deleted_at.is_(None), Answer.retired_at.is_(None),
               Question.deleted_at.is_(None), Question.retired_at.is_(None))
        .group_by(Answer.author)
    )
    if name is not None:
        questions = questions.where(Question.author == name)
        answers = answers.where(Answer.author == name)
    question_counts = dict(session.exec(questions).all())
    answer_counts = dict(session.exec(answers).all())
    names = sorted(set(question_counts) | set(answer_counts))
    return [(n, int(question_counts.get(n, 0)), int(answer_counts.get(n, 0))) for n in names]


def author_answers(session: Session, name: str, *, limit: int, offset: int) -> tuple[list[tuple[Answer, Question]], int]:
    """An author's visible answers and replies with their questions, newest first, then in source order."""
    query = (
        select(Answer, Question)
        .join(Question, Question.id == Answer.question_id)
        .where(
            Answer.author == name, Answer.deleted_at.is_(None), Answer.retired_at.is_(None),
            Question.deleted_at.is_(None), Question.retired_at.is_(None),
        )
    )
    total = session.exec(select(func.count()).select_from(query.subquery())).one()
    rows = session.exec(
        query.order_by(Answer.created_at.desc(), Question.collection_id, Question.position, Answer.position, Answer.id)
        .limit(limit).offset(offset)
    ).all()
    return [(answer, question) for answer, question in rows], int(total)


def data_version(dbapi_connection) -> int:
    """SQLite's counter that moves whenever ANY other connection (this process or another, e.g. a
    `kb ingest`) commits to the file; read on one long-lived connection it is a free change detector."""
    return dbapi_connection.execute("PRAGMA data_version").fetchone()[0]
