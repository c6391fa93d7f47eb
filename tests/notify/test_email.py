"""Notification e-mail: sent after the request by a background job (a thread of the web process, or
`kb worker` through the Redis task queue), only to accounts that gave an address and asked for it;
without SMTP settings nothing is sent and nothing fails. A local SMTP sink receives the mail."""

from __future__ import annotations

from contextlib import contextmanager

import pytest
from sqlmodel import Session

from app.services.mail import deliver
from tests.conftest import clients_of
from tests.notify.smtp_sink import free_port, smtp_sink
from tests.notify.test_inbox import inbox
from tests.redis_server import binary, redis_server
from tests.writes.helpers import Account, csrf_from


def ask_for_email(account, address: str, wanted: bool = True):
    page = account.client.get("/settings/notifications")
    assert page.status_code == 200
    data = {"csrf_token": csrf_from(page.text), "email": address}
    if wanted:
        data["email_notifications"] = "1"
    return account.client.post("/settings/notifications", data=data)


@pytest.fixture
def sink():
    with smtp_sink() as found:
        yield found


@pytest.fixture
def mail_app(settings, sink):
    from tests.apps import new_app

    port, _ = sink
    return new_app(settings.with_overrides(smtp_host="127.0.0.1", smtp_port=port, smtp_security="none",
                                              smtp_from="질문창고 <noreply@kb.test>", base_url="https://kb.test"))


@pytest.fixture
def mail_factory(mail_app):
    yield from clients_of(mail_app)


def test_an_answer_is_emailed_to_the_asker_who_asked_for_it(mail_app, mail_factory, sink):
    _, received = sink
    alice, bob, carol = (Account(mail_factory, name) for name in ("alice", "bob", "carol"))
    saved = ask_for_email(alice, "alice@example.com")
    assert saved.status_code == 200 and "저장했습니다" in saved.text
    ask_for_email(carol, "carol@example.com", wanted=False)  # an address, but no e-mail wanted

    question = alice.ask(title="가중치 감쇠는 L2와 같나요?")
    carol.client.post(f"/api/v1/questions/{question['id']}/watch", headers=carol.headers)
    answer = bob.answer(question["id"], body="SGD에서는 같고 Adam에서는 다릅니다.")
    mail_app.state.mailer.wait()

    assert len(received.messages) == 1
    [mail] = received.messages
    assert mail["To"] == "alice@example.com" and "noreply@kb.test" in mail["From"]
    assert mail["Subject"] == "[질문창고] bob 님이 「가중치 감쇠는 L2와 같나요?」에 답변을 달았습니다."
    body = mail.get_content()
    assert f"https://kb.test/questions/{question['id']}#answer-{answer['id']}" in body
    assert "https://kb.test/settings/notifications" in body
    assert inbox(carol)["total"] == 1  # carol's is in her inbox only

    # The job stamps what it sent: handing it the same notifications again sends nothing twice.
    ids = [item["id"] for item in inbox(alice)["items"]]
    assert deliver(mail_app.state.engine, mail_app.state.settings, ids) == 0
    assert len(received.messages) == 1


def test_a_mail_server_that_is_down_fails_nothing(settings):
    from app.db.models import Notification
    from tests.apps import new_app

    app = new_app(settings.with_overrides(smtp_host="127.0.0.1", smtp_port=free_port(), smtp_security="none"))
    with contextmanager(clients_of)(app) as make:
        alice, bob = Account(make, "alice"), Account(make, "bob")
        ask_for_email(alice, "alice@example.com")
        question = alice.ask()
        app.state.mailer.retry_delays_s = ()  # one try: wait() would sit out 30 s + 2 min + 10 min of retries
        bob.answer(question["id"])  # 201: the request never waits for the mail server
        app.state.mailer.wait()  # the job ran, failed to connect, and logged it
        assert inbox(alice)["unread_count"] == 1
        with Session(app.state.engine) as session:
            item = session.get(Notification, inbox(alice)["items"][0]["id"])
            assert item.emailed_at is None  # not marked as sent: it was not


def test_without_smtp_settings_nothing_is_sent_and_nothing_fails(app, alice, bob, sink, settings):
    _, received = sink
    assert app.state.mailer is None
    page = alice.client.get("/settings/notifications")
    assert "설정되어 있지 않아" in page.text
    assert ask_for_email(alice, "alice@example.com").status_code == 200  # the choice is kept for later
    question = alice.ask()
    bob.answer(question["id"])
    assert inbox(alice)["unread_count"] == 1
    ids = [item["id"] for item in inbox(alice)["items"]]
    assert deliver(app.state.engine, settings, ids) == 0 and received.messages == []
    got = alice.client.get("/api/v1/me/notification-settings", headers=alice.headers).json()
    assert got == {"email": "alice@example.com", "email_notifications": True, "email_available": False}


