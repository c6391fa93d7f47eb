"""content/authors.toml → which site account is which source author (a member claiming their posts).

    [[author]]
    name = "민규"         # the name as it signs posts in content/ (its /authors/{name} page)
    username = "minkyu"   # the account's username (its /users/{username} page)

The account's page then lists that author's source posts beside its own, the author's page links to
the account, and the account may take the author's name as its display name (no other account may).
The source files and their authors stay as they are, so `kb export` writes the same files with or
without claims. An author is claimed by one account; an account may claim several names. Every sync
replaces all claims; a name that signs no post in content/, an unknown or deleted account, or a name
claimed twice is reported with its TOML line and that entry is left out.
"""

from __future__ import annotations

from pathlib import Path

from sqlmodel import Session

from app.db.queries import accounts as account_queries
from app.db.queries import writes as writes_queries
from app.ingest.editorial import TableProblem, checked_entries, read_tables
from app.korean import particle

AUTHORS_FILE = "authors.toml"
KEYS = ("name", "username")


def sync_author_claims(session: Session, content_dir: Path) -> list[TableProblem]:
    """Replace every claim with the valid entries of content/authors.toml; report the rest. A missing
    file means no claims. The caller commits."""
    path = Path(content_dir) / AUTHORS_FILE
    if not path.is_file():
        account_queries.replace_author_claims(session, {})
        return []
    entries, problems = read_tables(path, "author")
    checked = list(checked_entries(entries, problems, table="author", keys=KEYS, required=KEYS))
    authors = writes_queries.source_author_names(session)
    accounts = account_queries.users_by_username(session, {e["username"].strip().lower() for e, _, _ in checked})
    claims: dict[str, int] = {}
    first_line: dict[str, int | None] = {}
    for entry, header, report in checked:
        name, username = entry["name"].strip(), entry["username"].strip().lower()
        user = accounts.get(username)
        if name not in authors:
            report("name", f"content/의 글에 '{name}'(이)라는 작성자가 없습니다 (작성자 이름 그대로 적어 주세요)")
        elif user is None or user.deleted_at is not None or user.id is None:
            report("username", f"'{username}' 계정이 없습니다 (가입한 아이디를 적어 주세요)")
        elif name in claims:
            first = first_line[name]
            report("name", f"'{name}'{particle(name, '은')} 이미 다른 항목이 이었습니다"
                           + (f" ({first}번째 줄)" if first else ""))
        else:
            claims[name], first_line[name] = user.id, header
    account_queries.replace_author_claims(session, claims)
    return problems
