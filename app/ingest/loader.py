"""Loads content/ into the database.

Two stages. `prepare_file` is pure work on one file (read, check, parse, render, build the search
document) and runs in worker processes when there are many files. `apply_file` writes one prepared
file in ONE transaction: a file that fails leaves the database as it was for that file.

Ids stay stable: ingested rows are matched to the previous ingest by a fingerprint (interview
labels, otherwise the normalised text), then by label/position, and updated in place. Rows posted
by users (origin "posted") are never touched; an ingested row they hang on is retired, not deleted.
"""

from __future__ import annotations

import hashlib
import os
import re
import time
import unicodedata
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from sqlalchemy.engine import Connection, Engine

from app.db.queries import ingest as q
from app.db.queries import related as related_store
from app.db.queries import search as search_queries
from app.db.queries import versions
from app.db.queries.ingest import FileReport
from app.ingest.document import ParsedAnswer, ParsedDocument, ParsedReaction, ParsedReference
from app.ingest.linking import relink_if_catalogue_changed, relink_questions
from app.ingest.shapes import SHAPES, parse_document
from app.ingest.workers import worker_pool
from app.render import extract_text, render_markdown
from app.render.media import image_resolver
from app.render.version import renderer_fingerprint
from app.search.glossary import concept_glossary
from app.search.related import rank_all, rerank_around
from app.search.terms import recheck_dictionary
from app.search.version import analyzer_fingerprint

MAX_FILE_BYTES = 5 * 1024 * 1024
CONTENT_SUFFIXES = {".md", ".markdown", ".txt"}
PARALLEL_THRESHOLD = 64  # below this, worker start-up costs more than it saves
# Back-to-back file transactions hold SQLite's write lock almost without a break; the web's writers
# poll for it every few milliseconds (app/db/transactions.py). After HOLD_S of writing, ingest
# leaves the lock free for GAP_S so a waiting post gets in: about 4% of an ingest's time.
HOLD_S = 0.25
GAP_S = 0.01
BULK_CHECKPOINT_PAGES = 10_000  # a WAL of up to ~40 MB while files are written (see _bulk_writes)


@dataclass
class PreparedAnswer:
    fingerprint: str
    parent_index: int | None  # index into the question's flat answer list (pre-order)
    author: str | None
    body_md: str
    body_html: str
    line: int | None
    reactions: list[ParsedReaction]


@dataclass
class PreparedQuestion:
    fingerprint: str
    label: str | None
    title: str
    body_md: str
    body_html: str
    author: str | None
    page_ref: str | None
    line: int | None
    section_index: int
    parent_label: str | None
    answers: list[PreparedAnswer]
    reactions: list[ParsedReaction]
    references: list[ParsedReference]
    search_doc: object | None
    answered: bool


@dataclass
class PreparedFile:
    source_path: str
    kind: str
    content_hash: str
    title: str = ""
    intro_md: str = ""
    intro_html: str = ""
    notes_md: str = ""
    notes_html: str = ""
    sections: list[q.SectionRow] = field(default_factory=list)
    questions: list[PreparedQuestion] = field(default_factory=list)
    reports: list[FileReport] = field(default_factory=list)
    error: FileReport | None = None
    unchanged: bool = False


@dataclass
class FileResult:
    source_path: str
    status: str  # ingested | unchanged | failed | removed
    questions: int = 0
    answered: int = 0
    unanswered: int = 0
    reports: list[FileReport] = field(default_factory=list)
    error: FileReport | None = None

    def to_dict(self) -> dict:
        return {
            "source_path": self.source_path,
            "status": self.status,
            "questions": self.questions,
            "answered": self.answered,
            "unanswered": self.unanswered,
            "unplaced": [
                {"line": r.line, "kind": r.kind, "message": r.message, "text": r.text} for r in self.reports
            ],
            "error": None if self.error is None else {"line": self.error.line, "message": self.error.message},
        }


