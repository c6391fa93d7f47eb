"""Loader behaviour: counts in the database, stable ids, posted rows survive, per-file rollback,
bad input reported with file and line. Every test runs on SQLite and on PostgreSQL."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import text

from app.cli import main as kb
from app.db.queries import ingest as ingest_queries
from app.ingest import loader
from app.ingest.loader import ingest_directory
from tests.conftest import BACKENDS, CONTENT_DIR, SAMPLES_DIR

pytestmark = pytest.mark.parametrize("backend", BACKENDS)

SEED_COUNTS = {
    "nodes/deep-hankkeut-nodes.md": (14, 9),
    "interview/deep-learning-interview.md": (47, 36),
    "weeks/study-week-04-cs231n-lecture-7.md": (18, 18),
    "weeks/study-week-02-questions.md": (10, 10),
}


@pytest.fixture
def content(tmp_path) -> Path:
    """A private copy of content/ that a test may edit."""
    target = tmp_path / "content"
    shutil.copytree(CONTENT_DIR, target)
    return target


def _ids(engine) -> dict[tuple[str, str], int]:
    with engine.connect() as conn:
        rows = conn.execute(text(
            "SELECT c.source_path, q.fingerprint, q.id FROM question q JOIN collection c ON c.id = q.collection_id"
        ))
        return {(path, fp): qid for path, fp, qid in rows}


def _question_id(engine, source_path: str, label: str) -> int:
    with engine.connect() as conn:
        return conn.execute(text(
            "SELECT q.id FROM question q JOIN collection c ON c.id = q.collection_id"
            " WHERE c.source_path = :p AND q.label = :l"), {"p": source_path, "l": label}).scalar_one()


def test_seed_counts_in_the_database(seeded_client):
    collections = {c["source_path"]: c for c in seeded_client.get("/api/v1/collections").json()}
    assert set(collections) == set(SEED_COUNTS)
    for path, (total, answered) in SEED_COUNTS.items():
        assert (collections[path]["question_count"], collections[path]["answered_count"]) == (total, answered), path


def test_unanswered_interview_labels(seeded_client):
    page = seeded_client.get(
        "/api/v1/questions", params={"collection": "deep-learning-interview", "status": "unanswered", "per_page": 100}
    ).json()
    assert sorted(item["label"] for item in page["items"]) == sorted(
        ["#3", "#6", "#9", "#13", "#13-1", "#13-2", "#13-3", "#17", "#17-1", "#17-2", "#17-3"]
    )


def test_sub_questions_point_at_their_parent(seeded_engine, seeded_client):
    parent = _question_id(seeded_engine, "interview/deep-learning-interview.md", "#12")
    child_id = _question_id(seeded_engine, 'interview/deep-learning-interview.md', '#12-3')
    child = seeded_client.get(f"/api/v1/questions/{child_id}").json()
    assert child["parent"]["id"] == parent
    detail = seeded_client.get(f"/api/v1/questions/{parent}").json()
    assert [c["label"] for c in detail["children"]] == ["#12-1", "#12-2", "#12-3", "#12-4"]


def test_every_ingested_row_keeps_file_and_line(seeded_engine):
    with seeded_engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM question WHERE source_line IS NULL")).scalar() == 0
        assert conn.execute(text("SELECT count(*) FROM answer WHERE source_line IS NULL")).scalar() == 0
        first = conn.execute(text(
            "SELECT q.source_line FROM question q JOIN collection c ON c.id = q.collection_id"
            " WHERE c.source_path = 'weeks/study-week-04-cs231n-lecture-7.md' ORDER BY q.position LIMIT 1"
        )).scalar()
    assert first == 5  # "#### ✅ `혜지` `p15` condition number가 뭐지?"


def test_nested_replies_and_references_are_stored(seeded_engine, seeded_client):
    references = seeded_client.get(
        f"/api/v1/questions/{_question_id(seeded_engine, 'interview/deep-learning-interview.md', '#4')}"
    ).json()["references"]
    assert len(references) == 5 and references[0]["url"].startswith("https://bsm8734.github.io/")
    with seeded_engine.connect() as conn:
        nested = conn.execute(text("SELECT count(*) FROM answer WHERE parent_id IS NOT NULL")).scalar()
    assert nested >= 1


def test_reports_keep_what_could_not_be_placed(seeded_engine):
    with seeded_engine.connect() as conn:
        rows = conn.execute(text("SELECT source_path, line, kind FROM ingestreport")).all()
    kinds = {(path, kind) for path, _, kind in rows}
    assert ("nodes/deep-hankkeut-nodes.md", "boilerplate") in kinds  # the Eraser banner, line 1
    assert any(path == "nodes/deep-hankkeut-nodes.md" and line == 1 for path, line, _ in rows)
    missing = [line for path, line, kind in rows if kind == "missing_image" and path.startswith("interview/")]
    assert 68 in missing  # ![ai_ml_dl](/images/sally/…) does not exist


def test_reingest_unchanged_keeps_every_id_and_skips_files(engine, content):
    first = ingest_directory(engine, content, workers=1)
    before = _ids(engine)
    second = ingest_directory(engine, content, workers=1)
    assert {f.status for f in second.files} == {"unchanged"}
    forced = ingest_directory(engine, content, workers=1, force=True)
    assert {f.status for f in forced.files} == {"ingested"}
    assert _ids(engine) == before
    assert sum(f.questions for f in first.files) == 89


def test_editing_one_question_keeps_the_other_ids(engine, content):
    ingest_directory(engine, content, workers=1)
    path = content / "weeks" / "study-week-04-cs231n-lecture-7.md"
    labels = [f"7-{n}" for n in range(1, 19)]  # lecture 7, questions 1..18 (see the label convention)
    before = {label: _question_id(engine, "weeks/study-week-04-cs231n-lecture-7.md", label) for label in labels}
    source = path.read_text(encoding="utf-8")
    edited = source.replace("alpha는 하이퍼파라미터 learning rate를 말한다.", "alpha는 학습률(learning rate)이다.")
    path.write_text(edited, encoding="utf-8")
    ingest_directory(engine, content, workers=1)
    after = {label: _question_id(engine, "weeks/study-week-04-cs231n-lecture-7.md", label) for label in labels}
    assert after == before


def _post_answer(engine, question_id: int, body: str) -> int:
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO \"user\" (username, display_name, password_hash, created_at)"
                          " VALUES ('poster', '포스터', 'x', '2026-01-01 00:00:00.000000')"))
        user_id = conn.execute(text("SELECT id FROM \"user\" WHERE username='poster'")).scalar_one()
        row = ingest_queries.AnswerRow(parent_id=None, author="포스터", body_md=body, body_html=f"<p>{body}</p>",
                                       source_line=None, position=99, fingerprint=None)
        answer_id = ingest_queries.insert_answer(conn, question_id, row)
        conn.execute(text("UPDATE answer SET origin='posted', user_id=:u WHERE id=:a"), {"u": user_id, "a": answer_id})
        ingest_queries.refresh_question_counters(conn, question_ids=[question_id])
    return answer_id


def test_posted_rows_survive_when_their_question_leaves_the_file(engine, content):
    ingest_directory(engine, content, workers=1)
    rel = "weeks/study-week-04-cs231n-lecture-7.md"
    question_id = _question_id(engine, rel, "7-18")
    answer_id = _post_answer(engine, question_id, "사용자가 남긴 답변")
    path = content / rel
    source = path.read_text(encoding="utf-8")
    cut = source.index("#### ✅ `혜지` `p90`")
    path.write_text(source[:cut], encoding="utf-8")
    result = ingest_directory(engine, content, workers=1)
    assert not result.failed
    with engine.connect() as conn:
        retired = conn.execute(text("SELECT retired_at FROM question WHERE id=:q"), {"q": question_id}).scalar_one()
        body = conn.execute(text("SELECT body_md, origin FROM answer WHERE id=:a"), {"a": answer_id}).one()
        ingested_left = conn.execute(text(
            "SELECT count(*) FROM answer WHERE question_id=:q AND origin='ingested'"), {"q": question_id}).scalar()
    assert retired is not None
    assert tuple(body) == ("사용자가 남긴 답변", "posted")
    assert ingested_left == 1  # a retired question keeps its ingested thread as context for the posted answer


def test_a_file_read_again_keeps_the_posted_answers_in_its_questions_search_documents(engine, content):
    """The file's search documents hold only the file's text: a question that also has posted answers is
    made again from its rows after the file's commit, or those answers could no longer be found."""
    from sqlmodel import Session

    from app.db.queries import search as search_queries
    from app.services import accounts, indexing, posting

    ingest_directory(engine, content, workers=1)
    rel = "weeks/study-week-02-questions.md"
    with engine.connect() as conn:
        question_id = conn.execute(text(
            "SELECT min(q.id) FROM question q JOIN collection c ON c.id = q.collection_id WHERE c.source_path = :p"),
            {"p": rel}).scalar_one()
    with Session(engine) as session:
        user = accounts.sign_up(session, username="poster", password="correct horse 1", display_name="포스터",
                                testing=True)
        posting.create_answer(session, user, question_id=question_id, body="옥토니언은 결합법칙이 없습니다")
    indexing.drain(engine)
    path = content / rel
    path.write_text(path.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    assert not ingest_directory(engine, content, workers=1).failed
    indexing.drain(engine)  # as kb ingest does after the files
    with engine.connect() as conn:
        answers_text = search_queries.search_texts(conn, [question_id])[question_id][2]
        answers_tokens = search_queries.stored_docs(conn, [question_id])[question_id][2].split()
    assert "옥토니언은 결합법칙이 없습니다" in answers_text
    assert "결합법칙" in answers_tokens


def test_one_file_transaction_stamps_every_row_it_writes_with_one_time(engine, content):
    ingest_directory(engine, content, workers=1)
    rel = "weeks/study-week-04-cs231n-lecture-7.md"
    _post_answer(engine, _question_id(engine, rel, "7-18"), "사용자가 남긴 답변")
    path = content / rel
    source = path.read_text(encoding="utf-8")
    # 7-18 leaves the file (retired: it has a posted answer), the rest is written again, and the
    # file gains a report (a reply line with no answer above it).
    source = source[:source.index("#### ✅ `혜지` `p90`")]
    source = source.replace("## Lecture 7", "## Lecture 7\n\n-> 위에 답이 없는 댓글", 1)
    path.write_text(source, encoding="utf-8")
    assert not ingest_directory(engine, content, workers=1).failed
    in_file = "SELECT id FROM question WHERE collection_id = (SELECT id FROM collection WHERE source_path = :p)"
    queries = {
        "collection": "SELECT updated_at FROM collection WHERE source_path = :p",
        "questions": f"SELECT updated_at FROM question WHERE id IN ({in_file})",
        "retired": f"SELECT retired_at FROM question WHERE id IN ({in_file}) AND retired_at IS NOT NULL",
        # the retired question's ingested thread is left as it was, so not written
        "answers": f"SELECT updated_at FROM answer WHERE question_id IN ({in_file} AND retired_at IS NULL)"
                   " AND origin = 'ingested'",
        "reports": "SELECT created_at FROM ingestreport WHERE source_path = :p",
    }
    with engine.connect() as conn:
        stamps = {name: {row[0] for row in conn.execute(text(sql), {"p": rel})} for name, sql in queries.items()}
    assert all(stamps.values()), stamps  # each kind of row was written
    assert len(set().union(*stamps.values())) == 1, stamps


def test_a_failing_file_rolls_back_alone(engine, content, monkeypatch):
    ingest_directory(engine, content, workers=1)
    before = _ids(engine)
    for path in content.rglob("*.md"):
        added = "\n\n## 노드 99\n새로 추가한 질문인가요? (테스트)\n"
        path.write_text(path.read_text(encoding="utf-8") + added, encoding="utf-8")
    real = ingest_queries.replace_references

    def explode_for_interview(conn, question_ids, rows):
        if rows and "github" in str(rows):
            raise RuntimeError("disk full (simulated)")
        return real(conn, question_ids, rows)

    monkeypatch.setattr(loader.q, "replace_references", explode_for_interview)
    summary = ingest_directory(engine, content, workers=1)
    failed = [f.source_path for f in summary.failed]
    assert failed == ["interview/deep-learning-interview.md"]
    after = _ids(engine)
    interview_before = {k: v for k, v in before.items() if k[0].startswith("interview/")}
    interview_after = {k: v for k, v in after.items() if k[0].startswith("interview/")}
    assert interview_after == interview_before  # untouched by the failed transaction
    assert len(after) > len(before)  # the other files went in
    with engine.connect() as conn:
        stored_hash = conn.execute(text(
            "SELECT content_hash FROM collection WHERE source_path='interview/deep-learning-interview.md'")).scalar()
    assert stored_hash != loader.file_hash((content / "interview/deep-learning-interview.md").read_bytes())


class Interrupted(BaseException):
    """Not an Exception: escapes the per-file error handling, as Ctrl-C does."""


def test_the_bulk_checkpoint_interval_lasts_only_while_files_are_written(engine, content, monkeypatch, backend):
    if backend != "sqlite":
        pytest.skip("the WAL checkpoint interval is SQLite's; PostgreSQL's server checkpoints on its own")
    # wal_autocheckpoint belongs to the connection, and ingest's connection goes back to the pool.
    with engine.connect() as conn:
        default = ingest_queries.wal_autocheckpoint(conn)
    seen = []
    real = loader.apply_file

    def watching(conn, prepared, *hooks):
        seen.append(ingest_queries.wal_autocheckpoint(conn))
        if interrupt and prepared.source_path.startswith("weeks/"):
            raise Interrupted
        return real(conn, prepared, *hooks)

    monkeypatch.setattr(loader, "apply_file", watching)
    interrupt = False
    ingest_directory(engine, content, workers=1, sync_demo_links=False, with_search=False)
    interrupt = True
    with pytest.raises(Interrupted):
        ingest_directory(engine, content, workers=1, sync_demo_links=False, with_search=False, force=True)
    assert seen and set(seen) == {loader.BULK_CHECKPOINT_PAGES} != {default}
    assert engine.pool.checkedin() == 1  # the one connection every step used
    with engine.connect() as conn:
        assert ingest_queries.wal_autocheckpoint(conn) == default


BAD_FILES = {
    "nodes/cp949.md": "## 노드 01\n질문입니다?\n".encode("cp949"),
    "nodes/binary.md": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
    "weeks/broken-middle.md": "# 제목\n## Lecture 1\n#### 질문?\n".encode() + b"\xff\xfe bad\n",
}


def test_bad_files_fail_clearly_and_the_rest_goes_in(engine, tmp_path):
    content = tmp_path / "content"
    for rel, data in BAD_FILES.items():
        (content / rel).parent.mkdir(parents=True, exist_ok=True)
        (content / rel).write_bytes(data)
    (content / "interview").mkdir(parents=True)
    (content / "interview" / "empty.md").write_bytes(b"")
    (content / "interview" / "headings-only.md").write_text("# 제목\n\n## 섹션\n\n### 작은 제목\n", encoding="utf-8")
    big = content / "weeks" / "huge.md"
    with big.open("wb") as handle:  # 50 MB without writing 50 MB
        handle.truncate(50 * 1024 * 1024)
    shutil.copy(CONTENT_DIR / "nodes" / "deep-hankkeut-nodes.md", content / "nodes" / "good.md")

    summary = ingest_directory(engine, content, workers=1)
    by_path = {f.source_path: f for f in summary.files}
    assert by_path["nodes/cp949.md"].status == "failed"
    assert by_path["nodes/cp949.md"].error.line == 1 and "UTF-8" in by_path["nodes/cp949.md"].error.message
    assert by_path["nodes/binary.md"].status == "failed" and "바이너리" in by_path["nodes/binary.md"].error.message
    assert by_path["weeks/broken-middle.md"].error.line == 4
    assert by_path["weeks/huge.md"].status == "failed" and "너무 큽니다" in by_path["weeks/huge.md"].error.message
    assert by_path["interview/empty.md"].status == "ingested" and by_path["interview/empty.md"].questions == 0
    assert any(r.kind == "empty" for r in by_path["interview/headings-only.md"].reports)
    assert by_path["nodes/good.md"].questions == 14


def test_cli_reports_file_and_line_and_exits_non_zero(settings, tmp_path, capsys, monkeypatch):
    content = tmp_path / "content"
    (content / "nodes").mkdir(parents=True)
    (content / "nodes" / "bad.md").write_bytes("## 노드 01\n질문?\n".encode() + b"\xc0\xaf\n")
    shutil.copy(CONTENT_DIR / "nodes" / "deep-hankkeut-nodes.md", content / "nodes" / "good.md")
    monkeypatch.setenv("KB_DATABASE_URL", settings.database_url)
    assert kb(["ingest", str(content)]) == 1
    out = capsys.readouterr().out
    assert "nodes/bad.md:3" in out
    assert "nodes/good.md: 질문 14개 (답변됨 9, 미답변 5)" in out
    assert "[boilerplate] nodes/good.md:1" in out
    assert kb(["ingest", str(content), "--json"]) == 1  # still failing, good file unchanged
    import json
    report = json.loads(capsys.readouterr().out)
    assert report["totals"]["failed"] == 1 and report["totals"]["unchanged"] == 1


def test_deleted_file_takes_its_questions_with_it(engine, content):
    ingest_directory(engine, content, workers=1)
    (content / "weeks" / "study-week-02-questions.md").unlink()
    summary = ingest_directory(engine, content, workers=1)
    assert [f.status for f in summary.files if f.source_path.endswith("week-02-questions.md")] == ["removed"]
    with engine.connect() as conn:
        assert conn.execute(text(
            "SELECT count(*) FROM collection WHERE source_path='weeks/study-week-02-questions.md'")).scalar() == 0


def test_reactions_are_stored_on_the_question_or_the_answer_they_follow(engine, tmp_path):
    (tmp_path / "nodes").mkdir()
    shutil.copy(SAMPLES_DIR / "nodes_reactions_and_plus_ones.md", tmp_path / "nodes" / "reactions.md")
    ingest_directory(engine, tmp_path, workers=1)
    with engine.connect() as conn:
        rows = conn.execute(text(
            "SELECT r.question_id IS NOT NULL, r.answer_id IS NOT NULL, r.kind, r.emoji, r.author, r.source_line,"
            " COALESCE(r.question_id, a.question_id) = q.id FROM reaction r LEFT JOIN answer a ON a.id = r.answer_id"
            " CROSS JOIN question q ORDER BY r.source_line"
        )).all()
    assert [tuple(row) for row in rows] == [
        (True, False, "plus_one", "+1", "하린", 2, True), (True, False, "plus_one", "+1", "도윤", 4, True),
        (True, False, "plus_one", "+1", None, 6, True),
        (False, True, "emoji", "👍👍", None, 10, True), (False, True, "emoji", "🎉", None, 12, True),
    ]
