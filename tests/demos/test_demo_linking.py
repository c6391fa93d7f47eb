"""Automatic question → experiment links: stored when a question is ingested, posted or edited,
shown beside the editor's links, and overruled by content/demos.toml (a pin, or `hide = true`)."""

from __future__ import annotations

import shutil
import tomllib

import pytest
from sqlmodel import Session, select

from app.cli import main
from app.config import PROJECT_ROOT
from app.db.engine import make_engine
from app.db.models import DemoLink, Question
from app.demos.base import DemoSpec
from app.demos.linking import MAX_LINKS, Catalogue, QuestionConcepts, confidence
from app.demos.registry import all_demos, get_demo
from app.ingest.demo_links import sync_demo_links
from app.ingest.loader import ingest_directory
from tests.conftest import clients_of
from tests.writes.helpers import Account, indexed

WEEK_FILE = "weeks/study-week-09-linking.md"
WEEK_TEXT = """# 9주차 질문

## Lecture 9

#### ✅ `민규` 배치 정규화를 쓰면 학습률을 크게 잡아도 되는 이유가 궁금합니다

#### ✅ `지수` 드롭아웃은 테스트할 때 왜 끄나요?

#### ✅ `민규` 발표 자료는 어디에 올리나요?
"""


@pytest.fixture
def factory(seeded_settings):
    from tests.apps import new_app

    settings = seeded_settings.with_overrides(rate_limit_posts_per_minute=10_000, rate_limit_ip_posts_per_minute=10_000)
    yield from clients_of(new_app(settings))


def auto_links(detail: dict) -> list[str]:
    return [demo["slug"] for demo in detail["demos"] if demo["match"] == "auto"]


def test_a_posted_question_is_linked_once_indexed_and_relinked_when_edited(factory):
    alice = Account(factory, "alice")
    posted = alice.ask(title="배치 정규화를 쓰면 학습률을 크게 해도 되나요?",
                       body="Batch Normalization을 넣으면 learning rate를 키워도 학습이 안정적이라는데 왜 그런가요?")
    indexed(alice.client)  # the links come from the search document, made just after the post's commit
    detail = alice.client.get(f"/api/v1/questions/{posted['id']}").json()
    first = detail["demos"][0]
    assert first["slug"] == "batchnorm" and first["match"] == "auto"
    assert "batch_normalization" in first["concepts"] and 0.5 <= first["score"] <= 1
    assert first["url"].startswith("/demos/batchnorm")
    page = alice.client.get(f"/questions/{posted['id']}").text
    assert "자동 연결" in page and "/demos/batchnorm" in page

    edited = alice.client.patch(f"/api/v1/questions/{posted['id']}", headers=alice.headers, json={
        "title": "드롭아웃은 테스트할 때 왜 끄나요?", "body": "dropout을 추론할 때 끄는 이유와 inverted dropout이 궁금합니다."})
    assert edited.status_code == 200, edited.text
    indexed(alice.client)
    detail = alice.client.get(f"/api/v1/questions/{posted['id']}").json()
    assert auto_links(detail)[0] == "dropout" and "batchnorm" not in auto_links(detail)


def test_a_question_no_experiment_fits_gets_no_link(factory):
    alice = Account(factory, "alice")
    posted = alice.ask(title="스터디 모임 장소를 바꿀 수 있을까요?", body="다음 주부터는 온라인으로 모이면 좋겠습니다.")
    indexed(alice.client)
    assert alice.client.get(f"/api/v1/questions/{posted['id']}").json()["demos"] == []


@pytest.fixture
def content(tmp_path):
    """A content folder with one new week file, linked only automatically at first."""
    root = tmp_path / "content"
    (root / "weeks").mkdir(parents=True)
    (root / WEEK_FILE).write_text(WEEK_TEXT, encoding="utf-8")
    shutil.copytree(PROJECT_ROOT / "content" / "search", root / "search")
    return root


def links_by_label(engine) -> dict[str, list[tuple[str, str]]]:
    with Session(engine) as session:
        rows = session.exec(select(Question.label, DemoLink.demo_slug, DemoLink.match)
                            .join(Question, Question.id == DemoLink.question_id)
                            .order_by(Question.label, DemoLink.match, DemoLink.position)).all()
    found: dict[str, list[tuple[str, str]]] = {}
    for label, slug, match in rows:
        found.setdefault(label, []).append((slug, match))
    return found