@dataclass
class IngestSummary:
    files: list[FileResult] = field(default_factory=list)
    demo_link_problems: list[FileReport] = field(default_factory=list)
    collection_title_problems: list[FileReport] = field(default_factory=list)
    correction_problems: list[FileReport] = field(default_factory=list)
    author_claim_problems: list[FileReport] = field(default_factory=list)
    relinked: int | None = None  # questions relinked because the experiment catalogue changed

    @property
    def failed(self) -> list[FileResult]:
        return [f for f in self.files if f.status == "failed"]

    def count(self, status: str) -> int:
        return sum(1 for f in self.files if f.status == status)

    def to_dict(self) -> dict:
        return {
            "files": [f.to_dict() for f in self.files],
            "totals": {
                "files": len(self.files),
                "ingested": self.count("ingested"),
                "unchanged": self.count("unchanged"),
                "failed": self.count("failed"),
                "removed": self.count("removed"),
                "questions": sum(f.questions for f in self.files),
                "answered": sum(f.answered for f in self.files),
                "relinked": self.relinked,
            },
            "demo_link_problems": [
                {"line": p.line, "message": p.message} for p in self.demo_link_problems
            ],
            "collection_title_problems": [
                {"line": p.line, "message": p.message} for p in self.collection_title_problems
            ],
            "correction_problems": [
                {"file": "corrections.toml", "line": p.line, "message": p.message} for p in self.correction_problems
            ],
            "author_claim_problems": [
                {"file": "authors.toml", "line": p.line, "message": p.message} for p in self.author_claim_problems
            ],
        }


# --- discovery --------------------------------------------------------------------------------


def discover(content_dir: Path) -> list[tuple[Path, str, str]]:
    """(absolute path, relative posix path, shape) for every content file; the folder names the shape."""
    found = []
    for kind in SHAPES:
        folder = content_dir / kind
        if not folder.is_dir():
            continue
        for path in sorted(folder.rglob("*")):
            if path.is_file() and path.suffix.lower() in CONTENT_SUFFIXES and not path.name.startswith("."):
                found.append((path, PurePosixPath(path.relative_to(content_dir).as_posix()).as_posix(), kind))
    return found


# --- stage 1: pure preparation -----------------------------------------------------------------


def file_hash(data: bytes) -> str:
    """What decides whether a file is "unchanged": its bytes, the renderer that made its HTML and
    the analysis (term dictionary included) that made its search documents."""
    made_by = f"{renderer_fingerprint()}\0{analyzer_fingerprint()}".encode()
    return hashlib.sha256(made_by + b"\0" + data).hexdigest()


def _normalise(text: str) -> str:
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", text)).strip().lower()


def _digest(*parts: str) -> str:
    return hashlib.sha1("\x1f".join(parts).encode("utf-8")).hexdigest()[:20]


def _decode(data: bytes) -> tuple[str | None, FileReport | None]:
    if b"\x00" in data[:8192]:
        return None, FileReport(None, "error",
                                "바이너리 파일로 보입니다 (NUL 바이트). Markdown 텍스트 파일만 불러올 수 있습니다.")
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        hint = ""
        try:
            data.decode("cp949")
            hint = " CP949(EUC-KR)로 저장된 파일로 보입니다. UTF-8로 다시 저장해 주세요."
        except UnicodeDecodeError:
            pass
        return None, FileReport(line, "error", f"UTF-8이 아닌 바이트가 {line}번째 줄에 있습니다.{hint}")


def _flatten_answers(answers: list[ParsedAnswer], question_fp: str, render) -> list[PreparedAnswer]:
    flat: list[PreparedAnswer] = []
    seen: Counter[str] = Counter()

    def walk(items: list[ParsedAnswer], parent_index: int | None, parent_fp: str) -> None:
        for answer in items:
            base = _digest(parent_fp, answer.author or "", _normalise(answer.body_md))
            seen[base] += 1
            fingerprint = base if seen[base] == 1 else f"{base}:{seen[base]}"
            flat.append(
                PreparedAnswer(
                    fingerprint=fingerprint,
                    parent_index=parent_index,
                    author=answer.author,
                    body_md=answer.body_md,
                    body_html=render(answer.body_md),
                    line=answer.line,
                    reactions=answer.reactions,
                )
            )
            walk(answer.replies, len(flat) - 1, fingerprint)

    walk(answers, None, question_fp)
    return flat


