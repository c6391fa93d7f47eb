"""create_app(settings) -> FastAPI: the only place that wires things together.

Importing this module does no work: no database is opened and torch is never imported here.
"""

from __future__ import annotations

import asyncio
import gc
from contextlib import asynccontextmanager

from fastapi import FastAPI

from app import urls
from app.api import health as api_health
from app.api import v1 as api_v1
from app.auth.limits import LoginThrottle
from app.auth.middleware import install_auth
from app.config import Settings
from app.db.checkpoint import WalCheckpointer, database_file
from app.db.engine import make_engine
from app.demos.engine import DemoEngine
from app.http import errors
from app.http.assets import PREFIX as STATIC_PREFIX
from app.http.assets import Assets
from app.http.body import RequestBody
from app.http.compression import CompressResponses
from app.http.metrics import Metrics
from app.http.observe import ObserveRequests
from app.http.openapi import HeadAndOptions, install_openapi, operation_id
from app.http.security import SecurityHeaders
from app.search.service import warm_up as search_warm_up
from app.services.indexing import SearchIndexer
from app.services.mail import Mailer
from app.services.purge import PeriodicPurge
from app.services.reading import DetailMemo
from app.web import accounts as web_accounts
from app.web import concepts as web_concepts
from app.web import demos as web_demos
from app.web import discovery as web_discovery
from app.web import feeds as web_feeds
from app.web import media as web_media
from app.web import moderation as web_moderation
from app.web import notifications as web_notifications
from app.web import pages as web_pages
from app.web import search as web_search
from app.web import writes as web_writes
from app.web.caching import install_conditional_get
from app.web.templating import make_templates


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings.from_env()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        search_warm_up()
        # Everything built so far lives as long as the process: keep it out of the cyclic GC, whose
        # full passes over it (~100k objects, tens of ms) otherwise set the p99 of every page.
        gc.collect()
        gc.freeze()
        # Tests build many apps and make expired rows on purpose; `kb purge` and its tests cover them.
        app.state.purger = None if settings.testing else PeriodicPurge(app.state.engine, settings)
        if app.state.purger is not None:
            app.state.purger.start()
        app.state.search_indexer.wake()  # index work a stopped process left behind
        wal_file = database_file(app.state.engine)
        app.state.checkpointer = WalCheckpointer(wal_file, settings.wal_checkpoint_s) \
            if wal_file is not None and settings.wal_checkpoint_s > 0 else None
        if app.state.checkpointer is not None:
            app.state.checkpointer.start()
        loop_probe = asyncio.create_task(app.state.metrics.probe_loop())
        yield
        loop_probe.cancel()
        if app.state.purger is not None:
            app.state.purger.stop()
        app.state.search_indexer.shutdown()
        if app.state.checkpointer is not None:
            app.state.checkpointer.stop()
        if app.state.mailer is not None:
            app.state.mailer.shutdown()  # the e-mail already handed to its thread still goes out
        app.state.demo_engine.shutdown()  # stops the worker processes, if a run ever started them
        app.state.content_versions.close()
        app.state.engine.dispose()

    app = FastAPI(
        title="질문창고 API",
        version="1",
        description="딥러닝 질문과 답변 지식창고의 JSON API입니다. 모든 오류는 `{\"error\": {\"code\", \"message\"}}` 형태로 돌아옵니다."
                    " [← 질문창고로 돌아가기](/)",  # /docs had no way back to the site
        docs_url=None,  # served by app.web.pages with the vendored Swagger UI (no CDN)
        redoc_url=None,
        openapi_url=urls.api("/openapi.json"),
        lifespan=lifespan,
        generate_unique_id_function=operation_id,
    )
    install_openapi(app)
    app.state.settings = settings
    app.state.engine = make_engine(settings.database_url, background_checkpoints=settings.wal_checkpoint_s > 0)
    app.state.assets = Assets.load(settings.static_dir, settings.development)  # hashed names computed once, here
    app.state.templates = make_templates(settings, app.state.assets)
    app.state.demo_engine = DemoEngine(settings, app.state.engine)  # its worker pool starts with the first run
    app.state.mailer = Mailer.for_settings(settings, app.state.engine)  # None without SMTP settings
    app.state.search_indexer = SearchIndexer(app.state.engine)  # search index work after the writes' commits
    errors.install_error_handlers(app)
    if settings.shared_redis_url is not None:  # several web servers: one failure count for all
        from app.auth.shared_limits import RedisLoginThrottle

        app.state.login_throttle = RedisLoginThrottle(settings.shared_redis_url)
    else:
        app.state.login_throttle = LoginThrottle()
    install_auth(app)  # session user, CSRF token, rate limiter
    # The body read once, outside auth (a refusal looks nobody up): its time, size and numbers checked.
    app.add_middleware(RequestBody)
    # Per-request gzip/brotli for what the response cache does not keep; it compresses its own entries once.
    app.add_middleware(CompressResponses)
    install_conditional_get(app)  # ETag/304 + response cache for reads, outside auth: a hit skips it
    app.add_middleware(HeadAndOptions, router_app=app)  # HEAD as GET without a body, OPTIONS with Allow
    app.add_middleware(SecurityHeaders)  # on every response, cached or not
    app.state.metrics = Metrics(app.state.engine, app.state.response_cache)
    # Outermost: the request id, access-log line and latency cover cached answers and errors too.
    app.add_middleware(ObserveRequests, router_app=app, metrics=app.state.metrics)
    app.state.detail_memo = DetailMemo(app.state.content_versions)  # question pages' data per question version
    app.mount(STATIC_PREFIX, app.state.assets, name="static")
    app.include_router(api_v1.router)
    app.include_router(api_health.router)
    app.include_router(web_pages.router)
    app.include_router(web_search.router)
    app.include_router(web_accounts.router)
    app.include_router(web_writes.router)
    app.include_router(web_demos.router)
    app.include_router(web_media.router)
    app.include_router(web_discovery.router)
    app.include_router(web_concepts.router)
    app.include_router(web_moderation.router)
    app.include_router(web_notifications.router)
    app.include_router(web_feeds.router)
    return app
