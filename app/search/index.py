"""Keeping the index in step with the database outside ingest: one question, or everything.

The ingest loader writes search documents itself (app.ingest.loader → write_search_docs). After a
write's commit, app.services.indexing calls `reindex_question` for a question that changed and
`append_answers` for new answers; `kb search reindex` calls `reindex_all` after the term dictionary
changed or the index was lost.
"""

from __future__ import annotations

from sqlmodel import Session

from app.db.queries import search as queries
from app.db.queries import versions
from app.render import extract_text
from app.search import analyze
from app.search.analyze import MAX_TEXT_CHARS, SearchDoc, Tokens, build_search_doc, build_search_docs
from app.search.query import analyse_light
from app.search.related import store_all
from app.search.terms import default_dictionary
from app.search.text import display_text

BATCH = 500


def _texts(source: queries.QuestionSource) -> tuple[str, str, str]:
    return (
        source.title,
        extract_text(source.body_html),
        "\n".join(extract_text(answer) for answer in source.answer_htmls),
    )


def light_search_doc(title: str, body_text: str, answers_text: str, known) -> SearchDoc:
    """A search document made without Kiwi (web process): dictionary terms and known stems."""
    dictionary = default_dictionary()
    texts = tuple(analyze._clip(text or "") for text in (title, body_text, answers_text))
    return SearchDoc.from_tokens(*(analyse_light(text, dictionary, known) for text in texts), texts=texts)


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


def analyse_answer(conn, html: str, known=None, room: int = MAX_TEXT_CHARS) -> tuple[str, Tokens]:
    """The plain text of an answer, cut to the `room` left in its question's document, and its index
    tokens. Reads only the index's vocabulary (through `known`, tokens → those the index holds, when
    the caller keeps one for several answers), so it runs before the transaction that appends them
    (app.services.indexing)."""
    text = extract_text(html)[:max(0, min(room, MAX_TEXT_CHARS))]
    return text, _analyse_answer(conn, text, known)


class KnownTerms:
    """The index's vocabulary as asked for while analysing a batch of answers: each token looked up
    once per batch (a vocabulary lookup costs tens of microseconds per token)."""

    def __init__(self, conn) -> None:
        self.conn = conn
        self.seen: dict[str, bool] = {}

    def __call__(self, tokens) -> set[str]:
        tokens = set(tokens)
        missing = [token for token in tokens if token not in self.seen]
        if missing:
            found = queries.known_terms(self.conn, missing)
            self.seen.update((token, token in found) for token in missing)
        return {token for token in tokens if self.seen[token]}


def _analyse_answer(conn, text: str, known=None) -> Tokens:
    if analyze.kiwi_loaded():  # a process that has Kiwi anyway (ingest, tests) uses it, as reindex_question does
        return analyze.analyse(text)
    return analyse_light(text, default_dictionary(), known or KnownTerms(conn))


def append_answers(session: Session, question_id: int, answers: list[tuple[str, Tokens]]) -> None:
    """New answers' texts and tokens appended to their question's document, without analysing the
    answers already there: posting costs the same on the 300th answer as on the first. A question
    without a document yet is indexed whole (which takes in these answers too)."""
    conn = session.connection()
    columns = queries.search_doc_columns(conn, question_id)
    if columns is None:
        reindex_question(session, question_id)
        return
    answers_terms, text_broader, answers_text = columns[2], columns[4], columns[7]
    exact, broader, texts = [answers_terms], [text_broader], [answers_text]
    budget = MAX_TEXT_CHARS - len(answers_text)
    for text, tokens in answers:
        if budget <= 0:
            break  # the column is full: a full reindex would clip this answer away too
        if len(text) > budget:  # another process appended since the text was cut to the room left
            text = text[:budget]
            tokens = _analyse_answer(conn, text)
        budget -= len(text) + 1
        exact.extend(tokens.exact)
        broader.extend(tokens.broader)
        texts.append(text)
    if len(texts) == 1:
        return
    queries.update_search_answers(conn, question_id, " ".join(filter(None, exact)),
                                  " ".join(filter(None, broader)), display_text("\n".join(filter(None, texts))))


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
