"""The reading pages over a sample collection: titles, canonical URLs, JSON twins, and what each shows."""

from __future__ import annotations

import re

import pytest

from tests.reading.page_reader import Page

HTML = {"Accept": "text/html"}
BASE = "http://127.0.0.1:8000"


def page(reader, path: str) -> tuple[Page, str]:
    response = reader.get(path, headers=HTML)
    assert response.status_code == 200, response.text
    assert response.text.startswith("<!doctype html>") and '<html lang="ko">' in response.text
    return Page(response.text), response.text


@pytest.mark.read_only
@pytest.mark.parametrize("path, title, canonical, twin", [
    ("/", "질문창고 — 딥러닝 질문과 답변", "/", "/api/v1/collections"),
    ("/collections/sample-interview", "샘플 면접 질문 · 질문창고", "/collections/sample-interview",
     "/api/v1/collections/sample-interview"),
    ("/collections/sample-interview?status=unanswered&per_page=1&page=1", "샘플 면접 질문 · 미답변 · 질문창고",
     "/collections/sample-interview?status=unanswered",
     "/api/v1/collections/sample-interview?status=unanswered&per_page=1"),
    ("/questions/1", "#1 ReLU를 쓰는 이유는? · 샘플 면접 질문 · 질문창고", "/questions/1", "/api/v1/questions/1"),
    ("/questions/2", "#1-1 ReLU의 문제점은? · 샘플 면접 질문 · 질문창고", "/questions/2", "/api/v1/questions/2"),
    ("/questions?status=answered&page=2&per_page=1", "답변된 질문 (2쪽) · 질문창고",
     "/questions?status=answered&page=2", "/api/v1/questions?status=answered&page=2&per_page=1"),
    ("/unanswered", "답을 기다리는 질문 · 질문창고", "/unanswered", "/api/v1/questions?status=unanswered"),
    ("/authors", "작성자 · 질문창고", "/authors", "/api/v1/authors"),
    ("/authors/%EC%84%9C%EC%97%B0", "서연 님의 글 · 질문창고", "/authors/%EC%84%9C%EC%97%B0",
     "/api/v1/authors/%EC%84%9C%EC%97%B0"),
])
def test_title_canonical_and_json_twin(reader, sample, path, title, canonical, twin):
    parsed, _ = page(reader, path)
    assert parsed.title == title
    assert parsed.link("canonical") == BASE + canonical
    assert parsed.link("alternate") == twin
    assert twin in parsed.hrefs("JSON")
    json_twin = reader.get(twin)
    assert json_twin.status_code == 200 and json_twin.headers["content-type"] == "application/json"


@pytest.mark.read_only
def test_every_page_loads_the_stylesheets(reader, sample):
    for path in ("/", "/questions/1", "/authors"):
        hrefs = {link["href"] for link in page(reader, path)[0].links if link.get("rel") == "stylesheet"}
        for name in ("app", "pygments", "render"):  # under content-hashed names (app/http/assets.py)
            assert any(re.fullmatch(rf"/static/css/{name}\.[0-9a-f]{{8}}\.css", href) for href in hrefs), name
    assert reader.get("/static/css/app.css").status_code == 200


@pytest.mark.read_only
def test_every_page_header_leads_to_the_demo_catalogue(reader, sample):
    """The experiments were reachable only from a question's demo panel; the header links them everywhere."""
    for path in ("/", "/questions/1", "/authors", "/unanswered"):
        assert "/demos" in page(reader, path)[0].hrefs("실험")


@pytest.mark.read_only
def test_question_page_thread(reader, sample):
    parsed, text = page(reader, f"/questions/{sample.parent}")
    answer, reply, nested = (f"answer-{i}" for i in (sample.answer, sample.reply, sample.nested_reply))
    assert parsed.ancestors[reply][0] == answer  # a reply sits inside its answer ...
    assert parsed.ancestors[nested][:2] == [reply, answer]  # ... and a reply to it inside that reply
    assert text.index("기울기가 사라지지 않습니다") < text.index("음수 쪽은요?") < text.index("음수 쪽은 0입니다")
    assert "김산 님도 궁금해요" in text  # a "2222(김산)" on the question
    assert '<span class="reaction__emoji" aria-hidden="true">👍</span>' in text
    assert "답변 1개 · 답글 2개" in text  # one answer, a reply and a reply to that


