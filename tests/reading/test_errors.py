"""Bad input on the read API and its HTML twins: 404/405/422 in the one envelope, never a 500; a real
failure is a 500 envelope."""

from __future__ import annotations

import pytest

HTML = {"Accept": "text/html"}


def assert_envelope(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"}
    assert {"code", "message"} <= set(body["error"]) <= {"code", "message", "details"}
    assert body["error"]["code"] == code and body["error"]["message"]
    return body["error"]


@pytest.mark.read_only
@pytest.mark.parametrize("path", [
    "/api/v1/collections/no-such-collection",
    "/api/v1/questions/999999",
    "/api/v1/questions?collection=no-such-collection",
    "/api/v1/authors/%EC%97%86%EB%8A%94%EC%82%AC%EB%9E%8C",  # 없는사람
    "/api/v1/no-such-endpoint",
])
def test_unknown_things_are_404_envelopes(reader, path):
    error = assert_envelope(reader.get(path), 404, "not_found")
    assert "찾을 수 없" in error["message"]


@pytest.mark.read_only
@pytest.mark.parametrize("path", ["/collections/no-such-collection", "/questions/999999", "/authors/nobody-here"])
def test_html_routes_answer_json_clients_with_the_envelope(reader, path):
    assert_envelope(reader.get(path, headers={"Accept": "application/json"}), 404, "not_found")
    page = reader.get(path, headers=HTML)
    assert page.status_code == 404 and page.headers["content-type"].startswith("text/html")
    assert '<html lang="ko">' in page.text and "찾을 수 없" in page.text


@pytest.mark.read_only
@pytest.mark.parametrize("path, field", [
    ("/api/v1/questions?page=0", "page"),
    ("/api/v1/questions?page=abc", "page"),
    ("/api/v1/questions?per_page=0", "per_page"),
    ("/api/v1/questions?per_page=101", "per_page"),
    ("/api/v1/questions?status=maybe", "status"),
    ("/api/v1/questions?sort=random", "sort"),
    ("/api/v1/questions?parent=-1", "parent"),
    ("/api/v1/questions?parent=99999999999999999999999", "parent"),  # past SQLite's 64-bit integers
    ("/api/v1/questions/0", "question_id"),
    ("/api/v1/questions/abc", "question_id"),
    ("/api/v1/questions/99999999999999999999999", "question_id"),
    ("/api/v1/collections/sample-interview?status=open", "status"),
    ("/api/v1/collections/sample-interview?per_page=1000", "per_page"),
    ("/api/v1/authors?page=-3", "page"),
    ("/api/v1/authors/%EC%84%9C%EC%97%B0?per_page=0", "per_page"),
])
def test_bad_parameters_are_422_naming_the_field(reader, path, field):
    error = assert_envelope(reader.get(path), 422, "validation_error")
    assert field in {detail["field"] for detail in error["details"]}
    assert field in error["message"]


@pytest.mark.read_only
@pytest.mark.parametrize("path, message", [
    ("/api/v1/questions/abc", "정수여야 합니다."),
    ("/api/v1/questions?page=0", "1 이상이어야 합니다."),
    ("/api/v1/questions?per_page=101", "100 이하여야 합니다."),
    ("/api/v1/questions?status=maybe", "다음 중 하나여야 합니다: 'answered', 'unanswered', 'all'"),
])
def test_validation_details_are_in_korean(reader, path, message):
    """The details are shown on the HTML error page too, where Pydantic's English does not belong."""
    assert assert_envelope(reader.get(path), 422, "validation_error")["details"][0]["message"] == message
    page = reader.get(path.replace("/api/v1", ""), headers=HTML)
    assert page.status_code == 422 and message.replace("'", "&#39;") in page.text


@pytest.mark.read_only
def test_422_details_carry_the_bounds(reader):
    error = assert_envelope(reader.get("/api/v1/questions?per_page=500"), 422, "validation_error")
    detail = next(d for d in error["details"] if d["field"] == "per_page")
    assert detail["le"] == 100


@pytest.mark.read_only
@pytest.mark.parametrize("path", ["/unanswered?page=0", "/questions?status=x",
                                  "/collections/sample-interview?per_page=0", "/questions/abc",
                                  "/authors?per_page=9999"])
def test_html_pages_show_422_in_korean(reader, path):
    page = reader.get(path, headers=HTML)
    assert page.status_code == 422 and "잘못된 값이 있습니다" in page.text
    assert_envelope(reader.get(path), 422, "validation_error")  # and their JSON form is the envelope


@pytest.mark.read_only
def test_wrong_method_is_405_envelope(reader):
    for path in ("/api/v1/collections", "/api/v1/authors"):
        assert_envelope(reader.post(path), 405, "method_not_allowed")
    assert_envelope(reader.delete("/api/v1/collections/sample-interview"), 405, "method_not_allowed")


@pytest.mark.read_only
def test_errors_are_not_cached_or_validated(reader):
    response = reader.get("/api/v1/questions/999999")
    assert "etag" not in response.headers
    again = reader.get("/api/v1/questions/999999", headers={"If-None-Match": "*"})
    assert again.status_code == 404


def test_an_unexpected_failure_is_a_500_envelope_not_a_traceback(app, sample, monkeypatch):
    from fastapi.testclient import TestClient

    from app.services import reading

    def broken(*args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(reading, "question_detail", broken)
    with TestClient(app, raise_server_exceptions=False) as client:
        error = assert_envelope(client.get(f"/api/v1/questions/{sample.parent}"), 500, "internal_error")
        assert "database went away" not in error["message"]
        assert_envelope(client.get(f"/questions/{sample.parent}"), 500, "internal_error")  # the twin, asked for JSON
        page = client.get(f"/questions/{sample.parent}", headers=HTML)
        assert page.status_code == 500 and "서버 오류" in page.text and "Traceback" not in page.text
