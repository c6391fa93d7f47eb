"""Automatic demo links, stored: each question's links recomputed from its search document.

Called wherever a question's search document is written, in the same transaction: the ingest
loader (per file), the write services (a posted or edited question, a new answer), the sync of
content/demos.toml (questions whose pinned or hidden demos changed) and `kb demo relink` (after
the term dictionary or the catalogue changed). Scoring is app.demos.linking; the concepts are the
ones app.search already put in the index, so there is one analyser and the page view reads rows.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

from sqlalchemy.engine import Connection

from app.db.queries import demos as demo_queries
from app.db.queries import fingerprints, versions
from app.db.queries import search as search_queries
from app.demos import linking as scoring
from app.demos.linking import Catalogue, QuestionConcepts
from app.demos.registry import all_demos
from app.search.terms import default_dictionary
from app.search.version import analyzer_fingerprint

BATCH = 500
CATALOGUE = "demo_catalogue"  # the stored_fingerprint row of what the automatic links were computed from


@lru_cache(maxsize=1)
def default_catalogue() -> Catalogue:
    """The registered experiments, with the term dictionary's hierarchy (both fixed per process)."""
    narrower: dict[str, int] = {}
    for term in default_dictionary().terms.values():
        for broader in term.broader:
            narrower[broader] = narrower.get(broader, 0) + 1
    return Catalogue(all_demos(), narrower)


@lru_cache(maxsize=1)
def catalogue_fingerprint() -> str:
    """What every automatic link depends on besides the question's own document: each experiment's
    slug, concepts and presets, the scorer's source, and the analysis (the dictionary's hierarchy)."""
    experiments = [
        (spec.slug, list(spec.concepts),
         {concept: preset.model_dump(mode="json") for concept, preset in sorted(spec.presets.items())})
        for spec in sorted(all_demos(), key=lambda spec: spec.slug)
    ]
    made_by = [Path(scoring.__file__).read_bytes(), Path(__file__).read_bytes(), analyzer_fingerprint().encode()]
    digest = hashlib.sha256(json.dumps(experiments, sort_keys=True).encode())
    for part in made_by:
        digest.update(b"\0" + part)
    return digest.hexdigest()


def relink_if_catalogue_changed(conn: Connection) -> int | None:
    """Relink every question when the catalogue (or the scorer) differs from the one the stored
    links were made with, as `kb demo relink` does; returns how many questions, or None if unchanged."""
    current = catalogue_fingerprint()
    if fingerprints.get(conn, CATALOGUE) == current:
        return None
    total, _ = relink_all(conn)
    return total


def relink_questions(conn: Connection, question_ids: Sequence[int], catalogue: Catalogue | None = None) -> int:
    """Replace the automatic links of these questions; returns how many of them got at least one.

    A question without a search document (deleted, hidden, or ingested without search) gets none.
    Demos an editor pinned to the question or hid from it are skipped; an editor's pinned links get
    the concepts they share with the question (their score stays empty).
    """
    if not question_ids:
        return 0
    catalogue = catalogue or default_catalogue()
    docs = search_queries.stored_docs(conn, question_ids)
    editorial = demo_queries.editorial_slugs(conn, question_ids)
    rows: list[tuple[int, str, str, int, float, str]] = []  # question, demo, params, position, score, concepts
    shared_updates = []
    linked = 0
    for question_id in question_ids:
        doc = docs.get(question_id)
        if doc is None:
            continue
        concepts = QuestionConcepts(*doc)
        pinned = editorial.get(question_id, set())
        links = catalogue.rank(concepts, exclude=pinned)
        linked += bool(links)
        rows.extend(
            (question_id, link.slug, json.dumps(link.params, ensure_ascii=False, sort_keys=True), position,
             link.score, json.dumps(list(link.concepts)))
            for position, link in enumerate(links)
        )
        for slug in pinned:
            shared_updates.append((json.dumps(list(catalogue.shared(concepts, slug))), question_id, slug))
    demo_queries.replace_auto_links(conn, question_ids, rows)
    demo_queries.set_link_concepts(conn, shared_updates)
    return linked


def relink_all(conn: Connection, progress=None) -> tuple[int, int]:
    """Every visible question's automatic links again; (questions, questions with a link)."""
    catalogue = default_catalogue()
    total = linked = 0
    after = 0
    while True:
        ids = search_queries.visible_question_ids(conn, after, BATCH)
        if not ids:
            break
        linked += relink_questions(conn, ids, catalogue)
        total += len(ids)
        after = ids[-1]
        if progress is not None:
            progress(total)
    versions.bump(conn, everything=True)  # question pages show their links: drop every cached page
    fingerprints.put(conn, CATALOGUE, catalogue_fingerprint())
    return total, linked
