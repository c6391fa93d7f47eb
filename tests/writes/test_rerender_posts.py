"""Posts written before the renderer changed (here: before glossary links existed) get today's
rendering: `kb ingest` re-renders them when the fingerprint stored for posts differs, and
`kb rerender` on demand. Only the stored HTML changes; Markdown, ids and times stay."""

from __future__ import annotations

import json

from app.cli import main
from app.db.queries import fingerprints
from app.render import render_markdown
from app.services.rerender import POSTS_RENDERED_BY, posts_fingerprint, rerender_posts
from tests.writes.helpers import Account

QUESTION_BODY = "배치 정규화를 쓰면 학습률을 크게 잡아도 되나요?"
ANSWER_BODY = "드롭아웃과 함께 쓸 때는 순서를 조심하세요."


def _as_written_before_glossary_links(engine, question_id: int, answer_id: int) -> None:
    with engine.begin() as conn:
        conn.exec_driver_sql("UPDATE question SET body_html = ? WHERE id = ?",
                             (render_markdown(QUESTION_BODY), question_id))
        conn.exec_driver_sql("UPDATE answer SET body_html = ? WHERE id = ?", (render_markdown(ANSWER_BODY), answer_id))
        fingerprints.put(conn, POSTS_RENDERED_BY, "renderer-before-glossary")


def _stored(engine, table: str, row_id: int) -> tuple:
    with engine.connect() as conn:
        return conn.exec_driver_sql(f"SELECT body_md, body_html, created_at FROM {table} WHERE id = ?",
                                    (row_id,)).one()


def test_old_posts_get_todays_rendering_once(seeded_engine, seeded_client):
    alice = Account(lambda: seeded_client, "alice")
    question = alice.ask(title="배치 정규화와 학습률", body=QUESTION_BODY)
    answer = alice.answer(question["id"], body=ANSWER_BODY)
    _as_written_before_glossary_links(seeded_engine, question["id"], answer["id"])
    before_question, before_answer = _stored(seeded_engine, "question", question["id"]), _stored(
        seeded_engine, "answer", answer["id"])
    assert "glossary-link" not in seeded_client.get(f"/questions/{question['id']}").text

    summary = rerender_posts(seeded_engine)

    assert not summary.skipped and summary.changed_questions == 1 and summary.changed_answers == 1
    after_question, after_answer = _stored(seeded_engine, "question", question["id"]), _stored(
        seeded_engine, "answer", answer["id"])
    assert 'href="/concepts/batch_normalization"' in after_question[1]
    assert 'href="/concepts/dropout"' in after_answer[1]
    assert (after_question[0], after_question[2]) == (before_question[0], before_question[2])
    assert (after_answer[0], after_answer[2]) == (before_answer[0], before_answer[2])
    page = seeded_client.get(f"/questions/{question['id']}").text  # the cached page was invalidated
    assert 'href="/concepts/batch_normalization"' in page and 'href="/concepts/dropout"' in page
    with seeded_engine.connect() as conn:
        assert fingerprints.get(conn, POSTS_RENDERED_BY) == posts_fingerprint()
    assert rerender_posts(seeded_engine).skipped


def test_kb_ingest_and_kb_rerender_redo_posts(seeded_engine, seeded_client, seeded_settings, monkeypatch, capsys):
    alice = Account(lambda: seeded_client, "alice")
    question = alice.ask(title="배치 정규화와 학습률", body=QUESTION_BODY)
    answer = alice.answer(question["id"], body=ANSWER_BODY)
    _as_written_before_glossary_links(seeded_engine, question["id"], answer["id"])
    monkeypatch.setenv("KB_DATABASE_URL", seeded_settings.database_url)

    assert main(["ingest", str(seeded_settings.content_dir), "--json", "--workers", "1"]) == 0
    report = json.loads(capsys.readouterr().out)["posts_rerendered"]
    assert report["changed_questions"] == 1 and report["changed_answers"] == 1 and not report["skipped"]
    assert "glossary-link" in _stored(seeded_engine, "answer", answer["id"])[1]

    assert main(["ingest", str(seeded_settings.content_dir), "--json", "--workers", "1"]) == 0
    assert json.loads(capsys.readouterr().out)["posts_rerendered"]["skipped"]

    _as_written_before_glossary_links(seeded_engine, question["id"], answer["id"])
    assert main(["rerender"]) == 0
    assert "다시 렌더링했습니다 (바뀐 질문 1, 답변 1)" in capsys.readouterr().out
