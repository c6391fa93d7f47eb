"""`kb export` round trip: ingest the seeds, post through the API, export, ingest the export into an
EMPTY database, and find the same questions, labels, answered counts, answer counts and reply nesting
per collection (posts on weeks/interview questions come back in the collection's companion file)."""

from __future__ import annotations

import json
import shutil
import sqlite3
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from app.cli import main as kb
from app.ingest.shapes import parse_document
from app.services.export import POSTED_SECTION
from tests.conftest import _copy_of, _settings_for, clients_of
from tests.writes.helpers import Account

NODES = "deep-hankkeut-nodes"
INTERVIEW = "deep-learning-interview"
WEEKS_A = "study-week-04-cs231n-lecture-7"
WEEKS_B = "study-week-02-questions"

# Bodies written to trip the nodes shape: lines that look like replies, authors, +1s, reactions,
# headings and list items; a code block first; a title that does not ask while the body does.
TRICKY_BODY = (
    "첫 문단입니다. 왜 그런지 궁금한가요?\n\n"
    "- 목록 하나\n- 목록 둘\n\n"
    "-> 화살표로 시작하는 줄\n"
    "( 민규 )\n"
    "2222(김산)\n"
    "👍\n"
    "철수 : 이름처럼 보이는 줄\n"
    "## 제목처럼 보이는 줄\n\n"
    "```python\nx = 1  # 코드 안의 -> 화살표\n\n\ny = x ** 2\n```\n\n"
    "끝 문장 (ReLU)"
)
CODE_FIRST_ANSWER = "```python\nimport torch\n```\n\n코드 뒤의 설명입니다.\n\n두 번째 문단."


@dataclass
class Shape:
    """What the round trip must keep of one question."""

    label: str | None
    title: str
    origin: str
    answered: bool
    answer_count: int
    plus_ones: int
    depths: list[int] = field(default_factory=list)
    authors: list[str | None] = field(default_factory=list)
    parent_label: str | None = None
    page_ref: str | None = None
    references: int = 0
    section: str | None = None


def snapshot(db_path: Path) -> dict[str, list[Shape]]:
    """Every visible question per collection slug, in source order, read with plain SQL."""
    connection = sqlite3.connect(db_path)
    answers: dict[int, list[tuple[int, int | None, str | None]]] = defaultdict(list)
    for answer_id, question_id, parent_id, author in connection.execute(
            "SELECT id, question_id, parent_id, author FROM answer WHERE deleted_at IS NULL AND retired_at IS NULL"
            " ORDER BY question_id, position, id"):
        answers[question_id].append((answer_id, parent_id, author))
    references = dict(connection.execute("SELECT question_id, count(*) FROM reference GROUP BY question_id"))
    rows = connection.execute(
        "SELECT q.id, c.slug, q.label, q.title, q.origin, q.answered, q.answer_count, q.plus_one_count, q.page_ref,"
        " p.label, s.title FROM question q JOIN collection c ON c.id = q.collection_id"
        " LEFT JOIN question p ON p.id = q.parent_id LEFT JOIN section s ON s.id = q.section_id"
        " WHERE q.deleted_at IS NULL AND q.retired_at IS NULL ORDER BY c.slug, q.position, q.id").fetchall()
    connection.close()
    result: dict[str, list[Shape]] = defaultdict(list)
    for qid, slug, label, title, origin, answered, count, plus, page_ref, parent, section in rows:
        shape = Shape(label, title, origin, bool(answered), count, plus, parent_label=parent, page_ref=page_ref,
                      references=references.get(qid, 0), section=section)
        children = defaultdict(list)
        for answer_id, parent_id, author in answers[qid]:
            children[parent_id].append((answer_id, author))

        def walk(parent_id, depth, children=children, shape=shape):
            for answer_id, author in children.get(parent_id, []):
                shape.depths.append(depth)
                shape.authors.append(author)
                walk(answer_id, depth + 1)

        walk(None, 0)
        result[slug].append(shape)
    return result


