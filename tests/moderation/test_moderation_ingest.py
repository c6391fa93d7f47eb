"""Ingested posts can be moderated too, and `kb ingest --force` leaves a moderator's decision alone:
a hidden source answer or question stays hidden (the file still holds it), a closed one stays closed."""

from __future__ import annotations

import pytest

from app.db.engine import make_engine
from app.ingest.loader import ingest_directory
from tests.conftest import clients_of
from tests.moderation.conftest import promoted
from tests.writes.helpers import Account

SLUG = "deep-hankkeut-nodes"


@pytest.fixture
def app(seeded_settings):
    from tests.apps import new_app

    return new_app(seeded_settings)


@pytest.fixture
def client_factory(app):
    yield from clients_of(app)


def test_a_forced_reingest_keeps_hidden_and_closed_source_posts_as_the_moderator_left_them(
        app, client_factory, seeded_settings):
    mod = promoted(app, Account(client_factory, "minji"), "moderator")
    reader = client_factory()
    items = reader.get("/api/v1/questions", params={"collection": SLUG, "per_page": 100}).json()["items"]
    answered = [q for q in items if q["answer_count"] > 0]
    with_answer, to_hide, to_close = answered[0]["id"], answered[1]["id"], answered[2]["id"]
    answer_id = reader.get(f"/api/v1/questions/{with_answer}").json()["answers"][0]["id"]

    assert mod.client.post(f"/api/v1/answers/{answer_id}/hide", json={"reason": "틀린 내용"},
                           headers=mod.headers).status_code == 200
    assert mod.client.post(f"/api/v1/questions/{to_hide}/hide", json={"reason": "중복 자료"},
                           headers=mod.headers).status_code == 200
    assert mod.client.post(f"/api/v1/questions/{to_close}/close", json={"duplicate_of": with_answer},
                           headers=mod.headers).status_code == 200

    engine = make_engine(seeded_settings.database_url)
    try:
        assert not ingest_directory(engine, seeded_settings.content_dir, force=True, workers=1).failed
    finally:
        engine.dispose()

    ids = [a["id"] for a in reader.get(f"/api/v1/questions/{with_answer}").json()["answers"]]
    assert answer_id not in ids
    assert reader.get(f"/api/v1/questions/{to_hide}").status_code == 404
    assert reader.get(f"/api/v1/questions/{to_close}").json()["closed"]["duplicate_of"]["id"] == with_answer
    assert mod.client.post(f"/api/v1/answers/{answer_id}/restore", headers=mod.headers).status_code == 200
    assert answer_id in [a["id"] for a in reader.get(f"/api/v1/questions/{with_answer}").json()["answers"]]
