"""An editor extends the term dictionary; the next `kb ingest` analyses every file again."""

from __future__ import annotations

import shutil

from sqlmodel import Session

from app.config import PROJECT_ROOT
from app.ingest.loader import ingest_directory
from app.search.service import search_questions


def test_a_new_spelling_is_searchable_after_the_next_ingest(engine, tmp_path, monkeypatch):
    content = tmp_path / "content"
    shutil.copytree(PROJECT_ROOT / "content", content)
    monkeypatch.setenv("KB_CONTENT_DIR", str(content))
    assert ingest_directory(engine, content, workers=1, sync_demo_links=False).count("ingested") == 4
    with Session(engine) as session:
        assert search_questions(session, "드롭아웃").total > 0
        assert search_questions(session, "떨굼층").total == 0

    terms = content / "search" / "terms.tsv"
    lines = terms.read_text(encoding="utf-8").splitlines()
    lines = [line + "\t떨굼층" if line.startswith("dropout\t") else line for line in lines]
    terms.write_text("\n".join(lines) + "\n", encoding="utf-8")

    again = ingest_directory(engine, content, workers=1, sync_demo_links=False)
    assert again.count("ingested") == 4  # the files did not change; their analysis did
    with Session(engine) as session:
        found = search_questions(session, "떨굼층은 테스트할 때 어떻게 동작해")
        assert found.total == search_questions(session, "드롭아웃은 테스트할 때 어떻게 동작해").total > 0
    assert ingest_directory(engine, content, workers=1, sync_demo_links=False).count("unchanged") == 4