@pytest.mark.read_only
def test_question_page_structure(reader, sample):
    parsed, text = page(reader, f"/questions/{sample.parent}")
    assert f"/questions/{sample.child}" in parsed.hrefs("ReLU의 문제점은?")  # sub-question listed
    assert "하위 질문" in text
    assert "https://cs231n.github.io/" in parsed.hrefs("CS231n 강의 노트")  # references
    assert "interview/<wbr>sample-interview.md</code>, 5번째 줄" in text  # source file and line
    assert "/authors/%ED%83%9C%ED%95%98" in parsed.hrefs("태하")
    assert f"/questions/{sample.child}" in parsed.hrefs("다음 →")
    assert not parsed.hrefs("← 이전")  # the first question of its collection

    child, child_text = page(reader, f"/questions/{sample.child}")
    assert f"/questions/{sample.parent}" in child.hrefs("ReLU를 쓰는 이유는?")
    assert "↑ 상위 질문" in child_text and 'rel="up"' in child_text
    assert f"/questions/{sample.parent}" in child.hrefs("← 이전")
    assert f"/questions/{sample.open}" in child.hrefs("다음 →")
    assert "/collections/sample-interview" in child.hrefs("샘플 면접 질문")  # breadcrumb


@pytest.mark.read_only
def test_question_page_includes_write_controls_and_demo_slot(reader, sample):
    _, text = page(reader, f"/questions/{sample.open}")
    assert "아직 답변이 없습니다" in text and 'id="answer-form"' in text
    assert f"/login?next=/questions/{sample.open}" in text  # anonymous: a way in, no form
    assert 'name="csrf_token"' not in text


def test_signed_in_question_page_has_working_forms(reader, client_factory, sample):
    from tests.writes.helpers import Account

    bob = Account(client_factory, "bob")
    text = bob.client.get(f"/questions/{sample.parent}", headers=HTML).text
    assert f'action="/questions/{sample.parent}/answers"' in text
    assert f'action="/answers/{sample.nested_reply}/replies"' in text  # reply to the deepest reply too
    assert "/static/vendor/htmx/htmx.min." in text
    assert reader.get("/static/vendor/htmx/htmx.min.js").status_code == 200
    answered = bob.client.post(f"/questions/{sample.parent}/answers", follow_redirects=False, data={
        "body": "페이지의 폼으로 단 답변", "csrf_token": bob.csrf(f"/questions/{sample.parent}"), "form_token": "p1"})
    assert answered.status_code == 303
    assert "페이지의 폼으로 단 답변" in reader.get(answered.headers["location"], headers=HTML).text


@pytest.mark.read_only
def test_collection_page_outline(reader, sample):
    parsed, text = page(reader, "/collections/sample-interview")
    assert text.index("기초") < text.index("비어 있는 섹션") < text.index("심화")
    assert "이 섹션에는 질문이 없습니다" in text
    assert text.index("ReLU를 쓰는 이유는?") < text.index("ReLU의 문제점은?") < text.index("아직 답이 없는 질문")
    assert 'class="qrow qrow--child"' in text  # the sub-question is indented under its parent
    assert "어디에도 붙지 않은 메모" in text and "샘플 머리말" in text  # notes and intro
    assert "/collections/sample-interview?status=unanswered" in parsed.hrefs("미답변 1")
    assert "답변 1 · 답글 2" in text and "미답변" in text


