"""Several web servers on one database give the same validators: an ETag from one is a 304 on the
other, a write through either changes both alike, and another database's ETags never match. On both
engines (PostgreSQL is what several servers share in production)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from app.db.engine import make_engine
from app.db.migrate import upgrade
from tests.apps import new_app
from tests.conftest import BACKENDS, _settings_for
from tests.reading.sample import insert_sample
from tests.writes.helpers import Account

pytestmark = pytest.mark.parametrize("backend", BACKENDS)

HTML = {"Accept": "text/html"}


@pytest.fixture
def two_servers(settings, sample):
    """Two apps on one database, as two `kb serve` processes: each its own caches and versions reader."""
    with TestClient(new_app(settings)) as first, TestClient(new_app(settings)) as second:
        yield first, second


def test_two_servers_give_the_same_etag_and_a_304_across(two_servers, sample):
    first, second = two_servers
    for path in (f"/questions/{sample.parent}", f"/api/v1/questions/{sample.parent}",
                 f"/collections/{sample.collection}", "/questions", "/"):
        etag = first.get(path, headers=HTML).headers["etag"]
        again = second.get(path, headers={**HTML, "If-None-Match": etag})
        assert again.status_code == 304, path
        assert again.headers["etag"] == etag, path


def test_a_write_through_one_server_changes_both_alike(two_servers, sample, settings):
    first, second = two_servers
    path = f"/questions/{sample.open}"
    before = second.get(path, headers=HTML).headers["etag"]
    factory_app = new_app(settings)
    with TestClient(factory_app) as writer_client:
        Account(lambda: writer_client, "alice").answer(sample.open, body="서버 A로 올린 답변입니다")
    on_second = second.get(path, headers={**HTML, "If-None-Match": before})
    assert on_second.status_code == 200 and "서버 A로 올린 답변입니다" in on_second.text
    on_first = first.get(path, headers=HTML)
    assert on_first.headers["etag"] == on_second.headers["etag"] != before
    assert second.get(path, headers={**HTML, "If-None-Match": on_first.headers["etag"]}).status_code == 304


def test_another_database_with_the_same_versions_never_matches(request, backend, tmp_path, two_servers, sample):
    """A new database starts its versions again: same paths, same (zero) versions, another identity."""
    first, _ = two_servers
    if backend == "sqlite":
        url = f"sqlite:///{tmp_path / 'other.sqlite3'}"
    else:
        cluster = request.getfixturevalue("pg_cluster")
        name = cluster.create_database()
        request.addfinalizer(lambda: cluster.drop_database(name))
        url = cluster.url(name)
    upgrade(url)
    engine = make_engine(url)
    other_sample = insert_sample(engine)
    engine.dispose()
    assert other_sample.parent == sample.parent
    path = f"/questions/{sample.parent}"
    etag = first.get(path, headers=HTML).headers["etag"]
    with TestClient(new_app(_settings_for(url))) as other:
        answer = other.get(path, headers={**HTML, "If-None-Match": etag})
    assert answer.status_code == 200 and answer.headers["etag"] != etag
