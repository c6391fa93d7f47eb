"""`new_app(settings)`: `create_app(settings)` whose routers' request handlers are built once per test process.

FastAPI builds an included router's handlers (each route's dependency tree, parameter and response
validators) on the app's first request, about a fifth of a second of CPU for this app's 145 routes, and
again for every new app. They are a function of the module-level routers alone: every `create_app` includes
the same routers the same way, and a handler finds its app, its state and its database through the request.
So a test's app takes the included routers of the first app this process built, already built, in place of
its own; everything else (engine, caches, limiters, middleware, mounts) is its own as before. Where FastAPI
keeps an included router differently, nothing is replaced and each app builds its own again.
"""

from __future__ import annotations

from functools import cache

from fastapi import FastAPI
from fastapi.routing import iter_route_contexts

from app.config import Settings
from app.main import create_app


def new_app(settings: Settings) -> FastAPI:
    app = create_app(settings)
    built = _built_routers()
    # In place: middleware given `app.router.routes` at install time keeps the same list.
    app.router.routes[:] = [built.get(id(_router_of(route)), route) for route in app.router.routes]
    return app


@cache
def _built_routers() -> dict[int, object]:
    """The included routers of one app, their handlers built, by the module-level router each includes."""
    from tests.conftest import _settings_for

    first = create_app(_settings_for("sqlite://"))  # no database is opened: the app never starts
    list(iter_route_contexts(first.router.routes))  # what the first request would build
    return {id(_router_of(route)): route for route in first.router.routes if _router_of(route) is not None}


def _router_of(route) -> object | None:
    return getattr(route, "original_router", None)
