"""`kb backup PATH`: a consistent copy of the database while the site keeps serving.

SQLite: the online backup API (sqlite3.Connection.backup) copies the pages under a read lock taken
step by step, so writers are not blocked for the whole copy and the result is a valid database at
one point in time (WAL included). PostgreSQL: pg_dump in its custom format (restore with pg_restore).
The SQLite copy gets a database identity of its own (app.db.queries.versions), so that once restored
its pages never revalidate against ETags of the original; a PostgreSQL dump is restored into a new
database, whose oid is part of the identity. Either way the copy is written next to PATH under a
temporary name and renamed into place, so PATH is never a half-written file.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url

from app.db.engine import normalized_url
from app.db.queries.versions import renew_identity
from app.errors import AppError

PAGES_PER_STEP = 1024  # ~4 MiB per step; writers get the lock between steps


@dataclass(frozen=True)
class BackupResult:
    path: Path
    engine: str  # sqlite | postgresql
    size_bytes: int


def backup(database_url: str, path: Path, *, overwrite: bool = False) -> BackupResult:
    """Copy the database at `database_url` to `path`; AppError (Korean message) when it cannot."""
    url = make_url(normalized_url(database_url))
    path = path.resolve()
    if path.exists() and not overwrite:
        raise AppError(409, f"이미 있는 파일입니다: {path} (덮어쓰려면 --overwrite)")
    if not path.parent.is_dir():
        raise AppError(400, f"폴더가 없습니다: {path.parent}")
    backend = url.get_backend_name()
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    os.close(fd)
    try:
        if backend == "sqlite":
            _sqlite_backup(url.database or "", Path(temporary))
        else:
            _pg_dump(url.set(drivername="postgresql").render_as_string(hide_password=False), Path(temporary))
        os.replace(temporary, path)
    finally:
        Path(temporary).unlink(missing_ok=True)
    return BackupResult(path=path, engine="sqlite" if backend == "sqlite" else "postgresql",
                        size_bytes=path.stat().st_size)


def _sqlite_backup(database: str, target: Path) -> None:
    if database in ("", ":memory:") or not Path(database).is_file():
        raise AppError(404, f"SQLite 데이터베이스 파일이 없습니다: {database or '(메모리)'}")
    source = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    destination = sqlite3.connect(target)
    try:
        source.backup(destination, pages=PAGES_PER_STEP)
        renew_identity(destination)
        # The copy is one file: take it out of WAL mode so it opens without its -wal/-shm companions.
        destination.execute("PRAGMA journal_mode=DELETE")
    finally:
        destination.close()
        source.close()


def _pg_dump(libpq_url: str, target: Path) -> None:
    pg_dump = shutil.which("pg_dump")
    if pg_dump is None:
        raise AppError(503, "pg_dump가 없습니다: PostgreSQL 클라이언트(Debian postgresql-client)를 설치하세요.")
    done = subprocess.run([pg_dump, "--format=custom", "--no-owner", f"--file={target}", f"--dbname={libpq_url}"],
                          capture_output=True, text=True, check=False)
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["(출력 없음)"])[-1]
        raise AppError(503, f"pg_dump가 실패했습니다 ({done.returncode}): {last}")
