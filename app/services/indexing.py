"""Search index work after a write's commit, not inside it.

A write records what it changed for search in its own transaction (table search_pending: the
question's whole document again, or one new answer to append), so the post itself holds the write
lock only for its rows. After the response, the web process's SearchIndexer drains the table on a
thread of its own: a moment's posts in one batch, each answer analysed before the batch's write
transaction (the analysis only reads the vocabulary), then appended to its question's document
without analysing the answers already there. The rows are the durable part: a process that stops
before draining leaves them for the next start or `kb ingest`, and a drain that fails leaves them for
the next try. Searches find a new answer once its batch commits (a fraction of a second later);
`SearchIndexer.flush` drains at once, for tests and shutdown.

A question whose whole document was made again (posted, edited) then gets its related list ranked
again, and so do the questions whose lists it enters or leaves (app.search.related.rerank_around), in
a second short transaction that bumps just those pages. Should that one fail, the lists stay as they
were until the question's next edit or the next `kb ingest`: they are derived, never the only copy.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from weakref import WeakKeyDictionary

from sqlalchemy import Engine
from sqlmodel import Session

from app.db.queries import related as related_store
from app.db.queries import search as queries
from app.db.queries import versions
from app.db.transactions import write_transaction
from app.ingest.linking import relink_questions
from app.search.analyze import MAX_TEXT_CHARS, Tokens
from app.search.index import VocabularyMemory, analyse_texts, answer_text, append_answers, reindex_question
from app.search.related import rerank_around

log = logging.getLogger("kb.indexing")

BATCH = 200  # pending rows per write transaction
LINGER_S = 0.2  # after a wake-up, wait this long so the posts of the next moments share one batch
IDLE_EXIT_S = 30.0  # a thread with nothing to do for this long ends; the next wake-up starts another
RETRY_S = 1.0  # after a failed drain (the database busy with an ingest): the rows wait, then again
MAX_FAILURES = 5  # in a row: then the thread ends, and the rows wait for the next wake-up
PENDING = "search_pending"  # session.info flag: this session's writes left index work


def queue_documents(session: Session, question_ids: list[int]) -> None:
    """In a write's transaction: these questions' documents are to be made again from their rows."""
    queries.queue_documents(session.connection(), question_ids)
    session.info[PENDING] = True


def queue_answer(session: Session, question_id: int, answer_id: int) -> None:
    """In a write's transaction: this new answer is to be appended to its question's document."""
    queries.queue_answer(session.connection(), question_id, answer_id)
    session.info[PENDING] = True


def left_work(session: Session) -> bool:
    """Whether this session's writes left index work (and forgets it): the request then wakes the indexer."""
    return bool(session.info.pop(PENDING, False))


@dataclass(frozen=True)
class _Analysed:
    html: str
    text: str
    tokens: Tokens


def drain(engine: Engine) -> int:
    """Every waiting piece of index work, batch by batch; returns how many rows were done."""
    done = 0
    while True:
        batch = drain_batch(engine)
        done += batch
        if batch < BATCH:  # the last batch was not full: nothing else was waiting when it was read
            return done


