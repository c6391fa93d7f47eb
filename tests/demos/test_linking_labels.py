"""Automatic linking measured on a labelled set of questions that are not in content/
(tests/demos/linking_labels.toml): precision and recall of the stored automatic links."""

from __future__ import annotations

import shutil

from app.config import PROJECT_ROOT
from app.demos.registry import all_demos
from app.ingest.loader import ingest_directory
from tests.demos.linking_labels import build_content, load_labels, score

PRECISION = RECALL = 0.85


def test_the_labelled_set_is_large_and_has_negatives():
    labels = load_labels()
    assert len(labels) >= 80
    assert sum(not concepts for concepts in labels.values()) >= 5


def test_automatic_links_on_the_labelled_set(engine, tmp_path):
    root = build_content(tmp_path / "content")
    shutil.copytree(PROJECT_ROOT / "content" / "search", root / "search")
    ingest_directory(engine, root, workers=1)
    with engine.connect() as conn:
        result = score(conn, all_demos())
    assert not result.unlabelled, result.unlabelled
    assert result.questions == len(load_labels())
    assert result.precision >= PRECISION, "\n".join(result.wrong)
    assert result.recall >= RECALL, "\n".join(result.missed)
