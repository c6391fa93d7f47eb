"""Ingest never touches posted rows: posts hanging on an ingested question (an answer, replies under
ingested answers, a +1, a question in the collection) survive `kb ingest --force` and an edit of the
file, keep their ids, parents and text, and still show on the question page."""

from __future__ import annotations

import shutil

import pytest

from app.config import PROJECT_ROOT
from app.db.engine import make_engine
from app.ingest.loader import ingest_directory
from tests.conftest import _settings_for, clients_of
from tests.writes.helpers import Account

NODES_FILE = "nodes/deep-hankkeut-nodes.md"
SLUG = "deep-hankkeut-nodes"


@pytest.fixture
def content(tmp_path):
    target = tmp_path / "content"
    shutil.copytree(PROJECT_ROOT / "content", target)
    return target


@pytest.fixture
def engine(tmp_path, migrated_template, content):
    db = tmp_path / "kb.sqlite3"
    shutil.copy(migrated_template, db)
    engine = make_engine(_settings_for(db, content).database_url)
    assert not ingest_directory(engine, content, workers=1).failed
    yield engine
    engine.dispose()


@pytest.fixture
def client_factory(engine, content):
    from tests.apps import new_app

    yield from clients_of(new_app(_settings_for(engine.url.database, content)))


def posted_rows(engine):
    with engine.connect() as conn:
        return conn.exec_driver_sql(
            "SELECT id, question_id, parent_id, body_md, author FROM answer WHERE origin = 'posted' ORDER BY id").fetchall()


def test_posts_survive_forced_reingest_and_an_edit_of_the_file(engine, client_factory, content):
    alice, bob = Account(client_factory, "alice"), Account(client_factory, "bob")
    c = alice.client
    items = c.get("/api/v1/questions", params={"collection": SLUG, "per_page": 100}).json()["items"]
    question_id = next(q["id"] for q in items if q["label"] == "05-2")
    before = c.get(f"/api/v1/questions/{question_id}").json()
    ingested_answer = before["answers"][0]
    ingested_reply = ingested_answer["replies"][0]
    top = alice.answer(question_id, body="이 사이트에서 쓴 답변")
    under_ingested = c.post(f"/api/v1/answers/{ingested_answer['id']}/replies", json={"body": "원본 답변에 단 답글"},
                            headers=alice.headers).json()
    under_nested = bob.client.post(f"/api/v1/answers/{ingested_reply['id']}/replies", json={"body": "원본 답글의 답글"},
                                   headers=bob.headers).json()
    assert bob.client.post(f"/api/v1/questions/{question_id}/votes", headers=bob.headers).status_code == 201
    asked = alice.ask(title="노드 모음에 직접 올린 질문인가요?", body="본문", collection=SLUG)
    rows = posted_rows(engine)
    assert len(rows) == 3

    forced = ingest_directory(engine, content, workers=1, force=True)
    assert not forced.failed and {f.status for f in forced.files} == {"ingested"}
    assert posted_rows(engine) == rows
    after = c.get(f"/api/v1/questions/{question_id}").json()
    assert after["answer_count"] == before["answer_count"] + 3 and after["plus_one_count"] == before["plus_one_count"] + 1
    assert c.get(f"/api/v1/questions/{asked['id']}").status_code == 200

    # Edit the file: the question's own text and the text of the answer the posted reply hangs on.
    path = content / NODES_FILE
    source = path.read_text(encoding="utf-8")
    edited = source.replace("그럼 모델 구조는 코드로 저장해야하나요?", "그럼 모델 구조는 코드로 따로 저장해야 하나요?")
    edited = edited.replace("json 파일로 저장하고 불러온 후에 가중치를 불러오면 되지 않을까요?",
                            "json으로 구조를 저장하고 불러온 뒤 가중치를 불러오면 됩니다.")
    assert edited != source
    path.write_text(edited, encoding="utf-8")
    result = ingest_directory(engine, content, workers=1)
    assert [f.status for f in result.files if f.source_path == NODES_FILE] == ["ingested"]
    assert posted_rows(engine) == rows  # same ids, same parents, same text
    page = c.get(f"/questions/{question_id}")
    assert page.status_code == 200
    for text in ("이 사이트에서 쓴 답변", "원본 답변에 단 답글", "원본 답글의 답글", "따로 저장해야 하나요?"):
        assert text in page.text, text
    detail = c.get(f"/api/v1/questions/{question_id}").json()
    assert detail["id"] == question_id and detail["plus_one_count"] == after["plus_one_count"]
    ids = {top["id"], under_ingested["id"], under_nested["id"]}

    def walk(nodes):
        for node in nodes:
            yield node
            yield from walk(node["replies"])

    shown = {node["id"]: node for node in walk(detail["answers"])}
    assert ids <= set(shown)
    assert shown[under_ingested["id"]]["body_md"] == "원본 답변에 단 답글"
    # the edited ingested answer is a new row; the old one stays (retired) as the posted reply's parent
    assert under_ingested["parent_id"] == ingested_answer["id"] and ingested_answer["id"] in shown


def votes_on(engine, *, answer_id=None, question_id=None) -> int:
    with engine.connect() as conn:
        column, value = ("answer_id", answer_id) if answer_id is not None else ("question_id", question_id)
        return conn.exec_driver_sql(f"SELECT count(*) FROM vote WHERE {column} = ?", (value,)).scalar_one()


def test_a_vote_survives_its_file_leaving_and_coming_back(engine, client_factory, content):
    """Vote, remove the file, ingest, restore, ingest: the same question and answer ids, the vote there."""
    alice = Account(client_factory, "alice")
    c = alice.client
    items = c.get("/api/v1/questions", params={"collection": SLUG, "per_page": 100}).json()["items"]
    question_id = next(q["id"] for q in items if q["label"] == "05-2")
    answer_id = c.get(f"/api/v1/questions/{question_id}").json()["answers"][0]["id"]
    other_id = next(q["id"] for q in items if q["label"] != "05-2")
    assert c.post(f"/api/v1/answers/{answer_id}/votes", headers=alice.headers).status_code == 201
    assert c.post(f"/api/v1/questions/{other_id}/votes", headers=alice.headers).status_code == 201

    path = content / NODES_FILE
    saved = path.read_bytes()
    path.unlink()
    assert not ingest_directory(engine, content, workers=1).failed
    with engine.connect() as conn:  # retired: out of every listing, kept with what hangs on it
        retired = conn.exec_driver_sql("SELECT retired_at FROM question WHERE id = ?", (question_id,)).scalar_one()
    assert retired is not None
    assert votes_on(engine, answer_id=answer_id) == 1 and votes_on(engine, question_id=other_id) == 1

    path.write_bytes(saved)
    assert not ingest_directory(engine, content, workers=1).failed
    back = c.get(f"/api/v1/questions/{question_id}").json()
    assert back["answers"][0]["id"] == answer_id and back["answers"][0]["vote_score"] == 1
    assert votes_on(engine, answer_id=answer_id) == 1
    assert c.get(f"/api/v1/questions/{other_id}").json()["plus_one_count"] == 1

