"""content/demos.toml → DemoLink rows, with every problem reported at its TOML line; the question
detail lists its demos; the question-page panel renders them with a run button."""

from __future__ import annotations

import json
import textwrap

import pytest
from sqlmodel import Session, select

from app.clock import now_utc
from app.db.models import Collection, DemoLink, Question
from app.demos import service
from app.demos.registry import get_demo
from app.ingest.demo_links import sync_demo_links
from app.services.reading import question_detail

INTERVIEW = "interview/deep-learning-interview.md"


@pytest.fixture
def db(engine):
    """Two ingested files' worth of questions, written directly (the parsers are not needed here)."""
    now = now_utc()
    stamps = dict(created_at=now, updated_at=now)
    with Session(engine) as session:
        interview = Collection(slug="interview", title="면접", kind="interview", source_path=INTERVIEW, **stamps)
        week = Collection(slug="week-02", title="2주차", kind="weeks", source_path="weeks/study-week-02-questions.md",
                          **stamps)
        session.add_all([interview, week])
        session.flush()
        for position, label in enumerate(["#5", "#12", "#12-1"]):
            session.add(Question(collection_id=interview.id, label=label, title=f"면접 질문 {label}", position=position,
                                 last_activity_at=now, **stamps))
        session.add(Question(collection_id=week.id, label="2", title="왜 ReLU인가", position=0, last_activity_at=now,
                             **stamps))
        session.add(Question(collection_id=week.id, label="9", title="사라진 질문", position=1, last_activity_at=now,
                             retired_at=now, **stamps))
        session.commit()
    return engine


def question_id(session, label: str) -> int:
    return session.exec(select(Question.id).where(Question.label == label)).one()


def link(question: str, params: str = "", *, demo: str = "activation-gradients", file: str = INTERVIEW) -> str:
    """One [[link]] table of content/demos.toml."""
    lines = ["[[link]]", f'demo = "{demo}"', f'file = "{file}"', f'question = "{question}"']
    return "\n".join(lines + ([f"params = {params}"] if params else [])) + "\n\n"


PRESET = '{ activations = ["sigmoid", "relu"], depth = 10 }'


def write_links(tmp_path, text: str):
    (tmp_path / "demos.toml").write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return tmp_path


def test_valid_links_replace_the_rows(db, tmp_path):
    content = write_links(tmp_path, link("#5") + link("#12", PRESET))
    with Session(db) as session:
        session.add(DemoLink(question_id=question_id(session, "#12-1"), demo_slug="activation-gradients"))
        session.commit()
        assert sync_demo_links(session, content) == []
        session.commit()
        rows = {session.get(Question, r.question_id).label: r for r in session.exec(select(DemoLink)).all()}
    assert set(rows) == {"#5", "#12"}  # the stale #12-1 row is gone
    assert json.loads(rows["#12"].params_json) == {"activations": ["sigmoid", "relu"], "depth": 10}
    assert json.loads(rows["#5"].params_json) == {}


def test_every_problem_is_reported_at_its_line(db, tmp_path):
    content = write_links(tmp_path, f'''
        # comment
        [[link]]
        demo = "activation-gradient"
        file = "{INTERVIEW}"
        question = "#5"

        [[link]]
        demo = "activation-gradients"
        file = "interview/missing.md"
        question = "#5"

        [[link]]
        demo = "activation-gradients"
        file = "{INTERVIEW}"
        question = "#99"

        [[link]]
        demo = "activation-gradients"
        file = "{INTERVIEW}"
        question = "#12"
        params = {{ depth = 500 }}

        [[link]]
        demo = "activation-gradients"
        file = "weeks/study-week-02-questions.md"
        question = "9"

        [[link]]
        demo = "activation-gradients"
        file = "{INTERVIEW}"
        question = "#12-1"
        colour = "red"

        [[link]]
        demo = "activation-gradients"
        file = "{INTERVIEW}"
        question = "#5"

        [[link]]
        demo = "activation-gradients"
        file = "{INTERVIEW}"
        question = "#5"
    ''')
    with Session(db) as session:
        problems = sync_demo_links(session, content)
        session.commit()
        linked = sorted(session.get(Question, r.question_id).label for r in session.exec(select(DemoLink)).all())
    by_line = {p.line: p.message for p in problems}
    assert "없는 실험 'activation-gradient'" in by_line[3] and "activation-gradients" in by_line[3]
    assert "interview/missing.md" in by_line[9]
    assert "'#99' 질문이 없습니다" in by_line[15]
    assert "depth" in by_line[21] and "2 이상 60 이하" in by_line[21]
    assert "'9' 질문이 없습니다" in by_line[26]  # retired questions cannot be linked
    assert "colour" in by_line[32]
    assert "이미 있습니다" in by_line[40] and "34번째 줄" in by_line[40]
    assert len(problems) == 7
    assert linked == ["#12-1", "#5"]  # an unknown key is reported, the link itself still counts


