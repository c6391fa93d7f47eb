"""Automatic linking measured on a labelled set of questions that are not in content/
(tests/demos/linking_labels.toml): precision and recall of the automatic links, for sample files in
the three shapes ingested and for questions posted through the API."""

from __future__ import annotations

import shutil

from app.config import PROJECT_ROOT
from app.demos.registry import all_demos
from app.ingest.loader import ingest_directory
from tests.conftest import clients_of
from tests.demos.linking_labels import build_content, load_labels, load_posted, score, score_posted

PRECISION = RECALL = 0.85


def test_the_labelled_set_is_large_and_has_negatives():
    labels = [*load_labels().values(), *(item.concepts for item in load_posted())]
    assert len(labels) >= 80
    covered = {concept for spec in all_demos() for concept in spec.concepts}
    assert sum(not concepts for concepts in labels) >= 8  # logistics, tools, career
    assert sum(not concepts & covered for concepts in labels) >= 15  # any link on these is wrong


def test_automatic_links_on_the_labelled_set(settings, engine, tmp_path):
    from tests.apps import new_app

    root = build_content(tmp_path / "content")
    shutil.copytree(PROJECT_ROOT / "content" / "search", root / "search")
    ingest_directory(engine, root, workers=1)
    with engine.connect() as conn:
        result = score(conn, all_demos())
    assert not result.unlabelled, result.unlabelled
    assert result.questions == len(load_labels())

    app = new_app(settings.with_overrides(rate_limit_posts_per_minute=10_000, rate_limit_ip_posts_per_minute=10_000))
    for make_client in clients_of(app):
        score_posted(make_client, all_demos(), result)
    assert result.questions == len(load_labels()) + len(load_posted())
    assert result.precision >= PRECISION, "\n".join(result.wrong)
    assert result.recall >= RECALL, "\n".join(result.missed)
