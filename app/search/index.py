"""Keeping the index in step with the database outside ingest: one question, or everything.

The ingest loader writes search documents itself (app.ingest.loader → write_search_docs). After a
write's commit, app.services.indexing calls `reindex_question` for a question that changed and
`append_answers` for new answers; `kb search reindex` calls `reindex_all` after the term dictionary
changed or the index was lost.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence

from sqlmodel import Session

from app.db.queries import search as queries
from app.db.queries import versions
from app.render import extract_text
from app.search import analyze
from app.search.analyze import MAX_TEXT_CHARS, SearchDoc, Tokens, build_search_doc, build_search_docs
from app.search.query import analyse_light_many
from app.search.related import store_all
from app.search.terms import default_dictionary
from app.search.text import display_text

BATCH = 500


def _texts(source: queries.QuestionSource) -> tuple[str, str, str]:
    return (
        source.title,
        extract_text(source.body_html, math="both"),
        "\n".join(extract_text(answer, math="both") for answer in source.answer_htmls),
    )


def light_search_doc(title: str, body_text: str, answers_text: str, known) -> SearchDoc:
    """A search document made without Kiwi (web process): dictionary terms and known stems."""
    texts = (analyze._clip(title or ""), analyze._clip(body_text or ""), analyze._clip(answers_text or ""))
    title_tokens, body_tokens, answers_tokens = analyse_light_many(texts, default_dictionary(), known)
    return SearchDoc.from_tokens(title_tokens, body_tokens, answers_tokens, texts=texts)


def reindex_question(session: Session, question_id: int, *, use_kiwi: bool | None = None) -> bool:
    """Rewrite one question's search document (or remove it if the question is gone or hidden).

    Call it in the same session/transaction as the change, after flushing it. In the web process
    Kiwi is not loaded, so the document is made by the light analyser (dictionary terms and stems
    the index already knows); `kb search reindex` later redoes it with Kiwi. Returns whether the
    question is indexed now.
    """
    conn = session.connection()
    sources = queries.question_sources(conn, [question_id])
    if not sources:
        queries.delete_search_docs(conn, [question_id])
        return False
    use_kiwi = analyze.kiwi_loaded() if use_kiwi is None else use_kiwi
    texts = _texts(sources[0])
    if use_kiwi:
        doc = build_search_doc(*texts)
    else:
        doc = light_search_doc(*texts, known=KnownTerms(conn))
    queries.write_search_docs(conn, [(question_id, doc)])
    return True


def answer_text(html: str, room: int = MAX_TEXT_CHARS) -> str:
    """The plain text of an answer, cut to the `room` left in its question's document."""
    return extract_text(html, math="both")[:max(0, min(room, MAX_TEXT_CHARS))]


def analyse_texts(conn, texts: Sequence[str], known: KnownTerms | None = None) -> list[Tokens]:
    """Index tokens of answers' texts. Reads only the index's vocabulary (through `known`, when the
    caller keeps one), once for all of them, so it runs before the transaction that appends them
    (app.services.indexing)."""
    if analyze.kiwi_loaded():  # a process that has Kiwi anyway (ingest, tests) uses it, as reindex_question does
        return [analyze.analyse(text) for text in texts]
    return analyse_light_many(texts, default_dictionary(), known or KnownTerms(conn))


class KnownTerms:
    """The index's vocabulary as asked for while analysing: each token looked up once (a lookup costs
    tens of microseconds per token), in `seen` (token → in the index), which a VocabularyMemory
    keeps from one batch to the next."""

    def __init__(self, conn, seen: dict[str, bool] | None = None) -> None:
        self.conn = conn
        self.seen: dict[str, bool] = {} if seen is None else seen

    def __call__(self, tokens) -> set[str]:
        tokens = set(tokens)
        missing = [token for token in tokens if token not in self.seen]
        if missing:
            found = queries.known_terms(self.conn, missing)
            self.seen.update((token, token in found) for token in missing)
        return {token for token in tokens if self.seen[token]}


