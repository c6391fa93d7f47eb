"""The labelled set of automatic linking (tests/demos/linking_labels.toml), and how it is scored:
shared by tests/demos/test_linking_labels.py and bench/linking.py.

A link is right when the experiment names one of the question's labelled concepts. Precision is
right links over all automatic links (a link on a question no experiment fits is wrong); recall is
the share of questions some experiment of the catalogue fits that got at least one right link.
"""

from __future__ import annotations

import json
import re
import shutil
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from app.config import PROJECT_ROOT

LABELS = Path(__file__).with_name("linking_labels.toml")
SAMPLES = PROJECT_ROOT / "tests" / "samples"
# content path (what the labels name) → the sample file that holds those questions
FILES = {
    "interview/interview_linking_questions.md": "interview_linking_questions.md",
    "weeks/weeks_linking_lectures.md": "weeks_linking_lectures.md",
    "nodes/nodes_linking_threads.md": "nodes_linking_threads.md",
    "nodes/nodes_linking_cnn.md": "nodes_linking_cnn.md",
}


def _tables() -> dict:
    return tomllib.loads(LABELS.read_text(encoding="utf-8"))


def load_labels() -> dict[tuple[str, str], set[str]]:
    """(content path, question label) → concepts, for the sample files."""
    return {(file, label): set(concepts) for file, labels in _tables().items() if file != "posted"
            for label, concepts in labels.items()}


@dataclass(frozen=True)
class Posted:
    title: str
    body: str
    concepts: frozenset[str]


def load_posted() -> list[Posted]:
    """The questions to post through the API, with their concepts."""
    return [Posted(item["title"], item["body"], frozenset(item["concepts"])) for item in _tables()["posted"]]


def build_content(root: Path) -> Path:
    """A content folder holding the labelled sample files in their shapes' folders (no demos.toml)."""
    for path, sample in FILES.items():
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(SAMPLES / sample, target)
    return root


@dataclass
class Score:
    questions: int = 0
    fittable: int = 0  # questions some experiment of the catalogue fits
    links: int = 0
    right_links: int = 0
    found: int = 0  # fittable questions with at least one right link
    wrong: list[str] = field(default_factory=list)
    missed: list[str] = field(default_factory=list)
    unlabelled: list[str] = field(default_factory=list)

    @property
    def precision(self) -> float:
        return self.right_links / self.links if self.links else 1.0

    @property
    def recall(self) -> float:
        return self.found / self.fittable if self.fittable else 1.0


def stored_auto_links(conn) -> dict[tuple[str, str], list[tuple[str, list[str]]]]:
    """(file, label) → [(demo slug, shared concepts)] of the automatic links in the database."""
    rows = conn.exec_driver_sql(
        "SELECT c.source_path, q.label, d.demo_slug, d.concepts_json FROM question q"
        " JOIN collection c ON c.id = q.collection_id"
        " LEFT JOIN demolink d ON d.question_id = q.id AND d.match = 'auto'"
        " WHERE q.deleted_at IS NULL AND q.retired_at IS NULL ORDER BY q.id, d.position").all()
    found: dict[tuple[str, str], list[tuple[str, list[str]]]] = {}
    for path, label, slug, concepts in rows:
        links = found.setdefault((path, label), [])
        if slug is not None:
            links.append((slug, json.loads(concepts)))
    return found


def score(conn, specs, result: Score | None = None) -> Score:
    """The stored automatic links of the sample files' questions, added to `result`."""
    labels = load_labels()
    result = result or Score()
    for key, links in stored_auto_links(conn).items():
        if key not in labels:
            result.unlabelled.append(" ".join(key))
            continue
        add(result, specs, " ".join(key), labels[key], links)
    return result


def add(result: Score, specs, name: str, wanted: set[str] | frozenset[str], links) -> None:
    """One question's automatic links [(slug, shared concepts)] against its labelled concepts."""
    concepts_of = {spec.slug: set(spec.concepts) for spec in specs}
    covered = set().union(*concepts_of.values())
    result.questions += 1
    fittable = bool(wanted & covered)
    result.fittable += fittable
    right = [slug for slug, _ in links if concepts_of.get(slug, set()) & wanted]
    result.links += len(links)
    result.right_links += len(right)
    result.wrong += [f"{name} → {slug} {shared}" for slug, shared in links if slug not in right]
    if fittable:
        if right:
            result.found += 1
        else:
            result.missed.append(f"{name} {sorted(wanted)}")


def score_posted(make_client, specs, result: Score | None = None) -> Score:
    """Post the labelled questions through the API (`make_client` gives TestClients on one app) and
    score the automatic links their detail JSON shows, added to `result`."""
    from tests.writes.helpers import Account, indexed

    result = result or Score()
    author = Account(make_client, "linking_labels")
    for item in load_posted():
        posted = author.ask(title=item.title, body=item.body)
        indexed(author.client)  # automatic links are found by the indexer, a moment after the post's response
        detail = author.client.get(f"/api/v1/questions/{posted['id']}").json()
        links = [(demo["slug"], demo["concepts"]) for demo in detail["demos"] if demo["match"] == "auto"]
        add(result, specs, f"posted «{item.title}»", item.concepts, links)
    return result


README_UNLINKED = re.compile(r"^\| `([^`]+)` \| `([^`]+)` \|", re.MULTILINE)


def readme_unlinked() -> set[tuple[str, str]]:
    """(file, label) of the seed questions the README lists as having no fitting experiment."""
    text = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("### 실험이 연결되지 않은 시드 질문", 1)[1].split("\n## ", 1)[0]
    return set(README_UNLINKED.findall(section))