def _question_fingerprints(document: ParsedDocument) -> list[str]:
    seen: Counter[str] = Counter()
    fingerprints = []
    for question in document.questions():
        if document.kind == "interview" and question.label:
            base = "label:" + question.label
        else:
            base = "text:" + _digest(_normalise(question.title), _normalise(question.body_md))
        seen[base] += 1
        fingerprints.append(base if seen[base] == 1 else f"{base}:{seen[base]}")
    return fingerprints


def prepare_file(path: Path, source_path: str, kind: str, content_dir: Path, known_hash: str | None,
                 build_search_doc=None) -> PreparedFile:
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            return PreparedFile(source_path, kind, "", error=FileReport(
                None, "error", f"파일이 너무 큽니다 ({size / 1024 / 1024:.1f} MB). "
                               f"최대 {MAX_FILE_BYTES // 1024 // 1024} MB까지 불러옵니다."))
        data = path.read_bytes()
    except OSError as exc:
        return PreparedFile(source_path, kind, "", error=FileReport(None, "error", f"파일을 읽을 수 없습니다: {exc}"))
    content_hash = file_hash(data)
    if content_hash == known_hash:
        return PreparedFile(source_path, kind, content_hash, unchanged=True)
    text, problem = _decode(data)
    if problem is not None or text is None:
        return PreparedFile(source_path, kind, content_hash, error=problem)
    try:
        document = parse_document(kind, text, source_path)
    except Exception as exc:  # a parser bug must not take the other files down
        return PreparedFile(source_path, kind, content_hash, error=FileReport(
            getattr(exc, "line", None), "error", f"구문 분석에 실패했습니다: {type(exc).__name__}: {exc}"))

    resolve_image = image_resolver(path, content_dir)
    glossary = concept_glossary()

    def render(markdown: str) -> str:
        return render_markdown(markdown, resolve_image=resolve_image, glossary=glossary) if markdown.strip() else ""

    prepared = PreparedFile(
        source_path=source_path,
        kind=kind,
        content_hash=content_hash,
        title=(document.title or Path(source_path).stem).strip()[:200],
        intro_md=document.intro_md,
        intro_html=render(document.intro_md),
        notes_md=document.notes_md,
        notes_html=render(document.notes_md),
        sections=[q.SectionRow(s.title, s.line, s.intro_md, render(s.intro_md)) for s in document.sections],
    )
    prepared.reports += _document_reports(document, resolve_image)
    prepared.questions += _prepare_questions(document, render, build_search_doc)
    if not prepared.questions:
        prepared.reports.append(
            FileReport(None, "empty", "질문을 하나도 찾지 못했습니다 (빈 파일이거나 제목만 있는 파일)."))
    return prepared


def _document_reports(document: ParsedDocument, resolve_image) -> list[FileReport]:
    """What the reader left unplaced, and the local images the file points at that do not exist."""
    reports = []
    for item in document.unplaced:
        kind_name = "boilerplate" if "boilerplate" in item.reason.lower() else "unplaced"
        reports.append(FileReport(item.line, kind_name, item.reason, item.text[:500]))
    reports += [FileReport(image.line, "missing_image", f"이미지 파일이 없습니다: {image.src}", image.alt)
                for image in document.images if image.is_local and resolve_image(image.src) is None]
    return reports


