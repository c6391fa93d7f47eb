"""Searching the sample content: each behaviour the issue asks for, through the service and the API."""

from __future__ import annotations

import unicodedata
from urllib.parse import quote

import pytest
from sqlalchemy import text
from sqlmodel import Session

from app.db.models import Answer, Question
from app.db.queries import search as queries
from app.search.analyze import build_search_doc
from app.search.index import reindex_question
from app.search.service import search_questions, suggest_questions
from tests.conftest import BACKENDS
from tests.search.conftest import now
from tests.search.test_query import HOSTILE

pytestmark = pytest.mark.parametrize("backend", BACKENDS)


def top(session, ids, q, n=3, **filters) -> list[str]:
    names = {v: k for k, v in ids.items()}
    results = search_questions(session, q, **filters)
    return [names.get(item.question_id, item.question_id) for item in results.items[:n]]


@pytest.mark.parametrize(
    "query, expected",
    [
        ("배치 정규화가 과적합을 막는 이유", "bn_overfitting"),
        ("드롭아웃은 테스트할 때 어떻게 동작해", "dropout_test_time"),
        ("안장점에서는 왜 학습이 느려져?", "saddle"),
        ("학습률을 크게 잡으면 어떻게 돼요", "learning_rate"),
    ],
)
def test_natural_questions_with_particles_find_their_answer_first(sample_session, sample_ids, query, expected):
    assert top(sample_session, sample_ids, query, 1) == [expected]


@pytest.mark.parametrize(
    "spellings, expected",
    [
        (["드롭아웃 효과", "dropout 효과", "드랍아웃 효과"], "dropout_effect"),
        (["배치 정규화 추론", "batch normalization 추론", "BN 추론"], "bn_inference"),
        (["렐루 시그모이드", "ReLU sigmoid"], "relu_vs_sigmoid"),
        (["시그모이드 출력층", "sigmoid output layer"], "sigmoid_output"),
        (["안장점", "saddle point"], "saddle"),
        (["로컬 미니마", "local minima", "지역 최솟값"], "local_minima"),
        (["학습률", "learning rate"], "learning_rate"),
        (["과적합 줄이기", "overfitting 줄이기", "과대적합 줄이기"], "overfitting_unanswered"),
        (["스냅샷", "snapshot"], "snapshot"),
        (["가중치 초기화", "weight initialization"], "weight_init"),
        (["전이 학습", "transfer learning"], "transfer"),
        (["모멘텀 수식", "momentum 수식"], "momentum"),
    ],
)
def test_korean_and_english_spellings_find_the_same_question(sample_session, sample_ids, spellings, expected):
    for query in spellings:
        assert expected in top(sample_session, sample_ids, query), query


@pytest.mark.parametrize(
    "query, expected",
    [("편향", "bias"), ("노드", "nodes"), ("BN", "bn_inference"), ("GD", "gd_loss"), ("L1", "l1_sparse")],
)
def test_short_terms_match(sample_session, sample_ids, query, expected):
    assert expected in top(sample_session, sample_ids, query, 5)


def test_spacing_typos_match(sample_session, sample_ids):
    assert "bn_position" in top(sample_session, sample_ids, "배치 정규화 위치")
    assert "bn_overfitting" in top(sample_session, sample_ids, "배치정규화", 5)
    assert "weight_init" in top(sample_session, sample_ids, "가중치초기화")


def test_nfd_and_full_width_match_both_ways(sample_session, sample_ids):
    assert top(sample_session, sample_ids, "드롭아웃 비율", 1) == ["nfd_dropout_rate"]
    assert top(sample_session, sample_ids, unicodedata.normalize("NFD", "드롭아웃 비율"), 1) == ["nfd_dropout_rate"]
    assert "fullwidth_relu" in top(sample_session, sample_ids, "relu 단점")
    assert "bn_inference" in top(sample_session, sample_ids, "ＢＮ", 5)


def test_title_matches_rank_above_body_matches(sample_session, sample_ids):
    assert top(sample_session, sample_ids, "체크포인트", 2) == ["title_match", "body_match"]


