"""Helpers for the browser tests: a live uvicorn, Chromium's flags, screenshots, layout checks."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from tests.processes import free_port

CHROMIUM = "/usr/bin/chromium"
# Without the background-networking flags Chromium keeps dialling out of this closed network.
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts" / "screens"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 812}


@dataclass
class LiveServer:
    url: str
    settings: object
    _server: object = field(repr=False, default=None)


def start_live_server(settings) -> tuple[LiveServer, Callable[[], None]]:
    """uvicorn in a thread of this process, on 127.0.0.1 and a free port; returns (server, stop)."""
    import uvicorn

    from app.main import create_app

    port = free_port()
    config = uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning",
                            access_log=False, lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name=f"uvicorn-{port}", daemon=True)
    thread.start()
    deadline = time.monotonic() + 120  # a loaded machine imports the app slowly
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start for the browser test")
        time.sleep(0.02)

    def stop() -> None:
        server.should_exit = True
        thread.join(timeout=10)

    return LiveServer(url=f"http://127.0.0.1:{port}", settings=settings, _server=server), stop


def screenshot(page, name: str) -> Path:
    """Save a full-page screenshot under tests/artifacts/screens/ and return its path."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def no_horizontal_scroll(page) -> bool:
    """True when nothing on the page is wider than the viewport (the phone-width check)."""
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def ask_in_browser(page, base: str, title: str, body: str, collection: str = "general") -> str:
    """Post a question through the /ask form as a signed-in reader would; the new question's URL."""
    page.goto(base + "/ask")
    page.select_option("#collection", collection)
    page.fill("#ask-title", title)
    page.fill("#body", body)
    page.click("form.write-form button.primary")
    page.wait_for_load_state("load")
    return page.url
