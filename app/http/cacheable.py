"""Reading routes declare themselves cacheable; the response cache (app/web/caching.py) asks the app's
routes instead of keeping a second list of their paths.

    @router.get("/questions/{question_id}")
    @cacheable
    def question_page(...): ...

A cacheable route's response depends only on the database, its path and query, and who is asking
(the cache handles the last); it is rendered again after any commit that changes what it shows.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from fastapi.routing import iter_route_contexts
from starlette.routing import BaseRoute, compile_path

Endpoint = TypeVar("Endpoint", bound=Callable[..., Any])


def cacheable(endpoint: Endpoint) -> Endpoint:
    endpoint.cacheable = True  # type: ignore[attr-defined]
    return endpoint


def cacheable_paths(routes: Iterable[BaseRoute]) -> re.Pattern[str]:
    """One pattern matching the path of every GET route whose endpoint is marked cacheable."""
    patterns = [compile_path(route.path)[0].pattern for route in iter_route_contexts(list(routes))
                if route.path and getattr(route.endpoint, "cacheable", False) and "GET" in (route.methods or ())]
    # Each route names its path parameters; alternatives in one pattern may not repeat a name.
    unnamed = [re.sub(r"\(\?P<\w+>", "(?:", pattern) for pattern in patterns]
    return re.compile("|".join(f"(?:{pattern})" for pattern in unnamed) or r"(?!)")
