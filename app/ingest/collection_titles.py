"""content/collections.toml → the titles the site shows for collections.

    [[collection]]
    file = "interview/deep-learning-interview.md"  # relative to content/, "/"-separated
    title = "딥러닝 면접 질문"

A Markdown file often has no title of its own (the interview seed opens with its table of contents),
so the site would show its file name. Editors name it here, without touching the file, which stays
byte-identical to what the study group wrote. A file not listed (or whose entry goes) shows the
title its text gives again, or its file name. Every problem is reported with its TOML line.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.engine import Connection

from app.db.queries import ingest as queries
from app.ingest.editorial import TableProblem, checked_entries, read_tables
from app.korean import particle
from app.schemas.limits import TITLE_MAX, clean_title

TITLES_FILE = "collections.toml"
KEYS = ("file", "title")


def read_titles(content_dir: Path, known_files: set[str]) -> tuple[dict[str, str], list[TableProblem]]:
    """{source path: title} from content/collections.toml for the files that exist, and the problems."""
    path = Path(content_dir) / TITLES_FILE
    if not path.is_file():
        return {}, []
    entries, problems = read_tables(path, "collection")
    titles: dict[str, str] = {}
    first_line: dict[str, int | None] = {}
    for entry, header, report in checked_entries(entries, problems, table="collection", keys=KEYS,
                                                 required=KEYS):
        file = entry["file"].strip().removeprefix("./")
        title = clean_title(entry["title"])
        if file not in known_files:
            report("file", f"불러온 파일 중에 '{file}'{particle(file, '이')} 없습니다 (content/ 기준 경로)")
        elif not title:
            report("title", "제목이 비어 있습니다")
        elif len(title) > TITLE_MAX:
            report("title", f"제목은 {TITLE_MAX}자 이하여야 합니다 (지금 {len(title)}자)")
        elif file in titles:
            first = first_line[file]
            report("file", f"'{file}'의 제목이 이미 있습니다" + (f" ({first}번째 줄)" if first else ""))
        else:
            titles[file] = title
            first_line[file] = header
    return titles, problems


def sync_collection_titles(conn: Connection, content_dir: Path) -> list[TableProblem]:
    """Give every ingested collection its editor's title, or back the file's own. The caller commits."""
    rows = queries.ingested_collection_titles(conn)
    titles, problems = read_titles(content_dir, {source_path for _, source_path, _, _ in rows})
    for collection_id, source_path, shown, own in rows:
        wanted = titles.get(source_path) or own or shown
        if wanted != shown:
            queries.set_collection_title(conn, collection_id, wanted)
    return problems
