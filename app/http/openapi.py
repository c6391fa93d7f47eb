"""The OpenAPI document as the API behaves: operation ids named after their routes, every error
status declared with the envelope's schema, and HEAD/OPTIONS answered for every path.

HEAD is GET without a body (FastAPI routes answer GET only, so HEAD was a 405); OPTIONS answers 204
with the Allow header listing the methods the path takes (a 405 without Allow before).
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute
from starlette.routing import Match, Mount
from starlette.types import ASGIApp, Receive, Scope, Send

from app.http.asgi import answer_head_as_get
from app.schemas.errors import ERROR_STATUSES, ErrorEnvelope

ERROR_REF = "#/components/schemas/ErrorEnvelope"


def operation_id(route: APIRoute) -> str:
    """The route function's name (create_question), not FastAPI's create_question_api_v1_questions_post."""
    return route.name


def install_openapi(app: FastAPI) -> None:
    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(title=app.title, version=app.version, openapi_version=app.openapi_version,
                                 description=app.description, routes=app.routes, tags=app.openapi_tags)
            schemas = schema.setdefault("components", {}).setdefault("schemas", {})
            envelope = ErrorEnvelope.model_json_schema(ref_template="#/components/schemas/{model}")
            schemas.update(envelope.pop("$defs", {}))
            schemas["ErrorEnvelope"] = envelope
            schemas.pop("HTTPValidationError", None)
            schemas.pop("ValidationError", None)
            for item in schema.get("paths", {}).values():
                for operation in item.values():
                    responses = operation.setdefault("responses", {})
                    for status, meaning in ERROR_STATUSES.items():
                        declared = responses.setdefault(str(status), {"description": meaning})
                        declared["content"] = {"application/json": {"schema": {"$ref": ERROR_REF}}}
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


class HeadAndOptions:
    """HEAD runs the GET route and drops the body (headers, Content-Length included, stay); OPTIONS
    answers 204 with Allow, or 404 for a path no route takes."""

    def __init__(self, app: ASGIApp, router_app: FastAPI) -> None:
        self.app, self.router_app = app, router_app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in ("HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        if scope["method"] == "OPTIONS":
            await self._options(scope, receive, send)
            return

        await answer_head_as_get(self.app, scope, receive, send)

    def allowed(self, scope: Scope) -> set[str]:
        methods: set[str] = set()
        for route in self.router_app.router.routes:
            # A Mount (static files) matches any method; included routers and routes say per method.
            candidates = {"GET"} if isinstance(route, Mount) else {"GET", "POST", "PUT", "PATCH", "DELETE"}
            for method in candidates - methods:
                match, _ = route.matches({**scope, "method": method})
                if match == Match.FULL:
                    methods.add(method)
        if "GET" in methods:
            methods.add("HEAD")
        return methods | {"OPTIONS"} if methods else set()

    async def _options(self, scope: Scope, receive: Receive, send: Send) -> None:
        allowed = self.allowed(scope)
        if not allowed:  # no such path: the app answers its 404
            await self.app(scope, receive, send)
            return
        headers = [(b"allow", ", ".join(sorted(allowed)).encode())]
        await send({"type": "http.response.start", "status": 204, "headers": headers})
        await send({"type": "http.response.body", "body": b"", "more_body": False})
