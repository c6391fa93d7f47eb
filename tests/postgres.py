"""A throwaway PostgreSQL cluster for the tests: Debian's server binaries, a temporary data directory,
a Unix socket in it and no TCP port, so parallel test processes (pytest-xdist) never collide.

initdb refuses to run as root; when the tests run as root the cluster belongs to an unprivileged
account (Debian's `postgres` user, else `nobody`) and the server is started as that account. The data
directory lives directly under the system temporary directory because pytest's own temporary
directories are private to the user running the tests.

Each test gets its own database copied from a template (CREATE DATABASE … TEMPLATE), as the SQLite
tests copy a template file.
"""

from __future__ import annotations

import glob
import itertools
import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path

SUPERUSER = "kb"
# Durability is worthless for a database that lives for one test session and costs most of its time.
_SERVER_OPTIONS = (
    "-c listen_addresses='' -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
    " -c max_connections=200 -c shared_buffers=32MB"
)


def binaries() -> Path | None:
    """The directory of initdb / pg_ctl: on PATH, else Debian's versioned directory (newest first)."""
    initdb = shutil.which("initdb")
    if initdb:
        return Path(initdb).parent
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3]))
    return Path(found[-1]).parent if found else None


def _server_account() -> pwd.struct_passwd | None:
    """None when the tests do not run as root (the server then runs as the current user)."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            return pwd.getpwnam(name)
        except KeyError:
            continue
    raise RuntimeError("initdb refuses root and neither a 'postgres' nor a 'nobody' account exists")


class Cluster:
    def __init__(self, bin_dir: Path) -> None:
        self.bin_dir = bin_dir
        self.account = _server_account()
        self.root = Path(tempfile.mkdtemp(prefix="kb-pg-"))
        self.data = self.root / "data"
        self.log = self.root / "server.log"
        self._names = itertools.count(1)
        if self.account is not None:
            os.chown(self.root, self.account.pw_uid, self.account.pw_gid)

    def _run(self, *args: str) -> None:
        kwargs = {}
        if self.account is not None:
            kwargs = {"user": self.account.pw_uid, "group": self.account.pw_gid, "extra_groups": []}
        result = subprocess.run(
            [str(self.bin_dir / args[0]), *args[1:]], capture_output=True, text=True, cwd=self.root,
            env={**os.environ, "LC_ALL": "C.UTF-8", "LANG": "C.UTF-8"}, **kwargs,
        )
        if result.returncode != 0:
            log = self.log.read_text(errors="replace") if self.log.exists() else ""
            raise RuntimeError(f"{args[0]} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}\n{log}")

    def start(self) -> None:
        self._run("initdb", "-D", str(self.data), "-U", SUPERUSER, "--auth=trust", "--encoding=UTF8",
                  "--locale=C.UTF-8", "--no-sync")
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-w", "-t", "120",
                  "-o", f"-k {self.root} {_SERVER_OPTIONS}", "start")

    def stop(self) -> None:
        try:
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://{SUPERUSER}@/{database}?host={self.root}"

    def _admin(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(host=str(self.root), user=SUPERUSER, dbname="postgres", autocommit=True) as conn:
            conn.execute(sql)

    def create_database(self, template: str | None = None) -> str:
        """A new empty database (or a copy of `template`, which must have no open connections)."""
        name = f"kb_{os.getpid()}_{next(self._names)}"
        # FILE_COPY copies the template's files at once (with fsync off, its checkpoint is cheap); the
        # default WAL_LOG strategy writes every page through the WAL, about ten times slower here.
        self._admin(f"CREATE DATABASE {name} TEMPLATE {template or 'template0'} STRATEGY FILE_COPY")
        return name

    def drop_database(self, name: str) -> None:
        self._admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