def test_a_concept_itself_ranks_above_its_narrower_kinds(sample_session, sample_ids):
    # the other title names dropout and L2 (both kinds of regularization), but not regularization
    assert top(sample_session, sample_ids, "regularization이 뭐야", 1) == ["regularization_itself"]
    assert top(sample_session, sample_ids, "규제", 2) == ["regularization_itself", "two_regularizers"]


def test_questions_that_differ_only_in_their_verb(sample_session, sample_ids):
    assert top(sample_session, sample_ids, "배치 크기를 줄였을 때", 1) == ["batch_shrink"]
    hit = search_questions(sample_session, "배치 크기를 줄였을 때").items[0]
    assert "<mark>줄이</mark>면" in hit.title_html
    assert top(sample_session, sample_ids, "배치 크기 키워도 돼?", 1) == ["batch_grow"]


def test_answered_questions_rank_above_unanswered_twins(sample_session, sample_ids):
    assert top(sample_session, sample_ids, "쌍둥이 질문", 2) == ["twin_answered", "twin_unanswered"]


def test_deleted_questions_are_never_found(sample_session, sample_ids):
    found = {item.question_id for item in search_questions(sample_session, "삭제된 드롭아웃", limit=50).items}
    assert sample_ids["deleted"] not in found


def test_filters_and_paging(sample_session, sample_ids):
    everything = search_questions(sample_session, "드롭아웃", limit=50)
    assert everything.total == len(everything.items) >= 4
    study = search_questions(sample_session, "드롭아웃", collection="study", limit=50)
    assert {i.collection for i in study.items} == {"study"} and study.total < everything.total
    unanswered = search_questions(sample_session, "드롭아웃", status="unanswered", limit=50)
    assert unanswered.items and not any(i.answered for i in unanswered.items)
    page_two = search_questions(sample_session, "드롭아웃", limit=2, offset=2)
    assert [i.question_id for i in page_two.items] == [i.question_id for i in everything.items[2:4]]
    assert page_two.total == everything.total
    beyond = search_questions(sample_session, "드롭아웃", limit=2, offset=1000)
    assert beyond.items == [] and beyond.total == everything.total


def test_snippets_are_escaped_html_with_marks(sample_session, sample_ids):
    results = search_questions(sample_session, "드롭아웃 기호")
    hit = next(i for i in results.items if i.question_id == sample_ids["escaping"])
    assert "<script>" not in hit.snippet and "&lt;script&gt;" in hit.snippet
    assert "<mark>드롭아웃</mark>" in hit.snippet
    assert hit.title_html.startswith("&lt;b&gt;태그&lt;/b&gt;")
    answer_hit = search_questions(sample_session, "유지 확률").items[0]
    assert "<mark>" in answer_hit.snippet  # the match was in an answer: the snippet comes from there


def test_a_typo_that_finds_nothing_is_searched_as_the_dictionary_spelling(sample_session):
    results = search_questions(sample_session, "드롭아욷")
    exact = search_questions(sample_session, "드롭아웃")
    assert results.query == "드롭아웃" and results.corrected_from == "드롭아욷"
    assert [hit.question_id for hit in results.items] == [hit.question_id for hit in exact.items] != []
    assert exact.corrected_from is None
    assert "<mark>드롭아웃</mark>" in " ".join(hit.snippet for hit in results.items)


def test_a_typo_inside_a_compound_is_corrected_even_with_results(sample_session):
    """배치졍규화 matched only 배치 (mini-batch questions); the reader meant 배치 정규화."""
    results = search_questions(sample_session, "배치졍규화")
    assert results.corrected_from == "배치졍규화" and results.query == "배치정규화"
    assert [hit.question_id for hit in results.items] == [
        hit.question_id for hit in search_questions(sample_session, "배치 정규화").items]


def test_an_unknown_word_is_left_alone_when_the_query_finds_something(sample_session):
    # 종류 is one edit away from 증류 (distillation): with results, an unknown word is a plain word.
    results = search_questions(sample_session, "드롭아웃 종류")
    assert results.corrected_from is None and results.query == "드롭아웃 종류"


