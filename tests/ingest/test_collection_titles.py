"""content/collections.toml names collections without touching their files: editors' titles show
on the site, a removed entry gives the file's own title back, and every problem is reported at its
TOML line while the valid entries still apply."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import text

from app.cli import main as kb
from app.ingest.loader import ingest_directory
from tests.conftest import CONTENT_DIR

INTERVIEW = "interview/deep-learning-interview.md"
WEEK_04 = "weeks/study-week-04-cs231n-lecture-7.md"


@pytest.fixture
def content(tmp_path) -> Path:
    target = tmp_path / "content"
    shutil.copytree(CONTENT_DIR, target)
    return target


def titles(engine) -> dict[str, str]:
    with engine.connect() as conn:
        return dict(conn.execute(text("SELECT source_path, title FROM collection WHERE source_path IS NOT NULL")).all())


def reports(engine) -> list[tuple[int | None, str]]:
    with engine.connect() as conn:
        return conn.execute(text(
            "SELECT line, message FROM ingestreport WHERE source_path = 'collections.toml' ORDER BY line")).all()


def write_titles(content: Path, toml: str) -> None:
    (content / "collections.toml").write_text(toml, encoding="utf-8")


def test_seed_collections_show_their_editors_titles(seeded_client):
    shown = {c["source_path"]: c["title"] for c in seeded_client.get("/api/v1/collections").json()}
    assert shown[INTERVIEW] == "딥러닝 면접 질문"
    assert shown["nodes/deep-hankkeut-nodes.md"] == "딥한끝 스터디 노드별 질문"
    home = seeded_client.get("/").text
    assert "딥러닝 면접 질문" in home and "deep-learning-interview</" not in home


def test_removing_an_entry_brings_back_the_files_own_title_without_the_file_changing(engine, content):
    ingest_directory(engine, content, workers=1)
    assert titles(engine)[WEEK_04] == "스터디 4주차 · CS231n Lecture 7"

    write_titles(content, f'[[collection]]\nfile = "{INTERVIEW}"\ntitle = "  면접\u3000대비 \u200b질문  "\n')
    summary = ingest_directory(engine, content, workers=1)

    assert {f.status for f in summary.files} == {"unchanged"}
    shown = titles(engine)
    assert shown[INTERVIEW] == "면접 대비 질문"  # whitespace collapsed like any title
    assert shown[WEEK_04] == "스터디 4주차"  # the file's own "# " heading
    assert shown["nodes/deep-hankkeut-nodes.md"] == "deep-hankkeut-nodes"  # no heading: its name

    (content / "collections.toml").unlink()
    ingest_directory(engine, content, workers=1)
    assert titles(engine)[INTERVIEW] == "deep-learning-interview"


def test_a_changed_file_keeps_its_editors_title(engine, content):
    ingest_directory(engine, content, workers=1)
    path = content / WEEK_04
    path.write_text(path.read_text(encoding="utf-8").replace("# 스터디 4주차", "# 스터디 넷째 주"), encoding="utf-8")
    summary = ingest_directory(engine, content, workers=1)

    assert [f.status for f in summary.files if f.source_path == WEEK_04] == ["ingested"]
    assert titles(engine)[WEEK_04] == "스터디 4주차 · CS231n Lecture 7"
    with engine.connect() as conn:
        own = conn.execute(text("SELECT source_title FROM collection WHERE source_path = :p"), {"p": WEEK_04}).scalar()
    assert own == "스터디 넷째 주"


def test_kb_ingest_reports_problems_with_lines_and_exits_non_zero(settings, content, capsys, monkeypatch):
    from app.db.engine import make_engine

    write_titles(content, "\n".join([
        "[[collection]]",                      # 1
        f'file = "{INTERVIEW}"',               # 2
        'title = "면접 질문 모음"',             # 3
        "",
        "[[collection]]",                      # 5
        'file = "weeks/no-such-week.md"',      # 6
        'title = "없는 주차"',
        "",
        "[[collection]]",                      # 9
        f'file = "{WEEK_04}"',
        'title = "   "',                       # 11
        "",
        "[[collection]]",                      # 13
        f'file = "{INTERVIEW}"',               # 14
        'title = "두 번째 이름"',
        'colour = "red"',                      # 16
        "",
        "[[collection]]",                      # 18
        'file = "nodes/deep-hankkeut-nodes.md"',
        "",
    ]))
    monkeypatch.setenv("KB_DATABASE_URL", settings.database_url)
    assert kb(["ingest", str(content), "--workers", "1"]) == 1
    out = capsys.readouterr().out

    assert "collections.toml:6: 불러온 파일 중에 'weeks/no-such-week.md'이(가) 없습니다" in out
    assert "collections.toml:11: 제목이 비어 있습니다" in out
    assert "collections.toml:14: 'interview/deep-learning-interview.md'의 제목이 이미 있습니다 (1번째 줄)" in out
    assert "collections.toml:16: 알 수 없는 키 'colour'" in out
    assert "collections.toml:18: 필수 키가 없거나 문자열이 아닙니다: title" in out
    engine = make_engine(settings.database_url)
    try:
        assert titles(engine)[INTERVIEW] == "면접 질문 모음"  # the first, valid entry applies
        assert titles(engine)[WEEK_04] == "스터디 4주차"  # its entry was refused: the file's own title
        assert [line for line, _ in reports(engine)] == [6, 11, 14, 16, 18]
    finally:
        engine.dispose()


def test_broken_toml_is_one_problem_and_titles_fall_back(engine, content):
    write_titles(content, '[[collection]]\nfile = "interview/deep-learning-interview.md\ntitle = "x"\n')
    summary = ingest_directory(engine, content, workers=1)

    [problem] = summary.collection_title_problems
    assert problem.line == 2 and problem.message.startswith("TOML 문법 오류")
    assert titles(engine)[INTERVIEW] == "deep-learning-interview"
    assert not summary.failed