def test_settings_refuse_a_bad_address_and_email_without_one(alice):
    bad = ask_for_email(alice, "not-an-address")
    assert bad.status_code == 422 and "전자우편 주소가 올바르지 않습니다" in bad.text
    assert 'value="not-an-address"' in bad.text  # what was typed is shown again
    missing = ask_for_email(alice, "")
    assert missing.status_code == 422 and "주소를 적어 주세요" in missing.text
    api = alice.client.put("/api/v1/me/notification-settings", json={"email": "a b@x.y"}, headers=alice.headers)
    assert api.status_code == 422 and api.json()["error"]["details"][0]["field"] == "email"
    cleared = alice.client.put("/api/v1/me/notification-settings", json={"email": None}, headers=alice.headers)
    assert cleared.status_code == 200 and cleared.json()["email"] is None


@pytest.mark.parametrize(("variable", "value", "meaning"), [
    ("KB_SMTP_PORT", "abc", "포트 번호"),
    ("KB_SMTP_PORT", "70000", "포트 번호"),
    ("KB_SMTP_HOST", "smtp://mail.example.com", "호스트 이름"),
    ("KB_SMTP_SECURITY", "ssl", "starttls, tls, none"),
    ("KB_SMTP_FROM", "nobody", "보내는 사람 주소"),
])
def test_bad_smtp_settings_are_one_korean_line(monkeypatch, variable, value, meaning):
    from app.config import Settings, SettingsError

    monkeypatch.setenv(variable, value)
    with pytest.raises(SettingsError) as caught:
        Settings.from_env()
    assert f"{variable}={value!r}" in str(caught.value) and meaning in str(caught.value)


def test_good_smtp_settings_reach_the_settings(monkeypatch):
    from app.config import Settings

    for name, value in {"KB_SMTP_HOST": "smtp.example.com", "KB_SMTP_PORT": "2525", "KB_SMTP_SECURITY": "tls",
                        "KB_SMTP_USERNAME": "kb", "KB_SMTP_PASSWORD": "secret",
                        "KB_SMTP_FROM": "질문창고 <noreply@example.com>"}.items():
        monkeypatch.setenv(name, value)
    found = Settings.from_env()
    assert (found.smtp_host, found.smtp_port, found.smtp_security, found.smtp_username) == (
        "smtp.example.com", 2525, "tls", "kb")
    assert found.email_enabled and found.smtp_from == "질문창고 <noreply@example.com>"


@pytest.mark.slow  # a real redis-server
@pytest.mark.skipif(binary() is None, reason="redis-server missing (make test installs it)")
def test_with_a_task_queue_the_email_is_a_job_for_the_worker(settings, sink, monkeypatch):
    """The web side only enqueues; a worker on the task queue (here RQ's in-process SimpleWorker on the
    queue `kb worker` serves) sends it, with the settings it reads from the environment."""
    from rq import Queue, SimpleWorker

    from app.demos.queue import TASK_QUEUE, connect
    from tests.apps import new_app

    port, received = sink
    with redis_server() as url:
        app = new_app(settings.with_overrides(smtp_host="127.0.0.1", smtp_port=port, smtp_security="none",
                                                 task_queue_url=url))
        with contextmanager(clients_of)(app) as make:
            alice, bob = Account(make, "alice"), Account(make, "bob")
            ask_for_email(alice, "alice@example.com")
            question = alice.ask()
            bob.answer(question["id"])
        queue = Queue(TASK_QUEUE, connection=connect(url))
        assert queue.count == 1 and received.messages == []  # queued, not sent by the web side

        for name, value in {"KB_DATABASE_URL": settings.database_url, "KB_SMTP_HOST": "127.0.0.1",
                            "KB_SMTP_PORT": str(port), "KB_SMTP_SECURITY": "none"}.items():
            monkeypatch.setenv(name, value)
        SimpleWorker([queue], connection=queue.connection).work(burst=True)
        assert [mail["To"] for mail in received.messages] == ["alice@example.com"]


def test_a_reopened_question_is_emailed_like_the_other_moderator_actions(mail_app, mail_factory, sink):
    from tests.moderation.conftest import promoted

    _, received = sink
    alice, bob = Account(mail_factory, "alice"), Account(mail_factory, "bob")
    mod = promoted(mail_app, Account(mail_factory, "minji"), "moderator")
    ask_for_email(alice, "alice@example.com")
    ask_for_email(bob, "bob@example.com")
    question = alice.ask(title="다시 열리면 메일이 오나요?")
    bob.client.post(f"/api/v1/questions/{question['id']}/watch", headers=bob.headers)
    mod.client.post(f"/api/v1/questions/{question['id']}/close", json={"reason": "잠시 닫음"}, headers=mod.headers)
    mail_app.state.mailer.wait()
    assert [mail["To"] for mail in received.messages] == ["alice@example.com"]  # closing tells the asker

    assert mod.client.post(f"/api/v1/questions/{question['id']}/reopen", headers=mod.headers).status_code == 200
    mail_app.state.mailer.wait()
    reopened = received.messages[1:]
    assert sorted(mail["To"] for mail in reopened) == ["alice@example.com", "bob@example.com"]
    assert {mail["Subject"] for mail in reopened} == {
        "[질문창고] 운영자가 닫혀 있던 질문 「다시 열리면 메일이 오나요?」을 다시 열었습니다. "
        "이제 답변을 달 수 있습니다."}
    assert f"https://kb.test/questions/{question['id']}" in reopened[0].get_content()
