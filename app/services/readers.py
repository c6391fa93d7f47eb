"""Who a signed-in reader is and what of a question page is theirs: what the response cache needs to
fill a page shared by every signed-in reader (app.http.slots), in one connection and at most two
statements, with no ORM objects (this runs for every signed-in page view).

It answers what accounts.user_for_session and reading.reader_marks answer for a normal render: the
same login session (unexpired), the same marks.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from sqlalchemy.engine import Engine

from app.clock import now_utc
from app.db.models import ROLE_MEMBER
from app.db.queries import writes as queries
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
    suspended: bool

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
        row = queries.reader_of_login_session(conn, sha256(session_token))
        if row is None or row.expires_at < now_utc():
            return None
        reader = Reader(user_id=row.id, username=row.username, display_name=row.display_name,
                        csrf_token=row.csrf_token, role=row.role, unread_count=int(row.unread_count or 0),
                        suspended=row.suspended_until is not None and row.suspended_until > now_utc())
        marks = NOBODY if question_id is None else marks_from_rows(
            queries.reader_marks(conn, reader.user_id, question_id))
        return reader, replace(marks, unread_count=reader.unread_count)
