"""Concept pages: everything the site holds about one concept of the term dictionary (its names,
the questions that discuss it, the experiments that test it and the papers they cite), so a learner
can open "배치 정규화" across every collection instead of one file at a time."""

from __future__ import annotations

import re
from collections import Counter

from sqlmodel import Session

from app import urls
from app.db.queries import concepts as queries
from app.db.queries.search import indexed_terms, question_links
from app.demos.registry import all_demos
from app.errors import AppError
from app.schemas.concepts import ConceptDemo, ConceptDetail, ConceptList, ConceptRef, Paper
from app.schemas.content import ConceptChip, QuestionLink
from app.search.terms import TermDictionary, default_dictionary

CONCEPT_ID = re.compile(r"[a-z0-9_]{1,64}")
# A mention in the title says more about what a question is about than one in its answers.
COLUMN_WEIGHTS = (3.0, 2.0, 1.0)


def _topics(dictionary: TermDictionary) -> set[str]:
    """Concepts worth a page: every dictionary term except everyday words (차이, 원리 …)."""
    return {term_id for term_id, term in dictionary.terms.items() if not term.general}


def _counts(session: Session, dictionary: TermDictionary) -> Counter[str]:
    topics = _topics(dictionary)
    counts: Counter[str] = Counter()
    for columns in queries.all_mentions(session.connection()):
        counts.update({token for column in columns for token in column.split()} & topics)
    return counts


def _ref(term_id: str, dictionary: TermDictionary, counts: Counter[str]) -> ConceptRef:
    return ConceptRef(id=term_id, label=dictionary.terms[term_id].label, question_count=counts[term_id],
                      url=urls.concept(term_id))


def _demo_concepts() -> dict[str, list]:
    by_concept: dict[str, list] = {}
    for spec in all_demos():
        for concept_id in spec.concepts:
            by_concept.setdefault(concept_id, []).append(spec)
    return by_concept


def list_concepts(session: Session) -> ConceptList:
    """Concepts that at least one question discusses or one experiment tests, the most asked first."""
    dictionary = default_dictionary()
    counts = _counts(session, dictionary)
    tested = {concept for concept in _demo_concepts() if concept in dictionary.terms}
    shown = [term_id for term_id in _topics(dictionary) if counts[term_id] or term_id in tested]
    shown.sort(key=lambda term_id: (-counts[term_id], dictionary.terms[term_id].label))
    return ConceptList(items=[_ref(term_id, dictionary, counts) for term_id in shown], total=len(shown))


def concept_detail(session: Session, concept_id: str) -> ConceptDetail:
    dictionary = default_dictionary()
    term = dictionary.terms.get(concept_id) if CONCEPT_ID.fullmatch(concept_id) else None
    if term is None:
        raise AppError(404, f"'{concept_id}' 개념이 용어 사전에 없습니다.")
    conn = session.connection()
    mentions = queries.mentioning_questions(conn, concept_id)
    weight = {
        question_id: sum(w * columns.split().count(concept_id)
                         for w, columns in zip(COLUMN_WEIGHTS, texts, strict=True))
        for question_id, *texts in mentions
    }
    links = question_links(conn, list(weight))
    ordered = sorted(links, key=lambda qid: (-weight[qid], not links[qid][2], qid))
    questions = [QuestionLink(id=qid, label=links[qid][0], title=links[qid][1], answered=links[qid][2],
                              url=urls.question(qid), collection_title=links[qid][3]) for qid in ordered]

    counts = _counts(session, dictionary)
    narrower = sorted((term_id for term_id, other in dictionary.terms.items()
                       if concept_id in other.broader and not other.general),
                      key=lambda term_id: (-counts[term_id], dictionary.terms[term_id].label))
    specs = _demo_concepts().get(concept_id, [])
    papers: dict[tuple[str, int, str], Paper] = {}
    for spec in specs:
        for citation in spec.citations:
            papers.setdefault((citation.authors, citation.year, citation.title),
                              Paper(**citation.model_dump(), demo=spec.slug))
    return ConceptDetail(
        id=term.id, label=term.label, names=list(term.variants),
        broader=[_ref(b, dictionary, counts) for b in term.broader if b in dictionary.terms],
        narrower=[_ref(n, dictionary, counts) for n in narrower],
        question_count=len(questions), questions=questions,
        demos=[ConceptDemo(slug=spec.slug, title=spec.title, url=urls.demo(spec.slug)) for spec in specs],
        papers=sorted(papers.values(), key=lambda paper: (paper.year, paper.authors)),
        url=urls.concept(term.id),
    )


# What a question itself is about: its title most; answers are left out (they wander).
QUESTION_COLUMNS = {"title": 3.0, "body": 1.0}
QUESTION_CHIPS = 6
HOME_CONCEPTS = 12


def question_concepts(session: Session, question_id: int) -> list[ConceptChip]:
    """The topic concepts a question's own title and body name, the most named first."""
    stored = indexed_terms(session.connection(), question_id)
    if stored is None:
        return []
    dictionary = default_dictionary()
    topics = _topics(dictionary)
    weights: dict[str, float] = {}
    for column, weight in QUESTION_COLUMNS.items():
        for token in stored[column].split():
            if token in topics:
                weights[token] = weights.get(token, 0.0) + weight
    ranked = sorted(weights, key=lambda term_id: (-weights[term_id], dictionary.terms[term_id].label))
    return [ConceptChip(id=term_id, label=dictionary.terms[term_id].label, url=urls.concept(term_id))
            for term_id in ranked[:QUESTION_CHIPS]]


def most_asked_concepts(session: Session, limit: int = HOME_CONCEPTS) -> list[ConceptRef]:
    """For the home page: specific concepts (ones with a broader concept above them, or that an
    experiment tests) that the most questions discuss. Umbrella words like 학습 or 모델 lead every
    count and tell a newcomer nothing."""
    dictionary = default_dictionary()
    counts = _counts(session, dictionary)
    tested = set(_demo_concepts())
    specific = [term_id for term_id in counts
                if counts[term_id] and (dictionary.terms[term_id].broader or term_id in tested)]
    specific.sort(key=lambda term_id: (-counts[term_id], dictionary.terms[term_id].label))
    return [_ref(term_id, dictionary, counts) for term_id in specific[:limit]]
