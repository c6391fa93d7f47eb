"""`kb export DIR`: the whole base, ingested and posted, written back as Markdown in the three shapes.

Where each collection goes:
- an ingested collection: to its own source path under DIR (`DIR/nodes/…`, `DIR/weeks/…`,
  `DIR/interview/…`), in its own shape. A nodes file carries everything posted on it too: posted
  questions (in a last section, "이 사이트에서 올린 질문"), answers, nested replies, +1s.
- the "general" collection (questions asked on this site): `DIR/nodes/general.md`, nodes shape,
  the only shape whose threads hold several answers, nested replies and their authors.
- what the weeks and interview shapes cannot hold (posted questions, posted answers and replies, +1s
  given by accounts) goes to a companion file in the nodes shape, `DIR/nodes/<name>.posted.md`: one
  section per question that was answered on the site, titled with its label and title, holding
  those posts as a thread; replies to the file's own answer become answers of that thread.
Posted items keep their account's display name as author. After writing, every file is read back
with its shape's parser and compared with what was meant to be in it; a difference is reported
(and makes `kb export` exit non-zero) instead of passing silently.
"""

from __future__ import annotations

import json
import re
import shutil
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from urllib.parse import unquote

from sqlmodel import Session

from app.db.models import ORIGIN_POSTED, Answer, Collection
from app.db.queries import export as queries
from app.ingest.shapes import parse_document, write_document
from app.ingest.shapes.writing import FileDump, QuestionItem, SectionItem, ThreadItem
from app.korean import particle
from app.render.images import MEDIA_PREFIX
from app.render.media import image_resolver

POSTED_SECTION = "이 사이트에서 올린 질문"
COMPANION_SUFFIX = ".posted.md"


@dataclass
class ExportedFile:
    path: str
    kind: str
    collection: str  # the slug it came from
    questions: int
    answers: int
    problems: list[str] = field(default_factory=list)


@dataclass
class ExportSummary:
    files: list[ExportedFile] = field(default_factory=list)
    demo_links: int = 0
    images: int = 0

    @property
    def problems(self) -> list[str]:
        return [f"{f.path}: {p}" for f in self.files for p in f.problems]

    def to_dict(self) -> dict:
        return {
            "files": [{"path": f.path, "kind": f.kind, "collection": f.collection, "questions": f.questions,
                       "answers": f.answers, "problems": f.problems} for f in self.files],
            "totals": {"files": len(self.files), "questions": sum(f.questions for f in self.files),
                       "answers": sum(f.answers for f in self.files), "problems": len(self.problems),
                       "demo_links": self.demo_links, "images": self.images},
        }


# --- reading one collection ---------------------------------------------------------------------


def _threads(answers: list[Answer], emoji_by_answer: dict[int, list]) -> list[ThreadItem]:
    """The question's answers as a tree in position order. A deleted answer is left out and its
    replies take its place; a retired one (gone from its file, kept for posts under it) stays."""
    children: dict[int | None, list[Answer]] = defaultdict(list)
    ids = {a.id for a in answers}
    for answer in answers:
        children[answer.parent_id if answer.parent_id in ids else None].append(answer)

    def build(answer: Answer) -> list[ThreadItem]:
        replies = [item for child in children.get(answer.id, []) for item in build(child)]
        if answer.deleted_at is not None:
            return replies
        return [ThreadItem(author=answer.author, body_md=answer.body_md, origin=answer.origin,
                           emoji=emoji_by_answer.get(answer.id, []), replies=replies)]

    return [item for root in children.get(None, []) for item in build(root)]


def _count(items: list[ThreadItem]) -> int:
    return sum(1 + _count(item.replies) for item in items)


