"""Posted questions and answers keep the HTML rendered when they were written (Markdown is rendered
once, at write time). When the renderer or the glossary it links changes, files get re-rendered by
ingest because their fingerprint changed; posts are not files, so this redoes them: `kb ingest` runs it
whenever the fingerprint stored for posts differs, `kb rerender` on demand.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.engine import Engine
from sqlmodel import Session

from app.db.queries import fingerprints, versions
from app.db.queries import writes as queries
from app.db.transactions import write_transaction
from app.render.version import renderer_fingerprint
from app.search.index import reindex_question
from app.search.version import analyzer_fingerprint
from app.services.posting import render

POSTS_RENDERED_BY = "posts_rendered_by"  # the stored_fingerprint row
BATCH = 100  # rows per write transaction: a site in use keeps answering between batches


@dataclass(frozen=True)
class RerenderSummary:
    checked: int  # posted questions and answers looked at
    changed_questions: int
    changed_answers: int
    skipped: bool  # the stored fingerprint matched: nothing to do

    @property
    def changed(self) -> int:
        return self.changed_questions + self.changed_answers

    def to_dict(self) -> dict:
        return {"checked": self.checked, "changed_questions": self.changed_questions,
                "changed_answers": self.changed_answers, "skipped": self.skipped}


def posts_fingerprint() -> str:
    """The renderer's source and libraries, and the term dictionary its glossary links come from."""
    return f"{renderer_fingerprint()}:{analyzer_fingerprint()}"


def rerender_posts(engine: Engine, *, force: bool = False) -> RerenderSummary:
    """Render every posted question and answer again with today's renderer; store only what changed.

    Touched questions get their search document and page caches renewed in the same transaction.
    The fingerprint is stored last, so an interrupted pass is simply done again next time.
    """
    current = posts_fingerprint()
    with Session(engine) as session:
        if not force and fingerprints.get(session.connection(), POSTS_RENDERED_BY) == current:
            session.rollback()
            return RerenderSummary(0, 0, 0, skipped=True)
        session.rollback()
        checked, questions_changed = _rerender(session, "question", _posted_questions)
        answers_checked, answers_changed = _rerender(session, "answer", _posted_answers)
        with write_transaction(session) as conn:
            fingerprints.put(conn, POSTS_RENDERED_BY, current)
    return RerenderSummary(checked + answers_checked, questions_changed, answers_changed, skipped=False)


def _posted_questions(session: Session, after: int) -> list[tuple[int, int, str, str]]:
    """A question is its own question: the same (id, question_id, body_md, body_html) rows as answers."""
    return [(row_id, row_id, md, html) for row_id, md, html in queries.posted_questions_after(session, after, BATCH)]


def _posted_answers(session: Session, after: int) -> list[tuple[int, int, str, str]]:
    return queries.posted_answers_after(session, after, BATCH)


def _rerender(session: Session, table: str, fetch: Callable[[Session, int], list[tuple[int, int, str, str]]]
              ) -> tuple[int, int]:
    """(rows checked, rows whose stored HTML changed) for one table, a batch per write transaction."""
    checked = changed = 0
    after = 0
    while batch := fetch(session, after):
        session.rollback()  # the read's transaction must not be held open while rendering
        after = batch[-1][0]
        checked += len(batch)
        fresh = [(row_id, question_id, html) for row_id, question_id, md, old in batch
                 if (html := render(md)) != old]
        if fresh:
            _store(session, table, [(row_id, html) for row_id, _, html in fresh],
                   sorted({question_id for _, question_id, _ in fresh}))
            changed += len(fresh)
    return checked, changed


def _store(session: Session, table: str, rows: list[tuple[int, str]], question_ids: list[int]) -> None:
    with write_transaction(session) as conn:
        for row_id, html in rows:
            queries.set_body_html(session, table, row_id, html)
        for question_id in question_ids:
            reindex_question(session, question_id)
        changed_questions, collections = versions.question_scopes(conn, question_ids)
        versions.bump(conn, questions=changed_questions, collections=collections, search=bool(question_ids))
