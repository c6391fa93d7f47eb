"""Work a page view must not repeat (issue 12 item 2), counted, not timed: the related questions are
not searched again for each render, and templates are not checked on disk unless in development."""

from __future__ import annotations

from app.services import reading
from tests.writes.helpers import Account

HTML = {"Accept": "text/html"}


def test_rendering_a_question_again_does_not_search_its_related_questions_again(app, reader, client_factory,
                                                                             sample, monkeypatch):
    searched: list[int] = []
    real = reading.related_questions
    monkeypatch.setattr(reading, "related_questions",
                        lambda session, question_id: searched.append(question_id) or real(session, question_id))
    alice = Account(client_factory, "alice")
    path = f"/questions/{sample.parent}"
    assert reader.get(path, headers=HTML).status_code == 200
    assert reader.get(f"/api/v1/questions/{sample.parent}").status_code == 200  # a second render, JSON
    assert alice.client.get(path, headers=HTML).status_code == 200  # a third, for the signed-in readers
    assert searched == [sample.parent]
    # A vote changes the question's page, not what other questions' links show: rendered again, not searched.
    assert alice.client.post(f"/api/v1/questions/{sample.parent}/votes", headers=alice.headers).status_code == 201
    page = reader.get(path, headers=HTML)
    assert page.status_code == 200 and searched == [sample.parent]


def test_templates_are_not_checked_on_disk_unless_in_development(settings):
    from tests.apps import new_app

    assert new_app(settings).state.templates.env.auto_reload is False
    assert new_app(settings.with_overrides(development=True)).state.templates.env.auto_reload is True
