"""Scale-out end to end: two `kb serve` processes and one `kb worker` on one PostgreSQL database and one
Redis, all real processes started here in temporary directories. Nothing is shared between the two web
servers but the database and Redis, so whatever holds across them holds across hosts:

  * a login on server A is a valid session on server B;
  * a limit of 4 posts a minute holds over both (6 posts through A and B: 4 stored, 2 refused with 429);
  * a run requested on A stays queued until a worker starts, is computed by it and read on B;
  * identical simultaneous run requests through both servers become one run, computed once.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func
from sqlmodel import Session, select

from app.db.engine import make_engine
from app.db.models import DemoRun, Question
from app.services.accounts import SESSION_COOKIE
from tests.demos.conftest import PROGRESS_PARAMS, SLUG, TERMINAL
from tests.processes import Process, start_web, start_worker, wait_until
from tests.redis_server import binary, redis_server
from tests.writes.helpers import bearer, csrf_from, make_token, sign_up

pytestmark = [pytest.mark.slow, pytest.mark.postgres,
              pytest.mark.skipif(binary() is None, reason="redis-server missing (make test installs it)")]

POSTS_PER_MIN = 4
TIMEOUT = httpx.Timeout(120.0)  # a loaded machine answers slowly; the test never relies on a timeout


class Site:
    def __init__(self, env: dict[str, str], directory: Path, bases: list[str], database_url: str) -> None:
        self.env, self.directory, self.database_url = env, directory, database_url
        self.a, self.b = (httpx.Client(base_url=base, timeout=TIMEOUT) for base in bases)
        self.bases = bases
        self.worker: Process | None = None

    def start_worker(self) -> Process:
        if self.worker is None:
            self.worker = start_worker("worker", self.env, self.directory)
        return self.worker

    def run_on(self, client: httpx.Client, run_id: str) -> dict:
        answer = client.get(f"/api/v1/runs/{run_id}")
        assert answer.status_code == 200, answer.text
        return answer.json()

    def finished_on(self, client: httpx.Client, run_id: str) -> dict:
        worker = self.start_worker()
        return wait_until(lambda: (run := self.run_on(client, run_id))["status"] in TERMINAL and run,
                          f"run {run_id} to finish", watch=worker)


@pytest.fixture(scope="module")
def site(pg_cluster, pg_migrated_template, tmp_path_factory):
    name = pg_cluster.create_database(template=pg_migrated_template)
    directory = tmp_path_factory.mktemp("scale-out")
    with redis_server() as redis_url:
        env = {"KB_DATABASE_URL": pg_cluster.url(name), "KB_TASK_QUEUE_URL": redis_url,
               "KB_SECRET_KEY": "test-secret-scale-out", "KB_RATE_POSTS_PER_MIN": str(POSTS_PER_MIN),
               "KB_DEMO_PRECOMPUTE": "0", "KB_DEMO_QUEUE_SIZE": "16", "KB_DEMO_TIME_LIMIT_S": "300",
               "KB_DEMO_REFUSE_TOO_SLOW": "0"}
        processes: list[Process] = []
        site: Site | None = None
        try:
            bases = []
            for server_name in ("web-a", "web-b"):
                process, base = start_web(server_name, env, directory)
                processes.append(process)
                bases.append(base)
            site = Site(env, directory, bases, pg_cluster.url(name))
            yield site
        finally:
            if site is not None:
                site.a.close()
                site.b.close()
                processes += [site.worker] if site.worker else []
            for process in processes:
                process.stop()
    pg_cluster.drop_database(name)


def _signed_up(base: str, username: str) -> httpx.Client:
    client = httpx.Client(base_url=base, timeout=TIMEOUT)
    sign_up(client, username)
    return client


def test_a_login_on_server_a_is_a_session_on_server_b(site):
    _signed_up(site.bases[0], "mina").close()
    on_a = httpx.Client(base_url=site.bases[0], timeout=TIMEOUT)
    login = on_a.post("/login", data={"username": "mina", "password": "correct horse 1",
                                      "csrf_token": csrf_from(on_a.get("/login").text)}, follow_redirects=False)
    assert login.status_code == 303, login.text
    session = on_a.cookies[SESSION_COOKIE]
    on_a.close()

    on_b = httpx.Client(base_url=site.bases[1], timeout=TIMEOUT, cookies={SESSION_COOKIE: session})
    tokens_page = on_b.get("/settings/tokens", follow_redirects=False)
    assert tokens_page.status_code == 200 and "mina" in tokens_page.text
    token = make_token(on_b)  # a form post on B, with B's CSRF check, under A's session
    on_b.close()
    me = site.a.get("/api/v1/me", headers=bearer(token))
    assert me.status_code == 200 and me.json()["username"] == "mina"


def test_a_post_limit_of_four_holds_across_both_servers(site):
    writer = _signed_up(site.bases[0], "junho")
    token = make_token(writer)
    writer.close()
    answers = []
    for i in range(6):  # A, B, A, B, A, B
        client = (site.a, site.b)[i % 2]
        question = {"title": f"두 서버에 올리는 질문 {i}", "body": "제한은 서버 둘을 합쳐 셉니다."}
        answers.append(client.post("/api/v1/questions", headers=bearer(token), json=question))
    assert [a.status_code for a in answers] == [201] * POSTS_PER_MIN + [429] * 2, [a.text for a in answers]
    refused = answers[-1]
    assert refused.json()["error"]["code"] and int(refused.headers["retry-after"]) >= 1
    for answer in answers[:POSTS_PER_MIN]:  # each stored once, and readable on the other server
        assert site.b.get(f"/api/v1/questions/{answer.json()['id']}").json()["title"] == answer.json()["title"]
    engine = make_engine(site.database_url)
    try:
        with Session(engine) as session:
            stored = session.exec(select(func.count()).select_from(Question).where(
                Question.title.startswith("두 서버에 올리는 질문"))).one()
    finally:
        engine.dispose()
    assert stored == POSTS_PER_MIN


def test_a_run_requested_on_a_waits_for_the_worker_and_is_read_on_b(site):
    if site.worker is not None:
        pytest.skip("the worker already runs (this test must come before any other run test)")
    posted = site.a.post(f"/api/v1/demos/{SLUG}/runs", json={"params": PROGRESS_PARAMS, "seed": 1})
    assert posted.status_code in (200, 201, 202), posted.text
    run_id = posted.json()["id"]
    assert posted.json()["status"] == "queued"
    assert site.run_on(site.b, run_id)["status"] == "queued"  # no worker yet: nobody computes it

    done = site.finished_on(site.b, run_id)
    assert done["status"] == "succeeded", (done, site.worker.tail() if site.worker else "")
    assert done["result"] and done["torch_version"].startswith("2.")
    page = site.b.get(f"/runs/{run_id}", headers={"Accept": "text/html"})
    assert page.status_code == 200 and run_id in page.text


def test_identical_simultaneous_run_requests_compute_once(site):
    site.start_worker()
    params = {**PROGRESS_PARAMS, "trials": 4}
    barrier = threading.Barrier(8)

    def post(client: httpx.Client) -> httpx.Response:
        barrier.wait()
        return client.post(f"/api/v1/demos/{SLUG}/runs", json={"params": params, "seed": 2})

    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(post, [site.a, site.b] * 4))
    assert all(a.status_code in (200, 201, 202) for a in answers), [a.text for a in answers]
    ids = {a.json()["id"] for a in answers}
    assert len(ids) == 1, ids
    run_id = ids.pop()
    assert site.finished_on(site.a, run_id)["status"] == "succeeded"
    assert site.run_on(site.b, run_id)["status"] == "succeeded"

    engine = make_engine(site.database_url)
    try:
        with Session(engine) as session:
            computed = session.exec(select(func.count()).select_from(DemoRun).where(
                DemoRun.cache_key == session.get(DemoRun, run_id).cache_key,
                DemoRun.cached_from.is_(None))).one()
    finally:
        engine.dispose()
    assert computed == 1