def test_ingest_links_new_files_and_the_editor_pins_and_hides(engine, content):
    ingest_directory(engine, content, workers=1)
    links = links_by_label(engine)
    assert links["9-1"][0] == ("batchnorm", "auto")
    assert links["9-2"][0] == ("dropout", "auto")
    assert "9-3" not in links  # where the slides are posted: nothing to run
    assert all(len(found) <= MAX_LINKS for found in links.values())

    (content / "demos.toml").write_text(
        f'[[link]]\ndemo = "batchnorm"\nfile = "{WEEK_FILE}"\nquestion = "9-1"\nparams = {{ depth = 3 }}\n\n'
        f'[[link]]\ndemo = "dropout"\nfile = "{WEEK_FILE}"\nquestion = "9-2"\nhide = true\n', encoding="utf-8")
    with Session(engine) as session:
        assert sync_demo_links(session, content) == []
        session.commit()
    links = links_by_label(engine)
    assert ("batchnorm", "editor") in links["9-1"] and ("batchnorm", "auto") not in links["9-1"]
    assert ("dropout", "hidden") in links["9-2"] and ("dropout", "auto") not in links["9-2"]
    with Session(engine) as session:
        hidden_question = session.exec(select(Question.id).where(Question.label == "9-2")).one()
    from app.demos.service import question_demo_links

    with Session(engine) as session:
        assert "dropout" not in [link.slug for link in question_demo_links(session, hidden_question)]

    (content / "demos.toml").unlink()  # the editor's lines gone: the automatic links come back
    with Session(engine) as session:
        sync_demo_links(session, content)
        session.commit()
    links = links_by_label(engine)
    assert links["9-1"][0] == ("batchnorm", "auto") and links["9-2"][0] == ("dropout", "auto")


def test_hide_refuses_params_and_non_boolean_values(engine, content):
    ingest_directory(engine, content, workers=1, sync_demo_links=False)
    (content / "demos.toml").write_text(
        f'[[link]]\ndemo = "dropout"\nfile = "{WEEK_FILE}"\nquestion = "9-2"\nhide = "yes"\n\n'
        f'[[link]]\ndemo = "dropout"\nfile = "{WEEK_FILE}"\nquestion = "9-2"\nhide = true\nparams = {{ p = 0.5 }}\n',
        encoding="utf-8")
    with Session(engine) as session:
        problems = sync_demo_links(session, content)
    assert [problem.line for problem in problems] == [5, 12]  # the offending keys
    assert "hide" in problems[0].message and "params" in problems[1].message


@pytest.mark.parametrize("command", [["demo", "relink"], ["search", "reindex", "--workers", "1"]])
def test_kb_demo_relink_and_search_reindex_recompute_every_question(settings, content, capsys, monkeypatch, command):
    engine = make_engine(settings.database_url)
    try:
        ingest_directory(engine, content, workers=1)
        with engine.begin() as conn:
            conn.exec_driver_sql("DELETE FROM demolink")
        monkeypatch.setenv("KB_DATABASE_URL", settings.database_url)
        assert main(command) == 0
        assert "질문 3개 중 2개" in capsys.readouterr().out
        assert links_by_label(engine)["9-1"][0] == ("batchnorm", "auto")
    finally:
        engine.dispose()


def spec_with(slug: str, concepts: tuple[str, ...], **extra) -> DemoSpec:
    base = get_demo("bias")
    return DemoSpec(slug=slug, title=slug, summary=slug, params=base.params, smallest=base.smallest, run=base.run,
                    concepts=concepts, **extra)


def test_scoring_prefers_the_title_and_specific_concepts():
    catalogue = Catalogue([spec_with("a", ("dropout", "overfitting")), spec_with("b", ("overfitting", "capacity")),
                           spec_with("c", ("learning_rate",)), spec_with("d", ("learning_rate",))])
    ranked = catalogue.rank(QuestionConcepts(title="dropout", body="overfitting"))
    assert ranked[0].slug == "a" and ranked[0].concepts[0] == "dropout"
    # Said only in the answers, a concept is not enough to link.
    assert catalogue.rank(QuestionConcepts(answers="dropout")) == []
    assert confidence(ranked[0].score) > 0.5


def test_a_preset_declared_for_the_shared_concept_comes_with_the_link():
    base = get_demo("bias")
    preset = base.smallest
    spec = spec_with("a", ("bias", "neuron"), presets={"bias": preset})
    others = [spec_with(f"other-{i}", ("mlp",)) for i in range(5)]
    [link] = Catalogue([spec, *others]).rank(QuestionConcepts(title="bias neuron"))
    defaults = base.params().model_dump(mode="json")
    assert link.params == {k: v for k, v in preset.model_dump(mode="json").items() if defaults[k] != v}


@pytest.mark.parametrize("demo", all_demos(), ids=lambda demo: demo.slug)
def test_every_preset_names_a_concept_of_its_experiment(demo):
    for concept, preset in demo.presets.items():
        assert concept in demo.concepts and isinstance(preset, demo.params)


