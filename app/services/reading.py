"""Read use cases. Each function feeds both an HTML page and its JSON twin (Datasette's habit)."""

from __future__ import annotations

import re
import threading
from collections import OrderedDict, defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar, TypeVar

from sqlmodel import Session

from app import urls
from app.db import queries
from app.db.models import Answer, Collection, Question, Reaction
from app.db.queries import accounts as account_queries
from app.db.queries import content
from app.db.queries import moderation as moderation_queries
from app.db.queries import writes as writes_queries
from app.db.versions import ContentVersions
from app.demos.service import question_corrections, question_demo_links
from app.errors import AppError
from app.render.text import extract_text
from app.schemas.content import (
    AccountLink,
    AnswerNode,
    AnswerRef,
    AnswerRefPage,
    AuthorDetail,
    AuthorPage,
    AuthorPublic,
    ClosedState,
    CollectionDetail,
    CollectionPublic,
    CollectionRef,
    ConceptChip,
    CorrectionPublic,
    DemoLinkPublic,
    QuestionDetail,
    QuestionLink,
    QuestionPage,
    QuestionSummary,
    ReactionPublic,
    ReferencePublic,
    SectionPublic,
    SourceRef,
    UserDetail,
)
from app.search.related import stored_related
from app.services.concepts import question_concepts

MAX_PER_PAGE = 100
T = TypeVar("T")
EXCERPT_CHARS = 140


def _collection_public(collection: Collection, total: int, answered: int) -> CollectionPublic:
    return CollectionPublic(
        slug=collection.slug,
        title=collection.title,
        kind=collection.kind,
        source_path=collection.source_path,
        question_count=total,
        answered_count=answered,
        unanswered_count=total - answered,
        url=urls.collection(collection.slug),
    )


def list_collections(session: Session) -> list[CollectionPublic]:
    return [_collection_public(c, total, answered) for c, total, answered in content.list_collections(session)]


def get_collection_or_404(session: Session, slug: str) -> Collection:
    collection = content.get_collection(session, slug)
    if collection is None:
        raise AppError(404, f"'{slug}' 모음을 찾을 수 없습니다.")
    return collection


def collection_detail(
    session: Session, slug: str, *, status: str | None = None, page: int = 1, per_page: int = 50
) -> CollectionDetail:
    """The collection's outline (sections in source order with all their question ids) and one page of
    its questions in source order, filtered by answered state."""
    collection = get_collection_or_404(session, slug)
    total, answered = content.collection_question_counts(session, collection.id)
    by_section: dict[int | None, list[int]] = defaultdict(list)
    for question_id, section_id in content.section_question_ids(session, collection.id):
        by_section[section_id].append(question_id)
    section_items = [
        SectionPublic(id=s.id, title=s.title, intro_html=s.intro_html, question_ids=by_section.get(s.id, []))
        for s in content.list_sections(session, collection.id)
    ]
    public = _collection_public(collection, total, answered)
    questions = list_questions(session, collection=slug, status=status, page=page, per_page=per_page,
                               collection_row=collection)
    return CollectionDetail(
        **public.model_dump(), intro_html=collection.intro_html, notes_html=collection.notes_html,
        sections=section_items, questions=questions,
    )


def author_url(post: Question | Answer, usernames: dict[int, str]) -> str | None:
    """An account's post links to its /users page, a source author's to /authors: the two never mix."""
    if post.user_id is not None and post.user_id in usernames:
        return urls.user(usernames[post.user_id])
    if post.author and post.origin == "ingested":
        return urls.author(post.author)
    return None


def question_summaries(session: Session, questions: list[Question]) -> list[QuestionSummary]:
    collections = content.collection_slugs(session, [q.collection_id for q in questions])
    usernames = writes_queries.usernames(session, [q.user_id for q in questions])
    items = []
    for q in questions:
        slug, path = collections.get(q.collection_id, ("", None))
        items.append(
            QuestionSummary(
                id=q.id,
                label=q.label,
                title=q.title,
                author=q.author,
                author_url=author_url(q, usernames),
                answered=q.answered,
                answer_count=q.answer_count,
                reply_count=q.reply_count,
                plus_one_count=q.plus_one_count,
                parent_id=q.parent_id,
                collection=slug,
                source=SourceRef(path=path if q.origin == "ingested" else None, line=q.source_line),
                origin=q.origin,
                last_activity_at=q.last_activity_at,
                url=urls.question(q.id),
            )
        )
    return items


