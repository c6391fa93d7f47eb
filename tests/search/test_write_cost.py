"""The write path's analysis is linear: counted in dictionary lookups and analysed characters, not time."""

from __future__ import annotations

import pytest
from sqlalchemy import event
from sqlmodel import Session

from app.db.queries import search as search_queries
from app.db.queries import versions
from app.db.queries.writes import user_by_username
from app.search import index, query
from app.search.analyze import SearchDoc
from app.search.terms import TermDictionary, default_dictionary
from app.services import accounts, indexing, posting
from tests.conftest import BACKENDS
from tests.writes.helpers import Account, indexed


class CountingDictionary(TermDictionary):
    def __init__(self, base: TermDictionary) -> None:  # shares the loaded dictionary's tables
        self.__dict__.update(base.__dict__)
        self.lookups = 0

    def lookup(self, word: str):
        self.lookups += 1 + len(word)  # each lookup compacts its word: the characters are the cost
        return super().lookup(word)


def lookups_for(text: str) -> int:
    dictionary = CountingDictionary(default_dictionary())
    query.analyse_light(text, dictionary, lambda tokens: set())
    return dictionary.lookups


@pytest.mark.parametrize("unit", [
    "가",  # one Korean "word" as long as the post
    "드롭아웃은 과적합을 막아 줍니다. ",  # ordinary sentences
    "x",  # one ASCII "word"
    "배치정규화를",  # a dictionary term glued to the next, over and over
])
def test_a_ten_times_longer_post_costs_at_most_ten_times_the_lookups(unit):
    """The issue's 20,000-character one-word body took 37 s inside the write lock."""
    short = (unit * 2000)[:2000]
    long = (unit * 20000)[:20000]
    assert lookups_for(long) <= 10 * lookups_for(short) + 50


@pytest.fixture
def writer(sample_settings):
    from tests.apps import new_app
    from tests.conftest import clients_of

    app = new_app(sample_settings.with_overrides(rate_limit_posts_per_minute=10_000,
                                                    rate_limit_ip_posts_per_minute=10_000))
    factory = clients_of(app)
    yield Account(next(factory), "costly")
    next(factory, None)


@pytest.fixture
def analysed(monkeypatch) -> list[int]:
    """The lengths of the texts the index analyses from now on (light analyser or Kiwi)."""
    lengths: list[int] = []
    light, full = index.analyse_light_many, index.analyze.analyse
    monkeypatch.setattr(index, "analyse_light_many",
                        lambda texts, *a, **k: lengths.extend(map(len, texts)) or light(texts, *a, **k))
    monkeypatch.setattr(index.analyze, "analyse",
                        lambda text, *a, **k: lengths.append(len(text)) or full(text, *a, **k))
    return lengths


def test_posting_an_answer_analyses_only_its_own_text(writer, analysed):
    qid = writer.ask(title="답이 많이 달리는 질문", body="본문입니다")["id"]
    indexed(writer.client)
    body = "드롭아웃과 배치 정규화를 함께 쓰면 어떻게 되는지 적어 둡니다."
    per_answer = []
    for _ in range(12):
        analysed.clear()
        writer.answer(qid, body=body)
        indexed(writer.client)
        per_answer.append(sum(analysed))
    assert per_answer[0] > 0 and per_answer[-1] == per_answer[0]  # the 12th costs what the first did
    found = writer.client.get("/api/v1/search", params={"q": "드롭아웃"}).json()["items"]
    assert qid in [item["question_id"] for item in found]