def _load(session: Session, collection: Collection) -> tuple[list, list[QuestionItem]]:
    """(sections, questions) of a collection with everything that hangs on each question."""
    answers_by_question: dict[int, list[Answer]] = defaultdict(list)
    for answer in queries.answers(session, collection.id):
        answers_by_question[answer.question_id].append(answer)
    plus_ones: dict[int, list] = defaultdict(list)
    question_emoji: dict[int, list] = defaultdict(list)
    answer_emoji: dict[int, list] = defaultdict(list)
    for reaction in queries.reactions(session, collection.id):
        if reaction.question_id is not None and reaction.kind == "plus_one":
            plus_ones[reaction.question_id].append(reaction.author)
        elif reaction.question_id is not None:
            question_emoji[reaction.question_id].append((reaction.emoji, reaction.author))
        elif reaction.answer_id is not None:
            answer_emoji[reaction.answer_id].append((reaction.emoji, reaction.author))
    voted: dict[int, list] = defaultdict(list)
    for question_id, name in queries.question_votes(session, collection.id):
        voted[question_id].append(name)
    references: dict[int, list] = defaultdict(list)
    for reference in queries.references(session, collection.id):
        references[reference.question_id].append((reference.title, reference.url))
    items = []
    for question in queries.questions(session, collection.id):
        items.append(QuestionItem(
            id=question.id, label=question.label, title=question.title, body_md=question.body_md,
            author=question.author, page_ref=question.page_ref,
            origin=ORIGIN_POSTED if question.retired_at is not None else question.origin,
            section_id=None if question.retired_at is not None else question.section_id,
            plus_ones=plus_ones[question.id] + voted[question.id], emoji=question_emoji[question.id],
            answers=_threads(answers_by_question[question.id], answer_emoji),
            references=references[question.id],
        ))
    return list(queries.sections(session, collection.id)), items


# --- deciding what goes where --------------------------------------------------------------------


def _sections(sections, questions: list[QuestionItem]) -> list[SectionItem]:
    """The file's own questions grouped under their sections, in order; empty sections kept."""
    by_section: dict[int | None, list[QuestionItem]] = defaultdict(list)
    for question in questions:
        by_section[question.section_id].append(question)
    grouped = [SectionItem(s.title, s.intro_md, by_section.pop(s.id, [])) for s in sections]
    leftover = [q for qs in by_section.values() for q in qs]
    if leftover:  # a file without sections: its questions have none
        grouped.insert(0, SectionItem(None, "", leftover))
    return grouped


def _weeks_layout(sections: list[SectionItem]) -> str:
    """(a) when anything needs headings (sections, authors, page refs) or labels are not a rising
    run of numbers; else (b), the numbered list, which also holds question bodies and several answers."""
    questions = [q for s in sections for q in s.questions]
    numbers = [int(q.label) if q.label and q.label.isdigit() else None for q in questions]
    rising = len(questions) >= 2 and None not in numbers and numbers == sorted(set(numbers))
    needs_headings = any(s.title for s in sections) or any(q.author or q.page_ref for q in questions)
    return "b" if rising and not needs_headings else "a"


def _own_and_posted(question: QuestionItem) -> tuple[QuestionItem, QuestionItem | None]:
    """Split an ingested weeks/interview question into what its file holds (its own answer) and a
    companion thread of what was posted on it (posted answers, replies to any answer, +1 votes):
    these shapes have one answer per question and no +1 marks."""
    own, posted = [], []
    for answer in question.answers:
        if answer.origin == ORIGIN_POSTED:
            posted.append(answer)
            continue
        own.append(ThreadItem(answer.author, answer.body_md, answer.origin, answer.emoji, []))
        posted.extend(answer.replies)  # replies to the file's own answer become answers of the thread
    kept = QuestionItem(**{**question.__dict__, "answers": own, "plus_ones": []})
    if not posted and not question.plus_ones:
        return kept, None
    where = f"{question.label} {question.title}" if question.label else question.title
    thread = QuestionItem(**{**question.__dict__, "body_md": question.title, "answers": posted, "emoji": [],
                             "references": [], "continues": where})
    return kept, thread


@dataclass
class _Plan:
    collection: Collection
    dumps: list[FileDump]


