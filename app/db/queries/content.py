"""Reads of the knowledge model: collections, questions, answers and what hangs on them."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Integer, and_, cast, delete, func, or_, tuple_
from sqlmodel import Session, col, select

from app.db.models import (
    LINK_EDITOR,
    LINK_HIDDEN,
    ORIGIN_INGESTED,
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
    "newest": (col(Question.created_at).desc(), col(Question.id).desc()),
    "activity": (col(Question.last_activity_at).desc(), col(Question.id).desc()),
    "answers": (col(Question.answer_count).desc(), Question.id),
    "plus_ones": (col(Question.plus_one_count).desc(), Question.id),
}


def visible_questions():
    """Questions a reader can see: not soft-deleted and still present in their source."""
    return select(Question).where(col(Question.deleted_at).is_(None), col(Question.retired_at).is_(None))


def list_collections(session: Session) -> list[tuple[Collection, int, int]]:
    # sum() of a Boolean column comes back typed Boolean (2 answered -> True -> 1): count as integers.
    counts = (
        select(
            col(Question.collection_id),
            func.count(col(Question.id)),
            func.coalesce(func.sum(cast(col(Question.answered), Integer)), 0),
        )
        .where(col(Question.deleted_at).is_(None), col(Question.retired_at).is_(None))
        .group_by(col(Question.collection_id))
        .subquery()
    )
    rows = session.exec(
        select(Collection, counts.c[1], counts.c[2])
        .join(counts, counts.c.collection_id == col(Collection.id), isouter=True)
        .order_by(col(Collection.kind), col(Collection.title))
    ).all()
    return [(c, int(total or 0), int(answered or 0)) for c, total, answered in rows]


def get_collection(session: Session, slug: str) -> Collection | None:
    return session.exec(select(Collection).where(col(Collection.slug) == slug)).first()


def collection_question_counts(session: Session, collection_id: int) -> tuple[int, int]:
    total, answered = session.exec(
        select(func.count(col(Question.id)), func.coalesce(func.sum(cast(col(Question.answered), Integer)), 0)).where(
            col(Question.collection_id) == collection_id, col(Question.deleted_at).is_(None),
            col(Question.retired_at).is_(None),
        )
    ).one()
    return int(total), int(answered)


def list_sections(session: Session, collection_id: int) -> Sequence[Section]:
    return session.exec(
        select(Section).where(col(Section.collection_id) == collection_id).order_by(col(Section.position))
    ).all()


def section_question_ids(session: Session, collection_id: int) -> list[tuple[int, int | None]]:
    """(question id, section id) of a collection's visible questions in source order: its outline."""
    rows = session.exec(
        select(col(Question.id), col(Question.section_id))
        .where(col(Question.collection_id) == collection_id, col(Question.deleted_at).is_(None),
               col(Question.retired_at).is_(None))
        .order_by(col(Question.position), col(Question.id))
    ).all()
    return [(qid, section_id) for qid, section_id in rows]


def filter_questions(
    *,
    collection_id: int | None = None,
    answered: bool | None = None,
    author: str | None = None,
    user_id: int | None = None,
    claimed: Sequence[str] = (),
    parent_id: int | None = None,
    top_level_only: bool = False,
):
    """`author` is a source author (ingested rows only: an account's posts are found by `user_id`,
    with the source posts of the authors it `claimed` in content/authors.toml)."""
    query = visible_questions()
    if collection_id is not None:
        query = query.where(col(Question.collection_id) == collection_id)
    if answered is not None:
        query = query.where(col(Question.answered) == answered)
    if author:
        query = query.where(col(Question.author) == author, col(Question.origin) == ORIGIN_INGESTED)
    if user_id is not None:
        query = query.where(_posted_or_claimed(Question, user_id, claimed))
    if parent_id is not None:
        query = query.where(col(Question.parent_id) == parent_id)
    elif top_level_only:
        query = query.where(col(Question.parent_id).is_(None))
    return query


def _posted_or_claimed(table: type[Question] | type[Answer], user_id: int, claimed: Sequence[str]):
    """An account's own posts, and the ingested posts signed by a source author it claimed."""
    own = col(table.user_id) == user_id
    if not claimed:
        return own
    return or_(own, and_(col(table.author).in_(list(claimed)), col(table.origin) == ORIGIN_INGESTED))


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
        select(col(Collection.id), col(Collection.slug), col(Collection.source_path))
        .where(col(Collection.id).in_(set(collection_ids)))
    ).all()
    return {cid: (slug, path) for cid, slug, path in rows}


def question_answers(session: Session, question_id: int) -> Sequence[Answer]:
    return session.exec(
        select(Answer)
        .where(col(Answer.question_id) == question_id)
        .order_by(col(Answer.position), col(Answer.id))
    ).all()


def reactions_for(session: Session, question_id: int, answer_ids: Sequence[int]) -> Sequence[Reaction]:
    condition = col(Reaction.question_id) == question_id
    if answer_ids:
        condition = condition | col(Reaction.answer_id).in_(list(answer_ids))
    return session.exec(select(Reaction).where(condition).order_by(col(Reaction.id))).all()


