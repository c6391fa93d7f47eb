"""Account names cannot be borrowed: not a source author's (content/), not another account's (case and
NFC aside); an account's posts are on /users/{username}, never mixed into /authors/{name}."""

from __future__ import annotations

import unicodedata

import pytest

from tests.conftest import clients_of
from tests.writes.helpers import Account, csrf_from, sign_up


@pytest.fixture
def seeded_factory(seeded_settings):
    from tests.apps import new_app

    yield from clients_of(new_app(seeded_settings))


def _try_sign_up(client, username: str, display_name: str):
    page = client.get("/signup")
    return client.post("/signup", data={"username": username, "password": "correct horse 1",
                                        "display_name": display_name, "csrf_token": csrf_from(page.text)},
                       follow_redirects=False)


def test_a_source_authors_name_is_refused_with_409(seeded_factory):
    # 민규 signs a question in the seed files: a new account may not speak as them, in any spelling.
    for name in ("민규", unicodedata.normalize("NFD", "민규"), " 민규 "):
        refused = _try_sign_up(seeded_factory(), "impostor", name)
        assert refused.status_code == 409, name
        assert "원본 자료에 글을 쓴 스터디 구성원의 이름" in refused.text
    assert _try_sign_up(seeded_factory(), "minkyu2", "민규님").status_code == 303


def test_the_refusal_is_the_error_envelope(seeded_settings):
    from sqlmodel import Session

    from app.db.engine import make_engine
    from app.errors import AppError
    from app.services import accounts

    engine = make_engine(seeded_settings.database_url)
    with Session(engine) as session, pytest.raises(AppError) as caught:
        accounts.sign_up(session, username="impostor", password="correct horse 1", display_name="민규", testing=True)
    engine.dispose()
    assert caught.value.status_code == 409 and caught.value.code == "display_name_reserved"
    assert caught.value.details == [{"field": "display_name"}]


def test_two_accounts_cannot_share_a_display_name(client_factory):
    sign_up(client_factory(), "first", display_name="Jane Doe")
    for name in ("Jane Doe", "jane doe", "JANE  DOE"):
        refused = _try_sign_up(client_factory(), "second", name)
        assert refused.status_code == 409, name
        assert "이미 다른 계정이 쓰는 표시 이름" in refused.text
    taken = _try_sign_up(client_factory(), "first", "다른이름")
    assert taken.status_code == 409 and "이미 사용 중인 아이디" in taken.text


def test_a_spaced_hangul_name_is_allowed_and_exports_back(client_factory):
    client = client_factory()
    sign_up(client, "cheolsu", display_name="김 철수")
    assert client.get("/api/v1/users/cheolsu").json()["display_name"] == "김 철수"
    from app.ingest.shapes import nodes

    assert nodes.reads_back_as_author("김 철수")
    assert not nodes.reads_back_as_author("딥러닝 스터디원")


def test_user_page_and_its_json_twin(client_factory):
    alice, bob = Account(client_factory, "alice"), Account(client_factory, "bob")
    question = alice.ask()
    answer = bob.client.post(f"/api/v1/questions/{question['id']}/answers", json={"body": "체인 룰입니다."},
                             headers=bob.headers).json()
    assert alice.client.post(f"/api/v1/questions/{question['id']}/accept", json={"answer_id": answer["id"]},
                             headers=alice.headers).status_code in (200, 201)
    data = alice.client.get("/api/v1/users/bob").json()
    assert (data["username"], data["question_count"], data["answer_count"], data["accepted_count"]) == ("bob", 0, 1, 1)
    assert [a["id"] for a in data["answers"]["items"]] == [answer["id"]]
    asker = alice.client.get("/api/v1/users/alice").json()
    assert [q["id"] for q in asker["questions"]["items"]] == [question["id"]]
    assert asker["accepted_count"] == 0
    page = alice.client.get("/users/bob")
    assert page.status_code == 200 and "채택된 답변 1개" in page.text and "/api/v1/users/bob" in page.text
    assert alice.client.get("/users/nobody").status_code == 404
    missing = alice.client.get("/api/v1/users/nobody")
    assert missing.status_code == 404 and "계정을 찾을 수 없습니다" in missing.json()["error"]["message"]
    # the question page links each post to its account, not to an author page
    detail = alice.client.get(f"/api/v1/questions/{question['id']}").json()
    assert detail["author_url"] == "/users/alice" and detail["answers"][0]["author_url"] == "/users/bob"


def test_account_posts_stay_off_author_pages(seeded_factory):
    member = Account(seeded_factory, "member")
    question = member.ask(title="계정으로 쓴 질문은 작성자 목록에 없나요?")
    client = seeded_factory()
    names = {a["name"] for a in client.get("/api/v1/authors?per_page=100").json()["items"]}
    assert "member" not in names and "민규" in names
    minkyu = client.get("/api/v1/authors/민규").json()
    assert all(q["origin"] == "ingested" for q in minkyu["questions"]["items"])
    assert client.get("/api/v1/authors/member").status_code == 404
    assert client.get("/api/v1/users/member").json()["questions"]["items"][0]["id"] == question["id"]
