"""The home page's freshness window (Settings.home_fresh_s): every write anywhere moves the site
version the home page depends on, so under a burst of writes it is shown as it was for a few seconds
and rendered once per window, not once per commit. Counted in renders on a clock the test moves."""

from __future__ import annotations

import pytest

from app import clock
from app.main import create_app
from app.web import pages
from tests.conftest import clients_of
from tests.writes.helpers import Account

HTML = {"Accept": "text/html"}
WINDOW = 5.0


@pytest.fixture
def home(settings, sample, monkeypatch):
    """(app, the clock's reading as a one-item list to move, the home page renders so far, clients)."""
    now = [1000.0]
    monkeypatch.setattr(clock, "monotonic", lambda: now[0])
    renders: list[str] = []
    render = pages.render

    def counted(request, template, *args, **kwargs):
        if template == "reading/home.html":
            renders.append(request.url.path)
        return render(request, template, *args, **kwargs)

    monkeypatch.setattr(pages, "render", counted)
    app = create_app(settings.with_overrides(home_fresh_s=WINDOW))
    for make in clients_of(app):
        yield app, now, renders, make


def test_writes_within_the_window_give_one_render_and_a_write_after_it_a_fresh_page(home):
    app, now, renders, make = home
    alice, reader = Account(make, "alice"), make()
    first = reader.get("/", headers=HTML)
    assert first.status_code == 200 and len(renders) == 1

    now[0] += 1
    alice.ask(title="창 안의 첫 질문", body="첫 번째 쓰기")
    held = reader.get("/", headers=HTML)
    now[0] += 1
    alice.ask(title="창 안의 둘째 질문", body="두 번째 쓰기")
    again = reader.get("/", headers={**HTML, "If-None-Match": first.headers["etag"]})
    # Inside the window the page is the one rendered before the writes, and revalidates as that one.
    assert len(renders) == 1 and held.content == first.content and "창 안의 첫 질문" not in held.text
    assert again.status_code == 304

    now[0] = 1000.0 + WINDOW
    after = reader.get("/", headers=HTML)
    assert len(renders) == 2 and after.headers["etag"] != first.headers["etag"]
    assert "창 안의 첫 질문" in after.text and "창 안의 둘째 질문" in after.text  # both writes, one render
    assert reader.get("/", headers=HTML).content == after.content and len(renders) == 2

    # A write once the window has passed shows at once: the page took its versions a window ago.
    now[0] += WINDOW
    alice.ask(title="창이 지난 뒤의 질문", body="세 번째 쓰기")
    fresh = reader.get("/", headers=HTML)
    assert len(renders) == 3 and "창이 지난 뒤의 질문" in fresh.text


def test_other_pages_show_a_write_at_once(home):
    app, now, renders, make = home
    alice, reader = Account(make, "alice"), make()
    assert reader.get("/", headers=HTML).status_code == 200
    before = reader.get("/questions", headers=HTML)
    alice.ask(title="목록에는 바로 보이는 질문", body="쓰기")
    assert "목록에는 바로 보이는 질문" not in before.text
    assert "목록에는 바로 보이는 질문" in reader.get("/questions", headers=HTML).text
    assert "목록에는 바로 보이는 질문" not in reader.get("/", headers=HTML).text  # the clock has not moved
