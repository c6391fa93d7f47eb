"""Related questions share what they are about: over the seeds, every related question found by
search shares a topic concept with the question (not only 학습 or 원리), and the closest come first."""

from __future__ import annotations

from sqlmodel import Session

from app.db.queries import search as queries
from app.search.related import concept_weights, related_questions
from app.search.terms import default_dictionary


def editor_pairs(conn) -> set[tuple[int, int]]:
    rows = conn.exec_driver_sql(
        "SELECT a.question_id, b.question_id FROM demolink a JOIN demolink b ON a.demo_slug = b.demo_slug"
        " WHERE a.match = 'editor' AND b.match = 'editor'").all()
    return {(a, b) for a, b in rows}


def test_every_related_question_shares_a_topic_concept(seeded_engine):
    dictionary = default_dictionary()
    with Session(seeded_engine) as session:
        conn = session.connection()
        pinned = editor_pairs(conn)
        ids = list(conn.exec_driver_sql("SELECT rowid FROM search_index").scalars())
        terms = queries.indexed_terms_of(conn, ids)
        unrelated, total = [], 0
        for question_id in ids:
            mine = concept_weights(terms[question_id], dictionary)
            for link in related_questions(session, question_id):
                total += 1
                if (question_id, link.id) in pinned:
                    continue  # an editor put both on one experiment: editors rule
                if not mine.keys() & concept_weights(terms[link.id], dictionary).keys():
                    unrelated.append((question_id, link.id))
    assert total > 200
    assert unrelated == []


def test_a_bn_and_overfitting_question_links_bn_and_overfitting_questions(seeded_engine):
    """Its first related question used to be "GPU를 두개 다 쓰고 싶다"."""
    with Session(seeded_engine) as session:
        conn = session.connection()
        conn.exec_driver_sql("DELETE FROM demolink")  # the concepts alone must do it
        question_id = conn.exec_driver_sql(
            "SELECT id FROM question WHERE title LIKE 'batch normalization이 과적합%'").scalar_one()
        related = related_questions(session, question_id)
        terms = queries.indexed_terms_of(conn, [link.id for link in related])
        session.rollback()
    titles = [link.title for link in related]
    assert len(related) == 5 and all("GPU" not in title for title in titles), titles
    about = [set(terms[link.id]["title"].split()) & {"batch_normalization", "overfitting"} for link in related]
    assert all(about[:3]), titles  # the closest are about what its title asks
    assert sum("batch_normalization" in concepts for concepts in about) >= 2, titles