def _prepare_questions(document: ParsedDocument, render, build_search_doc) -> list[PreparedQuestion]:
    """Each question rendered, fingerprinted and (with `build_search_doc`) analysed for the index."""
    fingerprints = iter(_question_fingerprints(document))
    prepared = []
    for section_index, section in enumerate(document.sections):
        for question in section.questions:
            fingerprint = next(fingerprints)
            answers = _flatten_answers(question.answers, fingerprint, render)
            body_html = render(question.body_md)
            search_doc = None
            if build_search_doc is not None:
                search_doc = build_search_doc(
                    question.title,
                    extract_text(body_html, math="both"),
                    "\n".join(extract_text(a.body_html, math="both") for a in answers),
                )
            prepared.append(
                PreparedQuestion(
                    fingerprint=fingerprint,
                    label=question.label,
                    title=(question.title or "(제목 없음)").strip()[:300],
                    body_md=question.body_md,
                    body_html=body_html,
                    author=question.author,
                    page_ref=question.page_ref,
                    line=question.line,
                    section_index=section_index,
                    parent_label=question.parent_label,
                    answers=answers,
                    reactions=question.reactions,
                    references=question.references,
                    search_doc=search_doc,
                    answered=bool(answers),
                )
            )
    return prepared


# --- stage 2: one transaction per file -------------------------------------------------------


def _slug_for(conn, source_path: str, kind: str) -> str:
    stem = PurePosixPath(source_path).stem.lower()
    slug = re.sub(r"[^a-z0-9가-힣]+", "-", stem).strip("-")[:80] or "collection"
    for candidate in (slug, f"{kind}-{slug}"):
        if not q.slug_taken(conn, candidate):
            return candidate
    return f"{kind}-{slug}-{_digest(source_path)[:6]}"


def _match(old: list[q.IngestedQuestion], new: list[PreparedQuestion]) -> dict[int, int]:
    """new index -> old id: exact fingerprint first, then the same label (an edited question)."""
    by_fp = {row.fingerprint: row.id for row in old}
    matched: dict[int, int] = {}
    used: set[int] = set()
    for i, question in enumerate(new):
        qid = by_fp.get(question.fingerprint)
        if qid is not None and qid not in used:
            matched[i] = qid
            used.add(qid)
    by_label = {row.label: row.id for row in old if row.label and row.id not in used}
    for i, question in enumerate(new):
        if i in matched or not question.label:
            continue
        qid = by_label.pop(question.label, None)
        if qid is not None:
            matched[i] = qid
            used.add(qid)
    return matched


def _apply_answers(conn, question_id: int, answers: list[PreparedAnswer], is_new: bool, now: str) -> list[int]:
    old = [] if is_new else q.ingested_answers(conn, question_id)
    by_fp = {fp: aid for aid, fp in old}
    ids: list[int] = []
    kept: set[int] = set()
    for position, answer in enumerate(answers):
        parent_id = ids[answer.parent_index] if answer.parent_index is not None else None
        row = q.AnswerRow(parent_id=parent_id, author=answer.author, body_md=answer.body_md,
                          body_html=answer.body_html, source_line=answer.line, position=position,
                          fingerprint=answer.fingerprint)
        answer_id = by_fp.get(answer.fingerprint)
        if answer_id is not None and answer_id not in kept:
            q.update_answer(conn, answer_id, row, now)
        else:
            answer_id = q.insert_answer(conn, question_id, row, now)
        kept.add(answer_id)
        ids.append(answer_id)
    gone = [aid for aid, _ in old if aid not in kept]
    if gone:
        keep = q.answers_with_posted_descendants(conn, gone)
        q.retire_answers(conn, [a for a in gone if a in keep], now)
        q.delete_answers(conn, [a for a in gone if a not in keep])
    return ids


