"""content/authors.toml: an editor links a site account to a source author, so a study member can
claim their posts in content/. The account's /users page lists them too, the author's page links to
the account, the account may take that name, and `kb export` writes the same bytes as without claims."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from app import urls
from app.cli import main as kb
from tests.conftest import CONTENT_DIR, clients_of
from tests.writes.helpers import Account

AUTHOR = "태하"  # signs questions and answers in content/nodes/deep-hankkeut-nodes.md


@pytest.fixture
def factory(seeded_settings):
    from tests.apps import new_app

    yield from clients_of(new_app(seeded_settings))


@pytest.fixture
def content(tmp_path) -> Path:
    """A copy of content/ an editor can add authors.toml to (the files stay byte-identical)."""
    folder = tmp_path / "content"
    shutil.copytree(CONTENT_DIR, folder)
    return folder


def ingest(settings, content: Path, monkeypatch, capsys) -> dict:
    monkeypatch.setenv("KB_DATABASE_URL", settings.database_url)
    code = kb(["ingest", str(content), "--workers", "1", "--json"])
    report = json.loads(capsys.readouterr().out)
    return {"code": code, "problems": report["author_claim_problems"]}


def test_a_claimed_author_is_listed_on_the_account_page(factory, seeded_settings, content, monkeypatch, capsys):
    member = Account(factory, "taeha")
    member.ask(title="계정으로 올린 질문입니다")
    reader = factory()
    source = reader.get(f"/api/v1/authors/{AUTHOR}").json()
    assert source["account"] is None and source["question_count"] + source["answer_count"] > 0
    before = reader.get("/api/v1/users/taeha").json()
    assert before["question_count"] == 1 and before["claimed_authors"] == []

    (content / "authors.toml").write_text(f'[[author]]\nname = "{AUTHOR}"\nusername = "taeha"\n', encoding="utf-8")
    assert ingest(seeded_settings, content, monkeypatch, capsys) == {"code": 0, "problems": []}

    page = reader.get("/api/v1/users/taeha").json()
    assert page["claimed_authors"] == [AUTHOR]
    assert page["question_count"] == 1 + source["question_count"]
    assert page["answer_count"] == source["answer_count"]
    titles = {q["title"] for q in page["questions"]["items"]}
    assert "계정으로 올린 질문입니다" in titles
    assert {q["title"] for q in source["questions"]["items"]} <= titles
    assert {a["id"] for a in page["answers"]["items"]} == {a["id"] for a in source["answers"]["items"]}
    html = reader.get("/users/taeha").text
    assert "원본 자료에서 쓴 이름" in html and f'href="{urls.author(AUTHOR)}"' in html

    linked = reader.get(f"/api/v1/authors/{AUTHOR}").json()
    assert linked["account"] == {"username": "taeha", "display_name": "taeha", "url": "/users/taeha"}
    assert linked["question_count"] == source["question_count"]  # the author's own page is unchanged
    assert 'href="/users/taeha"' in reader.get(urls.author(AUTHOR)).text
    me = member.client.get("/api/v1/me", headers=member.headers).json()
    assert me["claimed_authors"] == [AUTHOR]

    # the claimed name is the member's to take, nobody else's
    other = Account(factory, "someone")
    refused = other.client.put("/api/v1/me/display-name", headers=other.headers, json={"display_name": AUTHOR})
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "display_name_reserved"
    taken = member.client.put("/api/v1/me/display-name", headers=member.headers, json={"display_name": AUTHOR})
    assert taken.status_code == 200 and taken.json()["display_name"] == AUTHOR

    # the entry goes: so does the claim
    (content / "authors.toml").unlink()
    assert ingest(seeded_settings, content, monkeypatch, capsys)["code"] == 0
    assert reader.get("/api/v1/users/taeha").json()["claimed_authors"] == []
    assert reader.get(f"/api/v1/authors/{AUTHOR}").json()["account"] is None


def test_problems_are_reported_with_their_line(factory, seeded_settings, content, monkeypatch, capsys):
    Account(factory, "taeha")
    (content / "authors.toml").write_text(
        "[[author]]\n"
        'name = "없는이름"\n'
        'username = "taeha"\n'
        "\n[[author]]\n"
        f'name = "{AUTHOR}"\n'
        'username = "nobody"\n'
        "\n[[author]]\n"
        f'name = "{AUTHOR}"\n'
        'username = "taeha"\n'
        "\n[[author]]\n"
        f'name = "{AUTHOR}"\n'
        'username = "taeha"\n'
        'color = "red"\n', encoding="utf-8")
    result = ingest(seeded_settings, content, monkeypatch, capsys)
    assert result["code"] == 1
    found = [(p["line"], p["message"]) for p in result["problems"]]
    assert len(found) == 4, found
    assert any(line == 2 and "작성자가 없습니다" in message for line, message in found)
    assert any(line == 7 and "'nobody' 계정이 없습니다" in message for line, message in found)
    assert any(line == 14 and "이미 다른 항목이 이었습니다 (9번째 줄)" in message for line, message in found)
    assert any(line == 16 and "알 수 없는 키 'color'" in message for line, message in found)
    assert factory().get("/api/v1/users/taeha").json()["claimed_authors"] == [AUTHOR]  # the good entry holds


def test_export_is_byte_identical_with_claims(factory, seeded_settings, content, tmp_path, monkeypatch, capsys):
    member = Account(factory, "taeha")
    member.ask(title="계정으로 올린 질문입니다")
    monkeypatch.setenv("KB_DATABASE_URL", seeded_settings.database_url)
    assert kb(["export", str(tmp_path / "before")]) == 0
    capsys.readouterr()
    (content / "authors.toml").write_text(f'[[author]]\nname = "{AUTHOR}"\nusername = "taeha"\n', encoding="utf-8")
    assert ingest(seeded_settings, content, monkeypatch, capsys)["code"] == 0
    assert member.client.put("/api/v1/me/display-name", headers=member.headers,
                             json={"display_name": "태하님"}).status_code == 200
    member_renamed_back = member.client.put("/api/v1/me/display-name", headers=member.headers,
                                            json={"display_name": "taeha"})
    assert member_renamed_back.status_code == 200
    assert kb(["export", str(tmp_path / "after")]) == 0
    def files(folder: Path) -> dict[Path, bytes]:
        return {p.relative_to(folder): p.read_bytes() for p in folder.rglob("*") if p.is_file()}

    before, after = files(tmp_path / "before"), files(tmp_path / "after")
    assert before.keys() == after.keys() and before == after