class VocabularyMemory:
    """What one process has learnt of the index's vocabulary, kept across the indexer's batches: most
    words of a post were in earlier posts, and asking the index again costs more than analysing them.

    Valid for one search generation (versions.search_generation, bumped by every commit that writes
    search documents, in any process). A batch that finds the generation moved forgets everything;
    a batch whose own commit only appended answers, on the generation it analysed against, adds the
    tokens it wrote and moves to its commit's generation: appending removes no word, so what was
    known stays known, and what was unknown stays so unless the batch wrote it. Use by one drain at
    a time (`lock`)."""

    MAX_TOKENS = 200_000  # a few tens of MB at most; past it, start again

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.generation: int | None = None
        self.seen: dict[str, bool] = {}

    def known(self, conn) -> KnownTerms:
        """At the start of a batch, before its analysis: the vocabulary, as far as it is still valid."""
        generation = versions.search_generation(conn)
        if generation != self.generation or len(self.seen) > self.MAX_TOKENS:
            self.seen.clear()
            self.generation = generation
        return KnownTerms(conn, self.seen)

    def unchanged(self, conn) -> bool:
        """In the batch's write transaction, before its bump: no other write of documents since `known`."""
        return versions.search_generation(conn) == self.generation

    def committed(self, generation: int, appended: set[str] | None) -> None:
        """After the batch's commit at `generation`: the tokens its appends wrote, or None when it also
        rewrote or removed documents (or another process wrote some meanwhile): then forget."""
        if appended is None:
            self.seen.clear()
        else:
            self.seen.update(dict.fromkeys(appended, True))
        self.generation = generation


def append_answers(session: Session, answers: dict[int, list[tuple[str, Tokens]]]) -> set[str] | None:
    """New answers' texts and tokens (by question id) added to the end of their questions' documents,
    without reading or analysing the answers already there: the database appends to the columns,
    so the statements and the text that goes through Python are those of the new answers alone,
    on the 300th answer as on the first. A question without a document yet is indexed whole (which
    takes in these answers too). Returns the tokens written, or None if a document was made whole."""
    conn = session.connection()
    used = queries.answers_text_lengths(conn, list(answers))
    written: set[str] | None = set()
    for question_id, new in answers.items():
        if question_id not in used:
            reindex_question(session, question_id)
            written = None
            continue
        exact: list[str] = []
        broader: list[str] = []
        texts: list[str] = []
        budget = MAX_TEXT_CHARS - used[question_id]
        for text, tokens in new:
            if budget <= 0:
                break  # the column is full: a full reindex would clip this answer away too
            if len(text) > budget:  # another process appended since the text was cut to the room left
                text = text[:budget]
                tokens = analyse_texts(conn, [text])[0]
            budget -= len(text) + 1
            exact.extend(tokens.exact)
            broader.extend(tokens.broader)
            texts.append(text)
        if texts:
            queries.append_search_answers(conn, question_id, " ".join(filter(None, exact)),
                                          " ".join(filter(None, broader)), display_text("\n".join(filter(None, texts))))
            if written is not None:
                written.update(exact, broader)
    return written


def reindex_all(session: Session, *, workers: int = 1, progress=None) -> int:
    """Rebuild the whole index from the database with Kiwi; returns how many questions it holds."""
    conn = session.connection()
    queries.clear_search_index(conn)
    queries.clear_pending(conn)  # every document is made whole from the rows below: nothing waits any more
    total, after = 0, 0
    while True:
        ids = queries.visible_question_ids(conn, after, BATCH)
        if not ids:
            break
        sources = queries.question_sources(conn, ids)
        docs = build_search_docs([_texts(s) for s in sources], workers=workers)
        queries.write_search_docs(conn, [(s.id, doc) for s, doc in zip(sources, docs, strict=True)])
        total += len(sources)
        after = ids[-1]
        if progress is not None:
            progress(total)
    queries.optimize_search_index(conn)
    store_all(conn)  # related questions come from the index
    versions.bump(conn, everything=True)
    session.commit()
    return total