def test_the_issues_posted_rnn_question_shows_an_experiment(factory):
    """The question from issue 11 that showed none: it links an experiment on vanishing gradients,
    an RNN one first once the catalogue has one."""
    alice = Account(factory, "alice")
    posted = alice.ask(title="RNN에서 시퀀스가 길어지면 기울기가 사라지는 이유",
                       body="긴 문장을 넣으면 앞쪽 단어까지 학습이 안 되는 것 같습니다.")
    indexed(alice.client)
    demos = alice.client.get(f"/api/v1/questions/{posted['id']}").json()["demos"]
    assert demos and demos[0]["match"] == "auto"
    assert {"rnn", "vanishing_gradient"} & set(demos[0]["concepts"])
    recurrent = {spec.slug for spec in all_demos() if "rnn" in spec.concepts and "vanishing_gradient" in spec.concepts}
    if recurrent:
        assert demos[0]["slug"] in recurrent
    page = alice.client.get(f"/questions/{posted['id']}").text
    assert "자동 연결" in page and f"/demos/{demos[0]['slug']}" in page


def test_unseen_rnn_and_cnn_files_get_links(engine, tmp_path):
    """A weekly-notes file on RNNs and attention and a node file on CNNs, as in the issue: every
    question whose main concept (the first of its labels) some experiment names links a fitting one.
    RNN questions join as the catalogue gains RNN experiments."""
    from tests.demos.linking_labels import LABELS, build_content, load_labels, stored_auto_links

    root = build_content(tmp_path / "content")
    shutil.copytree(PROJECT_ROOT / "content" / "search", root / "search")
    ingest_directory(engine, root, workers=1)
    labels = load_labels()
    concepts_of = {spec.slug: set(spec.concepts) for spec in all_demos()}
    covered = set().union(*concepts_of.values())
    with engine.connect() as conn:
        links = stored_auto_links(conn)
    cnn = [key for key in labels if key[0] == "nodes/nodes_linking_cnn.md"]
    rnn = [key for key in labels if key[0] == "weeks/weeks_linking_lectures.md" and key[1].split("-")[0] in {"10", "11"}]
    assert len(cnn) == 10 and len(rnn) == 9
    listed = tomllib.loads(LABELS.read_text(encoding="utf-8"))
    fitting = [key for key in cnn + rnn if listed[key[0]][key[1]][:1] and listed[key[0]][key[1]][0] in covered]
    assert len(fitting) >= 10
    for key in fitting:
        assert [slug for slug, _ in links[key] if concepts_of[slug] & labels[key]], (key, links[key])


def test_ingest_relinks_every_question_when_the_catalogue_changed(engine, content, monkeypatch):
    """A question's links depend on the experiments too: when their concepts change (an experiment
    added, removed or retagged), the next `kb ingest` relinks every question, even unchanged files."""
    from app.ingest import linking

    def catalogue(specs):
        monkeypatch.setattr(linking, "all_demos", lambda: specs)
        linking.default_catalogue.cache_clear()
        linking.catalogue_fingerprint.cache_clear()

    first = ingest_directory(engine, content, workers=1)
    assert first.relinked == 3  # a new database: computed once, then remembered
    assert ingest_directory(engine, content, workers=1).relinked is None
    try:
        catalogue([spec for spec in all_demos() if spec.slug != "batchnorm"])
        again = ingest_directory(engine, content, workers=1)
        assert again.relinked == 3 and again.count("unchanged") == 1
        assert "batchnorm" not in [slug for slug, _ in links_by_label(engine).get("9-1", [])]
        assert ingest_directory(engine, content, workers=1).relinked is None
    finally:
        catalogue(all_demos())
    assert ingest_directory(engine, content, workers=1).relinked == 3
    assert links_by_label(engine)["9-1"][0] == ("batchnorm", "auto")


def test_a_posted_question_opens_the_experiment_at_its_concepts_preset(factory):
    """optimizers declares surface=saddle for the saddle point: a question about saddle points is
    linked with it, and the page's link opens the experiment there."""
    alice = Account(factory, "alice")
    posted = alice.ask(title="안장점 근처에서 SGD가 느려지는 이유가 뭔가요?",
                       body="saddle point에서는 기울기가 거의 0이라 잘 못 빠져나온다고 들었습니다.")
    indexed(alice.client)
    demos = alice.client.get(f"/api/v1/questions/{posted['id']}").json()["demos"]
    [optimizers] = [demo for demo in demos if demo["slug"] == "optimizers"]
    assert optimizers["match"] == "auto" and optimizers["params"] == {"surface": "saddle"}
    assert "saddle_point" in optimizers["concepts"] and "surface=saddle" in optimizers["url"]
