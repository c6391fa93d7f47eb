"""content/corrections.toml: known factual errors in the ingested answers. Each entry's sentence must be
found in its question's answers as a reader sees them, so an entry made stale by a changed answer is
reported at its TOML line (and left out) instead of pointing at nothing; the answer's file is never
edited."""

from __future__ import annotations

import hashlib
import shutil
import tomllib
from pathlib import Path

import pytest
from sqlalchemy import text

from app.cli import main as kb
from app.ingest.loader import ingest_directory
from tests.conftest import CONTENT_DIR

INTERVIEW = "interview/deep-learning-interview.md"


@pytest.fixture
def content(tmp_path) -> Path:
    target = tmp_path / "content"
    shutil.copytree(CONTENT_DIR, target)
    return target


def stored(engine) -> list[tuple[str, str, int | None, str | None, str | None]]:
    with engine.connect() as conn:
        return conn.execute(text(
            "SELECT q.label, c.sentence, c.answer_id, c.demo_slug, c.claim_metric FROM correction c "
            "JOIN question q ON q.id = c.question_id ORDER BY q.id, c.position")).all()


def reports(engine) -> list[tuple[int | None, str]]:
    with engine.connect() as conn:
        return conn.execute(text(
            "SELECT line, message FROM ingestreport WHERE source_path = 'corrections.toml' ORDER BY line")).all()


def test_every_seed_correction_is_found_in_its_answer(seeded_engine):
    entries = tomllib.loads((CONTENT_DIR / "corrections.toml").read_text(encoding="utf-8"))["correction"]
    assert reports(seeded_engine) == []
    rows = stored(seeded_engine)
    assert sorted(label for label, *_ in rows) == sorted(e["question"] for e in entries)
    assert {"#16-1", "#12-3", "#18-2", "#20-2"} <= {label for label, *_ in rows}
    assert all(answer_id is not None for _, _, answer_id, _, _ in rows)
    with seeded_engine.connect() as conn:  # each sentence sits in the answer it is stored against
        for _, sentence, answer_id, _, _ in rows:
            body = conn.execute(text("SELECT body_md FROM answer WHERE id = :id"), {"id": answer_id}).scalar_one()
            assert sentence.split()[0] in body


def test_a_stale_sentence_is_reported_at_its_line_and_left_out(engine, content, capsys):
    answers = content / INTERVIEW
    # The answer of #18-2 changes: its correction no longer quotes anything a reader sees.
    answers.write_text(answers.read_text(encoding="utf-8").replace(
        "참고 코드(경사하강법 적용) 기준으로 10줄이면", "참고 코드 기준으로 열 줄이면"), encoding="utf-8")
    lines = (content / "corrections.toml").read_text(encoding="utf-8").splitlines()
    stale_line = next(i for i, line in enumerate(lines, 1) if line.startswith('sentence = "참고 코드'))

    summary = ingest_directory(engine, content, workers=1)

    assert [(p.line, p.kind) for p in summary.correction_problems] == [(stale_line, "correction")]
    assert "#18-2" in summary.correction_problems[0].message
    assert summary.to_dict()["correction_problems"][0] == {
        "file": "corrections.toml", "line": stale_line, "message": summary.correction_problems[0].message}
    assert reports(engine) == [(stale_line, summary.correction_problems[0].message)]
    assert "#18-2" not in {label for label, *_ in stored(engine)}
    assert {"#16-1", "#12-3", "#20-2"} <= {label for label, *_ in stored(engine)}


def test_the_cli_names_the_file_and_line_and_fails(settings, content, capsys, monkeypatch):
    (content / "corrections.toml").write_text(
        '[[correction]]\nfile = "interview/deep-learning-interview.md"\nquestion = "#16-1"\n'
        'sentence = "추론 시 출력에 p를 곱하지 않는다."\ncorrection = "c"\n'
        'source_title = "t"\nsource_url = "https://example.org/"\n'
        '\n[[correction]]\nfile = "interview/deep-learning-interview.md"\nquestion = "#99"\n'
        'sentence = "s"\ncorrection = "c"\nsource_title = "t"\nsource_url = "https://example.org/"\n'
        '\n[[correction]]\nfile = "interview/deep-learning-interview.md"\nquestion = "#12-3"\n'
        'sentence = "이를 해결한 Leaky ReLU는 값이 음수일 때 조금의 음의 기울기를 갖도록 하여"\ncorrection = "c"\n'
        'source_title = "t"\nsource_url = "https://example.org/"\ndemo = "dying-relu"\nclaim = "no_such_metric"\n',
        encoding="utf-8")
    monkeypatch.setenv("KB_DATABASE_URL", settings.database_url)
    status = kb(["ingest", str(content), "--workers", "1"])
    out = capsys.readouterr().out
    assert status == 1
    assert "! corrections.toml:4: " in out and "답변에서 이 문장을 찾지 못했습니다" in out
    assert "! corrections.toml:11: " in out and "'#99' 질문이 없습니다" in out
    assert "! corrections.toml:25: " in out and "'no_such_metric' 주장이 없습니다" in out


def test_ingest_never_edits_the_answer_file(engine, content):
    path = content / INTERVIEW
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    ingest_directory(engine, content, workers=1)
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before
    assert "#16-1" in {label for label, *_ in stored(engine)}


def test_removing_the_file_removes_the_corrections(engine, content):
    ingest_directory(engine, content, workers=1)
    assert stored(engine)
    (content / "corrections.toml").unlink()
    ingest_directory(engine, content, workers=1)
    assert stored(engine) == [] and reports(engine) == []