def list_questions(
    session: Session,
    *,
    collection: str | None = None,
    status: str | None = None,
    author: str | None = None,
    parent: int | None = None,
    sort: str | None = None,
    page: int = 1,
    per_page: int = 20,
    collection_row: Collection | None = None,
) -> QuestionPage:
    if collection_row is None and collection:
        collection_row = get_collection_or_404(session, collection)
    collection_id = collection_row.id if collection_row is not None else None
    answered = {"answered": True, "unanswered": False, None: None, "all": None}[status]
    effective_sort = sort or ("source" if collection else "activity")
    query = content.filter_questions(collection_id=collection_id, answered=answered, author=author, parent_id=parent)
    rows, total = content.page_questions(
        session, query, sort=effective_sort, limit=per_page, offset=(page - 1) * per_page
    )
    return QuestionPage(items=question_summaries(session, rows), total=total, page=page, per_page=per_page)


def _link(question) -> QuestionLink | None:
    """A Question, or a row of content.LINK_COLUMNS."""
    if question is None:
        return None
    return QuestionLink(
        id=question.id, label=question.label, title=question.title, answered=question.answered,
        url=urls.question(question.id),
    )


def _group_reactions(reactions: list[Reaction]) -> list[ReactionPublic]:
    grouped: dict[tuple[str, str, str | None], int] = {}
    for reaction in reactions:
        key = (reaction.kind, reaction.emoji, reaction.author)
        grouped[key] = grouped.get(key, 0) + 1
    return [ReactionPublic(kind=k, emoji=e, author=a, count=n) for (k, e, a), n in grouped.items()]


def _answer_tree(answers: list[Answer], reactions: list[Reaction], accepted_id: int | None,
                 source_path: str | None, usernames: dict[int, str]) -> list[AnswerNode]:
    by_answer: dict[int, list[Reaction]] = defaultdict(list)
    for reaction in reactions:
        if reaction.answer_id is not None:
            by_answer[reaction.answer_id].append(reaction)
    nodes: dict[int, AnswerNode] = {}
    children: dict[int | None, list[int]] = defaultdict(list)
    for answer in answers:
        deleted = answer.deleted_at is not None
        nodes[answer.id] = AnswerNode(
            id=answer.id,
            author=None if deleted else answer.author,
            author_url=None if deleted else author_url(answer, usernames),
            body_html="" if deleted else answer.body_html,
            body_md="" if deleted else answer.body_md,
            origin=answer.origin,
            source=SourceRef(path=source_path if answer.origin == "ingested" else None, line=answer.source_line),
            vote_score=answer.vote_score,
            accepted=answer.id == accepted_id,
            created_at=answer.created_at,
            updated_at=answer.updated_at,
            deleted=deleted,
            hidden=answer.hidden_at is not None,
            reactions=_group_reactions(by_answer.get(answer.id, [])),
        )
        children[answer.parent_id if answer.parent_id in nodes or answer.parent_id is None else None].append(answer.id)

    def build(node_id: int) -> AnswerNode | None:
        node = nodes[node_id]
        node.replies = [child for child in (build(c) for c in children.get(node_id, [])) if child is not None]
        if node.deleted and not node.replies:
            return None  # a deleted leaf has nothing left to show
        return node

    return [node for node in (build(i) for i in children.get(None, [])) if node is not None]