class Work:
    """What the indexer hands the database: statements, and the characters of the text bound to them
    (a document's earlier answers sent again would show here), counted by a SQLAlchemy event."""

    def __init__(self, engine) -> None:
        self.statements = self.characters = 0
        event.listen(engine, "before_cursor_execute", self.seen)

    def seen(self, conn, cursor, statement, parameters, context, executemany) -> None:
        self.statements += 1
        rows = parameters if executemany else [parameters]
        self.characters += sum(len(value) for row in rows for value in (row.values() if isinstance(row, dict)
                                                                           else row or ()) if isinstance(value, str))


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("kiwi", [False, True], ids=["light", "kiwi"])
def test_indexing_an_answer_costs_the_same_on_the_40th_as_on_the_2nd(sample_engine, kiwi, analysed, monkeypatch):
    """Issue 12: the indexer reads, analyses and sends to the database the new answer's text only;
    the document's earlier answers are joined to it by the database."""
    monkeypatch.setattr(index.analyze, "kiwi_loaded", lambda: kiwi)  # the web process has no Kiwi
    with Session(sample_engine) as session:
        user = accounts.sign_up(session, username="answerer", password="correct horse 1", display_name="answerer",
                                testing=True)
        qid = posting.create_question(session, user, title="답이 많이 달리는 질문", body="본문입니다").payload["id"]
    indexing.drain(sample_engine)
    work = Work(sample_engine)
    body = "드롭아웃과 배치 정규화를 함께 쓰면 어떻게 되는지 적어 둡니다."
    cost = []
    for _ in range(40):
        with Session(sample_engine) as session:
            posting.create_answer(session, user_by_username(session, "answerer"), question_id=qid, body=body)
        work.statements = work.characters = 0
        analysed.clear()
        assert indexing.drain(sample_engine) == 1
        cost.append((work.statements, work.characters, sum(analysed)))
    assert cost[1][2] == len("드롭아웃과 배치 정규화를 함께 쓰면 어떻게 되는지 적어 둡니다.")
    assert cost[-1] == cost[1], cost  # statements, bound characters and analysed characters alike

    # The document built by appending is the one a whole reindex makes from the same answers.
    with Session(sample_engine) as session:
        conn = session.connection()
        appended = search_queries.stored_docs(conn, [qid])[qid], search_queries.search_texts(conn, [qid])[qid]
        index.reindex_question(session, qid, use_kiwi=kiwi)
        whole = search_queries.stored_docs(conn, [qid])[qid], search_queries.search_texts(conn, [qid])[qid]
        session.rollback()
    assert appended == whole
    assert appended[1][2] == " ".join([body] * 40)


@pytest.mark.parametrize("backend", BACKENDS)
def test_the_vocabulary_lookup_finds_exactly_the_indexed_tokens(sample_engine):
    """known_terms asks whether each token is in some document (existence, not a count)."""
    with Session(sample_engine) as session:
        conn = session.connection()
        first = search_queries.visible_question_ids(conn, limit=1)[0]
        indexed_tokens = sorted(set(" ".join(search_queries.stored_docs(conn, [first])[first]).split()))[:5]
        asked = [*indexed_tokens, "없는낱말", "zzqqxx", "two words", 'quo"te', ""]
        assert search_queries.known_terms(conn, asked) == set(indexed_tokens)
        assert search_queries.known_terms(conn, []) == set()


@pytest.mark.parametrize("backend", BACKENDS)
def test_the_indexer_remembers_the_vocabulary_until_documents_are_written_elsewhere(sample_engine, monkeypatch):
    """The vocabulary the light analyser asks about is kept from one batch to the next (the index is
    asked only about words it was not asked about before), and forgotten once another process writes
    search documents: a word that became known there is then analysed as known."""
    monkeypatch.setattr(index.analyze, "kiwi_loaded", lambda: False)  # the web process has no Kiwi
    asked: list[set[str]] = []
    lookup = search_queries.known_terms
    monkeypatch.setattr(search_queries, "known_terms",
                        lambda conn, tokens: asked.append(set(tokens)) or lookup(conn, tokens))
    with Session(sample_engine) as session:
        user = accounts.sign_up(session, username="answerer", password="correct horse 1", display_name="answerer",
                                testing=True)
        qid, other = (posting.create_question(session, user, title=title, body="본문입니다").payload["id"]
                      for title in ("사원수 회전", "팔원수는 어디에 쓰나요"))
    indexing.drain(sample_engine)

    def answer_and_drain(body: str) -> str:
        with Session(sample_engine) as session:
            posting.create_answer(session, user_by_username(session, "answerer"), question_id=qid, body=body)
        asked.clear()
        assert indexing.drain(sample_engine) == 1
        with sample_engine.connect() as conn:
            return search_queries.stored_docs(conn, [qid])[qid][2]

    assert answer_and_drain("옥토니언은 결합법칙이 없습니다").split()[0] == "옥토니언"  # 옥토니언은 is unknown
    assert asked and "옥토니언은" in set().union(*asked)
    answer_and_drain("옥토니언은 결합법칙이 없습니다")
    assert not asked  # every word was asked about in the batch before (or written by it)

    # Another process (an ingest) writes a document holding 옥토니언은 as a token, and says so.
    with Session(sample_engine) as session:
        conn = session.connection()
        search_queries.write_search_docs(conn, [(other, SearchDoc("옥토니언은", "", "", "팔원수", "", ""))])
        versions.bump(conn, search=True)
        session.commit()
    assert answer_and_drain("옥토니언은 결합법칙이 없습니다").split()[-2:] == ["옥토니언은", "결합법칙"]
    assert asked and "옥토니언은" in set().union(*asked)