@pytest.mark.read_only
def test_collection_page_filter(reader, sample):
    _, text = page(reader, "/collections/sample-interview?status=unanswered")
    assert "아직 답이 없는 질문" in text and "ReLU를 쓰는 이유는?" not in text
    assert "이 섹션에는 질문이 없습니다" not in text  # empty sections only in the unfiltered outline
    assert 'aria-current="page">미답변 1' in text


@pytest.mark.read_only
def test_home_groups_collections_and_lists_questions(reader, sample):
    parsed, text = page(reader, "/")
    # Group names a newcomer understands, each with a line on what such a collection is.
    assert '<h2 id="kind-interview">면접 준비 질문</h2>' in text
    assert '<p class="kind__hint">딥러닝 면접에 자주 나오는 질문과 모범 답안</p>' in text
    assert "/collections/sample-interview" in parsed.hrefs("샘플 면접 질문")
    assert "질문 3 · 답변됨 2" in text
    assert f"/questions/{sample.open}" in parsed.hrefs("아직 답이 없는 질문")
    assert 'action="/search"' in text and 'name="q"' in text
    assert "/unanswered" in parsed.hrefs("미답변 질문 모두 보기 (1)")


@pytest.mark.read_only
def test_author_pages(reader, sample):
    parsed, text = page(reader, "/authors")
    assert "/authors/%EC%84%9C%EC%97%B0" in parsed.hrefs("서연")
    author, author_text = page(reader, "/authors/%EC%84%9C%EC%97%B0")
    assert "질문 0개 · 답변·답글 2개" in author_text  # one answer and one reply: "답변 2개" misled
    assert f"/questions/{sample.parent}#answer-{sample.nested_reply}" in author.hrefs("ReLU를 쓰는 이유는?")
    assert "음수 쪽은 0입니다." in author_text and "답글" in author_text
    asker, asker_text = page(reader, "/authors/%ED%83%9C%ED%95%98")
    assert f"/questions/{sample.parent}" in asker.hrefs("ReLU를 쓰는 이유는?") and "쓴 답변이 없습니다" in asker_text


@pytest.mark.read_only
def test_docs_work_offline(reader):
    docs = reader.get("/docs")
    assert docs.status_code == 200
    assert "/static/vendor/swagger-ui/swagger-ui-bundle." in docs.text and "cdn" not in docs.text.lower()
    for asset in ("swagger-ui-bundle.js", "swagger-ui.css", "favicon-32x32.png", "LICENSE"):
        assert reader.get(f"/static/vendor/swagger-ui/{asset}").status_code == 200
    spec = reader.get("/api/v1/openapi.json").json()
    detail = spec["paths"]["/api/v1/questions/{question_id}"]["get"]
    assert detail["summary"] == "질문 상세" and "답변 트리" in detail["description"]
    assert set(spec["paths"]) >= {"/api/v1/collections", "/api/v1/collections/{slug}", "/api/v1/questions",
                                  "/api/v1/authors", "/api/v1/authors/{name}"}


@pytest.mark.parametrize("host, expected", [
    ("127.0.0.1", "http://127.0.0.1:8123"), ("0.0.0.0", "http://127.0.0.1:8123"), ("::1", "http://[::1]:8123"),
    ("kb.example", "http://kb.example:8123"),
])
def test_kb_serve_links_to_the_port_it_listens_on(monkeypatch, host, expected):
    """Canonical and run share links are absolute: `kb serve --port 8123` must not hand out :8000 links."""
    import uvicorn

    from app.cli import main
    from app.config import Settings

    monkeypatch.delenv("KB_BASE_URL", raising=False)
    monkeypatch.setenv("KB_SECRET_KEY", "a-secret-of-sixteen-or-more")
    monkeypatch.setattr(uvicorn, "run", lambda *args, **kwargs: None)
    assert main(["serve", "--host", host, "--port", "8123"]) == 0
    assert Settings.from_env().base_url == expected
    monkeypatch.setenv("KB_BASE_URL", "https://kb.example.org")
    assert main(["serve", "--port", "8123"]) == 0
    assert Settings.from_env().base_url == "https://kb.example.org"