class DetailMemo:
    """Each question's whole detail kept per its page version (app.db.versions), so a signed-in reader's
    page reads only what is theirs (reader_marks) and a burst of views after a write builds it once;
    and, apart, the rest of its page (QuestionFrame) kept per the version without the thread, so a new
    answer or vote reads the question's thread again and nothing else. Everything the detail shows of
    other questions (neighbours, parent, children, related list) bumps this question's version when it
    changes, so no part of it is kept under a wider scope."""

    def __init__(self, versions: ContentVersions | None, size: int = 4096) -> None:
        self.versions, self.size = versions, size
        self._kept: OrderedDict[tuple, tuple] = OrderedDict()
        self._lock = threading.Lock()

    def keys(self, question_id: int) -> tuple[tuple | None, tuple | None]:
        """(the whole page's key, the frame's key) as of now; (None, None) when nothing is kept. Read
        before anything is computed: a value computed afterwards is never older than its key."""
        if self.versions is None or not self.versions.enabled:
            return None, None
        self.versions.refresh()
        return (("detail", question_id, self.versions.question(question_id)[0]),
                ("frame", question_id, self.versions.question_frame(question_id)))

    def get(self, key: tuple | None, compute: Callable[[], T]) -> T:
        if key is None:
            return compute()
        with self._lock:
            found = self._kept.get(key)
            if found is not None:
                self._kept.move_to_end(key)
                return found[0]
        value = compute()
        with self._lock:
            self._kept[key] = (value,)
            while len(self._kept) > self.size:
                self._kept.popitem(last=False)
        return value


@dataclass(frozen=True)
class ReaderMarks:
    """The per-reader part of a page: which posts of a question page are theirs, which they voted
    for, whether they watch it; and, on every page, their unread notifications."""

    own_question: bool = False
    voted_question: bool = False
    own_answers: frozenset[int] = frozenset()
    voted_answers: frozenset[int] = frozenset()
    watching: bool = False  # gets the question's new answers in the inbox
    unread_count: int = 0  # the header's unread notifications (every page has it)

    # The page's per-reader controls (choice slots, app.http.slots) and their variants; "" is the
    # plain one, which a signed-in reader with no post, vote, watch or notification there sees.
    VARIANTS: ClassVar[dict[str, tuple[str, ...]]] = {
        "inbox": ("", "unread"),  # the header's inbox link, with the count when there is one
        "question-vote": ("", "own", "voted"),  # +1: one's own question cannot be +1'd
        "question-watch": ("", "watching"),
        "question-owner": ("", "own"),  # edit and delete
        "answer-vote": ("", "own", "voted"),  # upvote: one's own answer cannot be voted
        "answer-accept": ("", "asker"),  # accept: the asker's, on every answer
        "answer-owner": ("", "own"),  # edit and delete
    }

    def variant(self, kind: str, item_id: int) -> str:
        """Which variant of a per-reader control this reader sees: the one rule for a page rendered
        for them and for the fill of the page shared by every signed-in reader."""
        if kind == "inbox":
            return "unread" if self.unread_count else ""
        if kind == "question-watch":
            return "watching" if self.watching else ""
        if kind == "question-vote":
            return "own" if self.own_question else "voted" if self.voted_question else ""
        if kind == "question-owner":
            return "own" if self.own_question else ""
        if kind == "answer-vote":
            return "own" if item_id in self.own_answers else "voted" if item_id in self.voted_answers else ""
        if kind == "answer-accept":
            return "asker" if self.own_question else ""
        if kind == "answer-owner":
            return "own" if item_id in self.own_answers else ""
        raise ValueError(f"unknown per-reader control {kind!r}")


NOBODY = ReaderMarks()


def marks_from_rows(rows: list[tuple[str, int]]) -> ReaderMarks:
    found: dict[str, set[int]] = defaultdict(set)
    for kind, item_id in rows:
        found[kind].add(item_id)
    return ReaderMarks(own_question=bool(found["own_question"]), voted_question=bool(found["voted_question"]),
                       own_answers=frozenset(found["own_answer"]), voted_answers=frozenset(found["voted_answer"]),
                       watching=bool(found["watching"]))


def reader_marks(session: Session, user_id: int | None, question_id: int) -> ReaderMarks:
    if user_id is None:
        return NOBODY
    return marks_from_rows(writes_queries.reader_marks(session.connection(), user_id, question_id))


def get_question_or_404(session: Session, question_id: int) -> Question:
    question = content.get_question(session, question_id)
    if question is None:
        raise AppError(404, f"{question_id}번 질문을 찾을 수 없습니다.")
    return question


