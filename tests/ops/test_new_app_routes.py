"""tests/apps.py's `new_app`, which most tests build their app with, is `create_app` with its included routers
built once per process: the same routes and API document, another app's state, and no routes built again."""

from __future__ import annotations

from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient

from app.main import create_app
from tests.apps import new_app


def described(app) -> list[tuple]:
    return [(route.path, sorted(route.methods or ()), route.name) for route in iter_route_contexts(list(app.routes))]


def test_a_new_app_has_create_apps_routes_and_document_with_its_own_state(settings):
    made, reused = create_app(settings), new_app(settings)
    assert described(reused) == described(made) and len(described(made)) > 100
    assert reused.openapi() == made.openapi()
    assert reused.state.engine is not made.state.engine
    with TestClient(reused) as client:
        assert client.get("/api/v1/collections").status_code == 200
        assert client.get("/static/css/app.css").status_code == 200  # its own mount, over its own assets


def test_the_included_routers_are_built_once_and_shared(settings):
    one, two = new_app(settings), new_app(settings)
    included = [(a, b) for a, b in zip(one.router.routes, two.router.routes, strict=True)
                if hasattr(a, "original_router")]
    # If FastAPI stops keeping an included router this way, each app builds its own: right, but slow again.
    routers = [route for route in create_app(settings).router.routes if hasattr(route, "original_router")]
    assert len(included) == len(routers) > 1 and all(a is b for a, b in included)
    own = [(a, b) for a, b in zip(one.router.routes, two.router.routes, strict=True)
           if not hasattr(a, "original_router")]  # the static files' mount, the API document's route
    assert own and all(a is not b for a, b in own)
