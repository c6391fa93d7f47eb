"""content/demos.toml → DemoLink rows: which demo explains which question, with preset parameters.

    [[link]]
    demo = "activation-gradients"                  # a DemoSpec.slug
    file = "interview/deep-learning-interview.md"  # relative to content/, "/"-separated
    question = "#5"                                # the question's label in that file
    params = { activations = ["sigmoid", "relu"] } # optional, validated against the demo's Params

    [[link]]                                       # a wrong automatic link: never link this demo here
    demo = "bias"
    file = "weeks/study-week-02-questions.md"
    question = "5"
    hide = true

Every sync replaces the editor's rows with the valid links; each invalid one is reported with its
TOML line (an unknown demo, a file or question that is not there, a preset the demo refuses, a
repeat). The questions whose pinned or hidden demos changed are linked automatically again.
"""

from __future__ import annotations

import difflib
import json
from pathlib import Path

from sqlmodel import Session

from app.db.models import LINK_EDITOR, LINK_HIDDEN, DemoLink
from app.db.queries import demos as queries
from app.demos import registry
from app.ingest.editorial import QuestionFinder, TableProblem, checked_entries, preset_ok, read_tables
from app.ingest.linking import relink_questions
from app.korean import particle

LINKS_FILE = "demos.toml"
KEYS = ("demo", "file", "question", "params", "hide")


def _suggest(slug: str) -> str:
    close = difflib.get_close_matches(slug, [d.slug for d in registry.all_demos()], n=1)
    return f" ('{close[0]}'{particle(close[0], '을')} 뜻했나요?)" if close else ""


def sync_demo_links(session: Session, content_dir: Path) -> list[TableProblem]:
    """Replace every DemoLink row with the valid links of content/demos.toml; report the rest.

    A missing file means no links. The caller commits.
    """
    path = Path(content_dir) / LINKS_FILE
    before = queries.editorial_links(session)
    if not path.is_file():
        _replace(session, before, [])
        return []
    entries, problems = read_tables(path, "link")
    questions = QuestionFinder(session)
    rows: list[DemoLink] = []
    seen: dict[tuple[int, str], int | None] = {}
    positions: dict[int, int] = {}
    for entry, header, report in checked_entries(entries, problems, table="link", keys=KEYS,
                                                 required=("demo", "file", "question")):
        slug, file, label = entry["demo"], entry["file"].strip().lstrip("./"), entry["question"].strip()
        spec = registry.get_demo(slug)
        if spec is None:
            report("demo", f"없는 실험 '{slug}'{_suggest(slug)}")
            continue
        question_id = questions.find(file, label, report)
        if question_id is None:
            continue
        preset = entry.get("params", {})
        hide = entry.get("hide", False)
        if not isinstance(hide, bool):
            report("hide", "hide는 true나 false여야 합니다")
            continue
        if hide and preset:
            report("params", "숨기는 링크(hide = true)에는 params를 쓰지 않습니다")
            continue
        if not preset_ok(spec, preset, report):
            continue
        if (question_id, slug) in seen:
            first = seen[(question_id, slug)]
            where = f" ({first}번째 줄)" if first else ""
            report("demo", f"'{file}' {label}에 '{slug}' 링크가 이미 있습니다{where}")
            continue
        seen[(question_id, slug)] = header
        positions[question_id] = positions.get(question_id, -1) + 1
        rows.append(DemoLink(question_id=question_id, demo_slug=slug, position=positions[question_id],
                             params_json=json.dumps(preset, ensure_ascii=False, sort_keys=True),
                             match=LINK_HIDDEN if hide else LINK_EDITOR))
    _replace(session, before, rows)
    return problems


def _replace(session: Session, before: set[tuple[int, str, str]], rows: list[DemoLink]) -> None:
    queries.replace_editorial_links(session, rows)
    after = {(row.question_id, row.demo_slug, row.match) for row in rows}
    changed = sorted({question_id for question_id, _, _ in before ^ after})
    if changed:
        relink_questions(session.connection(), changed)