def _file_path(collection: Collection, used: set[str]) -> str:
    path = collection.source_path or f"nodes/{collection.slug}.md"
    return _unique(path, used)


def _unique(path: str, used: set[str]) -> str:
    candidate, n = path, 1
    while candidate in used:
        n += 1
        stem = PurePosixPath(path)
        candidate = str(stem.with_name(f"{stem.stem}-{n}{stem.suffix}"))
    used.add(candidate)
    return candidate


def plan(session: Session) -> list[_Plan]:
    plans: list[_Plan] = []
    used: set[str] = set()
    for collection in queries.collections(session):
        sections, questions = _load(session, collection)
        path = _file_path(collection, used)
        kind = collection.kind if collection.kind in ("nodes", "weeks", "interview") else "nodes"
        own = [q for q in questions if q.origin != ORIGIN_POSTED]
        posted = [q for q in questions if q.origin == ORIGIN_POSTED]
        main = FileDump(path=path, kind=kind, title=collection.title, intro_md=collection.intro_md,
                        notes_md=collection.notes_md, sections=_sections(sections, own))
        dumps = [main]
        if kind == "nodes":
            if posted and any(s.title is not None for s in main.sections):
                main.sections.append(SectionItem(POSTED_SECTION, "", posted))
            elif posted:
                if not main.sections:
                    main.sections.append(SectionItem(None, "", []))
                main.sections[-1].questions.extend(posted)
        else:
            threads = []
            for section in main.sections:
                kept = []
                for question in section.questions:
                    mine, thread = _own_and_posted(question)
                    kept.append(mine)
                    if thread is not None:
                        threads.append(thread)
                section.questions = kept
            if kind == "weeks":
                main.layout = _weeks_layout(main.sections)
            if threads or posted:
                companion = FileDump(
                    path=_unique(f"nodes/{PurePosixPath(path).stem}{COMPANION_SUFFIX}", used), kind="nodes",
                    title=f"{collection.title} — 이 사이트에서 쓴 글",
                    intro_md=f"`{path}`의 질문에 이 사이트에서 단 답변·답글과, 이 모음에 올린 질문입니다.",
                    sections=[SectionItem(t.continues, "", [t]) for t in threads]
                    + ([SectionItem(POSTED_SECTION, "", posted)] if posted else []))
                dumps.append(companion)
        plans.append(_Plan(collection, dumps))
    return plans


# --- checking a written file against what it was meant to hold -----------------------------------


def _shape_of(items) -> list[int]:
    """Reply nesting as the depth of each answer in pre-order: [0, 1, 1, 0] = two answers, the first
    with two replies."""
    depths: list[int] = []

    def walk(nodes, depth):
        for node in nodes:
            depths.append(depth)
            walk(node.replies, depth + 1)

    walk(items, 0)
    return depths


def _authors(items) -> list[str | None]:
    found: list[str | None] = []

    def walk(nodes):
        for node in nodes:
            found.append(node.author)
            walk(node.replies)

    walk(items)
    return found


def check(dump: FileDump, text: str) -> list[str]:
    """Parse the written text with the shape's own parser; say where it differs from `dump`."""
    return _differences(dump, parse_document(dump.kind, text, dump.path))


def _differences(dump: FileDump, document) -> list[str]:
    wanted, got = dump.questions(), document.questions()
    if len(wanted) != len(got):
        return [f"질문 {len(wanted)}개를 썼는데 {len(got)}개로 읽힙니다"]
    problems = []
    for want, have in zip(wanted, got, strict=True):
        name = f"'{want.title[:40]}'"
        if have.title != want.title:
            problems.append(f"질문 {name}의 제목이 '{have.title[:40]}'{particle(have.title[:40], '으로')} 읽힙니다")
        if want.continues is None and want.origin != ORIGIN_POSTED and want.label and have.label != want.label:
            problems.append(f"질문 {name}의 라벨 {want.label}{particle(want.label, '이')} "
                            f"{have.label}{particle(have.label, '으로')} 읽힙니다")
        if _shape_of(want.answers) != _shape_of(have.answers):
            problems.append(
                f"질문 {name}의 답변 구조가 다릅니다: {_shape_of(want.answers)} → {_shape_of(have.answers)}")
        elif dump.kind == "nodes" and _authors(want.answers) != _authors(have.answers):
            problems.append(f"질문 {name}의 답변 작성자가 다르게 읽힙니다")
        if dump.kind != "interview" and sum(1 for r in have.reactions if r.kind == "plus_one") != len(want.plus_ones):
            problems.append(f"질문 {name}의 +1 수가 다르게 읽힙니다")
    return problems


