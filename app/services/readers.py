"""Who a signed-in reader is and what of a question page is theirs: what the response cache needs to
fill a page shared by every signed-in reader (app.http.slots), in one connection and at most two
statements, with no ORM objects.

It answers what accounts.user_for_session and reading.reader_marks answer for a normal render: the
same login session (unexpired), the same marks.

Every signed-in page view needs the answer, and between two commits to the database it cannot change
but by the clock (a session expiring, a suspension ending, both checked at each view): SignedInReaders
keeps the reader (with the questions they watch) until the next commit by anyone, which the response
cache learns of anyway at each request (app.db.versions: SQLite's data_version), and their own posts
and votes on a question until that question's content version moves (every post, vote, edit, delete
or hide on it bumps it in its own transaction). So a logout, a password change or a vote is seen by
the next request of every process, as before; a reader between commits costs no statement, and after
a commit elsewhere one per reader, not one per question they read.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy.engine import Connection, Engine

from app.clock import now_utc
from app.db.models import ROLE_MEMBER
from app.db.queries import writes as queries
from app.db.versions import Key
from app.services.accounts import sha256
from app.services.reading import NOBODY, ReaderMarks, marks_from_rows

MAX_SESSION_TOKEN = 200  # accounts.user_for_session refuses longer ones too


@dataclass(frozen=True)
class Reader:
    user_id: int
    username: str
    display_name: str
    csrf_token: str
    role: str
    unread_count: int
    suspended_until: datetime | None
    expires_at: datetime  # the login session's end
    watched: frozenset[int] = frozenset()  # the questions whose new answers reach their inbox

    @property
    def suspended(self) -> bool:
        return self.suspended_until is not None and self.suspended_until > now_utc()

    @property
    def shares_pages(self) -> bool:
        """Whether the pages kept for every signed-in reader are this reader's: a member in good
        standing (a moderator's pages carry their tools, a suspended account's a notice)."""
        return self.role == ROLE_MEMBER and not self.suspended


def signed_in_reader(engine: Engine, session_token: str, question_id: int | None) -> tuple[Reader, ReaderMarks] | None:
    """The reader of a login session (None: no such session, or it expired) and, on a question page,
    their marks on it."""
    if not session_token or len(session_token) > MAX_SESSION_TOKEN:
        return None
    with engine.connect() as conn:
        reader = _reader(conn, sha256(session_token))
        if reader is None or reader.expires_at < now_utc():
            return None
        return reader, _marks(conn, reader, question_id)


def _reader(conn, session_hash: str) -> Reader | None:
    row = queries.reader_of_login_session(conn, session_hash)
    if row is None:
        return None
    return Reader(user_id=row.id, username=row.username, display_name=row.display_name, csrf_token=row.csrf_token,
                  role=row.role, unread_count=int(row.unread_count or 0), suspended_until=row.suspended_until,
                  expires_at=row.expires_at, watched=frozenset(int(i) for i in (row.watched or "").split(",") if i))


def _marks(conn, reader: Reader, question_id: int | None) -> ReaderMarks:
    marks = NOBODY if question_id is None else marks_from_rows(queries.reader_marks(conn, reader.user_id, question_id))
    return replace(marks, unread_count=reader.unread_count)


# Past this many readers (or marks) kept between two commits, they are all dropped and looked up
# again: a commit drops them anyway, this bounds what a flood of made-up cookies can make us keep.
MAX_KEPT = 20_000


class SignedInReaders:
    """signed_in_reader, with each session's reader kept until the database's next commit and each
    (reader, question)'s own posts and votes until the question's content version moves. `commits()`
    says how many commits this process has seen (read by the response cache's versions check at the
    start of the request), or None where it cannot know (PostgreSQL has no data_version): then every
    view looks the reader up, as signed_in_reader does.

    What is looked up is kept under the commit count or version read before the lookup: a lookup
    racing a commit may be newer than its key says, never older, and the next request's newer key
    looks it up again."""

    def __init__(self, engine: Engine, commits: Callable[[], int | None], max_kept: int = MAX_KEPT) -> None:
        self.engine, self.commits, self.max_kept = engine, commits, max_kept
        self._lock = threading.Lock()
        self._seen: int | None = None
        self._readers: dict[str, Reader | None] = {}  # None: no such session
        self._marks: dict[tuple[int, int], tuple[Key, ReaderMarks]] = {}

    def __call__(self, session_token: str, question_id: int | None,
                 versions: Key = ()) -> tuple[Reader, ReaderMarks] | None:
        """`versions`: the question page's content versions (app.db.versions.ContentVersions.question)."""
        seen = self.commits()
        if seen is None:
            return signed_in_reader(self.engine, session_token, question_id)
        if not session_token or len(session_token) > MAX_SESSION_TOKEN:
            return None
        session_hash = sha256(session_token)
        with self._lock:
            if seen != self._seen:
                self._readers, self._seen = {}, seen
            readers = self._readers
        conn: Connection | None = None  # opened only for what is not kept
        try:
            if session_hash in readers:
                reader = readers[session_hash]
            else:
                conn = self.engine.connect()
                reader = self._keep(readers, session_hash, _reader(conn, session_hash))
            own = None
            if reader is not None and question_id is not None:
                kept = self._marks.get((reader.user_id, question_id))
                own = kept[1] if kept is not None and kept[0] == versions else None
                if own is None:
                    conn = conn or self.engine.connect()
                    own = marks_from_rows(queries.reader_marks(conn, reader.user_id, question_id))
                    self._keep(self._marks, (reader.user_id, question_id), (versions, own))
        finally:
            if conn is not None:
                conn.close()
        if reader is None or reader.expires_at < now_utc():
            return None
        if question_id is None or own is None:
            return reader, replace(NOBODY, unread_count=reader.unread_count)
        # Watching is the reader's (kept per commit): a watch changes no question's version.
        return reader, replace(own, watching=question_id in reader.watched, unread_count=reader.unread_count)

    def _keep(self, kept: dict, key, value):
        if len(kept) >= self.max_kept:
            kept.clear()
        kept[key] = value
        return value
