"""Shared fixtures: every test gets its own temporary database built by Alembic.

Ingesting the seeds once per session and copying the result keeps tests fast and isolated. The
database is SQLite unless a test asks for the `backend` fixture's other value: a module that runs on
both engines says `pytestmark = pytest.mark.parametrize("backend", BACKENDS)`, and its PostgreSQL
cases use a throwaway cluster (tests/postgres.py) started once per test process.
"""

from __future__ import annotations

import shutil
import sqlite3
import sys
from contextlib import ExitStack
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app.config import PROJECT_ROOT, Settings
from app.db.engine import make_engine
from app.db.migrate import upgrade
from tests.postgres import Cluster, binaries

CONTENT_DIR = PROJECT_ROOT / "content"
SAMPLES_DIR = Path(__file__).parent / "samples"
BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


def pytest_collection_modifyitems(items):
    # A PostgreSQL case runs beside its SQLite twin against a real server (a cluster, a database copied
    # per test): `make test` runs both, the quick loop the SQLite one.
    for item in items:
        if item.get_closest_marker("postgres") is not None or "pg_cluster" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.slow)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item):
    yield from _torch_only_when_slow(item)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    yield from _torch_only_when_slow(item)


def _torch_only_when_slow(item):
    """Importing torch takes seconds of CPU: a test (or its fixtures) that does must be marked slow, so
    `make test-fast` never loads it. Caught in the test process only; one that runs torch in a child
    process is marked by hand."""
    before = "torch" in sys.modules
    result = yield
    if not before and "torch" in sys.modules and item.get_closest_marker("slow") is None:
        pytest.fail("this test imported torch: mark it @pytest.mark.slow (make test runs it, make test-fast not)")
    return result


def _settings_for(db_path: Path | str, content_dir: Path = CONTENT_DIR) -> Settings:
    """Settings on a SQLite file (a path) or on any database URL."""
    url = str(db_path) if "://" in str(db_path) else f"sqlite:///{db_path}"
    return Settings(
        database_url=url, content_dir=content_dir, testing=True,
        secret_key="test-secret", demo_time_limit_s=30.0, demo_precompute=False,
        home_fresh_s=0.0,  # tests look at the home page right after a write; its window has its own test
    )


def _checkpoint(db_path: Path) -> None:
    connection = sqlite3.connect(db_path)
    connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    connection.close()


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("template") / "empty.sqlite3"
    upgrade(f"sqlite:///{path}")
    _checkpoint(path)
    return path


@pytest.fixture(scope="session")
def seeded_template(tmp_path_factory, migrated_template) -> Path:
    from app.ingest.loader import ingest_directory

    path = tmp_path_factory.mktemp("seeded") / "seeded.sqlite3"
    shutil.copy(migrated_template, path)
    engine = make_engine(f"sqlite:///{path}")
    summary = ingest_directory(engine, CONTENT_DIR, workers=1)
    engine.dispose()
    assert not summary.failed, summary.to_dict()
    _checkpoint(path)
    return path


@pytest.fixture(scope="session")
def pg_cluster():
    bin_dir = binaries()
    if bin_dir is None:
        pytest.skip("PostgreSQL server binaries (initdb, pg_ctl) are not installed; `make test` installs "
                    "Debian's postgresql package")
    cluster = Cluster(bin_dir)
    cluster.start()
    yield cluster
    cluster.stop()


@pytest.fixture(scope="session")
def pg_migrated_template(pg_cluster) -> str:
    name = pg_cluster.create_database()
    upgrade(pg_cluster.url(name))
    return name


@pytest.fixture(scope="session")
def pg_seeded_template(pg_cluster, pg_migrated_template) -> str:
    from app.ingest.loader import ingest_directory

    name = pg_cluster.create_database(template=pg_migrated_template)
    engine = make_engine(pg_cluster.url(name))
    summary = ingest_directory(engine, CONTENT_DIR, workers=1)
    engine.dispose()
    assert not summary.failed, summary.to_dict()
    return name


@pytest.fixture
def backend() -> str:
    """The database engine of this test: SQLite, unless the test parametrises it (BACKENDS)."""
    return "sqlite"


