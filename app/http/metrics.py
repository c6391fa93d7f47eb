"""Prometheus metrics of one app: request latency, experiment runs by status, cache hits.

Each app has its own registry (tests build many apps). Counts that live in the database are read at
scrape time by a collector; a process's own counters (response cache) are read from its state. With
`kb serve --workers N` each worker answers /metrics with its own latency and cache numbers: run one
worker per container or unit and scrape each (deploy/), as the compose file does.
"""

from __future__ import annotations

import asyncio
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
LOOP_LAG_BUCKETS = (0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0)
LOOP_PROBE_S = 0.05  # 20 wake-ups a second: a few tens of microseconds of CPU each
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
        # A gauge of records, not a counter of events: a failure's record is kept for the notification
        # retention and then purged, so the number drops without any mail having gone out.
        emails = GaugeMetricFamily(
            "kb_emails_failed_on_record",
            "다시 보내도 끝내 보내지 못한 전자우편 중 기록이 남아 있는 수, 종류별 (알림, 비밀번호 재설정 링크): "
            "기록은 알림 보관 기간(KB_PURGE_NOTIFICATIONS_DAYS, 기본 90일) 동안 남고 purge가 지우면 줄어듭니다 "
            "(누적 수가 아님: 늘면 메일 서버를 살펴볼 것)", labels=["kind"])
        for kind, count in failed_emails.items():
            emails.add_metric([kind], count)
        yield emails


class Metrics:
    def __init__(self, engine: Engine, response_cache: Any) -> None:
        self.registry = CollectorRegistry()
        self.request_latency = Histogram(
            "kb_request_duration_seconds", "요청 처리 시간 (라우트 템플릿별)", ["method", "route", "status"],
            buckets=LATENCY_BUCKETS, registry=self.registry)
        self.loop_lag = Histogram(
            "kb_event_loop_lag_seconds", "이벤트 루프가 늦게 깨어난 시간 (LOOP_PROBE_S마다 잼): 긴 값은 모든 요청이 "
            "그만큼 멈췄다는 뜻", buckets=LOOP_LAG_BUCKETS, registry=self.registry)
        self.registry.register(_StateCollector(engine, response_cache))

    async def probe_loop(self, period_s: float = LOOP_PROBE_S) -> None:
        """Until cancelled: how late the event loop wakes from a sleep of `period_s`. A request that
        holds the loop (work done on it, or a thread holding the interpreter lock) delays this wake-up
        as it delays every other request, so the histogram shows the stalls that latency percentiles
        of one route hide."""
        loop = asyncio.get_running_loop()
        while True:
            due = loop.time() + period_s
            await asyncio.sleep(period_s)
            self.loop_lag.observe(max(0.0, loop.time() - due))

    def exposition(self) -> bytes:
        return generate_latest(self.registry)
