"""Search fixtures: a migrated temporary database holding tests/search/sample_content.py,
indexed with Kiwi once per session and copied for each test."""

from __future__ import annotations

import shutil
import sqlite3
from datetime import datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from app.clock import now_utc
from app.db.engine import make_engine
from app.db.models import Answer, Collection, DemoLink, Question
from app.search.index import reindex_all
from app.search.terms import default_dictionary
from tests.conftest import _settings_for
from tests.search.sample_content import DELETED, DEMO_LINKS, QUESTIONS


def now() -> datetime:
    return now_utc()


def insert_sample_content(engine) -> dict[str, int]:
    """Insert the sample questions as rows (no Markdown parsing involved); key → question id."""
    ids: dict[str, int] = {}
    stamps = dict(created_at=now(), updated_at=now())
    with Session(engine) as session:
        collections: dict[str, Collection] = {}
        for position, (key, (slug, title, body, answers)) in enumerate(QUESTIONS.items()):
            if slug not in collections:
                collections[slug] = Collection(slug=slug, title=f"{slug} 모음", kind="general", source_path=None,
                                               **stamps)
                session.add(collections[slug])
                session.flush()
            question = Question(
                collection_id=collections[slug].id, title=title, body_md=body, body_html=f"<p>{_escape(body)}</p>",
                position=position, answered=bool(answers), answer_count=len(answers),
                deleted_at=now() if key in DELETED else None, last_activity_at=now(), **stamps,
            )
            session.add(question)
            session.flush()
            ids[key] = question.id
            for index, answer in enumerate(answers):
                session.add(Answer(question_id=question.id, body_md=answer, body_html=f"<p>{_escape(answer)}</p>",
                                   position=index, **stamps))
        for demo, keys in DEMO_LINKS.items():
            for index, key in enumerate(keys):
                session.add(DemoLink(question_id=ids[key], demo_slug=demo, position=index))
        session.commit()
    return ids


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


@pytest.fixture(scope="session")
def sample_template(tmp_path_factory, migrated_template) -> tuple[Path, dict[str, int]]:
    path = tmp_path_factory.mktemp("search") / "sample.sqlite3"
    shutil.copy(migrated_template, path)
    engine = make_engine(f"sqlite:///{path}")
    ids = insert_sample_content(engine)
    with Session(engine) as session:
        reindex_all(session)
    engine.dispose()
    connection = sqlite3.connect(path)
    connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    connection.close()
    return path, ids


@pytest.fixture(scope="session")
def pg_sample_template(pg_cluster, pg_migrated_template) -> tuple[str, dict[str, int]]:
    name = pg_cluster.create_database(template=pg_migrated_template)
    engine = make_engine(pg_cluster.url(name))
    ids = insert_sample_content(engine)
    with Session(engine) as session:
        reindex_all(session)
    engine.dispose()
    return name, ids


@pytest.fixture
def sample_ids(request, backend) -> dict[str, int]:
    template = "sample_template" if backend == "sqlite" else "pg_sample_template"
    return request.getfixturevalue(template)[1]


@pytest.fixture
def sample_settings(request, tmp_path, backend):
    if backend != "sqlite":
        cluster = request.getfixturevalue("pg_cluster")
        name = cluster.create_database(template=request.getfixturevalue("pg_sample_template")[0])
        request.addfinalizer(lambda: cluster.drop_database(name))
        return _settings_for(cluster.url(name))
    db_path = tmp_path / "search.sqlite3"
    shutil.copy(request.getfixturevalue("sample_template")[0], db_path)
    return _settings_for(db_path)


@pytest.fixture
def sample_engine(sample_settings):
    engine = make_engine(sample_settings.database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def sample_session(sample_engine):
    with Session(sample_engine) as session:
        yield session


@pytest.fixture
def sample_client(sample_settings):
    from tests.apps import new_app

    with TestClient(new_app(sample_settings)) as client:
        yield client


@pytest.fixture
def read_only_sample_client(request, backend, read_only_apps):
    """A client on one app per test process over its own copy of the sample, for tests that only read
    (tests/conftest.py read_only_apps). PostgreSQL cases keep an app each (the cluster may stop before a
    session-long app would be closed)."""
    if backend != "sqlite":
        return request.getfixturevalue("sample_client")
    return read_only_apps(request, request.getfixturevalue("sample_template")[0])


@pytest.fixture(scope="session")
def dictionary():
    return default_dictionary()
