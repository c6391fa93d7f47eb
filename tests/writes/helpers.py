"""Helpers for the writing tests: sign up through the HTML form, make an API token, post."""

from __future__ import annotations

import re
import sqlite3
from contextlib import contextmanager

CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')
FORM_TOKEN_RE = re.compile(r'name="form_token" value="([^"]+)"')
NEW_TOKEN_RE = re.compile(r'<code id="new-token">([^<]+)</code>')


def csrf_from(html: str) -> str:
    match = CSRF_RE.search(html)
    assert match, "no csrf_token in the page"
    return match.group(1)


def sign_up(client, username: str, password: str = "correct horse 1", display_name: str | None = None):
    page = client.get("/signup")
    response = client.post("/signup", data={
        "username": username, "password": password, "display_name": display_name or username,
        "csrf_token": csrf_from(page.text)}, follow_redirects=False)
    assert response.status_code == 303, response.text
    return response


def make_token(client, name: str = "test") -> str:
    page = client.get("/settings/tokens")
    response = client.post("/settings/tokens", data={"name": name, "csrf_token": csrf_from(page.text)})
    assert response.status_code == 201, response.text
    return NEW_TOKEN_RE.search(response.text).group(1)


def indexed(client) -> None:
    """Let the search index catch up with the writes so far: the web process indexes on a thread a
    moment after each write's response; the tests drain that work at once instead of waiting."""
    client.app.state.search_indexer.flush()


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


class Account:
    """A TestClient logged in through the form, with its API token. Its posts wait for the search
    indexer (search documents, concept and experiment links are written a moment after the response),
    as a reader who looks a moment later sees them; tests of that delay itself post without it."""

    def __init__(self, app_client_factory, username: str):
        self.client = app_client_factory()
        sign_up(self.client, username)
        self.token = make_token(self.client)
        self.headers = bearer(self.token)
        self.username = username

    def csrf(self, path: str = "/ask") -> str:
        return csrf_from(self.client.get(path).text)

    def ask(self, title="역전파는 왜 필요한가요?", body="체인 룰로 기울기를 구합니다. $x^2$", **extra):
        response = self.client.post("/api/v1/questions", json={"title": title, "body": body, **extra},
                                    headers=self.headers)
        assert response.status_code == 201, response.text
        indexed(self.client)
        return response.json()

    def answer(self, question_id: int, body="답변입니다."):
        response = self.client.post(f"/api/v1/questions/{question_id}/answers", json={"body": body},
                                    headers=self.headers)
        assert response.status_code == 201, response.text
        indexed(self.client)
        return response.json()




@contextmanager
def lock_held(database: str):
    """Another connection (as another process would) holds SQLite's write lock until the block ends."""
    other = sqlite3.connect(database, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        yield
    finally:
        other.execute("ROLLBACK")
        other.close()
