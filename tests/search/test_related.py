"""Related questions on a question page: same demo first, then shared terms, across collections."""

from __future__ import annotations

import subprocess
import sys

import pytest

from app.config import PROJECT_ROOT
from app.search.related import related_questions
from tests.conftest import BACKENDS

pytestmark = pytest.mark.parametrize("backend", BACKENDS)


def names(ids, links):
    by_id = {v: k for k, v in ids.items()}
    return [by_id[link.id] for link in links]


def test_same_demo_comes_first_then_shared_terms(sample_session, sample_ids):
    related = names(sample_ids, related_questions(sample_session, sample_ids["dropout_effect"]))
    assert related[0] == "cnn_stride"  # shares the dropout-sandbox demo
    assert "dropout_test_time" in related  # another collection, same subject
    assert "dropout_effect" not in related and "deleted" not in related


def test_related_across_collections_by_terms(sample_session, sample_ids):
    related = names(sample_ids, related_questions(sample_session, sample_ids["bn_overfitting"]))
    assert {"bn_inference", "bn_position"} & set(related)


def test_question_api_carries_related(sample_client, sample_ids):
    body = sample_client.get(f"/api/v1/questions/{sample_ids['dropout_test_time']}").json()
    assert any(link["id"] == sample_ids["dropout_effect"] for link in body["related"])


def test_web_process_never_loads_kiwi(sample_settings, sample_ids):
    script = f"""
import sys
from fastapi.testclient import TestClient
from app.config import Settings
from tests.apps import new_app
settings = Settings(database_url={sample_settings.database_url!r})
with TestClient(new_app(settings)) as client:
    assert client.get('/api/v1/search', params={{'q': '드롭아웃은 테스트할 때'}}).json()['items']
    assert client.get('/search/suggest', params={{'q': '배치 정'}}).status_code == 200
    assert client.get('/api/v1/questions/{sample_ids['saddle']}').status_code == 200
print('kiwipiepy' in sys.modules)
"""
    result = subprocess.run([sys.executable, "-c", script], cwd=PROJECT_ROOT, capture_output=True, text=True,
                            timeout=600)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


def test_answers_fill_the_list_when_the_question_alone_links_nothing(sample_session, sample_ids):
    # "snapshot이 뭐지?" shares no title term with any other question; its answer is about saving
    # the model during training, which the checkpoint questions are about too.
    related = names(sample_ids, related_questions(sample_session, sample_ids["snapshot"]))
    assert related and "snapshot" not in related
    assert {"title_match", "body_match"} & set(related)


def test_related_links_name_their_collection_where_it_is_another(sample_client, sample_ids):
    """A label like "#18" or "2" means something only inside its collection."""
    body = sample_client.get(f"/api/v1/questions/{sample_ids['dropout_effect']}").json()
    titles = {link["id"]: link["collection_title"] for link in body["related"]}
    assert titles[sample_ids["dropout_test_time"]] == "study 모음"
    assert titles[sample_ids["cnn_stride"]] == "weeks 모음"

    same = sample_client.get(f"/api/v1/questions/{sample_ids['bn_overfitting']}").json()["related"]
    assert sample_ids["bn_inference"] in [link["id"] for link in same]  # an interview question too
    page = sample_client.get(f"/questions/{sample_ids['bn_overfitting']}").text
    related = page[page.index('id="related-title"'):]
    assert '<span class="qrow__collection">study 모음</span>' in related
    assert '<span class="qrow__collection">interview 모음</span>' not in related  # its own collection

