"""content/corrections.toml → Correction rows: known factual errors in ingested answers.

    [[correction]]
    file = "interview/deep-learning-interview.md"  # relative to content/
    question = "#16-1"                              # the question's label in that file
    sentence = "추론 시 출력에 제거 확률 p를 곱함으로써 …"  # quoted from the answer as a reader sees it
    correction = "테스트 때 곱하는 값은 1−p입니다 …"      # what is right instead (plain text)
    source_title = "Srivastava et al. 2014, Dropout"  # where the correction comes from
    source_url = "https://jmlr.org/papers/v15/srivastava14a.html"
    demo = "dropout"                                # optional: an experiment that measures the point
    params = { epochs = 120 }                        # optional: its preset
    claim = "expectation_error_ratio"               # optional: the demo's claim (its metric) that bears on it

The sentence must appear in one of the question's answers as the page shows it (tags, math
annotations and spacing aside): that answer gets a "답변과 다른 점" box; the source file is never
edited. Every sync replaces all rows; an unknown file, question, sentence, demo or preset is
reported with its TOML line and that entry is left out. A claim names one of the demo's declared
claims: the page shows how the latest stored run at the preset judged it.
"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

from sqlmodel import Session

from app.db.models import Correction
from app.db.queries import content as content_queries
from app.demos import registry
from app.ingest.editorial import QuestionFinder, TableProblem, checked_entries, preset_ok, read_tables

CORRECTIONS_FILE = "corrections.toml"
KEYS = ("file", "question", "sentence", "correction", "source_title", "source_url", "demo", "params", "claim")
REQUIRED = ("file", "question", "sentence", "correction", "source_title", "source_url")
_SPACE = re.compile(r"\s+")
_HIDDEN = {"annotation", "script", "style"}  # MathML keeps the TeX source in <annotation>: not what readers see


class _VisibleText(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag, attrs):
        if tag in _HIDDEN:
            self.hidden += 1

    def handle_endtag(self, tag):
        if tag in _HIDDEN and self.hidden:
            self.hidden -= 1

    def handle_data(self, data):
        if not self.hidden:
            self.parts.append(data)


def normalise(text: str) -> str:
    return _SPACE.sub(" ", text).strip()


def visible_text(html: str) -> str:
    """The text of rendered HTML as a reader sees it, whitespace collapsed."""
    parser = _VisibleText()
    parser.feed(html)
    parser.close()
    return normalise("".join(parser.parts))


def sync_corrections(session: Session, content_dir: Path) -> list[TableProblem]:
    """Replace every Correction row with the valid entries of content/corrections.toml; report the rest.

    A missing file means no corrections. The caller commits.
    """
    path = Path(content_dir) / CORRECTIONS_FILE
    if not path.is_file():
        content_queries.replace_corrections(session, [])
        return []
    entries, problems = read_tables(path, "correction")
    questions = QuestionFinder(session)
    rows: list[Correction] = []
    positions: dict[int, int] = {}
    for entry, _, report in checked_entries(entries, problems, table="correction", keys=KEYS,
                                            required=REQUIRED):
        file, label = entry["file"].strip().lstrip("./"), entry["question"].strip()
        question_id = questions.find(file, label, report)
        if question_id is None:
            continue
        sentence = normalise(entry["sentence"])
        answer_id = next((a.id for a in content_queries.question_answers(session, question_id)
                          if a.deleted_at is None and sentence in visible_text(a.body_html)), None)
        if answer_id is None:
            report("sentence", f"'{file}' {label}의 답변에서 이 문장을 찾지 못했습니다: «{sentence[:60]}»")
            continue
        slug, preset, claim = entry.get("demo"), entry.get("params", {}), entry.get("claim")
        if not entry["source_url"].startswith(("https://", "http://")):
            report("source_url", "source_url은 http(s) 주소여야 합니다")
            continue
        if slug is not None:
            spec = registry.get_demo(slug) if isinstance(slug, str) else None
            if spec is None:
                report("demo", f"없는 실험 '{slug}'")
                continue
            if not preset_ok(spec, preset, report):
                continue
            metrics = [c.metric for c in spec.claims]
            if claim is not None and claim not in metrics:
                report("claim", f"'{slug}'에는 '{claim}' 주장이 없습니다 (있는 주장: {', '.join(metrics) or '없음'})")
                continue
        elif preset or claim is not None:
            report("params" if preset else "claim", "params와 claim은 demo와 함께 써야 합니다")
            continue
        positions[question_id] = positions.get(question_id, -1) + 1
        rows.append(Correction(question_id=question_id, answer_id=answer_id, sentence=sentence,
                               correction=normalise(entry["correction"]),
                               source_title=entry["source_title"].strip(), source_url=entry["source_url"].strip(),
                               demo_slug=slug, claim_metric=claim,
                               params_json=json.dumps(preset, ensure_ascii=False, sort_keys=True),
                               position=positions[question_id]))
    content_queries.replace_corrections(session, rows)
    return problems