def drain_batch(engine: Engine, limit: int = BATCH) -> int:
    """The oldest `limit` waiting rows; 0 when none waits."""
    vocabulary = _vocabulary(engine)
    with vocabulary.lock, Session(engine) as session:
        conn = session.connection()
        waiting = queries.pending_work(conn, limit)
        if not waiting:
            return 0
        rewritten = {row.question_id for row in waiting if row.answer_id is None}
        new = queries.visible_answer_htmls(conn, [row.answer_id for row in waiting
                                                  if row.answer_id is not None and row.question_id not in rewritten])
        # Analysed before the write lock, like a post's rendering: reading the vocabulary needs no lock.
        # Each text is cut first to the room its document has left, so no analysis is thrown away.
        used = queries.answers_text_lengths(conn, [question_id for question_id, _ in new.values()])
        texts: dict[int, tuple[str, str]] = {}
        for answer_id, (question_id, html) in sorted(new.items()):
            text = answer_text(html, MAX_TEXT_CHARS - used.get(question_id, 0))
            texts[answer_id] = (html, text)
            used[question_id] = used.get(question_id, 0) + len(text) + 1
        tokens = analyse_texts(conn, [text for _, text in texts.values()], vocabulary.known(conn)) if texts else []
        analysed = {answer_id: _Analysed(html, text, found)
                    for (answer_id, (html, text)), found in zip(texts.items(), tokens, strict=True)}
        # The session keeps its connection into the write transaction: a connection taken from the pool
        # after the write lock would wait on requests that hold theirs while they wait on the lock.
        with write_transaction(session) as conn:
            versions.hold_sequence(conn)  # PostgreSQL: no write commits between the reads below
            unchanged = vocabulary.unchanged(conn)
            claimed = queries.claim_pending(conn, [row.id for row in waiting])
            whole = sorted({row.question_id for row in claimed if row.answer_id is None})
            for question_id in whole:
                reindex_question(session, question_id)
            queries.drop_pending_for(conn, whole)  # their documents now hold every answer committed so far
            appends = [row for row in claimed if row.answer_id is not None and row.question_id not in whole]
            current = queries.visible_answer_htmls(conn, [row.answer_id for row in appends if row.answer_id])
            by_question: dict[int, list[tuple[str, Tokens]]] = {}
            for row in appends:
                if row.answer_id is None or row.answer_id not in current:
                    continue  # deleted or hidden since: that write queued its question's whole document
                html = current[row.answer_id][1]
                ready = analysed.get(row.answer_id)
                if ready is None or ready.html != html:  # edited since the analysis above
                    text = answer_text(html)
                    ready = _Analysed(html, text, analyse_texts(conn, [text])[0])
                by_question.setdefault(row.question_id, []).append((ready.text, ready.tokens))
            # A question with no document yet has it made whole by the append (app.search.index): its
            # page's concepts and links come from it, as for the rewritten ones.
            made = sorted(set(by_question) - set(queries.answers_text_lengths(conn, list(by_question)))) \
                if by_question else []
            appended = append_answers(session, by_question)
            relink_questions(conn, whole + made)  # the automatic demo links come from the documents
            # Pages and searches read between the post's commit and now may be cached from the older
            # index: the search results (site), and the pages of the documents made whole (their links,
            # concepts); an appended answer changes neither.
            versions.bump(conn, questions=whole + made, search=True)
            generation = versions.search_generation(conn)
        vocabulary.committed(generation, appended if unchanged and not whole else None)
        if whole or made:
            store_related(session, whole + made)
        return len(waiting)


_VOCABULARIES: WeakKeyDictionary[Engine, VocabularyMemory] = WeakKeyDictionary()
_VOCABULARIES_LOCK = threading.Lock()


def _vocabulary(engine: Engine) -> VocabularyMemory:
    """This process's memory of one database's index vocabulary (tests open many databases)."""
    with _VOCABULARIES_LOCK:
        memory = _VOCABULARIES.get(engine)
        if memory is None:
            memory = _VOCABULARIES[engine] = VocabularyMemory()
        return memory


def store_related(session: Session, changed: list[int]) -> None:
    """The related lists of questions whose documents were made again (posted, edited), and of the
    questions they now enter or leave: ranked from the committed index before the write lock (a few
    ms a list), stored with those pages' versions bumped in one short transaction. No other page
    changes: a list a changed question neither enters nor leaves keeps what it shows."""
    lists = rerank_around(session.connection(), changed)
    with write_transaction(session) as conn:
        related_store.replace(conn, lists)
        versions.bump(conn, questions=lists)


class SearchIndexer:
    """The web process's drain of search_pending: a thread woken after each request that left index
    work, which waits LINGER_S to gather what follows into one batch. At most one drain at a time in
    the process; several processes may drain the same table (each row is claimed by one)."""

    def __init__(self, engine: Engine, linger_s: float = LINGER_S) -> None:
        self.engine, self.linger_s = engine, linger_s
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._drain_lock = threading.Lock()
        self._thread_lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def wake(self) -> None:
        """There is work: drain it soon (starts the thread if none runs)."""
        if self._stop.is_set():
            return
        self._wake.set()
        with self._thread_lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._loop, name="kb-search-index", daemon=True)
                self._thread.start()

    def flush(self) -> int:
        """Drain everything waiting now, in the caller's thread; returns how many rows were done."""
        with self._drain_lock:
            return drain(self.engine)

    def shutdown(self) -> None:
        """Stop the thread; what waits is drained here (or, if that fails, left for the next start)."""
        self._stop.set()
        self._wake.set()
        with self._thread_lock:
            thread = self._thread
        if thread is not None:
            thread.join(timeout=30)
        try:
            self.flush()
        except Exception:
            log.exception("search index work left for the next start")

    def _loop(self) -> None:
        failures = 0
        while not self._stop.is_set():
            if not self._wake.wait(IDLE_EXIT_S):
                with self._thread_lock:
                    if not self._wake.is_set():
                        self._thread = None
                        return
                continue
            if self._stop.wait(self.linger_s):
                return
            self._wake.clear()
            try:
                self.flush()
                failures = 0
            except Exception:
                failures += 1
                log.exception("search index work failed; it waits for the next try")
                if failures >= MAX_FAILURES:
                    return  # the rows stay: the next wake-up (a write, the next start) tries again
                if self._stop.wait(RETRY_S):
                    return
                self._wake.set()