def test_suggestions_while_typing(sample_session, sample_ids):
    names = {v: k for k, v in sample_ids.items()}
    assert "bn_overfitting" in [names[h.question_id] for h in suggest_questions(sample_session, "배치 정")]
    assert suggest_questions(sample_session, "드") == []


# --- keeping the index in sync -------------------------------------------------------------


def test_write_and_delete_seams_replace_documents(sample_engine, sample_ids):
    qid = sample_ids["momentum"]
    with sample_engine.begin() as conn:
        queries.write_search_docs(conn, [(qid, build_search_doc("네스테로프 가속", "", ""))])
        queries.write_search_docs(conn, [(qid, build_search_doc("네스테로프 가속", "", ""))])
        assert conn.execute(text("SELECT count(*) FROM search_index WHERE rowid = :id"), {"id": qid}).scalar() == 1
    with Session(sample_engine) as session:
        assert top(session, sample_ids, "nesterov", 1) == ["momentum"]
    with sample_engine.begin() as conn:
        queries.delete_search_docs(conn, [qid])
    with Session(sample_engine) as session:
        assert "momentum" not in top(session, sample_ids, "모멘텀", 10)


def test_reindex_question_follows_edits_answers_and_deletes(sample_session, sample_ids):
    qid = sample_ids["gd_loss"]
    question = sample_session.get(Question, qid)
    sample_session.add(Answer(question_id=qid, body_md="", body_html="<p>학습률이 너무 크면 발산합니다</p>", position=0,
                              created_at=now(), updated_at=now()))
    sample_session.flush()
    assert reindex_question(sample_session, qid) is True
    assert "gd_loss" in top(sample_session, sample_ids, "발산", 5)
    question.deleted_at = now()
    sample_session.add(question)
    sample_session.flush()
    assert reindex_question(sample_session, qid) is False
    assert "gd_loss" not in top(sample_session, sample_ids, "GD", 10)


def test_reindex_question_without_kiwi_uses_known_stems(sample_session, sample_ids):
    qid = sample_ids["cnn_stride"]
    question = sample_session.get(Question, qid)
    question.title = "풀링층과 스트라이드의 관계가 궁금합니다"
    sample_session.add(question)
    sample_session.flush()
    reindex_question(sample_session, qid, use_kiwi=False)
    assert "cnn_stride" in top(sample_session, sample_ids, "풀링", 3)
    assert "cnn_stride" in top(sample_session, sample_ids, "stride", 3)


# --- the API --------------------------------------------------------------------------------


def test_api_contract(read_only_sample_client):
    response = read_only_sample_client.get("/api/v1/search", params={"q": "드롭아웃은 테스트할 때 어떻게 동작해"})
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"query", "items", "total", "total_exact", "limit", "offset", "took_ms", "corrected_from"}
    assert body["total_exact"] is True
    assert set(body["items"][0]) == {
        "question_id", "title", "label", "title_html", "collection", "collection_title", "answered", "snippet", "score",
        "url",
    }
    assert body["items"][0]["score"] >= body["items"][-1]["score"]
    assert "<mark>" in body["items"][0]["snippet"] + body["items"][0]["title_html"]


def raw_query(text: str) -> str:
    """The query string a client sends for `text`, lone surrogates as the bytes they would be."""
    return quote(text.encode("utf-8", "surrogatepass"), safe="")


@pytest.mark.parametrize("text", HOSTILE)
def test_service_never_fails_on_odd_queries(sample_session, text):
    results = search_questions(sample_session, text)
    results.model_dump_json()  # what the API sends must be encodable
    assert isinstance(suggest_questions(sample_session, text), list)


@pytest.mark.parametrize("text", HOSTILE)
def test_api_and_pages_never_fail_on_odd_queries(read_only_sample_client, text):
    response = read_only_sample_client.get(f"/api/v1/search?q={raw_query(text)}")
    assert response.status_code == 200, response.text
    assert isinstance(response.json()["items"], list)
    assert read_only_sample_client.get(f"/search?q={raw_query(text)}").status_code == 200
    assert read_only_sample_client.get(f"/search/suggest?q={raw_query(text)}").status_code == 200