def _copy_of(request, tmp_path: Path, backend: str, sqlite_template: str, pg_template: str) -> Settings:
    if backend == "sqlite":
        db_path = tmp_path / "kb.sqlite3"
        shutil.copy(request.getfixturevalue(sqlite_template), db_path)
        return _settings_for(db_path)
    cluster = request.getfixturevalue("pg_cluster")
    name = cluster.create_database(template=request.getfixturevalue(pg_template))
    request.addfinalizer(lambda: cluster.drop_database(name))
    return _settings_for(cluster.url(name))


def read_only(request) -> bool:
    """Whether the test is marked read_only: it only reads, anonymously, and shares an app (read_only_apps)."""
    return request.node.get_closest_marker("read_only") is not None


def _own_database(request, backend: str) -> None:
    if read_only(request) and backend == "sqlite":
        pytest.fail("a read_only test shares an app and has no database of its own: drop the mark or the fixture")


@pytest.fixture
def settings(request, tmp_path, backend) -> Settings:
    _own_database(request, backend)
    return _copy_of(request, tmp_path, backend, "migrated_template", "pg_migrated_template")


@pytest.fixture
def seeded_settings(request, tmp_path, backend) -> Settings:
    _own_database(request, backend)
    return _copy_of(request, tmp_path, backend, "seeded_template", "pg_seeded_template")


@pytest.fixture
def engine(settings):
    engine = make_engine(settings.database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def seeded_engine(seeded_settings):
    engine = make_engine(seeded_settings.database_url)
    yield engine
    engine.dispose()


def clients_of(app):
    """A factory of TestClients on one app (each its own cookie jar: a different person), all
    closed at the end; use as `yield from clients_of(app)` in a fixture."""
    clients = []

    def make():
        client = TestClient(app)
        client.__enter__()
        clients.append(client)
        return client

    yield make
    for client in reversed(clients):
        client.__exit__(None, None, None)


def _client(settings: Settings):
    from tests.apps import new_app

    with TestClient(new_app(settings)) as client:
        yield client


@pytest.fixture
def client(request, backend):
    """A client on an app over an empty migrated database: its own, or a shared one for a read_only test."""
    yield from _client_for(request, backend, "migrated_template", "settings")


@pytest.fixture
def seeded_client(request, backend):
    """A client on an app over the ingested seeds: its own, or a shared one for a read_only test."""
    yield from _client_for(request, backend, "seeded_template", "seeded_settings")


def _client_for(request, backend: str, template: str, settings: str):
    if read_only(request) and backend == "sqlite":
        yield request.getfixturevalue("read_only_apps")(request, request.getfixturevalue(template))
    else:
        yield from _client(request.getfixturevalue(settings))


@pytest.fixture(scope="session")
def read_only_apps(tmp_path_factory):
    """`client_on(request, template)`: a client on one app per test process and SQLite template (over its own
    copy), for tests marked read_only; fresh cookies each time. An app's first request builds the dependencies of
    its routes, about a quarter of a second of CPU: paid once per process here instead of once per test.
    A test that commits to the copy fails at teardown (it must have an app of its own: the next test would
    see its writes)."""
    from tests.apps import new_app

    with ExitStack() as stack:
        clients: dict[Path, tuple[TestClient, sqlite3.Connection]] = {}

        def client_on(request, template: Path) -> TestClient:
            if template not in clients:
                db_path = tmp_path_factory.mktemp("read-only") / template.name
                shutil.copy(template, db_path)
                client = stack.enter_context(TestClient(new_app(_settings_for(db_path))))
                # SQLite's data_version changes on this connection when any other connection commits.
                watcher = sqlite3.connect(db_path)
                stack.callback(watcher.close)
                clients[template] = client, watcher
            client, watcher = clients[template]
            client.cookies.clear()
            before = _data_version(watcher)

            def unwritten() -> None:
                assert _data_version(watcher) == before, (
                    f"{request.node.nodeid} wrote to the database of the app shared by read_only tests: "
                    "drop its read_only mark")

            request.addfinalizer(unwritten)
            return client

        yield client_on


def _data_version(connection: sqlite3.Connection) -> int:
    return connection.execute("PRAGMA data_version").fetchone()[0]
