"""Passwords: at least 10 characters, without the username, not in zxcvbn's common lists; the
Korean message names the rule that failed (the form and the envelope say the same)."""

from __future__ import annotations

import pytest

from app.errors import AppError
from app.services.accounts import check_password
from tests.writes.helpers import csrf_from


@pytest.mark.parametrize("password, rule", [
    ("12345678", "min_length"),
    ("password", "min_length"),
    (" " * 8, "min_length"),
    ("짧은비번", "min_length"),
    ("grace", "min_length"),
    ("grace12345678", "contains_username"),
    ("xxGRACExxyyzz", "contains_username"),
    ("1234567890", "common"),
    ("password123", "common"),
    ("qwertyuiop", "common"),
    (" " * 12, "common"),
    ("aaaaaaaaaaaa", "common"),
    ("x" * 257, "max_length"),
])
def test_each_rule_refuses_with_its_own_message(password, rule):
    with pytest.raises(AppError) as caught:
        check_password(password, "grace")
    assert caught.value.status_code == 422
    assert caught.value.details[0]["rule"] == rule and caught.value.details[0]["field"] == "password"
    words = {"min_length": "10자 이상", "contains_username": "아이디", "common": "흔하거나",
             "max_length": "256자 이하"}
    assert words[rule] in caught.value.message


@pytest.mark.parametrize("password", ["correct horse battery", "학습률을 줄이면 안정됩니다", "long enough pw", "".join(chr(0xAC00 + 37 * n) for n in range(200))])
def test_long_uncommon_passwords_pass(password):
    check_password(password, "grace")


def test_the_signup_form_says_which_rule_failed(client):
    for password, words in (("12345678", "10자 이상"), ("heidi-heidi-heidi", "아이디"), ("1234567890", "흔하거나")):
        page = client.get("/signup")
        response = client.post("/signup", data={"username": "heidi", "password": password, "display_name": "",
                                                 "csrf_token": csrf_from(page.text)}, headers={"Accept": "text/html"})
        assert response.status_code == 422 and words in response.text
    page = client.get("/signup")
    ok = client.post("/signup", data={"username": "heidi", "password": "a long and rare phrase",
                                      "csrf_token": csrf_from(page.text)}, follow_redirects=False)
    assert ok.status_code == 303
