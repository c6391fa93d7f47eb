"""The API matches its OpenAPI document: schemathesis generates requests from the schema (a short,
deterministic profile: `make test`; `make fuzz` runs many more) and checks every answer: no server
error, a declared status, the declared content type, headers and body schema.

Also the parts of HTTP a schema does not cover: explicit operation ids, the error envelope declared
on every operation, HEAD answered for every GET, OPTIONS with Allow.
"""

from __future__ import annotations

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import positive_data_acceptance

EXAMPLES = int(os.environ.get("KB_FUZZ_EXAMPLES", "8"))
# A request the schema allows may still be refused by a rule no schema states: the collection must
# exist, the question must not be your own to +1, the rate limits. Everything else is checked.
BUSINESS_RULES = [positive_data_acceptance]


def test_every_operation_answers_as_declared(seeded_client):
    from tests.writes.helpers import Account

    token = Account(lambda: seeded_client, "fuzzer").headers  # writes are reached, not only their 401
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", seeded_client.app)
    checked = []
    for result in schema.get_all_operations():
        operation = result.ok()
        if operation.path.endswith("/events"):  # a stream that stays open for a run's life
            continue

        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES, derandomize=True, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))
        def answers_as_declared(case):
            case.call_and_validate(headers=token, excluded_checks=BUSINESS_RULES)

        answers_as_declared()
        checked.append(operation.label)
    assert len(checked) >= 30


@pytest.mark.read_only
def test_operation_ids_and_error_responses_are_declared(seeded_client):
    spec = seeded_client.get("/api/v1/openapi.json").json()
    operations = [op for item in spec["paths"].values() for op in item.values()]
    ids = [op["operationId"] for op in operations]
    assert len(ids) == len(set(ids)) and "create_question" in ids and all("_api_v1_" not in i for i in ids)
    for op in operations:
        for status in ("400", "401", "403", "404", "409", "413", "422", "429", "503"):
            declared = op["responses"][status]["content"]["application/json"]["schema"]
            assert declared == {"$ref": "#/components/schemas/ErrorEnvelope"}, (op["operationId"], status)
    body = spec["components"]["schemas"]["QuestionCreate"]["properties"]
    assert (body["title"]["minLength"], body["title"]["maxLength"], body["body"]["maxLength"]) == (3, 200, 20_000)


@pytest.mark.read_only
@pytest.mark.parametrize("path", ["/", "/questions", "/api/v1/collections", "/api/v1/questions/1", "/docs",
                                  "/static/js/confirm.js"])
def test_head_answers_every_get_without_a_body(seeded_client, path):
    got, head = seeded_client.get(path), seeded_client.head(path)
    assert head.status_code == got.status_code == 200 and head.content == b""
    assert head.headers["content-type"] == got.headers["content-type"]


@pytest.mark.read_only
def test_options_lists_the_allowed_methods(seeded_client):
    answer = seeded_client.options("/api/v1/questions/1")
    assert answer.status_code == 204
    assert answer.headers["allow"] == "DELETE, GET, HEAD, OPTIONS, PATCH"
    assert seeded_client.options("/api/v1/questions").headers["allow"] == "GET, HEAD, OPTIONS, POST"
    assert seeded_client.options("/no/such/page").status_code == 404


@pytest.mark.read_only
def test_fresh_must_be_a_real_boolean(seeded_client):
    refused = seeded_client.post("/api/v1/demos/dropout/runs", json={"fresh": 0})
    assert refused.status_code == 422 and refused.json()["error"]["details"][0]["field"] == "fresh"
