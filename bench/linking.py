"""Automatic question → experiment linking benchmark (issue 11).

Measures, in one run on this machine:
  1. precision and recall of the automatic links on the labelled set (tests/demos/linking_labels.toml:
     questions in three shapes that are not in content/, ingested, and questions posted through the
     API), with every wrong and missed link listed;
  2. coverage of the seeds: the share of content/ questions that show at least one experiment
     (an editor's pin or an automatic link), overall, per shape and among the questions the README
     does not list as having no fitting experiment, and the questions left without one with the
     concepts their search document holds;
  3. link time per question at 10,000 questions: scoring alone (the seeds' search documents cycled),
     and `relink_all` over the seeds grown to 10,000 questions (read documents, score, write links), each
     as a ratio to analysing the same questions' text into search documents (what ingest already
     pays per question), measured in the same run.
Writes bench/results/linking.json.
"""

from __future__ import annotations

import argparse
import json
import platform
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import text  # noqa: E402

from app.config import Settings  # noqa: E402
from app.db.engine import make_engine  # noqa: E402
from app.db.migrate import upgrade  # noqa: E402
from app.db.queries import search as search_queries  # noqa: E402
from app.demos.linking import QuestionConcepts  # noqa: E402
from app.demos.registry import all_demos  # noqa: E402
from app.ingest.linking import default_catalogue, relink_all  # noqa: E402
from app.ingest.loader import ingest_directory  # noqa: E402
from app.main import create_app  # noqa: E402
from app.render import extract_text  # noqa: E402
from app.search.analyze import search_doc_builder  # noqa: E402
from tests.conftest import clients_of  # noqa: E402
from tests.demos.linking_labels import build_content, readme_unlinked, score, score_posted  # noqa: E402

QUESTIONS = 10_000


def fresh_engine(folder: Path, name: str):
    path = folder / f"{name}.sqlite3"
    upgrade(f"sqlite:///{path}")
    return make_engine(f"sqlite:///{path}")


def labelled(folder: Path) -> dict:
    root = build_content(folder / "labelled")
    shutil.copytree(ROOT / "content" / "search", root / "search")
    engine = fresh_engine(folder, "labelled")
    ingest_directory(engine, root, workers=1)
    with engine.connect() as conn:
        result = score(conn, all_demos())
    engine.dispose()
    settings = Settings(database_url=f"sqlite:///{folder / 'labelled.sqlite3'}", content_dir=root, testing=True,
                        secret_key="bench-secret", rate_limit_posts_per_minute=10_000,
                        rate_limit_ip_posts_per_minute=10_000)
    for make_client in clients_of(create_app(settings)):
        score_posted(make_client, all_demos(), result)
    return {
        "questions": result.questions, "fittable": result.fittable, "links": result.links,
        "right_links": result.right_links, "precision": round(result.precision, 4),
        "recall": round(result.recall, 4), "wrong": result.wrong, "missed": result.missed,
    }


def seed_coverage(engine) -> dict:
    with engine.connect() as conn:
        rows = conn.exec_driver_sql(
            "SELECT q.id, c.kind, c.source_path, q.label, q.title,"
            " (SELECT COUNT(*) FROM demolink d WHERE d.question_id = q.id AND d.match IN ('editor', 'auto')),"
            " (SELECT COUNT(*) FROM demolink d WHERE d.question_id = q.id AND d.match = 'editor')"
            " FROM question q JOIN collection c ON c.id = q.collection_id"
            " WHERE q.deleted_at IS NULL AND q.retired_at IS NULL ORDER BY c.source_path, q.id").all()
        docs = search_queries.stored_docs(conn, [row[0] for row in rows])
    shapes: dict[str, dict[str, int]] = {}
    unlinked = []
    editor_only = auto_only = 0
    for question_id, kind, path, label, title, links, editor in rows:
        shape = shapes.setdefault(kind, {"questions": 0, "linked": 0})
        shape["questions"] += 1
        shape["linked"] += bool(links)
        editor_only += bool(editor)
        auto_only += bool(links) and not editor
        if not links:
            doc = docs.get(question_id, ("",) * 5)
            unlinked.append({"file": path, "label": label, "title": title,
                             "concepts": sorted(set(doc[0].split()) | set(doc[1].split()))})
    for shape in shapes.values():
        shape["share"] = round(shape["linked"] / shape["questions"], 4) if shape["questions"] else 0.0
    total = sum(shape["questions"] for shape in shapes.values())
    linked = sum(shape["linked"] for shape in shapes.values())
    listed = readme_unlinked()  # the questions no experiment fits, with the reason, in the README
    fittable = [row for row in rows if (row[2], row[3]) not in listed]
    fitting_linked = sum(bool(row[5]) for row in fittable)
    return {"questions": total, "linked": linked, "share": round(linked / total, 4) if total else 0.0,
            "no_experiment_fits_per_readme": len(listed), "fittable": len(fittable),
            "fittable_linked": fitting_linked,
            "share_of_fittable": round(fitting_linked / len(fittable), 4) if fittable else 0.0,
            "with_editor_link": editor_only, "linked_only_automatically": auto_only,
            "per_shape": shapes, "unlinked": unlinked}


