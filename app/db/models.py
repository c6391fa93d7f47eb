"""Tables. Alembic owns the schema (migrations/); these models must match it (a test checks).

Model families follow the FastAPI full-stack template: the table class here, the public API
schemas in app/schemas/content.py. Ingested rows keep their source file and line; posted rows
(origin "posted") belong to an account and are never touched by ingest.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Index, Text, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from app.clock import now_utc

ORIGIN_INGESTED = "ingested"
ORIGIN_POSTED = "posted"

ROLE_MEMBER, ROLE_MODERATOR, ROLE_ADMIN = "member", "moderator", "admin"
ROLES = (ROLE_MEMBER, ROLE_MODERATOR, ROLE_ADMIN)  # each may do what the ones before it may


class Collection(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(index=True, unique=True)
    title: str  # what the site shows: content/collections.toml's title, else source_title
    source_title: str | None = None  # the title the file's own text gives (or its name); None when posted
    kind: str  # nodes | weeks | interview | general
    source_path: str | None = Field(default=None, unique=True)  # relative to the content dir, "/"-separated
    content_hash: str | None = None
    intro_md: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    intro_html: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    notes_md: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    notes_html: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    origin: str = ORIGIN_INGESTED
    created_at: datetime = Field(default_factory=now_utc)
    updated_at: datetime = Field(default_factory=now_utc)


class Section(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    collection_id: int = Field(foreign_key="collection.id", index=True, ondelete="CASCADE")
    position: int
    title: str | None = None
    source_line: int | None = None
    intro_md: str = ""
    intro_html: str = ""


class User(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(index=True, unique=True)
    display_name: str
    # display_name compared as people read it (app.services.accounts.display_key); unique, so no two
    # accounts show the same name. None only for rows made outside sign-up (tests, old fixtures).
    display_key: str | None = Field(default=None, index=True, unique=True)
    password_hash: str
    created_at: datetime = Field(default_factory=now_utc)
    # Set when the account is deleted: the row stays (its username is never taken again, its posts keep
    # their user_id) but it cannot log in, and its name is shown as DELETED_NAME everywhere.
    deleted_at: datetime | None = None
    role: str = Field(default=ROLE_MEMBER, sa_column_kwargs={"server_default": ROLE_MEMBER})  # ROLES
    # A suspended account reads but cannot post, edit or flag until this moment (app.services.standing).
    suspended_until: datetime | None = None
    suspended_reason: str | None = None
    # Where notifications are e-mailed, when the owner asked for that (/settings/notifications) and the
    # site has SMTP settings; None: the inbox only.
    email: str | None = None
    email_notifications: bool = Field(default=False, sa_column_kwargs={"server_default": "0"})


class Question(SQLModel, table=True):
    __table_args__ = (
        UniqueConstraint("collection_id", "fingerprint", name="uq_question_fingerprint"),
        Index("ix_question_collection_position", "collection_id", "position"),
        Index("ix_question_answered_activity", "answered", "last_activity_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    collection_id: int = Field(foreign_key="collection.id", ondelete="CASCADE")
    section_id: int | None = Field(default=None, foreign_key="section.id", index=True, ondelete="SET NULL")
    parent_id: int | None = Field(default=None, foreign_key="question.id", index=True, ondelete="SET NULL")
    label: str | None = None
    title: str
    body_md: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    body_html: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    author: str | None = Field(default=None, index=True)  # ingested: a name; posted: the account's display name
    user_id: int | None = Field(default=None, foreign_key="user.id", index=True)
    page_ref: str | None = None
    source_line: int | None = None
    position: int = 0  # source order within the collection; posted questions come after
    origin: str = Field(default=ORIGIN_INGESTED, index=True)
    # Ingested rows are matched across re-ingests by this key so their ids stay stable.
    fingerprint: str | None = None
    # Denormalised counters, kept by the loader and the write services (lists never count rows).
    answer_count: int = 0  # answers and replies together
    reply_count: int = Field(default=0, sa_column_kwargs={"server_default": "0"})  # of answer_count, the replies
    answered: bool = False
    plus_one_count: int = 0
    accepted_answer_id: int | None = None
    last_activity_at: datetime = Field(default_factory=now_utc)
    created_at: datetime = Field(default_factory=now_utc)
    updated_at: datetime = Field(default_factory=now_utc)
    # When the question stopped being shown: its author deleted it, or a moderator hid it (then hidden_at
    # is set too, and hidden_reason is shown to its author). Every reader's query filters on deleted_at
    # alone, so a hidden post leaves lists, search, feeds and caches the way a deleted one does.
    deleted_at: datetime | None = None
    retired_at: datetime | None = None  # ingested row gone from its file but kept for posted rows hanging on it
    hidden_at: datetime | None = None
    hidden_reason: str | None = None
    # Closed by a moderator: no new answers or replies; duplicate_of_id points at the question it repeats.
    closed_at: datetime | None = None
    closed_reason: str | None = None
    duplicate_of_id: int | None = Field(default=None, foreign_key="question.id", index=True, ondelete="SET NULL")


class Answer(SQLModel, table=True):
    __table_args__ = (
        UniqueConstraint("question_id", "fingerprint", name="uq_answer_fingerprint"),
        Index("ix_answer_question_position", "question_id", "position"),
    )

    id: int | None = Field(default=None, primary_key=True)
    question_id: int = Field(foreign_key="question.id", ondelete="CASCADE")
    parent_id: int | None = Field(default=None, foreign_key="answer.id", index=True, ondelete="CASCADE")
    author: str | None = None
    user_id: int | None = Field(default=None, foreign_key="user.id", index=True)
    body_md: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    body_html: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    source_line: int | None = None
    position: int = 0
    origin: str = Field(default=ORIGIN_INGESTED, index=True)
    fingerprint: str | None = None
    vote_score: int = 0
    created_at: datetime = Field(default_factory=now_utc)
    updated_at: datetime = Field(default_factory=now_utc)
    deleted_at: datetime | None = None  # deleted by its author or hidden by a moderator (as on Question)
    retired_at: datetime | None = None
    hidden_at: datetime | None = None
    hidden_reason: str | None = None


class Reaction(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    question_id: int | None = Field(default=None, foreign_key="question.id", index=True, ondelete="CASCADE")
    answer_id: int | None = Field(default=None, foreign_key="answer.id", index=True, ondelete="CASCADE")
    kind: str  # emoji | plus_one
    emoji: str
    author: str | None = None
    source_line: int | None = None
    origin: str = ORIGIN_INGESTED


class Reference(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    question_id: int = Field(foreign_key="question.id", index=True, ondelete="CASCADE")
    position: int
    title: str
    url: str
    source_line: int | None = None


class IngestReport(SQLModel, table=True):
    """What ingest could not place (or chose to skip), with file and line; replaced per file."""

    id: int | None = Field(default=None, primary_key=True)
    source_path: str = Field(index=True)
    line: int | None = None
    kind: str  # unplaced | boilerplate | missing_image | error | demo_link
    message: str
    text: str = ""
    created_at: datetime = Field(default_factory=now_utc)


# --- accounts and writing -------------------------------------------------------------------


class LoginSession(SQLModel, table=True):
    id: str = Field(primary_key=True)  # sha256 of the cookie token
    user_id: int = Field(foreign_key="user.id", index=True, ondelete="CASCADE")
    csrf_token: str
    created_at: datetime = Field(default_factory=now_utc)
    expires_at: datetime


class ApiToken(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True, ondelete="CASCADE")
    name: str
    token_hash: str = Field(index=True, unique=True)
    prefix: str  # first characters, shown on the settings page
    created_at: datetime = Field(default_factory=now_utc)
    last_used_at: datetime | None = None
    revoked_at: datetime | None = None


class DisplayNameChange(SQLModel, table=True):
    """Every display-name change of an account: who was called what until when."""

    __tablename__ = "display_name_change"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True, ondelete="CASCADE")
    old_name: str
    new_name: str
    changed_at: datetime = Field(default_factory=now_utc)


class PasswordReset(SQLModel, table=True):
    """A one-time password reset link: the database keeps only the sha256 of its token."""

    __tablename__ = "password_reset"

    id: str = Field(primary_key=True)  # sha256 of the token in the link
    user_id: int = Field(foreign_key="user.id", index=True, ondelete="CASCADE")
    created_at: datetime = Field(default_factory=now_utc)
    expires_at: datetime
    used_at: datetime | None = None
    # The mail job gave up on this link: it never reached anyone, never opens the form, and is kept so
    # that /metrics counts the failure (kb_emails_failed_on_record) like a notification's.
    email_failed_at: datetime | None = None


class AuthorClaim(SQLModel, table=True):
    """content/authors.toml: an editor's word that this account is that source author (one account per
    author name; an account may claim several names)."""

    __tablename__ = "author_claim"

    author: str = Field(primary_key=True)  # the name as it signs posts in content/
    user_id: int = Field(foreign_key="user.id", index=True, ondelete="CASCADE")


class Vote(SQLModel, table=True):
    __table_args__ = (
        UniqueConstraint("user_id", "question_id", name="uq_vote_user_question"),
        UniqueConstraint("user_id", "answer_id", name="uq_vote_user_answer"),
    )

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True, ondelete="CASCADE")
    question_id: int | None = Field(default=None, foreign_key="question.id", index=True, ondelete="CASCADE")
    answer_id: int | None = Field(default=None, foreign_key="answer.id", index=True, ondelete="CASCADE")
    value: int = 1
    created_at: datetime = Field(default_factory=now_utc)


class Revision(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    question_id: int | None = Field(default=None, foreign_key="question.id", index=True, ondelete="CASCADE")
    answer_id: int | None = Field(default=None, foreign_key="answer.id", index=True, ondelete="CASCADE")
    user_id: int | None = Field(default=None, foreign_key="user.id")
    title: str | None = None
    body_md: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    created_at: datetime = Field(default_factory=now_utc)


class IdempotencyKey(SQLModel, table=True):
    """A repeated submit with the same key answers with the first result instead of a second row."""

    key: str = Field(primary_key=True)  # f"{user_id}:{client key}"
    user_id: int = Field(foreign_key="user.id", index=True, ondelete="CASCADE")
    status_code: int
    location: str | None = None
    response_json: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    created_at: datetime = Field(default_factory=now_utc)


# --- moderation -----------------------------------------------------------------------------


class Flag(SQLModel, table=True):
    """A member's report of a question, answer or reply (exactly one of the two ids), waiting in the
    moderation queue until a moderator hides the post or dismisses the flags. One open flag per member
    per post: the partial unique indexes hold it when two of the member's requests race."""

    __table_args__ = tuple(
        Index(f"uq_flag_open_{column}", "user_id", column, unique=True,
              sqlite_where=text(f"resolved_at IS NULL AND {column} IS NOT NULL"),
              postgresql_where=text(f"resolved_at IS NULL AND {column} IS NOT NULL"))
        for column in ("question_id", "answer_id"))

    id: int | None = Field(default=None, primary_key=True)
    question_id: int | None = Field(default=None, foreign_key="question.id", index=True, ondelete="CASCADE")
    answer_id: int | None = Field(default=None, foreign_key="answer.id", index=True, ondelete="CASCADE")
    user_id: int = Field(foreign_key="user.id", index=True, ondelete="CASCADE")
    reason: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(default_factory=now_utc)
    resolved_at: datetime | None = Field(default=None, index=True)
    resolution: str | None = None  # hidden | dismissed