def test_toml_syntax_errors_point_at_their_line(db, tmp_path):
    content = write_links(tmp_path, '''
        [[link]]
        demo = "activation-gradients"
        file = oops
    ''')
    with Session(db) as session:
        problems = sync_demo_links(session, content)
    assert len(problems) == 1 and problems[0].line == 3 and "TOML" in problems[0].message


def test_missing_keys_are_reported(db, tmp_path):
    content = write_links(tmp_path, '''
        [[link]]
        demo = "activation-gradients"
        question = 5
    ''')
    with Session(db) as session:
        problems = sync_demo_links(session, content)
    assert problems[0].line == 1 and "file" in problems[0].message and "question" in problems[0].message


def test_no_file_means_no_links(db, tmp_path):
    with Session(db) as session:
        session.add(DemoLink(question_id=question_id(session, "#5"), demo_slug="activation-gradients"))
        session.commit()
        assert sync_demo_links(session, tmp_path) == []
        session.commit()
        assert session.exec(select(DemoLink)).all() == []


def test_the_shipped_links_file_names_real_demos_and_valid_presets(db):
    from app.config import PROJECT_ROOT

    with Session(db) as session:
        problems = sync_demo_links(session, PROJECT_ROOT / "content")
    # only questions can be missing here (this database holds four of them); demos and presets are checked
    assert all("질문이 없습니다" in p.message or "파일 중에" in p.message for p in problems), problems


def test_question_detail_lists_its_demos_and_the_panel_renders_them(db, tmp_path, settings):
    content = write_links(tmp_path, link("#12", PRESET))
    with Session(db) as session:
        sync_demo_links(session, content)
        session.commit()
        detail = question_detail(session, question_id(session, "#12"))
        plain = question_detail(session, question_id(session, "#5"))
    assert plain.demos == []
    [demo] = detail.demos
    assert demo.slug == "activation-gradients" and demo.title == "활성화 함수와 층별 기울기 흐름"
    assert demo.params == {"activations": ["sigmoid", "relu"], "depth": 10}
    assert demo.url == "/demos/activation-gradients?activations=sigmoid&activations=relu&depth=10"

    from types import SimpleNamespace

    from app.web.templating import make_templates

    request = SimpleNamespace(state=SimpleNamespace(csrf_token="tok"))
    html = make_templates(settings).get_template("demos/_panel.html").render(question=detail, request=request)
    assert 'action="/demos/activation-gradients/runs"' in html
    assert 'name="activations" value="sigmoid"' in html and 'name="activations" value="relu"' in html
    assert 'name="depth" value="10"' in html and 'name="csrf_token" value="tok"' in html
    assert make_templates(settings).get_template("demos/_panel.html").render(question=plain, request=request).strip() == ""


def test_ingesting_the_seeds_links_every_question_in_demos_toml(seeded_engine, seeded_client):
    """End to end: `kb ingest` of content/ reports no link problem, stores one row per link, and the
    question JSON lists the demo with its preset."""
    import tomllib

    from app.config import PROJECT_ROOT
    from app.db.models import IngestReport

    links = tomllib.loads((PROJECT_ROOT / "content" / "demos.toml").read_text(encoding="utf-8"))["link"]
    with Session(seeded_engine) as session:
        problems = session.exec(select(IngestReport).where(IngestReport.source_path == "demos.toml")).all()
        assert [(p.line, p.message) for p in problems] == []
        pinned = [link for link in links if not link.get("hide")]
        assert len(session.exec(select(DemoLink).where(DemoLink.match == "editor")).all()) == len(pinned)
        hidden = session.exec(select(DemoLink).where(DemoLink.match == "hidden")).all()
        assert len(hidden) == len(links) - len(pinned)
        interview = session.exec(select(Collection).where(Collection.source_path == INTERVIEW)).one()
        question = session.exec(select(Question).where(Question.collection_id == interview.id,
                                                       Question.label == "#12")).one()
    detail = seeded_client.get(f"/api/v1/questions/{question.id}").json()
    mine = [d for d in detail["demos"] if d["slug"] == "activation-gradients"]
    assert mine == [{"slug": "activation-gradients", "title": "활성화 함수와 층별 기울기 흐름",
                     "params": {"activations": ["sigmoid", "relu"]},
                     "url": "/demos/activation-gradients?activations=sigmoid&activations=relu",
                     "breaking_url": service.breaking_url(get_demo("activation-gradients")),
                     "concepts": mine[0]["concepts"], "match": "editor", "score": None}]
    assert {"relu", "sigmoid"} <= set(mine[0]["concepts"])  # what the question and the experiment share
