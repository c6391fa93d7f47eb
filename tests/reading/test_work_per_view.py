"""Work a page view must not do (issue 12 item 2), counted, not timed: the related questions are
ranked at ingest, post and edit, never for a render, and templates are not checked on disk unless in
development."""

from __future__ import annotations

from app.search import related
from tests.writes.helpers import Account

HTML = {"Accept": "text/html"}


def test_rendering_a_question_ranks_no_related_questions(app, reader, client_factory, sample, monkeypatch):
    ranked: list[int] = []
    real = related.rank_related
    monkeypatch.setattr(related, "rank_related",
                        lambda conn, question_id, *args: ranked.append(question_id) or real(conn, question_id, *args))
    alice = Account(client_factory, "alice")
    path = f"/questions/{sample.parent}"
    assert reader.get(path, headers=HTML).status_code == 200
    assert reader.get(f"/api/v1/questions/{sample.parent}").status_code == 200  # a second render, JSON
    assert alice.client.get(path, headers=HTML).status_code == 200  # a third, for the signed-in readers
    # A vote changes the question's thread, not its text: rendered again, its related list (kept with the
    # rest of the page, app.services.reading.QuestionFrame) neither ranked nor read again.
    assert alice.client.post(f"/api/v1/questions/{sample.parent}/votes", headers=alice.headers).status_code == 201
    page = reader.get(path, headers=HTML)
    assert page.status_code == 200 and ranked == []


def test_templates_are_not_checked_on_disk_unless_in_development(settings):
    from tests.apps import new_app

    assert new_app(settings).state.templates.env.auto_reload is False
    assert new_app(settings.with_overrides(development=True)).state.templates.env.auto_reload is True