def demo_links(db_path: Path) -> list[tuple]:
    connection = sqlite3.connect(db_path)
    try:
        return connection.execute(
            "SELECT c.slug, q.label, d.demo_slug, d.params_json, d.match FROM demolink d"
            " JOIN question q ON q.id = d.question_id JOIN collection c ON c.id = q.collection_id"
            " WHERE d.match IN ('editor', 'hidden')"  # automatic ones follow the text
            " ORDER BY d.position, d.id").fetchall()
    finally:
        connection.close()


@pytest.fixture
def settings(seeded_settings):
    """The writing fixtures (app, client_factory) over the seeds."""
    return seeded_settings


@pytest.fixture
def people(client_factory):
    return {name: Account(client_factory, name) for name in ("alice", "bob", "carol")}


def question_id(client, slug: str, label: str) -> int:
    items = client.get("/api/v1/questions", params={"collection": slug, "per_page": 100}).json()["items"]
    return next(q["id"] for q in items if q["label"] == label)


def post(account, url: str, **data) -> dict:
    response = account.client.post(url, json=data, headers=account.headers)
    assert response.status_code == 201, response.text
    return response.json()


def post_everywhere(people) -> None:
    alice, bob, carol = people["alice"], people["bob"], people["carol"]
    c = alice.client
    # general: a thread three levels deep, a multi-paragraph answer opening with code, a +1, a deleted answer
    first = post(alice, "/api/v1/questions", title="역전파는 왜 필요한가요?", body=TRICKY_BODY)
    answer = post(bob, f"/api/v1/questions/{first['id']}/answers", body=CODE_FIRST_ANSWER)
    reply = post(alice, f"/api/v1/answers/{answer['id']}/replies", body="고마워요!\n\n한 가지 더: 왜 그런가요?")
    post(bob, f"/api/v1/answers/{reply['id']}/replies", body="-> 답글의 답글입니다 (ReLU)")
    post(carol, f"/api/v1/questions/{first['id']}/answers", body="👍")
    assert bob.client.post(f"/api/v1/questions/{first['id']}/votes", headers=bob.headers).status_code == 201
    assert carol.client.post(f"/api/v1/questions/{first['id']}/votes", headers=carol.headers).status_code == 201
    second = post(alice, "/api/v1/questions", title="배치 정규화와 과적합", body="이건 왜 그런가요?\n\n- 목록")
    gone = post(bob, f"/api/v1/questions/{second['id']}/answers", body="지울 답변")
    assert bob.client.delete(f"/api/v1/answers/{gone['id']}", headers=bob.headers).status_code == 204
    post(carol, "/api/v1/questions", title="아직 아무도 답하지 않은 질문", body="본문만 있습니다.")
    # nodes: a posted question in the collection, an answer to an unanswered question, a reply under an ingested answer
    post(bob, "/api/v1/questions", title="노드 모음에 올린 질문인가요?", body="본문", collection=NODES)
    post(alice, f"/api/v1/questions/{question_id(c, NODES, '07-1')}/answers", body="레이어 수는 깊이입니다.")
    nodes_q = c.get(f"/api/v1/questions/{question_id(c, NODES, '05-2')}").json()
    nested = post(carol, f"/api/v1/answers/{nodes_q['answers'][0]['replies'][0]['id']}/replies", body="저도요 (청)")
    assert nested["parent_id"]
    # interview: an answer to an unanswered question, a reply to an ingested answer, a +1, a posted question
    post(bob, f"/api/v1/questions/{question_id(c, INTERVIEW, '#3')}/answers", body="PyTorch는 eager입니다.")
    interview_q = c.get(f"/api/v1/questions/{question_id(c, INTERVIEW, '#1')}").json()
    post(alice, f"/api/v1/answers/{interview_q['answers'][0]['id']}/replies", body="좋은 정리네요")
    assert carol.client.post(f"/api/v1/questions/{question_id(c, INTERVIEW, '#5')}/votes",
                             headers=carol.headers).status_code == 201
    post(alice, "/api/v1/questions", title="면접 모음에 올린 질문은?", body="본문", collection=INTERVIEW)
    # weeks, both layouts
    post(bob, f"/api/v1/questions/{question_id(c, WEEKS_A, '7-4')}/answers", body="모멘텀 설명 보충")
    post(carol, f"/api/v1/questions/{question_id(c, WEEKS_B, '9')}/answers", body="로그 변환은 스케일을 바꿉니다")