def test_overlong_queries_get_a_clear_4xx(read_only_sample_client):
    response = read_only_sample_client.get("/api/v1/search", params={"q": "드" * 2001})
    assert response.status_code == 422 and "error" in response.json()


def test_api_rejects_bad_filters_with_the_envelope(read_only_sample_client):
    answer = read_only_sample_client.get("/api/v1/search", params={"q": "a", "collection": "nope"})
    assert answer.json()["error"]["code"] == "not_found"
    assert read_only_sample_client.get("/api/v1/search", params={"q": "a", "limit": 0}).status_code == 422
    assert read_only_sample_client.get("/api/v1/search", params={"q": "a", "status": "x"}).status_code == 422


def test_search_page_shows_highlights_filters_and_json_twin(read_only_sample_client):
    page = read_only_sample_client.get("/search", params={"q": "배치 정규화", "status": "answered"},
                             headers={"accept": "text/html"})
    assert page.status_code == 200
    assert "<mark>" in page.text and 'href="/api/v1/search?' in page.text
    assert 'value="answered" checked' in page.text and 'value="배치 정규화"' in page.text
    base = read_only_sample_client.app.state.settings.base_url
    canonical = (f'<link rel="canonical" href="{base}/search?q=%EB%B0%B0%EC%B9%98+%EC%A0%95%EA%B7%9C%ED%99%94'
                 '&amp;status=answered">')
    assert canonical in page.text
    typo = read_only_sample_client.get("/search", params={"q": "드롭아욷"})
    assert "<strong>드롭아웃</strong>으로 고쳐 찾은 결과입니다. 입력한 검색어: 드롭아욷" in typo.text
    assert 'class="search-result"' in typo.text
    assert read_only_sample_client.get("/search").status_code == 200


def test_suggest_fragment(read_only_sample_client):
    fragment = read_only_sample_client.get("/search/suggest", params={"q": "드롭아웃은 테스트"})
    assert fragment.status_code == 200 and "<html" not in fragment.text and "<mark>" in fragment.text
    assert read_only_sample_client.get("/search/suggest", params={"title": "배치정규"}).text.count("<li>") >= 1
    assert read_only_sample_client.get("/search/suggest", params={"q": ""}).text == ""


@pytest.mark.parametrize("path, status", [("/", 200), ("/login", 200), ("/signup", 200), ("/no-such-page", 404)])
def test_every_page_has_the_search_box(read_only_sample_client, path, status):
    page = read_only_sample_client.get(path, headers={"accept": "text/html"})
    assert page.status_code == status
    assert '<form class="site-header__search" action="/search" method="get" role="search">' in page.text
    assert 'name="q"' in page.text


def test_search_page_has_one_search_box_its_own(read_only_sample_client):
    """The header's box only repeated the page's own form (which also holds the filters)."""
    page = read_only_sample_client.get("/search", params={"q": "드롭아웃"}, headers={"accept": "text/html"})
    assert 'class="site-header__search"' not in page.text
    assert page.text.count('name="q"') == 1 and 'class="search-filters"' in page.text


def test_search_page_collection_filter(read_only_sample_client, sample_ids):
    page = read_only_sample_client.get("/search", params={"q": "드롭아웃", "collection": "interview"})
    assert page.status_code == 200
    assert f'href="/questions/{sample_ids["dropout_effect"]}"' in page.text
    assert f'href="/questions/{sample_ids["dropout_test_time"]}"' not in page.text  # collection "study"
    assert '<option value="interview" selected>' in page.text
    assert read_only_sample_client.get("/search", params={"q": "드롭아웃", "collection": "nope"}).status_code == 404


def test_the_app_builds_the_spelling_index_at_start_up(settings):
    """The first "did you mean" built it inside a reader's request: ~0.25 s for one unlucky search."""
    from fastapi.testclient import TestClient

    from app.search.terms import default_dictionary
    from tests.apps import new_app

    default_dictionary().__dict__.pop("_spelled", None)
    with TestClient(new_app(settings)):
        assert "_spelled" in default_dictionary().__dict__