def apply_file(conn: Connection, prepared: PreparedFile, write_search_docs=None, delete_search_docs=None) -> FileResult:
    with conn.begin():
        now = q.db_time()  # one time for every row this transaction writes
        existing = q.find_collection(conn, prepared.source_path)
        collection_fields = dict(
            title=prepared.title, kind=prepared.kind, content_hash=prepared.content_hash,
            intro_md=prepared.intro_md, intro_html=prepared.intro_html,
            notes_md=prepared.notes_md, notes_html=prepared.notes_html, now=now,
        )
        if existing is None:
            collection_id = q.insert_collection(
                conn, slug=_slug_for(conn, prepared.source_path, prepared.kind), source_path=prepared.source_path,
                **collection_fields,
            )
            old: list[q.IngestedQuestion] = []
        else:
            collection_id = existing[0]
            q.update_collection(conn, collection_id, **collection_fields)
            old = q.ingested_questions(conn, collection_id)
        section_ids = q.replace_sections(conn, collection_id, prepared.sections, is_new=existing is None)
        matched = _match(old, prepared.questions)

        question_ids: list[int] = []
        reaction_rows: list[q.ReactionRow] = []
        reference_rows: list[q.ReferenceRow] = []
        for position, question in enumerate(prepared.questions):
            row = q.QuestionRow(
                section_id=section_ids[question.section_index] if section_ids else None, label=question.label,
                title=question.title, body_md=question.body_md, body_html=question.body_html,
                author=question.author, page_ref=question.page_ref, source_line=question.line, position=position,
                fingerprint=question.fingerprint,
            )
            question_id = matched.get(position)
            if question_id is None:
                question_id = q.insert_question(conn, collection_id, row, now)
            else:
                q.update_question(conn, question_id, row, now)
            question_ids.append(question_id)
            answer_ids = _apply_answers(conn, question_id, question.answers, position not in matched, now)
            reaction_rows += [q.ReactionRow(question_id, None, r.kind, r.emoji, r.author, r.line)
                              for r in question.reactions]
            for answer, answer_id in zip(question.answers, answer_ids, strict=True):
                reaction_rows += [q.ReactionRow(None, answer_id, r.kind, r.emoji, r.author, r.line)
                                  for r in answer.reactions]
            reference_rows += [q.ReferenceRow(question_id, i, r.title, r.url, r.line)
                               for i, r in enumerate(question.references)]

        by_label = {question.label: qid for question, qid in zip(prepared.questions, question_ids, strict=True)
                    if question.label}
        parents = [(by_label.get(question.parent_label) if question.parent_label else None, qid)
                   for question, qid in zip(prepared.questions, question_ids, strict=True)]
        # A question inserted just now has no parent yet; one kept from before may lose its own.
        q.set_question_parents(conn, [(parent, qid) for position, (parent, qid) in enumerate(parents)
                                      if parent is not None or position in matched])
        kept = set(question_ids)
        gone = [row.id for row in old if row.id not in kept]
        if gone:
            keep = q.questions_with_posted_rows(conn, gone)
            q.retire_questions(conn, [g for g in gone if g in keep], now)
            q.delete_questions(conn, [g for g in gone if g not in keep])
            if delete_search_docs is not None:
                delete_search_docs(conn, gone)
        kept_from_before = [question_ids[position] for position in sorted(matched)]
        q.replace_ingested_reactions(conn, kept_from_before, reaction_rows)
        q.replace_references(conn, kept_from_before, reference_rows)
        q.refresh_question_counters(conn, collection_id=collection_id)
        q.replace_reports(conn, prepared.source_path, prepared.reports, now)
        if write_search_docs is not None:
            docs = [(qid, question.search_doc) for qid, question in zip(question_ids, prepared.questions, strict=True)
                    if question.search_doc is not None]
            if docs:
                written = [qid for qid, _ in docs]
                write_search_docs(conn, docs)
                relink_questions(conn, written)
                # Posted answers are not in the file: those questions' documents are made again from their
                # rows after this commit (kb ingest drains the queue; so does the web process's indexer).
                search_queries.queue_documents(conn, q.questions_with_visible_posted_answers(conn, written))
        versions.bump(conn, everything=True)  # a file rewrites many questions: drop every cached page

    answered = sum(1 for question in prepared.questions if question.answered)
    return FileResult(
        prepared.source_path, "ingested", questions=len(prepared.questions), answered=answered,
        unanswered=len(prepared.questions) - answered, reports=prepared.reports,
    )