def question_detail(session: Session, question_id: int, memo: DetailMemo | None = None) -> QuestionDetail:
    memo = memo or DetailMemo(None)
    page_key, frame_key = memo.keys(question_id)

    def frame_of(question: Question) -> QuestionFrame:
        return memo.get(frame_key, lambda: _question_frame(session, question_id, question))

    return memo.get(page_key, lambda: _question_detail(session, question_id, frame_of))


@dataclass(frozen=True)
class QuestionFrame:
    """What a question page shows besides the question's own row and its thread: its place (collection,
    section, neighbours, parent, children), its panels (demos, corrections, references, concepts,
    related questions) and its closing. None of it moves with an answer, a reply, a vote or an
    acceptance (those bump only the question's thread version, app.db.queries.versions)."""

    collection: CollectionRef
    source_path: str | None  # the collection's source file
    section: str | None
    parent: QuestionLink | None
    children: list[QuestionLink]
    previous: QuestionLink | None
    next: QuestionLink | None
    references: list[ReferencePublic]
    demos: list[DemoLinkPublic]
    corrections: list[CorrectionPublic]
    concepts: list[ConceptChip]
    related: list[QuestionLink]
    closed: ClosedState | None
    duplicates: list[QuestionLink]


def _links(rows) -> list[QuestionLink]:
    return [link for link in map(_link, rows) if link is not None]


def _question_frame(session: Session, question_id: int, question: Question) -> QuestionFrame:
    collection = session.get(Collection, question.collection_id)
    section = session.get(queries.content.Section, question.section_id) if question.section_id else None
    parent = content.question_link(session, question.parent_id) if question.parent_id else None
    previous, following = (_link(row) for row in content.neighbour_questions(session, question))
    return QuestionFrame(
        collection=CollectionRef(
            slug=collection.slug, title=collection.title, kind=collection.kind, url=urls.collection(collection.slug)
        ),
        source_path=collection.source_path,
        section=section.title if section else None,
        parent=_link(parent),
        children=_links(content.child_questions(session, question_id)),
        previous=previous,
        next=following,
        references=[ReferencePublic(title=r.title, url=r.url)
                    for r in content.question_references(session, question_id)],
        demos=question_demo_links(session, question_id),
        corrections=question_corrections(session, question_id),
        concepts=question_concepts(session, question_id),
        related=stored_related(session.connection(), question_id),
        closed=_closed(session, question),
        duplicates=_links(moderation_queries.duplicates_of(session, question_id)),
    )


def _question_detail(session: Session, question_id: int,
                     frame_of: Callable[[Question], QuestionFrame]) -> QuestionDetail:
    question = get_question_or_404(session, question_id)
    frame = frame_of(question)
    answers = list(content.question_answers(session, question.id))
    reactions = list(content.reactions_for(session, question.id, [a.id for a in answers]))
    source_path = frame.source_path if question.origin == "ingested" else None
    usernames = writes_queries.usernames(session, [question.user_id, *(a.user_id for a in answers)])
    return QuestionDetail(
        id=question.id,
        label=question.label,
        title=question.title,
        author=question.author,
        author_url=author_url(question, usernames),
        body_html=question.body_html,
        body_md=question.body_md,
        page_ref=question.page_ref,
        answered=question.answered,
        answer_count=question.answer_count,
        reply_count=question.reply_count,
        plus_one_count=question.plus_one_count,
        accepted_answer_id=question.accepted_answer_id,
        origin=question.origin,
        collection=frame.collection,
        section=frame.section,
        source=SourceRef(path=source_path, line=question.source_line),
        parent=frame.parent,
        children=frame.children,
        previous=frame.previous,
        next=frame.next,
        answers=_answer_tree(answers, reactions, question.accepted_answer_id, frame.source_path, usernames),
        reactions=_group_reactions([r for r in reactions if r.answer_id is None]),
        references=frame.references,
        demos=frame.demos,
        corrections=frame.corrections,
        concepts=frame.concepts,
        related=frame.related,
        created_at=question.created_at,
        updated_at=question.updated_at,
        last_activity_at=question.last_activity_at,
        newest_answer_id=_newest_posted(answers),
        closed=frame.closed,
        duplicates=frame.duplicates,
        hidden_answer_ids=[a.id for a in answers if a.hidden_at is not None],
        url=urls.question(question.id),
    )


