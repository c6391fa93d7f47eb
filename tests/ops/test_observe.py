"""Request ids, structured logs, Prometheus metrics, and proxy headers believed only from the proxy."""

from __future__ import annotations

import asyncio
import json
import logging
import re
import time
from datetime import timedelta

import pytest
import uvicorn
from fastapi.testclient import TestClient
from sqlmodel import Session
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from app.cli import main
from app.clock import now_utc
from app.db.engine import make_engine
from app.db.models import DemoRun
from app.http.logs import JsonFormatter, log_config
from app.http.metrics import Metrics
from app.http.observe import RequestIdFilter
from tests.apps import new_app
from tests.conftest import BACKENDS
from tests.loops import run_in_own_loop


def test_a_request_id_is_made_or_kept_and_echoed(client):
    made = client.get("/healthz").headers["x-request-id"]
    assert re.fullmatch(r"[0-9a-f]{32}", made)
    assert client.get("/healthz").headers["x-request-id"] != made
    assert client.get("/healthz", headers={"X-Request-ID": "nginx-4f2a.1"}).headers["x-request-id"] == "nginx-4f2a.1"
    forged = client.get("/healthz", headers={"X-Request-ID": "x\u0000y <script>"}).headers["x-request-id"]
    assert re.fullmatch(r"[0-9a-f]{32}", forged)  # not a log-injection vector: replaced, not echoed
    missing = client.get("/questions/999999", headers={"accept": "application/json"})
    assert missing.status_code == 404 and "x-request-id" in missing.headers  # errors carry it too


def test_each_request_is_one_access_line_with_its_id(client, caplog):
    with caplog.at_level(logging.INFO, logger="kb.access"):
        response = client.get("/questions/999999", headers={"X-Request-ID": "trace-1"})
    [record] = [r for r in caplog.records if r.name == "kb.access"]
    assert record.request_id == "trace-1" and response.status_code == 404
    assert (record.method, record.route, record.status) == ("GET", "/questions/{question_id}", 404)
    assert record.duration_ms >= 0


def test_json_lines_carry_the_request_id_and_extras():
    config = log_config("json")
    assert config["formatters"]["kb"]["()"] == "app.http.logs.JsonFormatter"
    assert config["loggers"]["uvicorn.access"]["handlers"] == []
    record = logging.LogRecord("kb.access", logging.INFO, __file__, 1, "GET %s %d", ("/질문", 200), None)
    record.route, record.status = "/questions/{question_id}", 200
    RequestIdFilter().filter(record)  # outside a request: no id, and the key is still there
    line = json.loads(JsonFormatter().format(record))
    assert line["message"] == "GET /질문 200" and line["level"] == "info" and line["logger"] == "kb.access"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", line["time"])
    assert line["request_id"] is None and line["route"] == "/questions/{question_id}" and line["status"] == 200
    try:
        raise ValueError("boom")
    except ValueError:
        failed = logging.LogRecord("kb", logging.ERROR, __file__, 1, "failed", None, __import__("sys").exc_info())
    assert "ValueError: boom" in json.loads(JsonFormatter().format(failed))["exception"]


@pytest.mark.parametrize("backend", BACKENDS)
def test_metrics_report_latency_runs_and_cache_hits(settings):
    engine = make_engine(settings.database_url)
    with Session(engine) as session:
        at = now_utc() - timedelta(minutes=1)
        session.add_all([DemoRun(id=f"q{i}", demo_slug="s", cache_key="k", status="queued", created_at=at)
                         for i in range(2)] + [
            DemoRun(id="f1", demo_slug="s", cache_key="k", status="failed", created_at=at),
            DemoRun(id="r1", demo_slug="s", cache_key="k", status="running", created_at=at),
            DemoRun(id="c1", demo_slug="s", cache_key="k", status="succeeded", cached_from="f1", created_at=at)])
        session.commit()
    engine.dispose()
    with TestClient(new_app(settings)) as client:
        for _ in range(3):
            assert client.get("/api/v1/collections").status_code == 200
        client.get("/questions/999999")
        text = client.get("/metrics").text
    assert 'kb_request_duration_seconds_count{method="GET",route="/api/v1/collections",status="2xx"} 3.0' in text
    assert 'kb_request_duration_seconds_bucket{le="0.005",method="GET",route="/questions/{question_id}"' in text
    assert 'kb_demo_runs{status="queued"} 2.0' in text and 'kb_demo_runs{status="failed"} 1.0' in text
    assert 'kb_demo_runs{status="running"} 1.0' in text and "kb_demo_runs_reused 1.0" in text
    assert 'kb_response_cache_lookups_total{result="hit"} 2.0' in text
    # Misses: the first collections read, and the question page (a reading page too, whatever its status).
    assert 'kb_response_cache_lookups_total{result="miss"} 2.0' in text


