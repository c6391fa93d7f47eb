"""Account basics: change password (other sessions and tokens end), change display name (the
identity rules, a history), reset a forgotten password with a one-time link, delete the account
(posts stay, signed "탈퇴한 사용자", the username never free again)."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from sqlmodel import Session, select

from app.cli import main as kb
from app.db.models import User
from app.schemas.names import DELETED_NAME
from tests.conftest import BACKENDS, clients_of
from tests.writes.helpers import Account, bearer, csrf_from, make_token, sign_up

PASSWORD = "correct horse 1"  # tests.writes.helpers.sign_up's
NEW_PASSWORD = "violet kettle orbit 42"


def log_in(client, username: str, password: str):
    page = client.get("/login")
    return client.post("/login", data={"username": username, "password": password,
                                       "csrf_token": csrf_from(page.text)}, follow_redirects=False)


def settings_post(client, action: str, **data):
    page = client.get("/settings")
    assert page.status_code == 200, page.text
    return client.post(f"/settings/{action}", data={**data, "csrf_token": csrf_from(page.text)},
                       follow_redirects=False)


def signed_in(client) -> bool:
    return client.get("/settings", follow_redirects=False).status_code == 200


# --- password change ---------------------------------------------------------------------------------


def refused_then_shown(client, refused) -> str:
    """A refused password form redirects to the settings page, which shows why once (a flash): the
    page a reload asks for again is that GET, not the POST with the password."""
    assert refused.status_code == 303 and refused.headers["location"] == "/settings", refused.text[:300]
    shown = client.get(refused.headers["location"])
    assert shown.status_code == 200
    error = shown.text.split('class="form-error" role="alert">', 1)[1].split("</p>", 1)[0]
    again = client.get("/settings").text
    assert 'class="form-error"' not in again  # shown once: a later visit is a plain settings page
    return error


def test_a_wrong_current_password_redirects_and_changes_nothing(client_factory, engine):
    alice = Account(client_factory, "alice")
    laptop = client_factory()
    assert log_in(laptop, "alice", PASSWORD).status_code == 303
    with Session(engine) as session:
        before = session.exec(select(User.password_hash).where(User.username == "alice")).one()

    wrong = settings_post(alice.client, "password", current_password="not my password", new_password=NEW_PASSWORD)
    assert "flash" in wrong.headers.get("set-cookie", "")
    error = refused_then_shown(alice.client, wrong)
    assert "비밀번호가 맞지 않습니다" in error
    with Session(engine) as session:
        assert session.exec(select(User.password_hash).where(User.username == "alice")).one() == before
    assert signed_in(laptop) and signed_in(alice.client)
    assert alice.client.get("/api/v1/me", headers=alice.headers).status_code == 200
    assert log_in(client_factory(), "alice", PASSWORD).status_code == 303  # the old password still works

    gone = settings_post(alice.client, "delete", password="not my password")  # the other password form
    assert "비밀번호가 맞지 않습니다" in refused_then_shown(alice.client, gone)
    assert signed_in(alice.client)



def test_a_password_change_logs_the_other_sessions_out(client_factory):
    alice = Account(client_factory, "alice")  # a session and an API token
    laptop = client_factory()
    assert log_in(laptop, "alice", PASSWORD).status_code == 303 and signed_in(laptop)

    wrong = settings_post(alice.client, "password", current_password="not my password", new_password=NEW_PASSWORD)
    assert "비밀번호가 맞지 않습니다" in refused_then_shown(alice.client, wrong)
    weak = settings_post(alice.client, "password", current_password=PASSWORD, new_password="alice12345678")
    assert "아이디를 넣을 수 없습니다" in refused_then_shown(alice.client, weak)
    assert signed_in(laptop)  # refused changes end nothing

    done = settings_post(alice.client, "password", current_password=PASSWORD, new_password=NEW_PASSWORD)
    # a redirect to the settings page: reloading it does not send the (now old) password again
    assert done.status_code == 303 and done.headers["location"] == "/settings?done=password&sessions=1&tokens=1"
    shown = alice.client.get(done.headers["location"]).text
    assert "다른 곳의 로그인 1개를 끝내고 API 토큰 1개를 폐기했습니다" in shown
    assert signed_in(alice.client)  # the session that changed it stays
    assert not signed_in(laptop)
    assert laptop.get("/settings", follow_redirects=False).headers["location"].startswith("/login")
    assert alice.client.get("/api/v1/me", headers=alice.headers).status_code == 401
    fresh = client_factory()
    assert log_in(fresh, "alice", PASSWORD).status_code == 401
    assert log_in(fresh, "alice", NEW_PASSWORD).status_code == 303


@pytest.mark.parametrize("backend", BACKENDS)
def test_the_api_keeps_the_token_that_changed_the_password(client_factory):
    alice = Account(client_factory, "alice")
    other_token = make_token(alice.client, "다른 토큰")
    changed = alice.client.put("/api/v1/me/password", headers=alice.headers,
                               json={"current_password": PASSWORD, "new_password": NEW_PASSWORD})
    assert changed.status_code == 200, changed.text
    assert changed.json() == {"sessions_ended": 1, "tokens_revoked": 1}
    assert alice.client.get("/api/v1/me", headers=alice.headers).json()["username"] == "alice"
    assert alice.client.get("/api/v1/me", headers=bearer(other_token)).status_code == 401
    assert not signed_in(alice.client)
    wrong = alice.client.put("/api/v1/me/password", headers=alice.headers,
                             json={"current_password": PASSWORD, "new_password": "another long phrase 7"})
    assert wrong.status_code == 403 and wrong.json()["error"]["code"] == "wrong_password"


# --- display name ------------------------------------------------------------------------------------


def test_a_new_display_name_signs_every_post_and_the_old_one_is_kept(client_factory):
    alice, bob = Account(client_factory, "alice"), Account(client_factory, "bob")
    question = alice.ask()
    answer = alice.answer(question["id"])
    reader = client_factory()
    assert reader.get(f"/api/v1/questions/{question['id']}").json()["author"] == "alice"  # cached for everyone
    assert "alice" in reader.get("/questions").text
    changed = settings_post(alice.client, "display-name", display_name="앨리스")
    assert changed.status_code == 303 and changed.headers["location"] == "/settings?done=display-name"
    page = alice.client.get(changed.headers["location"]).text
    assert "표시 이름을 바꿨습니다" in page and "alice → 앨리스" in page
    shown = client_factory().get(f"/api/v1/questions/{question['id']}").json()
    assert shown["author"] == "앨리스" and shown["answers"][0]["author"] == "앨리스"
    assert shown["answers"][0]["id"] == answer["id"]
    assert "앨리스" in bob.client.get(f"/questions/{question['id']}").text
    assert reader.get(f"/api/v1/questions/{question['id']}").json()["author"] == "앨리스"
    assert "앨리스" in reader.get("/questions").text and ">alice<" not in reader.get("/questions").text
    me = alice.client.get("/api/v1/me", headers=alice.headers).json()
    assert me["display_name"] == "앨리스"
    assert [(c["old_name"], c["new_name"]) for c in me["name_history"]] == [("alice", "앨리스")]

    # the sign-up rules hold: another account's name (in any case), a reserved one
    taken = bob.client.put("/api/v1/me/display-name", headers=bob.headers, json={"display_name": "앨리스"})
    assert taken.status_code == 409 and taken.json()["error"]["code"] == "display_name_taken"
    assert taken.json()["error"]["message"].startswith("'앨리스'는 이미 다른 계정이 쓰는 표시 이름")  # not 은(는)
    gone = bob.client.put("/api/v1/me/display-name", headers=bob.headers, json={"display_name": DELETED_NAME})
    assert gone.status_code == 409 and gone.json()["error"]["code"] == "display_name_reserved"
    form = settings_post(bob.client, "display-name", display_name="ALICE")  # alice's name is free again
    assert form.status_code == 303
    refused = settings_post(bob.client, "display-name", display_name="앨리스")
    assert refused.status_code == 409 and "이미 다른 계정이 쓰는 표시 이름" in refused.text


@pytest.fixture
def seeded_factory(seeded_settings):
    from tests.apps import new_app

    yield from clients_of(new_app(seeded_settings))


def test_a_source_authors_name_stays_reserved(seeded_factory):
    alice = Account(seeded_factory, "alice")
    refused = alice.client.put("/api/v1/me/display-name", headers=alice.headers, json={"display_name": "민규"})
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "display_name_reserved"
    assert "원본 자료에 글을 쓴 스터디 구성원의 이름" in refused.json()["error"]["message"]


# --- password reset -----------------------------------------------------------------------------------


def reset_link(settings, monkeypatch, capsys, username: str) -> str:
    monkeypatch.setenv("KB_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("KB_BASE_URL", "https://kb.example.org")
    assert kb(["user", "reset-password", username]) == 0
    out = capsys.readouterr()
    assert "한 번만 쓸 수 있고" in out.err
    link = out.out.strip()
    assert re.fullmatch(r"https://kb\.example\.org/reset-password\?token=[\w-]{40,}", link), link
    parts = urlsplit(link)
    return f"{parts.path}?{parts.query}"


def test_a_reset_link_works_once_and_ends_every_session(client_factory, settings, monkeypatch, capsys):
    alice = Account(client_factory, "alice")
    stranger = client_factory()
    page = stranger.get(reset_link(settings, monkeypatch, capsys, "alice"))
    assert page.status_code == 200 and "@alice 계정의 새 비밀번호" in page.text
    token = re.search(r'name="token" value="([^"]+)"', page.text).group(1)
    weak = stranger.post("/reset-password", data={"token": token, "new_password": "short",
                                                  "csrf_token": csrf_from(page.text)}, follow_redirects=False)
    assert weak.status_code == 422 and "10자 이상" in weak.text  # a refused password does not spend the link
    done = stranger.post("/reset-password", data={"token": token, "new_password": NEW_PASSWORD,
                                                  "csrf_token": csrf_from(page.text)}, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"].startswith("/login?reset=1")
    assert "새 비밀번호로 로그인해 주세요" in stranger.get(done.headers["location"]).text
    assert not signed_in(alice.client)
    assert alice.client.get("/api/v1/me", headers=alice.headers).status_code == 401
    assert log_in(client_factory(), "alice", NEW_PASSWORD).status_code == 303

    again = stranger.post("/reset-password", data={"token": token, "new_password": "yet another phrase 9",
                                                   "csrf_token": csrf_from(page.text)}, follow_redirects=False)
    assert again.status_code == 404 and "이미 쓰였거나" in again.text
    api = stranger.post("/api/v1/password-reset", json={"token": token, "new_password": "yet another phrase 9"})
    assert api.status_code == 404 and api.json()["error"]["code"] == "reset_invalid"
    assert log_in(client_factory(), "alice", NEW_PASSWORD).status_code == 303


def test_a_reset_link_expires_and_a_newer_one_replaces_it(app, client_factory, settings, monkeypatch, capsys):
    from app.clock import now_utc
    from app.db.models import PasswordReset
    from app.services.accounts import sha256

    Account(client_factory, "alice")
    first = reset_link(settings, monkeypatch, capsys, "alice")
    second = reset_link(settings, monkeypatch, capsys, "alice")
    client = client_factory()
    assert client.get(first).status_code == 404  # a newer link replaced it
    token = second.split("token=", 1)[1]
    with Session(app.state.engine) as session:
        row = session.get(PasswordReset, sha256(token))
        row.expires_at = now_utc() - timedelta(seconds=1)
        session.add(row)
        session.commit()
    expired = client.post("/api/v1/password-reset", json={"token": token, "new_password": NEW_PASSWORD})
    assert expired.status_code == 404 and "만료" in expired.json()["error"]["message"]
    assert log_in(client_factory(), "alice", PASSWORD).status_code == 303  # the password did not change
    monkeypatch.setenv("KB_DATABASE_URL", settings.database_url)
    assert kb(["user", "reset-password", "nobody"]) == 1
    assert "계정을 찾을 수 없습니다" in capsys.readouterr().err


# --- deleting the account -------------------------------------------------------------------------------


def test_a_deleted_accounts_posts_show_as_deleted_user(client_factory):
    alice, bob = Account(client_factory, "alice"), Account(client_factory, "bob")
    question = alice.ask()
    bob.answer(question["id"])
    bob_laptop = client_factory()
    assert log_in(bob_laptop, "bob", PASSWORD).status_code == 303
    reader = client_factory()  # anonymous: its pages come from the shared cache, warmed here
    for path in (f"/questions/{question['id']}", f"/api/v1/questions/{question['id']}", "/users/bob",
                 "/api/v1/users/bob"):
        assert reader.get(path).status_code == 200 and "bob" in reader.get(path).text

    wrong = settings_post(bob.client, "delete", password="not my password")
    assert "비밀번호가 맞지 않습니다" in refused_then_shown(bob.client, wrong)
    gone = settings_post(bob.client, "delete", password=PASSWORD)
    assert gone.status_code == 200 and "탈퇴했습니다" in gone.text

    shown = alice.client.get(f"/api/v1/questions/{question['id']}").json()["answers"][0]
    assert shown["author"] == DELETED_NAME and shown["author_url"] is None
    page = alice.client.get(f"/questions/{question['id']}").text
    assert DELETED_NAME in page and "/users/bob" not in page
    assert alice.client.get("/api/v1/users/bob").status_code == 404
    assert reader.get("/users/bob").status_code == 404 and reader.get("/api/v1/users/bob").status_code == 404
    assert reader.get(f"/api/v1/questions/{question['id']}").json()["answers"][0]["author"] == DELETED_NAME
    assert DELETED_NAME in reader.get(f"/questions/{question['id']}").text
    assert not signed_in(bob.client) and not signed_in(bob_laptop)
    assert bob.client.get("/api/v1/me", headers=bob.headers).status_code == 401
    assert log_in(client_factory(), "bob", PASSWORD).status_code == 401
    impostor = client_factory()
    form = impostor.get("/signup")
    again = impostor.post("/signup", data={"username": "bob", "password": PASSWORD, "display_name": "밥",
                                           "csrf_token": csrf_from(form.text)}, follow_redirects=False)
    assert again.status_code == 409 and "이미 사용 중인 아이디" in again.text
    sign_up(client_factory(), "robert", display_name="bob")  # the display name itself is free again


@pytest.mark.parametrize("backend", BACKENDS)
def test_the_api_deletes_with_the_password(app, client_factory):
    from app.db.models import Notification, User, Watch

    alice, bob = Account(client_factory, "alice"), Account(client_factory, "bob")
    asked = alice.ask()
    bob.answer(asked["id"])  # alice's inbox gets one, and she watches her question
    assert alice.client.put("/api/v1/me/notification-settings", headers=alice.headers,
                            json={"email": "alice@example.org", "email_notifications": False}).status_code == 200
    assert len(alice.client.get("/api/v1/inbox", headers=alice.headers).json()["items"]) == 1
    with Session(app.state.engine) as session:
        assert session.get(Watch, (1, asked["id"])) is not None
    refused = alice.client.request("DELETE", "/api/v1/me", headers=alice.headers, json={"password": "nope"})
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "wrong_password"
    assert alice.client.request("DELETE", "/api/v1/me", headers=alice.headers,
                                json={"password": PASSWORD}).status_code == 204
    listed = alice.client.get("/api/v1/questions", params={"sort": "newest"}).json()["items"]
    assert listed[0]["author"] == DELETED_NAME and listed[0]["author_url"] is None
    with Session(app.state.engine) as session:
        row = session.get(User, 1)
        assert (row.username, row.email, row.deleted_at is not None) == ("alice", None, True)
        assert session.get(Watch, (1, asked["id"])) is None
        assert session.get(Notification, 1) is None  # the one notification alice had


def test_an_export_signs_a_deleted_accounts_posts_and_reads_them_back(client_factory, settings, tmp_path,
                                                                       monkeypatch, capsys):
    from app.ingest.shapes import parse_document

    alice, bob = Account(client_factory, "alice"), Account(client_factory, "bob")
    question = alice.ask()
    reply_to = bob.answer(question["id"], body="체인 룰로 구합니다.")
    alice.client.post(f"/api/v1/answers/{reply_to['id']}/replies", json={"body": "고마워요"}, headers=alice.headers)
    assert bob.client.request("DELETE", "/api/v1/me", headers=bob.headers,
                              json={"password": PASSWORD}).status_code == 204
    monkeypatch.setenv("KB_DATABASE_URL", settings.database_url)
    assert kb(["export", str(tmp_path / "out")]) == 0, capsys.readouterr().out
    text = (tmp_path / "out" / "nodes" / "general.md").read_text(encoding="utf-8")
    thread = parse_document("nodes", text, "nodes/general.md").questions()[0]
    assert thread.author == "alice"
    assert thread.answers[0].author == DELETED_NAME and thread.answers[0].replies[0].author == "alice"


# Without SMTP nothing is sent: the form says to ask an admin, and the API answers 404 (a 5xx would say
# the server failed; it just has no mail to send). With SMTP: test_reset_by_email.
def test_without_smtp_nothing_is_sent_and_the_cli_link_is_the_way(client_factory, settings, monkeypatch, capsys):
    client = client_factory()
    page = client.get("/forgot-password")
    assert page.status_code == 200 and "관리자에게 비밀번호 재설정 링크를 부탁하세요" in page.text
    assert 'action="/forgot-password"' not in page.text
    refused = client.post("/api/v1/password-reset/request", json={"login": "alice"})
    assert refused.status_code == 404 and refused.json()["error"]["code"] == "email_unavailable"
    monkeypatch.setenv("KB_DATABASE_URL", settings.database_url)
    monkeypatch.delenv("KB_SMTP_HOST", raising=False)
    assert kb(["user", "reset-password", "alice", "--email"]) == 1
    assert "KB_SMTP_HOST" in capsys.readouterr().err