def _closed(session: Session, question: Question) -> ClosedState | None:
    if question.closed_at is None:
        return None
    original = content.question_link(session, question.duplicate_of_id) if question.duplicate_of_id else None
    return ClosedState(reason=question.closed_reason or "", closed_at=question.closed_at,
                       duplicate_of=_link(original))


def _newest_posted(answers: list[Answer]) -> int | None:
    """The answer or reply written or edited last on this site (ingested ones carry ingest times)."""
    posted = [a for a in answers if a.origin == "posted" and a.deleted_at is None]
    return max(posted, key=lambda a: (a.updated_at, a.id)).id if posted else None


def _author_public(name: str, questions: int, answers: int) -> AuthorPublic:
    return AuthorPublic(name=name, question_count=questions, answer_count=answers, url=urls.author(name))


def list_authors(session: Session, *, page: int = 1, per_page: int = 50) -> AuthorPage:
    authors = content.list_authors(session)
    start = (page - 1) * per_page
    return AuthorPage(
        items=[_author_public(*row) for row in authors[start:start + per_page]],
        total=len(authors), page=page, per_page=per_page,
    )


_SPACES = re.compile(r"\s+")


def excerpt(text: str, limit: int = EXCERPT_CHARS) -> str:
    text = _SPACES.sub(" ", text).strip()
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _answer_refs(rows: list[tuple[Answer, Question]]) -> list[AnswerRef]:
    return [
        AnswerRef(
            id=answer.id, question=_link(question), excerpt=excerpt(extract_text(answer.body_html, math="shown")),
            is_reply=answer.parent_id is not None, created_at=answer.created_at,
            url=urls.answer(question.id, answer.id),
        )
        for answer, question in rows
    ]


def user_detail(session: Session, username: str, *, page: int = 1, per_page: int = 20) -> UserDetail:
    """An account's questions and answers (each list one page of the same size) and how many were accepted."""
    user = writes_queries.user_by_username(session, (username or "").strip().lower())
    if user is None or user.deleted_at is not None:
        raise AppError(404, f"'{username}' 계정을 찾을 수 없습니다.")
    assert user.id is not None
    claimed = account_queries.claimed_authors(session, user.id)
    question_count, answer_count, accepted_count = writes_queries.user_question_counts(session, user.id, claimed)
    rows, total = content.author_answers(session, None, user_id=user.id, claimed=claimed, limit=per_page,
                                         offset=(page - 1) * per_page)
    query = content.filter_questions(user_id=user.id, claimed=claimed)
    questions, question_total = content.page_questions(session, query, sort="newest", limit=per_page,
                                                       offset=(page - 1) * per_page)
    return UserDetail(
        username=user.username, display_name=user.display_name, question_count=question_count,
        answer_count=answer_count, accepted_count=accepted_count, created_at=user.created_at,
        questions=QuestionPage(items=question_summaries(session, questions), total=question_total, page=page,
                               per_page=per_page),
        answers=AnswerRefPage(items=_answer_refs(rows), total=total, page=page, per_page=per_page),
        url=urls.user(user.username),
        claimed_authors=claimed,
    )


def author_detail(session: Session, name: str, *, page: int = 1, per_page: int = 20) -> AuthorDetail:
    """One author's questions and answers (each list one page of the same size)."""
    found = content.list_authors(session, name=name)
    if not found:
        raise AppError(404, f"'{name}' 님이 쓴 글을 찾을 수 없습니다.")
    _, question_count, answer_count = found[0]
    rows, total = content.author_answers(session, name, limit=per_page, offset=(page - 1) * per_page)
    answers = _answer_refs(rows)
    claimant = account_queries.claiming_account(session, name)
    return AuthorDetail(
        **_author_public(name, question_count, answer_count).model_dump(),
        questions=list_questions(session, author=name, page=page, per_page=per_page),
        answers=AnswerRefPage(items=answers, total=total, page=page, per_page=per_page),
        account=None if claimant is None else AccountLink(
            username=claimant.username, display_name=claimant.display_name, url=urls.user(claimant.username)),
    )