def test_a_stalled_event_loop_shows_in_the_loop_lag_histogram():
    """The stall is the stimulus here (the loop held as a long request on it would hold it); the check
    is a lower bound, which a loaded machine only makes easier to meet."""
    metrics = Metrics(engine=None, response_cache=None)  # the histogram alone: no scrape of the state

    async def scenario() -> None:
        probe = asyncio.create_task(metrics.probe_loop(period_s=0.01))
        await asyncio.sleep(0.03)  # the probe is asleep, due in 10 ms
        time.sleep(0.2)  # noqa: ASYNC251 (the stall itself)
        await asyncio.sleep(0.02)  # the overdue probe wakes first and records how late it was
        probe.cancel()

    run_in_own_loop(scenario)  # a loop of its own: a browser test in this process may hold one running
    samples = {(sample.name, sample.labels.get("le")): sample.value for sample in metrics.loop_lag.collect()[0].samples}
    probes = samples[("kb_event_loop_lag_seconds_count", None)]
    assert probes >= 2 and probes - samples[("kb_event_loop_lag_seconds_bucket", "0.1")] >= 1


def test_a_running_app_reports_its_loop_lag(settings):
    with TestClient(new_app(settings)) as client:
        assert "kb_event_loop_lag_seconds_bucket" in client.get("/metrics").text


def _serve_kwargs(monkeypatch, *flags: str) -> dict:
    monkeypatch.setenv("KB_SECRET_KEY", "a-secret-of-sixteen-or-more")
    monkeypatch.delenv("FORWARDED_ALLOW_IPS", raising=False)
    calls: list[dict] = []
    monkeypatch.setattr(uvicorn, "run", lambda *args, **kwargs: calls.append(kwargs))
    monkeypatch.setenv("KB_BASE_URL", "http://127.0.0.1:8000")
    assert main(["serve", *flags]) == 0
    return calls[0]


def test_kb_serve_flags_reach_uvicorn(monkeypatch):
    default = _serve_kwargs(monkeypatch)
    assert default["proxy_headers"] is False and default["forwarded_allow_ips"] is None
    assert default["timeout_graceful_shutdown"] == 30 and default["access_log"] is False
    # uvicorn's own 5 s kills workers still starting on a busy host (bench/scale.py saw it at load 10)
    assert default["timeout_worker_healthcheck"] == 60
    assert default["log_config"]["formatters"]["kb"] == {"()": "app.http.logs.JsonFormatter"}
    chosen = _serve_kwargs(monkeypatch, "--forwarded-allow-ips", "10.0.0.2,10.1.0.0/16", "--graceful-timeout", "5",
                           "--log-format", "text", "--worker-healthcheck-timeout", "90")
    assert chosen["proxy_headers"] is True and chosen["forwarded_allow_ips"] == "10.0.0.2,10.1.0.0/16"
    assert chosen["timeout_worker_healthcheck"] == 90
    assert chosen["timeout_graceful_shutdown"] == 5 and "format" in chosen["log_config"]["formatters"]["kb"]


def _login_codes(settings, served: dict, peer: str, forwarded_for: list[str]) -> list[int]:
    """Failed logins through the app as uvicorn would wrap it with `served` (kb serve's arguments)."""
    app = new_app(settings.with_overrides(rate_limit_logins_per_minute=3))
    if served["proxy_headers"]:
        app = ProxyHeadersMiddleware(app, trusted_hosts=served["forwarded_allow_ips"])
    codes = []
    with TestClient(app, client=(peer, 40000)) as client:
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text).group(1)
        for number, address in enumerate(forwarded_for):
            codes.append(client.post("/login", headers={"X-Forwarded-For": address}, data={
                "username": f"nobody{number}", "password": "wrong-pass", "csrf_token": csrf}).status_code)
    return codes


ROTATING = ["203.0.113.1", "203.0.113.2", "203.0.113.3", "203.0.113.4"]


@pytest.mark.parametrize(("flags", "peer"), [
    ((), "127.0.0.1"),  # no trusted proxy configured: not even a local process is believed
    (("--forwarded-allow-ips", "10.0.0.2"), "198.51.100.7"),  # a client reaching the server around the proxy
])
def test_the_ip_limit_ignores_a_clients_forwarded_for(monkeypatch, settings, flags, peer):
    served = _serve_kwargs(monkeypatch, *flags)
    assert _login_codes(settings, served, peer, ROTATING) == [401, 401, 401, 429]


def test_the_trusted_proxy_names_the_client(monkeypatch, settings):
    served = _serve_kwargs(monkeypatch, "--forwarded-allow-ips", "10.0.0.2")
    assert _login_codes(settings, served, "10.0.0.2", ROTATING) == [401, 401, 401, 401]  # four clients
    assert _login_codes(settings, served, "10.0.0.2", ["203.0.113.9"] * 4) == [401, 401, 401, 429]
