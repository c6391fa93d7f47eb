"""Password reset by e-mail when SMTP is set: the "forgot password" form (and its JSON twin) has a
background job make a one-time link and mail it to the account's address, answering the same
whoever is named; `kb user reset-password --email` mails it too. (Without SMTP: test_account_settings.)"""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest

from app.cli import main as kb
from tests.notify.smtp_sink import smtp_sink
from tests.writes.helpers import Account, csrf_from

NEW_PASSWORD = "violet kettle orbit 42"


@pytest.fixture
def sink() -> Iterator[tuple[int, list]]:
    """A local SMTP server on 127.0.0.1 in this process, keeping what it receives."""
    with smtp_sink() as (port, received):
        yield port, received.messages


@pytest.fixture
def settings(settings, sink):
    """The writing fixtures (app, client_factory) with a mail server."""
    return settings.with_overrides(smtp_host="127.0.0.1", smtp_port=sink[0], smtp_security="none",
                                   base_url="https://kb.example.org")


def with_address(account: Account, address: str) -> None:
    saved = account.client.put("/api/v1/me/notification-settings", headers=account.headers,
                               json={"email": address, "email_notifications": False})
    assert saved.status_code == 200, saved.text


def link_in(message) -> str:
    found = re.search(r"https://kb\.example\.org(/reset-password\?token=[\w-]+)", message.get_content())
    assert found, message.get_content()
    return found.group(1)


def test_the_forgot_form_mails_a_one_time_link(app, client_factory, sink):
    make, received = client_factory, sink[1]
    alice = Account(make, "alice")
    with_address(alice, "alice@example.org")
    Account(make, "bob")  # no address: nothing to send to
    stranger = make()
    form = stranger.get("/forgot-password")
    assert form.status_code == 200 and 'action="/forgot-password"' in form.text
    answers = []
    for login in ("alice", "bob", "nobody", "ALICE@example.org"):
        answers.append(stranger.post("/forgot-password", data={"login": login, "csrf_token": csrf_from(form.text)}))
    assert {a.status_code for a in answers} == {200}
    assert len({re.search(r'class="form-done"[^>]*>([^<]+)', a.text).group(1) for a in answers}) == 1  # no hint
    app.state.mailer.wait()
    assert [m["To"] for m in received] == ["alice@example.org", "alice@example.org"]
    assert received[0]["Subject"] == "[질문창고] 비밀번호 재설정 링크" and "@alice" in received[0].get_content()

    first, latest = link_in(received[0]), link_in(received[1])
    assert stranger.get(first).status_code == 200  # the newer link did not end the one mailed before it
    page = stranger.get(latest)
    assert page.status_code == 200 and "@alice 계정의 새 비밀번호" in page.text
    done = stranger.post("/reset-password", data={"token": urlsplit(latest).query.removeprefix("token="),
                                                  "new_password": NEW_PASSWORD, "csrf_token": csrf_from(page.text)},
                         follow_redirects=False)
    assert done.status_code == 303
    assert alice.client.get("/api/v1/me", headers=alice.headers).status_code == 401  # every credential ended
    assert stranger.get(latest).status_code == 404
    assert stranger.get(first).status_code == 404  # the password is reset: the account's other links end


def test_the_api_twin_and_the_cli_mail_it_too(app, client_factory, sink, settings, monkeypatch, capsys):
    make, received = client_factory, sink[1]
    alice = Account(make, "alice")
    with_address(alice, "alice@example.org")
    asked = make().post("/api/v1/password-reset/request", json={"login": "alice"})
    assert asked.status_code == 202 and "보냈습니다" in asked.json()["message"]
    assert make().post("/api/v1/password-reset/request", json={"login": "nobody"}).json() == asked.json()
    app.state.mailer.wait()
    assert len(received) == 1

    monkeypatch.setenv("KB_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("KB_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("KB_SMTP_PORT", str(settings.smtp_port))
    monkeypatch.setenv("KB_SMTP_SECURITY", "none")
    monkeypatch.setenv("KB_BASE_URL", "https://kb.example.org")
    assert kb(["user", "reset-password", "alice", "--email"]) == 0
    assert "전자우편 주소로 재설정 링크를 보냈습니다" in capsys.readouterr().out
    assert len(received) == 2 and make().get(link_in(received[1])).status_code == 200
    Account(make, "bob")
    assert kb(["user", "reset-password", "bob", "--email"]) == 1
    assert "전자우편 주소가 없습니다" in capsys.readouterr().err