# --- writing -----------------------------------------------------------------------------------


def _toml_value(value) -> str:
    """A demo preset value as TOML: strings, numbers, booleans and lists of them read the same as JSON."""
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{_toml_key(k)} = {_toml_value(v)}" for k, v in value.items()) + " }"
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    return json.dumps(value, ensure_ascii=False)


def _toml_key(key: str) -> str:
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else json.dumps(key, ensure_ascii=False)


def demo_links_toml(session: Session, paths: dict[int, str]) -> tuple[str, int]:
    """content/demos.toml for the exported files: each link names the question's file and label."""
    blocks = []
    for collection_id, label, slug, params_json, hidden in queries.demo_links(session):
        if collection_id not in paths:
            continue
        lines = ["[[link]]", f"demo = {_toml_value(slug)}", f"file = {_toml_value(paths[collection_id])}",
                 f"question = {_toml_value(label)}"]
        params = json.loads(params_json or "{}")
        if hidden:
            lines.append("hide = true")
        elif params:
            lines.append(f"params = {_toml_value(params)}")
        blocks.append("\n".join(lines))
    header = "# Which demo explains which question (written by `kb export`; format: README, 라이브 실험).\n\n"
    return header + "\n\n".join(blocks) + "\n", len(blocks)


def _copy_images(document, dump: FileDump, content_dir: Path, out_dir: Path) -> int:
    """The local images an exported file shows, copied from the content folder to the same place
    under DIR (only files the site would serve: inside content/, an image suffix)."""
    resolve = image_resolver(content_dir / dump.path, content_dir)
    copied = 0
    for image in document.images:
        url = resolve(image.src) if image.is_local else None
        if url is None:
            continue
        relative = unquote(url.removeprefix(MEDIA_PREFIX))
        target = out_dir / relative
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(content_dir / relative, target)
            copied += 1
    return copied


def export_base(session: Session, out_dir: Path, content_dir: Path | None = None) -> ExportSummary:
    """Write every collection under `out_dir`; with `content_dir`, copy the images the files show."""
    out_dir = Path(out_dir)
    summary = ExportSummary()
    plans = plan(session)
    for item in plans:
        for dump in item.dumps:
            text = write_document(dump)
            target = out_dir / dump.path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
            document = parse_document(dump.kind, text, dump.path)
            if content_dir is not None and dump.path == item.collection.source_path:
                summary.images += _copy_images(document, dump, Path(content_dir), out_dir)
            questions = dump.questions()
            summary.files.append(ExportedFile(
                path=dump.path, kind=dump.kind, collection=item.collection.slug, questions=len(questions),
                answers=sum(_count(q.answers) for q in questions), problems=_differences(dump, document)))
    text, summary.demo_links = demo_links_toml(session, {item.collection.id: item.dumps[0].path for item in plans})
    if summary.demo_links:
        (out_dir / "demos.toml").write_text(text, encoding="utf-8")
    return summary


def existing_content(out_dir: Path) -> list[Path]:
    """Files an export would overwrite or mix with (the three shape folders under DIR)."""
    out_dir = Path(out_dir)
    return sorted(p for kind in ("nodes", "weeks", "interview") if (out_dir / kind).is_dir()
                  for p in (out_dir / kind).rglob("*") if p.is_file())
