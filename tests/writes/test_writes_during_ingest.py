"""Writes while another process holds SQLite's write lock (`kb ingest --force`): never a 500. A write
that cannot get the lock in its budget is a 503 with Retry-After, its retry with the same
Idempotency-Key makes one row; reading an API token never waits for the lock; and posts from several
clients during a real forced re-ingest all land, once each."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys
import threading
import uuid

import pytest

from app.config import PROJECT_ROOT
from app.db import transactions
from tests.writes.helpers import Account, lock_held


def question_count(database: str, title: str) -> int:
    with sqlite3.connect(database) as conn:
        return conn.execute("SELECT count(*) FROM question WHERE title = ?", (title,)).fetchone()[0]


def test_a_write_that_cannot_get_the_lock_is_a_503_and_its_retry_lands_once(alice, settings, monkeypatch):
    monkeypatch.setattr(transactions, "WRITE_BUDGET_S", 0.3)
    database = settings.database_url.removeprefix("sqlite:///")
    headers = {**alice.headers, "Idempotency-Key": "retry-me-1"}
    body = {"title": "잠긴 동안 올린 질문", "body": "다시 보내면 하나만 생겨야 합니다."}
    with lock_held(database):
        refused = alice.client.post("/api/v1/questions", json=body, headers=headers)
        assert refused.status_code == 503 and refused.headers["retry-after"] == str(transactions.RETRY_AFTER_S)
        assert refused.json()["error"]["code"] == "busy"
        preview = alice.client.post("/api/v1/preview", json={"body": "*토큰 확인은 읽기*"}, headers=alice.headers)
        assert preview.status_code == 200  # the token lookup did not wait for the lock
    first = alice.client.post("/api/v1/questions", json=body, headers=headers)
    again = alice.client.post("/api/v1/questions", json=body, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again.headers.get("idempotent-replayed") == "true"
    assert question_count(database, body["title"]) == 1


@pytest.fixture
def big_content(tmp_path):
    """The shipped content plus 40 copies of the nodes file: an ingest that runs a few seconds."""
    target = tmp_path / "content"
    shutil.copytree(PROJECT_ROOT / "content", target)
    source = target / "nodes" / "deep-hankkeut-nodes.md"
    for n in range(40):
        (target / "nodes" / f"copy-{n:02d}.md").write_bytes(source.read_bytes())
    return target


@pytest.mark.slow
def test_posts_from_several_clients_during_a_forced_reingest(tmp_path, migrated_template, big_content):
    from tests.apps import new_app
    from tests.conftest import _settings_for, clients_of

    database = tmp_path / "kb.sqlite3"
    shutil.copy(migrated_template, database)
    settings = _settings_for(database, big_content).with_overrides(
        rate_limit_posts_per_minute=10_000, rate_limit_ip_posts_per_minute=10_000)
    env = {"KB_DATABASE_URL": settings.database_url, "KB_CONTENT_DIR": str(big_content),
           "PYTHONPATH": str(PROJECT_ROOT)}
    kb = [sys.executable, "-m", "app.cli", "ingest"]
    assert subprocess.run(kb + ["--workers", "1"], env=env, capture_output=True, cwd=PROJECT_ROOT).returncode == 0

    factory = clients_of(new_app(settings))
    make = next(factory)
    accounts = [Account(make, f"writer{n}") for n in range(4)]
    ingest = subprocess.Popen(kb + ["--force", "--workers", "2"], env=env, cwd=PROJECT_ROOT,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    statuses: list[int] = []
    sent: list[str] = []
    lock = threading.Lock()

    def client_loop(account: Account) -> None:
        while ingest.poll() is None or len([s for s in statuses if s == 201]) < 8:
            key = uuid.uuid4().hex
            body = {"title": f"재적재 중 질문 {key[:8]}", "body": "재적재 중에도 저장되어야 합니다."}
            while True:  # a 503 is retried with the same key, as a client would
                response = account.client.post("/api/v1/questions", json=body,
                                               headers={**account.headers, "Idempotency-Key": key})
                with lock:
                    statuses.append(response.status_code)
                if response.status_code != 503:
                    break
            if response.status_code == 201:
                with lock:
                    sent.append(body["title"])

    threads = [threading.Thread(target=client_loop, args=(account,)) for account in accounts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=600)
    assert ingest.wait(timeout=600) == 0, ingest.stderr.read()
    factory.close()
    assert [s for s in statuses if s >= 500 and s != 503] == [] and statuses.count(201) == len(sent) >= 8
    with sqlite3.connect(database) as conn:
        stored = [row[0] for row in conn.execute("SELECT title FROM question WHERE title LIKE '재적재 중 질문 %'")]
    assert sorted(stored) == sorted(sent)  # none lost, none twice
