"""Failed logins slow down the address that fails, never the owner of the name elsewhere."""

from __future__ import annotations

from fastapi.testclient import TestClient

from app.auth.limits import LoginThrottle
from tests.writes.helpers import csrf_from, sign_up


def try_login(app, address: str, username: str, password: str):
    client = TestClient(app, client=(address, 40000))
    csrf = csrf_from(client.get("/login").text)
    return client.post("/login", data={"username": username, "password": password, "csrf_token": csrf},
                       follow_redirects=False)


def test_the_owner_logs_in_from_another_address_whatever_others_tried(app, client_factory):
    sign_up(client_factory(), "grace", password="the owner's own long secret")
    app.state.settings = app.state.settings.with_overrides(rate_limit_logins_per_minute=1000)
    codes = [try_login(app, "10.0.0.1", "grace", f"guess number {n}").status_code for n in range(12)]
    assert codes[:LoginThrottle.FREE_PAIR_FAILURES] == [401] * LoginThrottle.FREE_PAIR_FAILURES
    assert codes[LoginThrottle.FREE_PAIR_FAILURES] == 429  # the guesser waits
    refused = try_login(app, "10.0.0.1", "grace", "guess again")
    assert refused.status_code == 429 and int(refused.headers["retry-after"]) >= 1
    assert "초 뒤에 다시" in refused.text
    owner = try_login(app, "10.0.0.2", "grace", "the owner's own long secret")
    assert owner.status_code == 303 and owner.headers["location"] == "/"


def test_delays_grow_exponentially_and_a_success_clears_them():
    now = [1000.0]
    throttle = LoginThrottle(clock=lambda: now[0])
    for _ in range(LoginThrottle.FREE_PAIR_FAILURES):
        throttle.check("grace", "1.2.3.4")
        throttle.failed("grace", "1.2.3.4")
    waits = []
    for _ in range(4):
        waits.append(throttle.wait_s("grace", "1.2.3.4"))
        now[0] += waits[-1]
        assert throttle.wait_s("grace", "1.2.3.4") == 0
        throttle.failed("grace", "1.2.3.4")
    assert waits == [1.0, 2.0, 4.0, 8.0]
    assert throttle.wait_s("grace", "5.6.7.8") == 0  # the name itself is never locked
    now[0] += throttle.wait_s("grace", "1.2.3.4")
    throttle.succeeded("grace", "1.2.3.4")
    assert throttle.wait_s("grace", "1.2.3.4") == 0
    throttle.failed("henry", "9.9.9.9")
    now[0] += LoginThrottle.FORGET_AFTER_S
    throttle.failed("henry", "9.9.9.9")  # an hour later it counts from one again
    assert throttle.wait_s("henry", "9.9.9.9") == 0


def test_one_address_spraying_many_names_waits_and_others_do_not(app):
    app.state.settings = app.state.settings.with_overrides(rate_limit_logins_per_minute=1000)
    codes = [try_login(app, "10.0.0.7", f"user{n}", "spray password").status_code
             for n in range(LoginThrottle.FREE_ADDRESS_FAILURES + 1)]
    assert codes[:-1] == [401] * LoginThrottle.FREE_ADDRESS_FAILURES and codes[-1] == 429
    assert try_login(app, "10.0.0.8", "user0", "spray password").status_code == 401
