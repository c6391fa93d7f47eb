"""SQL of the demo engine: runs (queue state, progress, results, the cache) and question↔demo links."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import delete, or_, tuple_, update
from sqlalchemy.engine import Connection
from sqlmodel import Session, col, select

from app.db.models import LINK_AUTO, LINK_EDITOR, LINK_HIDDEN, Collection, DemoLink, DemoRun, Question
from app.db.sql import run

ACTIVE_STATUSES = ("queued", "running")


# --- runs --------------------------------------------------------------------------------------


def insert_run(session: Session, run: DemoRun) -> DemoRun:
    session.add(run)
    session.flush()
    return run


def get_run(session: Session, run_id: str) -> DemoRun | None:
    return session.get(DemoRun, run_id)


def delete_run(session: Session, run_id: str) -> None:
    session.exec(delete(DemoRun).where(col(DemoRun.id) == run_id))


def mark_running(session: Session, run_id: str, started_at: datetime) -> None:
    session.exec(
        update(DemoRun).where(col(DemoRun.id) == run_id, col(DemoRun.status) == "queued")
        .values(status="running", started_at=started_at)
    )


def requeue_run(session: Session, run_id: str) -> bool:
    """A running run handed back to the queue (its worker is stopping): waiting again, from the start."""
    result = session.exec(
        update(DemoRun).where(col(DemoRun.id) == run_id, col(DemoRun.status) == "running")
        .values(status="queued", started_at=None, progress_json="")
    )
    return bool(result.rowcount)


def save_progress(session: Session, run_id: str, progress_json: str) -> None:
    session.exec(
        update(DemoRun).where(col(DemoRun.id) == run_id, col(DemoRun.status).in_(ACTIVE_STATUSES))
        .values(progress_json=progress_json)
    )


def finish_run(session: Session, run_id: str, *, status: str, finished_at: datetime, result_json: str = "",
               error: str | None = None, device_used: str | None = None, device_name: str | None = None,
               torch_version: str | None = None, wall_ms: float | None = None,
               progress_json: str | None = None) -> None:
    values = dict(status=status, finished_at=finished_at, result_json=result_json, error=error)
    if device_used is not None:
        values.update(device_used=device_used, device_name=device_name, torch_version=torch_version, wall_ms=wall_ms)
    if progress_json is not None:
        values["progress_json"] = progress_json
    # Only an active run finishes: a late report about a run already marked stale changes nothing.
    session.exec(update(DemoRun).where(col(DemoRun.id) == run_id, col(DemoRun.status).in_(ACTIVE_STATUSES))
                 .values(**values))


def find_cached(session: Session, cache_key: str) -> DemoRun | None:
    """The newest run that computed this key itself (not a copy of another)."""
    return session.exec(
        select(DemoRun)
        .where(col(DemoRun.cache_key) == cache_key, col(DemoRun.status) == "succeeded",
               col(DemoRun.cached_from).is_(None))
        .order_by(col(DemoRun.finished_at).desc())
        .limit(1)
    ).first()


def recent_runs(session: Session, slug: str, limit: int = 10) -> Sequence[DemoRun]:
    return session.exec(
        select(DemoRun).where(col(DemoRun.demo_slug) == slug).order_by(col(DemoRun.created_at).desc()).limit(limit)
    ).all()


def latest_result(session: Session, slug: str, version: str, params_json: str, kind: str = "run") -> DemoRun | None:
    """The newest succeeded run of this demo version at exactly these parameters (any seed, any device)."""
    return session.exec(
        select(DemoRun)
        .where(col(DemoRun.demo_slug) == slug, col(DemoRun.demo_version) == version,
               col(DemoRun.params_json) == params_json,
               col(DemoRun.kind) == kind, col(DemoRun.status) == "succeeded")
        .order_by(col(DemoRun.finished_at).desc())
        .limit(1)
    ).first()


def latest_attempt(session: Session, slug: str, version: str, params_json: str) -> DemoRun | None:
    """The newest run of this demo version at exactly these parameters, whatever became of it."""
    return session.exec(
        select(DemoRun)
        .where(col(DemoRun.demo_slug) == slug, col(DemoRun.demo_version) == version,
               col(DemoRun.params_json) == params_json, col(DemoRun.kind) == "run")
        .order_by(col(DemoRun.created_at).desc())
        .limit(1)
    ).first()


def fail_stale_runs(session: Session, *, running_before: datetime, queued_before: datetime, error: str,
                    finished_at: datetime) -> int:
    """Runs no live worker can still be on (a server that stopped without saying so)."""
    result = session.exec(
        update(DemoRun)
        .where(or_(
            (col(DemoRun.status) == "running") & (col(DemoRun.started_at) < running_before),
            (col(DemoRun.status) == "queued") & (col(DemoRun.created_at) < queued_before),
        ))
        .values(status="failed", error=error, finished_at=finished_at)
    )
    return result.rowcount or 0


# --- links -------------------------------------------------------------------------------------


def visible_question_labels(session: Session, source_path: str) -> dict[str, int] | None:
    """label -> question id for the visible questions of the file, or None when no such file was ingested."""
    collection = session.exec(select(Collection).where(col(Collection.source_path) == source_path)).first()
    if collection is None:
        return None
    rows = session.exec(
        select(col(Question.label), col(Question.id)).where(
            col(Question.collection_id) == collection.id, col(Question.label).is_not(None),
            col(Question.deleted_at).is_(None), col(Question.retired_at).is_(None),
        )
    ).all()
    return {label: question_id for label, question_id in rows}


EDITORIAL = (LINK_EDITOR, LINK_HIDDEN)  # the rows content/demos.toml owns


def editorial_links(session: Session) -> set[tuple[int, str, str]]:
    """(question id, demo slug, match) of every row content/demos.toml made."""
    rows = session.exec(select(col(DemoLink.question_id), col(DemoLink.demo_slug), col(DemoLink.match))
                        .where(col(DemoLink.match).in_(EDITORIAL))).all()
    return {(question_id, slug, match) for question_id, slug, match in rows}


def replace_editorial_links(session: Session, links: Iterable[DemoLink]) -> None:
    """The rows of content/demos.toml become `links`; an automatic link of a demo they pin or hide
    on the same question goes (the linker never puts it back: it skips those demos)."""
    links = list(links)
    session.exec(delete(DemoLink).where(col(DemoLink.match).in_(EDITORIAL)))
    taken = {(link.question_id, link.demo_slug) for link in links}
    for chunk in _chunks(sorted(taken)):
        session.exec(delete(DemoLink).where(
            col(DemoLink.match) == LINK_AUTO, tuple_(col(DemoLink.question_id), col(DemoLink.demo_slug)).in_(chunk)))
    session.add_all(links)
    session.flush()


def _chunks(values: list, size: int = 400):
    for start in range(0, len(values), size):
        yield values[start:start + size]


def _marks(count: int) -> str:
    return ",".join("?" * count)


def editorial_slugs(conn: Connection, question_ids: Sequence[int]) -> dict[int, set[str]]:
    """question id → the demos content/demos.toml pins to it or hides from it."""
    found: dict[int, set[str]] = {}
    for chunk in _chunks(list(question_ids)):
        for question_id, slug in run(conn,
            f"SELECT question_id, demo_slug FROM demolink WHERE match != ? AND question_id IN ({_marks(len(chunk))})",
            (LINK_AUTO, *chunk),
        ):
            found.setdefault(question_id, set()).add(slug)
    return found


def replace_auto_links(conn: Connection, question_ids: Sequence[int],
                       rows: Sequence[tuple[int, str, str, int, float, str]]) -> None:
    """The automatic links of these questions become `rows`:
    (question id, demo slug, params JSON, position, score, concepts JSON)."""
    for chunk in _chunks(list(question_ids)):
        run(conn,
            f"DELETE FROM demolink WHERE match = ? AND question_id IN ({_marks(len(chunk))})", (LINK_AUTO, *chunk))
    if rows:
        run(conn,
            "INSERT INTO demolink (question_id, demo_slug, params_json, position, match, score, concepts_json)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            [(qid, slug, params, position, LINK_AUTO, score, concepts)
             for qid, slug, params, position, score, concepts in rows],
        )


def set_link_concepts(conn: Connection, updates: Sequence[tuple[str, int, str]]) -> None:
    """(concepts JSON, question id, demo slug) of editor's links: what the question and demo share."""
    if updates:
        run(conn, "UPDATE demolink SET concepts_json = ? WHERE question_id = ? AND demo_slug = ?", updates)


def links_for_demo(session: Session, slug: str) -> Sequence[tuple[DemoLink, Question]]:
    return session.exec(
        select(DemoLink, Question)
        .join(Question, col(Question.id) == col(DemoLink.question_id))
        .where(col(DemoLink.demo_slug) == slug, col(DemoLink.match) != LINK_HIDDEN,
               col(Question.deleted_at).is_(None), col(Question.retired_at).is_(None))
        .order_by(col(DemoLink.match) != LINK_EDITOR, col(Question.collection_id), col(Question.position),
                  col(Question.id))
    ).all()