def question_references(session: Session, question_id: int) -> Sequence[Reference]:
    return session.exec(
        select(Reference).where(col(Reference.question_id) == question_id).order_by(col(Reference.position))
    ).all()


LINK_COLUMNS = (col(Question.id), col(Question.label), col(Question.title), col(Question.answered))


def _visible_links():
    """Just what a link to a question shows: its rows' Markdown and HTML bodies stay on disk."""
    return select(*LINK_COLUMNS).where(col(Question.deleted_at).is_(None), col(Question.retired_at).is_(None))


def question_link(session: Session, question_id: int):
    """Like get_question, a retired row still has its page (posted replies hang on it)."""
    return session.exec(
        select(*LINK_COLUMNS).where(col(Question.id) == question_id, col(Question.deleted_at).is_(None))
    ).first()


def child_questions(session: Session, question_id: int):
    return session.exec(
        _visible_links().where(col(Question.parent_id) == question_id)
        .order_by(col(Question.position), col(Question.id))
    ).all()


def neighbour_questions(session: Session, question: Question):
    """The questions just before and after this one in its collection's source order (or None)."""
    here = tuple_(col(Question.position), col(Question.id))
    base = _visible_links().where(col(Question.collection_id) == question.collection_id)
    previous = session.exec(
        base.where(here < tuple_(question.position, question.id))
        .order_by(col(Question.position).desc(), col(Question.id).desc()).limit(1)
    ).first()
    following = session.exec(
        base.where(here > tuple_(question.position, question.id))
        .order_by(col(Question.position), col(Question.id)).limit(1)
    ).first()
    return previous, following


def question_corrections(session: Session, question_id: int) -> Sequence[Correction]:
    return session.exec(
        select(Correction).where(col(Correction.question_id) == question_id)
        .order_by(col(Correction.position), col(Correction.id))
    ).all()


def replace_corrections(session: Session, rows: Sequence[Correction]) -> None:
    session.exec(delete(Correction))
    session.add_all(list(rows))
    session.flush()


def demo_links_for(session: Session, question_id: int) -> Sequence[DemoLink]:
    return session.exec(
        select(DemoLink).where(col(DemoLink.question_id) == question_id, col(DemoLink.match) != LINK_HIDDEN)
        .order_by(col(DemoLink.match) != LINK_EDITOR, col(DemoLink.position), col(DemoLink.id))
    ).all()


def list_authors(session: Session, name: str | None = None) -> list[tuple[str, int, int]]:
    """(name, questions, answers) of every source author (content/) with a visible post, by name; one
    name if given. Accounts are not authors: their posts are on their /users page."""
    questions = (
        select(col(Question.author), func.count(col(Question.id)))
        .where(col(Question.author).is_not(None), col(Question.deleted_at).is_(None),
               col(Question.retired_at).is_(None), col(Question.origin) == ORIGIN_INGESTED)
        .group_by(col(Question.author))
    )
    answers = (
        select(col(Answer.author), func.count(col(Answer.id)))
        .join(Question, col(Question.id) == col(Answer.question_id))
        .where(col(Answer.author).is_not(None), col(Answer.deleted_at).is_(None), col(Answer.retired_at).is_(None),
               col(Question.deleted_at).is_(None), col(Question.retired_at).is_(None),
               col(Answer.origin) == ORIGIN_INGESTED)
        .group_by(col(Answer.author))
    )
    if name is not None:
        questions = questions.where(col(Question.author) == name)
        answers = answers.where(col(Answer.author) == name)
    question_counts = dict(session.exec(questions).all())
    answer_counts = dict(session.exec(answers).all())
    names = sorted(set(question_counts) | set(answer_counts))
    return [(n, int(question_counts.get(n, 0)), int(answer_counts.get(n, 0))) for n in names]


def author_answers(session: Session, name: str | None, *, limit: int, offset: int, user_id: int | None = None,
                   claimed: Sequence[str] = ()) -> tuple[list[tuple[Answer, Question]], int]:
    """A source author's (`name`) or an account's (`user_id`, with the authors it `claimed`) visible
    answers and replies with their questions, newest first, then in source order."""
    who = (_posted_or_claimed(Answer, user_id, claimed) if user_id is not None
           else (col(Answer.author) == name) & (col(Answer.origin) == ORIGIN_INGESTED))
    query = (
        select(Answer, Question)
        .join(Question, col(Question.id) == col(Answer.question_id))
        .where(
            who, col(Answer.deleted_at).is_(None), col(Answer.retired_at).is_(None),
            col(Question.deleted_at).is_(None), col(Question.retired_at).is_(None),
        )
    )
    total = session.exec(select(func.count()).select_from(query.subquery())).one()
    rows = session.exec(
        query.order_by(col(Answer.created_at).desc(), col(Question.collection_id), col(Question.position),
                       col(Answer.position), col(Answer.id))
        .limit(limit).offset(offset)
    ).all()
    return [(answer, question) for answer, question in rows], int(total)


def data_version(dbapi_connection) -> int:
    """SQLite's counter that moves whenever ANY other connection (this process or another, e.g. a
    `kb ingest`) commits to the file; read on one long-lived connection it is a free change detector."""
    return dbapi_connection.execute("PRAGMA data_version").fetchone()[0]