def companion_threads(shapes: list[Shape]) -> tuple[dict[str, Shape], list[Shape]]:
    """A companion collection's questions: threads keyed by the label their section names, and the
    posted questions of its last section."""
    threads = {s.section.split(" ", 1)[0]: s for s in shapes if s.section and s.section != POSTED_SECTION}
    return threads, [s for s in shapes if s.section == POSTED_SECTION]


def test_export_round_trip(people, seeded_settings, migrated_template, tmp_path, monkeypatch, capsys):
    post_everywhere(people)
    before = snapshot(Path(seeded_settings.database_url.removeprefix("sqlite:///")))

    out = tmp_path / "export"
    monkeypatch.setenv("KB_DATABASE_URL", seeded_settings.database_url)
    assert kb(["export", str(out), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["totals"]["problems"] == 0, report
    files = {f["path"]: f["collection"] for f in report["files"]}
    assert files["nodes/general.md"] == "general"
    assert files["nodes/deep-learning-interview.posted.md"] == INTERVIEW

    fresh = tmp_path / "fresh.sqlite3"
    shutil.copy(migrated_template, fresh)
    monkeypatch.setenv("KB_DATABASE_URL", _settings_for(fresh).database_url)
    assert kb(["ingest", str(out), "--workers", "1"]) == 0, capsys.readouterr().out
    after = snapshot(fresh)

    # nodes and general: the whole thread comes back in the same collection
    for slug in (NODES, "general"):
        assert [(s.title, s.answered, s.answer_count, s.depths, s.authors, s.plus_ones) for s in after[slug]] == \
               [(s.title, s.answered, s.answer_count, s.depths, s.authors, s.plus_ones) for s in before[slug]], slug
        assert [now.label for was, now in zip(before[slug], after[slug], strict=True) if was.origin == "ingested"] == \
               [was.label for was in before[slug] if was.origin == "ingested"], slug
        assert all(now.section == POSTED_SECTION for was, now in zip(before[NODES], after[NODES], strict=True) if was.origin == "posted")

    # weeks and interview: the file's own questions, labels and structure; posts come back in the companion
    for slug in (INTERVIEW, WEEKS_A, WEEKS_B):
        own = [s for s in before[slug] if s.origin == "ingested"]
        posted = [s for s in before[slug] if s.origin == "posted"]
        threads, companion_posted = companion_threads(after.get(f"{slug}-posted", []))
        assert [(s.label, s.title, s.parent_label, s.page_ref, s.references) for s in after[slug]] == \
               [(s.label, s.title, s.parent_label, s.page_ref, s.references) for s in own], slug
        for was, now in zip(own, after[slug], strict=True):
            thread = threads.get(was.label)
            answers_now = now.answer_count + (thread.answer_count if thread else 0)
            assert answers_now == was.answer_count, (slug, was.label)
            assert (now.answered or bool(thread and thread.answered)) == was.answered, (slug, was.label)
            assert now.plus_ones + (thread.plus_ones if thread else 0) == was.plus_ones, (slug, was.label)
        assert [(s.title, s.answer_count, s.depths) for s in companion_posted] == \
               [(s.title, s.answer_count, s.depths) for s in posted], slug
        answered_before = sum(s.answered for s in before[slug])
        answered_after = sum(now.answered or bool(threads.get(now.label) and threads[now.label].answered)
                             for now in after[slug]) + sum(s.answered for s in companion_posted)
        assert answered_after == answered_before, slug

    # demo links (question ↔ experiment with its preset) come back on the same questions
    assert demo_links(fresh) == demo_links(Path(seeded_settings.database_url.removeprefix("sqlite:///")))
    assert report["totals"]["demo_links"] == len(demo_links(fresh)) > 0

    # the posted author is the account's display name, in every shape
    general = {s.title: s for s in after["general"]}
    assert general["역전파는 왜 필요한가요?"].authors == ["bob", "alice", "bob", "carol"]
    assert general["역전파는 왜 필요한가요?"].depths == [0, 1, 2, 0] and general["역전파는 왜 필요한가요?"].plus_ones == 2
    assert general["배치 정규화와 과적합"].answer_count == 0  # the deleted answer is not exported


def test_exported_bodies_keep_their_text(people, seeded_settings, tmp_path, monkeypatch, capsys):
    """The nodes shape holds a reply as one block: paragraphs become lines, lines that would read as
    something else are escaped so they render the same, code blocks stay code."""
    post_everywhere(people)
    monkeypatch.setenv("KB_DATABASE_URL", seeded_settings.database_url)
    assert kb(["export", str(tmp_path / "out")]) == 0
    text = (tmp_path / "out" / "nodes" / "general.md").read_text(encoding="utf-8")
    document = parse_document("nodes", text, "nodes/general.md")
    question = next(q for q in document.questions() if q.title == "역전파는 왜 필요한가요?")
    assert question.author == "alice"
    for kept in ("\\-> 화살표로 시작하는 줄", "\\( 민규 )", "철수 \\: 이름처럼", "\\## 제목처럼", "끝 문장 (ReLU)",
                 "x = 1  # 코드 안의 -> 화살표\n\n\ny = x ** 2"):
        assert kept in question.body_md, kept
    code_first = question.answers[0]
    assert code_first.author == "bob" and "```python\nimport torch\n```" in code_first.body_md
    assert "코드 뒤의 설명입니다." in code_first.body_md and "두 번째 문단." in code_first.body_md
    from app.render import render_markdown

    html = render_markdown(question.body_md)
    assert "-&gt; 화살표로 시작하는 줄" in html and "## 제목처럼 보이는 줄" in html and "<h2" not in html


def test_export_refuses_a_folder_with_content(seeded_settings, tmp_path, monkeypatch, capsys):
    (tmp_path / "nodes").mkdir()
    (tmp_path / "nodes" / "old.md").write_text("## 노드 01\n질문인가요?\n", encoding="utf-8")
    monkeypatch.setenv("KB_DATABASE_URL", seeded_settings.database_url)
    assert kb(["export", str(tmp_path)]) == 2
    assert "--overwrite" in capsys.readouterr().err
    assert kb(["export", str(tmp_path), "--overwrite"]) == 0


def test_export_copies_the_images_its_files_show(engine, tmp_path):
    """Local images a page shows travel with the export, so a re-import finds them."""
    from sqlmodel import Session

    from app.ingest.loader import ingest_directory
    from app.services.export import export_base

    content = tmp_path / "content"
    (content / "nodes" / "img").mkdir(parents=True)
    (content / "images").mkdir()
    png = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                        "1f15c4890000000d49444154789c6300010000050001a5f645400000000049454e44ae426082")
    (content / "nodes" / "img" / "graph.png").write_bytes(png)
    (content / "images" / "root.png").write_bytes(png)
    (content / "nodes" / "thread.md").write_text(
        "## 노드 01\n\n( 민규 )\n\n그래프가 왜 이런가요?\n\n![그래프](img/graph.png)\n\n"
        "-> 이 그림을 보세요 (태하)\n\n![루트](/images/root.png)\n\n-> 없는 그림 ![x](img/none.png)\n", encoding="utf-8")
    assert not ingest_directory(engine, content, workers=1, with_search=False).failed
    out = tmp_path / "out"
    with Session(engine) as session:
        summary = export_base(session, out, content)
    assert summary.images == 2 and not summary.problems
    assert (out / "nodes" / "img" / "graph.png").read_bytes() == png and (out / "images" / "root.png").exists()
    assert not (out / "nodes" / "img" / "none.png").exists()
    again = ingest_directory(engine, out, workers=1, force=True, with_search=False)
    missing = [r for f in again.files for r in f.reports if r.kind == "missing_image"]
    assert [r.message for r in missing] == ["이미지 파일이 없습니다: img/none.png"]


def test_posts_that_look_like_signatures_or_marks_read_back_as_written(people, seeded_settings, tmp_path, monkeypatch,
                                                                        capsys):
    """The nodes parser reads "(민수) …" and "[서연] …" at a text's start as its author, a reply that
    says only "저도 궁금해요" as a +1, and a bold "**Q.**" as formatting: posted text that happens to
    look like them is escaped on export, so the export reads back as what was posted."""
    alice, bob = people["alice"], people["bob"]
    question = post(alice, "/api/v1/questions", title="**Q.** 굵은 Q로 시작하는 제목",
                    body="(민수) 괄호 속 이름으로 시작하는 본문입니다.")
    post(bob, f"/api/v1/questions/{question['id']}/answers", body="저도 궁금해요")
    post(bob, f"/api/v1/questions/{question['id']}/answers", body="[서연] 대괄호 속 이름으로 시작하는 답변")
    titled = post(alice, "/api/v1/questions", title="(민수) 괄호 속 이름으로 시작하는 제목", body="본문")
    monkeypatch.setenv("KB_DATABASE_URL", seeded_settings.database_url)
    assert kb(["export", str(tmp_path / "out"), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["totals"]["problems"] == 0, report

    text = (tmp_path / "out" / "nodes" / "general.md").read_text(encoding="utf-8")
    document = {q.title: q for q in parse_document("nodes", text, "nodes/general.md").questions()}
    read_back = document["**Q.** 굵은 Q로 시작하는 제목"]
    assert read_back.author == "alice" and not read_back.reactions
    assert "괄호 속 이름으로 시작하는 본문" in read_back.body_md
    assert len(read_back.answers) == 2 and all(a.author == "bob" for a in read_back.answers)
    assert document["(민수) 괄호 속 이름으로 시작하는 제목"].author == "alice"
    assert titled["title"] == "(민수) 괄호 속 이름으로 시작하는 제목"


@pytest.mark.postgres
def test_export_from_postgresql_writes_the_same_files_as_from_sqlite(request, tmp_path, monkeypatch, capsys):
    """The same seeds and the same posts on both engines export to byte-identical Markdown."""
    from tests.apps import new_app

    exported = {}
    for backend in ("sqlite", "postgresql"):
        (tmp_path / backend).mkdir()
        settings = _copy_of(request, tmp_path / backend, backend, "seeded_template", "pg_seeded_template")
        factory = clients_of(new_app(settings))
        make = next(factory)
        post_everywhere({name: Account(make, name) for name in ("alice", "bob", "carol")})
        out = tmp_path / backend / "export"
        monkeypatch.setenv("KB_DATABASE_URL", settings.database_url)
        assert kb(["export", str(out), "--json"]) == 0
        report = json.loads(capsys.readouterr().out)
        assert report["totals"]["problems"] == 0, report
        exported[backend] = {str(path.relative_to(out)): path.read_bytes()
                             for path in sorted(out.rglob("*")) if path.is_file()}
        next(factory, None)  # close the clients
    assert "nodes/general.md" in exported["postgresql"]
    assert exported["postgresql"].keys() == exported["sqlite"].keys()
    for name, content in exported["sqlite"].items():
        assert exported["postgresql"][name] == content, name