def link_time(engine) -> dict:
    """Scoring and relinking per question at QUESTIONS questions, against analysing their text."""
    with engine.connect() as conn:
        ids = search_queries.visible_question_ids(conn, 0, 100_000)
        docs = list(search_queries.stored_docs(conn, ids).values())
        sources = search_queries.question_sources(conn, ids)
    catalogue = default_catalogue()
    cycled = [QuestionConcepts(*docs[i % len(docs)]) for i in range(QUESTIONS)]
    started = time.perf_counter()
    linked = sum(bool(catalogue.rank(question)) for question in cycled)
    score_s = time.perf_counter() - started

    build = search_doc_builder()
    texts = [(source.title, extract_text(source.body_html), "\n".join(extract_text(a) for a in source.answer_htmls))
             for source in sources]
    build("워밍업", "", "")  # Kiwi's model loads once per process; not part of a question's cost
    started = time.perf_counter()
    for item in texts:  # each text once: an analyser may remember what it saw
        build(*item)
    analyse_per_q = (time.perf_counter() - started) / len(texts)

    # The seeds' database grown to QUESTIONS questions: each visible question and its search
    # document copied under new ids until there are that many (the coverage was measured before).
    with engine.begin() as conn:
        columns = [row[1] for row in conn.exec_driver_sql("PRAGMA table_info(question)").all() if row[1] != "id"]
        listed = ", ".join(columns)
        picked = ", ".join("fingerprint || ' copy ' || :copy" if c == "fingerprint" else c for c in columns)
        copy = 0
        while conn.exec_driver_sql("SELECT COUNT(*) FROM question").scalar() < QUESTIONS:
            copy += 1
            top = conn.exec_driver_sql("SELECT MAX(id) FROM question").scalar()
            room = QUESTIONS - conn.exec_driver_sql("SELECT COUNT(*) FROM question").scalar()
            conn.execute(text(
                f"INSERT INTO question (id, {listed}) SELECT id + :top, {picked} FROM question"
                " WHERE id <= :last AND id IN (SELECT rowid FROM search_index) ORDER BY id LIMIT :room"),
                {"top": top, "copy": copy, "last": max(ids), "room": room})
            conn.execute(text(
                "INSERT INTO search_index (rowid, title, body, answers, title_broader, text_broader)"
                " SELECT rowid + :top, title, body, answers, title_broader, text_broader FROM search_index"
                " WHERE rowid <= :last AND rowid + :top IN (SELECT id FROM question)"),
                {"top": top, "last": max(ids)})
    started = time.perf_counter()
    with engine.begin() as conn:
        total, relinked = relink_all(conn)
    relink_s = time.perf_counter() - started
    score_per_q = score_s / QUESTIONS
    relink_per_q = relink_s / total
    return {
        "questions": QUESTIONS, "distinct_documents": len(docs),
        "score_ms_per_question": round(score_per_q * 1000, 4),
        "score_share_linked": round(linked / QUESTIONS, 4),
        "relink_all_questions": total, "relink_all_linked": relinked, "relink_all_s": round(relink_s, 3),
        "relink_ms_per_question": round(relink_per_q * 1000, 4),
        "analyse_ms_per_question": round(analyse_per_q * 1000, 3),
        "score_vs_analyse_ratio": round(score_per_q / analyse_per_q, 5),
        "relink_vs_analyse_ratio": round(relink_per_q / analyse_per_q, 5),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "linking.json")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="kb-linking-"))
    try:
        results = {"machine": {"python": platform.python_version(), "platform": platform.platform()},
                   "experiments": len(all_demos()), "labelled": labelled(folder)}
        seeds = fresh_engine(folder, "seeds")
        ingest_directory(seeds, ROOT / "content", workers=1)
        results["seeds"] = seed_coverage(seeds)
        results["link_time"] = link_time(seeds)
        seeds.dispose()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    labelled_result, seeds_result = results["labelled"], results["seeds"]
    print(f"labelled: precision {labelled_result['precision']}, recall {labelled_result['recall']} "
          f"({labelled_result['questions']} questions); "
          f"seeds: {seeds_result['linked']}/{seeds_result['questions']} linked; "
          f"score {results['link_time']['score_ms_per_question']} ms/question, "
          f"relink {results['link_time']['relink_ms_per_question']} ms/question")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