def _remove_missing(engine: Engine, present: set[str], delete_search_docs) -> list[FileResult]:
    """A file deleted from content/ takes its ingested questions with it (posted rows stay)."""
    results = []
    with engine.begin() as conn:
        gone_collections = q.collections_without_files(conn, present)
    for collection_id, source_path in gone_collections:
        with engine.begin() as conn:
            old = q.ingested_questions(conn, collection_id)
            ids = [row.id for row in old]
            keep = q.questions_with_posted_rows(conn, ids)
            q.retire_questions(conn, [i for i in ids if i in keep])
            q.delete_questions(conn, [i for i in ids if i not in keep])
            if delete_search_docs is not None and ids:
                delete_search_docs(conn, ids)
                versions.bump(conn, search=True)  # the vocabulary an indexer remembers may have lost words
            q.replace_reports(conn, source_path, [])
            q.delete_collection_if_empty(conn, collection_id)
        results.append(FileResult(source_path, "removed"))
    return results


# --- orchestration ---------------------------------------------------------------------------


def _search_hooks():
    """The search index is kept in sync inside the same per-file transaction. The first hook
    makes one file's search-document builder."""
    from app.db.queries.search import delete_search_docs, write_search_docs
    from app.search.analyze import search_doc_builder

    return search_doc_builder, write_search_docs, delete_search_docs


class _WriterGap:
    def __init__(self) -> None:
        self._since = time.monotonic()

    def after_commit(self) -> None:
        if time.monotonic() - self._since >= HOLD_S:
            time.sleep(GAP_S)
            self._since = time.monotonic()


def _prepare_job(args):
    path, source_path, kind, content_dir, known_hash, with_search = args
    build = _search_hooks()[0]() if with_search else None
    return prepare_file(path, source_path, kind, content_dir, known_hash, build)


def ingest_directory(engine: Engine, content_dir: Path, *, force: bool = False, workers: int | None = None,
                     with_search: bool = True, sync_demo_links: bool = True) -> IngestSummary:
    content_dir = Path(content_dir)
    files = discover(content_dir)
    recheck_dictionary()  # the terms file as it is now, however recently this process looked
    search_doc_builder = write_search_docs = delete_search_docs = None
    if with_search:
        search_doc_builder, write_search_docs, delete_search_docs = _search_hooks()
    summary = IngestSummary()
    workers = workers if workers is not None else (os.cpu_count() or 1)
    # One connection writes every file, each in its own transaction.
    gap = _WriterGap()
    with engine.connect() as conn, _bulk_writes(conn):
        known = {} if force else q.collection_hashes(conn)
        conn.commit()
        jobs = [(path, rel, kind, content_dir, known.get(rel), with_search) for path, rel, kind in files]
        changed_jobs = jobs
        if workers > 1 and len(jobs) >= PARALLEL_THRESHOLD:
            # Hash check first in this process: an unchanged tree never pays for worker start-up.
            changed_jobs = []
            for job in jobs:
                digest = file_hash(job[0].read_bytes()) if job[4] is not None else None
                if digest is not None and digest == job[4]:
                    summary.files.append(FileResult(job[1], "unchanged"))
                else:
                    changed_jobs.append(job)
        if workers > 1 and len(changed_jobs) >= PARALLEL_THRESHOLD:
            with worker_pool(workers) as pool:
                prepared_iter = pool.map(_prepare_job, changed_jobs, chunksize=16)
                for prepared in prepared_iter:
                    summary.files.append(_apply_prepared(conn, prepared, write_search_docs, delete_search_docs))
                    gap.after_commit()
        else:
            for path, rel, kind, cdir, known_hash, _ in changed_jobs:
                build = search_doc_builder() if search_doc_builder is not None else None
                prepared = prepare_file(path, rel, kind, cdir, known_hash, build)
                summary.files.append(_apply_prepared(conn, prepared, write_search_docs, delete_search_docs))
                gap.after_commit()

    summary.files.extend(_remove_missing(engine, {rel for _, rel, _ in files}, delete_search_docs))
    summary.collection_title_problems = _sync_collection_titles(engine, content_dir)
    if sync_demo_links:
        summary.demo_link_problems = _sync_demo_links(engine, content_dir)
    summary.correction_problems = _sync_corrections(engine, content_dir)
    summary.author_claim_problems = _sync_author_claims(engine, content_dir)
    if with_search:  # the links are scored from the search documents
        with engine.begin() as conn:
            summary.relinked = relink_if_catalogue_changed(conn)
        # After the files, the removals and the editors' demo links, which all decide the lists: the
        # questions of the files read again, and the lists they enter or leave (every list the first time).
        with engine.connect() as conn:
            if related_store.any_stored(conn):
                lists = rerank_around(conn, q.visible_question_ids_of(
                    conn, [f.source_path for f in summary.files if f.status == "ingested"]))
            else:
                lists = rank_all(conn)
            conn.rollback()
        with engine.begin() as conn:
            related_store.replace(conn, lists)
    with engine.begin() as conn:  # removed files, collection titles and demo links change pages too
        versions.bump(conn, everything=True)
    summary.files.sort(key=lambda f: f.source_path)
    return summary