class ModerationAction(SQLModel, table=True):
    """One line of the moderation log (admins read it at /moderation/log). The ids are plain numbers,
    not foreign keys: the log outlives what it names."""

    __tablename__ = "moderation_action"

    id: int | None = Field(default=None, primary_key=True)
    moderator_id: int | None = None  # None: from the command line (`kb user promote`)
    action: str  # hide | restore | close | reopen | dismiss | suspend | unsuspend | role
    question_id: int | None = None
    answer_id: int | None = None
    target_user_id: int | None = None
    reason: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    details_json: str = Field(default="{}", sa_column=Column(Text, nullable=False, server_default="{}"))
    created_at: datetime = Field(default_factory=now_utc, index=True)
# --- notifications ---------------------------------------------------------------------------

NOTIFY_ANSWER = "answer"  # an answer to a question I asked or watch
NOTIFY_REPLY = "reply"  # a reply to my answer or reply
NOTIFY_ACCEPT = "accept"  # the asker accepted my answer
NOTIFY_MENTION = "mention"  # @username in a question, answer or reply
# A moderator acted on my post (app.services.moderation): the reason is in `detail`.
NOTIFY_HIDE = "hide"  # my post was hidden
NOTIFY_RESTORE = "restore"  # my hidden post is shown again
NOTIFY_CLOSE = "close"  # my question was closed to new answers
NOTIFY_DUPLICATE = "duplicate"  # my question was closed as a duplicate of other_question_id
NOTIFY_MODERATION = (NOTIFY_HIDE, NOTIFY_RESTORE, NOTIFY_CLOSE, NOTIFY_DUPLICATE)
# A question I asked or watch was reopened. Not among NOTIFY_MODERATION, which its author sees whatever
# became of the post: the watchers are told too, and they hear nothing of a question hidden since.
NOTIFY_REOPEN = "reopen"


