"""Prometheus metrics of one app: request latency, experiment runs by status, cache hits.

Each app has its own registry (tests build many apps). Counts that live in the database are read at
scrape time by a collector; a process's own counters (response cache) are read from its state. With
`kb serve --workers N` each worker answers /metrics with its own latency and cache numbers: run one
worker per container or unit and scrape each (deploy/), as the compose file does.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

from prometheus_client import CollectorRegistry, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from app.services.metrics import failed_email_counts, run_counts

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
log = logging.getLogger("kb.metrics")


class _StateCollector(Collector):
    def __init__(self, engine: Engine, response_cache: Any) -> None:
        self.engine, self.response_cache = engine, response_cache

    def collect(self) -> Iterator[Any]:
        cache = CounterMetricFamily("kb_response_cache_lookups", "응답 캐시 조회 (hit/miss): 적중률 = hit / 전체",
                                    labels=["result"])
        cache.add_metric(["hit"], self.response_cache.hits)
        cache.add_metric(["miss"], self.response_cache.misses)
        yield cache
        try:
            counts, failed_emails = run_counts(self.engine), failed_email_counts(self.engine)
        except SQLAlchemyError:
            log.warning("run counts unavailable for /metrics", exc_info=True)
            return
        runs = GaugeMetricFamily("kb_demo_runs", "저장된 실험 실행 수, 상태별", labels=["status"])
        for status, count in counts.by_status.items():
            runs.add_metric([status], count)
        yield runs
        yield GaugeMetricFamily("kb_demo_runs_reused", "저장된 결과를 다시 쓴 실행 수 (실험 결과 캐시 적중)",
                                value=counts.reused)
        emails = GaugeMetricFamily("kb_emails_failed", "다시 보내도 끝내 보내지 못한 전자우편 수, 종류별 "
                                   "(알림, 비밀번호 재설정 링크): 메일 서버를 살펴볼 것", labels=["kind"])
        for kind, count in failed_emails.items():
            emails.add_metric([kind], count)
        yield emails


class Metrics:
    def __init__(self, engine: Engine, response_cache: Any) -> None:
        self.registry = CollectorRegistry()
        self.request_latency = Histogram(
            "kb_request_duration_seconds", "요청 처리 시간 (라우트 템플릿별)", ["method", "route", "status"],
            buckets=LATENCY_BUCKETS, registry=self.registry)
        self.registry.register(_StateCollector(engine, response_cache))

    def exposition(self) -> bytes:
        return generate_latest(self.registry)