@contextmanager
def _bulk_writes(conn: Connection):
    """Checkpoint the WAL every BULK_CHECKPOINT_PAGES pages while files are written, not every
    1,000 (SQLite's default): per-file transactions commit thousands of times in a row, and the
    checkpoints' fsyncs were most of the cost of a commit. A commit is as atomic as before; under
    synchronous=NORMAL no commit is synced anyway, only checkpoints are."""
    previous = q.wal_autocheckpoint(conn)
    q.wal_autocheckpoint(conn, BULK_CHECKPOINT_PAGES)
    conn.commit()
    try:
        yield
    finally:
        conn.rollback()  # whatever a failure left open
        q.wal_autocheckpoint(conn, previous)
        conn.commit()


def _apply_prepared(conn: Connection, prepared: PreparedFile, write_search_docs, delete_search_docs) -> FileResult:
    if prepared.unchanged:
        return FileResult(prepared.source_path, "unchanged")
    if prepared.error is not None:
        return FileResult(prepared.source_path, "failed", error=prepared.error)
    try:
        return apply_file(conn, prepared, write_search_docs, delete_search_docs)
    except Exception as exc:  # the transaction rolled back; report and go on with the other files
        return FileResult(prepared.source_path, "failed", error=FileReport(
            None, "error", f"데이터베이스에 쓰지 못했습니다: {type(exc).__name__}: {exc}"))


def _sync_collection_titles(engine: Engine, content_dir: Path) -> list[FileReport]:
    from app.ingest.collection_titles import TITLES_FILE, sync_collection_titles

    with engine.begin() as conn:
        reports = [FileReport(p.line, "collection_title", p.message) for p in sync_collection_titles(conn, content_dir)]
        q.replace_reports(conn, TITLES_FILE, reports)
    return reports


def _sync_demo_links(engine: Engine, content_dir: Path) -> list[FileReport]:
    from app.ingest.demo_links import sync_demo_links

    return _sync_editorial(engine, content_dir, sync_demo_links, "demos.toml", "demo_link")


def _sync_corrections(engine: Engine, content_dir: Path) -> list[FileReport]:
    """After the files: a correction points at an answer by the text it has now."""
    from app.ingest.corrections import CORRECTIONS_FILE, sync_corrections

    return _sync_editorial(engine, content_dir, sync_corrections, CORRECTIONS_FILE, "correction")


def _sync_author_claims(engine: Engine, content_dir: Path) -> list[FileReport]:
    """After the files: a claimed name must sign a post in them."""
    from app.ingest.author_claims import AUTHORS_FILE, sync_author_claims

    return _sync_editorial(engine, content_dir, sync_author_claims, AUTHORS_FILE, "author_claim")


def _sync_editorial(engine: Engine, content_dir: Path, sync, file_name: str, kind: str) -> list[FileReport]:
    """One editors' TOML file synced, then its problems kept as that file's reports."""
    from sqlmodel import Session

    with Session(engine) as session:
        problems = sync(session, content_dir)
        session.commit()
    reports = [FileReport(p.line, kind, p.message) for p in problems]
    with engine.begin() as conn:
        q.replace_reports(conn, file_name, reports)
    return reports