class Notification(SQLModel, table=True):
    """One event in one account's inbox (app.services.notifications), written in the same transaction
    as the post that caused it. `answer_id` is the answer or reply the event is about (None for a
    mention in a question's body)."""

    __table_args__ = (Index("ix_notification_user_read", "user_id", "read_at"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", ondelete="CASCADE")
    kind: str  # answer | reply | accept | mention | hide | restore | close | duplicate | reopen
    question_id: int = Field(foreign_key="question.id", index=True, ondelete="CASCADE")
    answer_id: int | None = Field(default=None, foreign_key="answer.id", index=True, ondelete="CASCADE")
    actor_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    # A moderator's action: its reason, and for a duplicate the question this one repeats. Stored here
    # because the post's own hidden_reason/closed_reason change when it is restored or reopened.
    detail: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    other_question_id: int | None = Field(default=None, foreign_key="question.id", ondelete="SET NULL")
    created_at: datetime = Field(default_factory=now_utc)
    read_at: datetime | None = None
    emailed_at: datetime | None = None  # set by the e-mail job once the message went out
    email_failed_at: datetime | None = None  # set when the e-mail job gave up on it after its retries


class Watch(SQLModel, table=True):
    """An account follows a question: it gets the question's new answers in its inbox. Asking or
    answering watches a question; the question page's button watches and unwatches it."""

    user_id: int = Field(foreign_key="user.id", primary_key=True, ondelete="CASCADE")
    question_id: int = Field(foreign_key="question.id", primary_key=True, index=True, ondelete="CASCADE")
    created_at: datetime = Field(default_factory=now_utc)


# --- live experiments ------------------------------------------------------------------------


class DemoRun(SQLModel, table=True):
    id: str = Field(primary_key=True)  # short random id used in permalinks
    demo_slug: str = Field(index=True)
    demo_version: str = "1"
    params_json: str = Field(default="{}", sa_column=Column(Text, nullable=False, server_default="{}"))
    # run: one measurement at params_json; boundary: the same measurement at each value of one
    # parameter (sweep_json: {"param": name, "values": [...]}), judged point by point ("경계").
    kind: str = Field(default="run", sa_column=Column(Text, nullable=False, server_default="run"))
    sweep_json: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    seed: int = 0
    device_requested: str = "auto"
    device_used: str | None = None
    device_name: str | None = None
    torch_version: str | None = None
    status: str = Field(default="queued", index=True)  # queued | running | succeeded | failed | timed_out
    cache_key: str = Field(index=True)
    cached_from: str | None = None  # id of the run whose result this one reused
    progress_json: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    result_json: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    error: str | None = None
    wall_ms: float | None = None
    created_at: datetime = Field(default_factory=now_utc)
    started_at: datetime | None = None
    finished_at: datetime | None = None


LINK_EDITOR = "editor"  # a line of content/demos.toml pins the demo to the question
LINK_AUTO = "auto"  # the automatic linker found the question and the demo share concepts
LINK_HIDDEN = "hidden"  # a `hide = true` line of content/demos.toml: never link this demo automatically


class DemoLink(SQLModel, table=True):
    """Which demo explains which question, with preset parameters: pinned by an editor, found by
    the automatic linker (with its score and the shared concepts), or hidden by an editor."""

    __table_args__ = (UniqueConstraint("question_id", "demo_slug", name="uq_demo_link"),)

    id: int | None = Field(default=None, primary_key=True)
    question_id: int = Field(foreign_key="question.id", index=True, ondelete="CASCADE")
    demo_slug: str = Field(index=True)
    params_json: str = "{}"
    position: int = 0
    match: str = Field(default=LINK_EDITOR, sa_column=Column(Text, nullable=False, server_default=LINK_EDITOR))
    score: float | None = None
    concepts_json: str = Field(default="[]", sa_column=Column(Text, nullable=False, server_default="[]"))


# --- caching ---------------------------------------------------------------------------------


class ContentVersion(SQLModel, table=True):
    """What changed when (app.db.queries.versions): the reading caches key their entries on these."""

    __tablename__ = "content_version"

    scope: str = Field(primary_key=True)  # all | site | outline | collection | question
    key: int = Field(default=0, primary_key=True)  # the collection's or question's id; 0 for the others
    version: int = Field(index=True)  # one sequence over the table: max + 1 at each bump


class SearchPending(SQLModel, table=True):
    """Search index work a write left for after its commit (app.services.indexing): the question's
    whole document again (answer_id None), or one new answer's text appended to it. No foreign keys:
    a row outliving its question or answer is dropped by the drain, which finds nothing to index."""

    __tablename__ = "search_pending"

    id: int | None = Field(default=None, primary_key=True)
    question_id: int = Field(index=True)
    answer_id: int | None = None


class RelatedQuestion(SQLModel, table=True):
    """A question's related questions as its page shows them, in order (app.search.related): computed
    when the question is ingested, posted or edited, not per view. score is the concept overlap that
    ranked it (None: an editors' same-experiment link, which comes first), so a new question can tell
    whose list it may enter without ranking every other question again."""

    __tablename__ = "related_question"

    question_id: int = Field(foreign_key="question.id", primary_key=True, ondelete="CASCADE")
    position: int = Field(primary_key=True)
    related_id: int = Field(foreign_key="question.id", index=True, ondelete="CASCADE")
    score: float | None = None


class Correction(SQLModel, table=True):
    """A known factual error in an ingested answer, from content/corrections.toml: the sentence quoted
    from the answer and what is right instead. Shown beside the answer; the source file is never edited."""

    id: int | None = Field(default=None, primary_key=True)
    question_id: int = Field(foreign_key="question.id", index=True, ondelete="CASCADE")
    # The answer whose text holds the sentence (None if that answer has gone since the last sync).
    answer_id: int | None = Field(default=None, foreign_key="answer.id", ondelete="SET NULL")
    sentence: str = Field(sa_column=Column(Text, nullable=False))
    correction: str = Field(sa_column=Column(Text, nullable=False))
    source_title: str  # where the correction comes from: a paper, a book, the library's documentation
    source_url: str
    demo_slug: str | None = None  # an experiment that measures the point
    params_json: str = "{}"
    # One of that experiment's claims (its metric) that bears on the sentence: the page shows how the
    # latest stored run at the preset judged it, with its numbers.
    claim_metric: str | None = None
    position: int = 0


class StoredFingerprint(SQLModel, table=True):
    """What a derived part of the database was last computed from, so that ingest redoes it only
    when that changed ("demo_catalogue": the experiments' concepts and the linking scorer)."""

    __tablename__ = "stored_fingerprint"

    name: str = Field(primary_key=True)
    value: str
