"""An anonymous question page is rendered again after a write with its unchanged answers taken as rendered
before (app.web.templating.AnswerFragments): counted, not timed, and checked against the page a fresh
process renders whole from the same database, byte for byte."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.apps import new_app
from tests.writes.helpers import Account

HTML = {"Accept": "text/html"}


def rendered(app) -> int:
    """How many answers the app's templates have rendered (not taken as rendered before)."""
    return app.state.templates.env.globals["answer_item"].rendered


def whole(settings, path: str) -> bytes:
    """The page as a new process renders it, with no answer kept."""
    with TestClient(new_app(settings)) as fresh:
        return fresh.get(path, headers=HTML).content


def test_after_a_write_only_what_changed_is_rendered_and_the_page_is_the_whole_render(app, reader, client_factory,
                                                                                         settings, sample):
    alice = Account(client_factory, "alice")
    path = f"/questions/{sample.parent}"  # one answer with a reply and a nested reply
    assert reader.get(path, headers=HTML).status_code == 200
    before = rendered(app)

    answer = alice.answer(sample.parent, body="새로 단 답변")
    page = reader.get(path, headers=HTML)
    assert "새로 단 답변" in page.text
    assert rendered(app) - before == 1  # the new answer; the thread before it as it was
    assert page.content == whole(settings, path)

    # A reply deep in the old thread changes that answer and each one above it; the new answer, no longer
    # the newest activity, changes too (its mark).
    before = rendered(app)
    reply = alice.client.post(f"/api/v1/answers/{sample.nested_reply}/replies", json={"body": "깊이 단 답글"},
                              headers=alice.headers)
    assert reply.status_code == 201, reply.text
    page = reader.get(path, headers=HTML)
    assert "깊이 단 답글" in page.text
    assert rendered(app) - before == 5  # the answer, its reply, the nested reply, the new reply; the new answer
    assert page.content == whole(settings, path)

    # A vote shows on its answer: rendered again, the rest taken as it was.
    before = rendered(app)
    bob = Account(client_factory, "bob")
    assert bob.client.post(f"/api/v1/answers/{answer['id']}/votes", headers=bob.headers).status_code == 201
    page = reader.get(path, headers=HTML)
    assert rendered(app) - before == 1
    assert page.content == whole(settings, path)


def test_a_signed_in_readers_page_is_always_rendered_whole(app, reader, client_factory, sample):
    alice = Account(client_factory, "alice")
    path = f"/questions/{sample.parent}"
    assert reader.get(path, headers=HTML).status_code == 200  # the anonymous page: its answers kept
    before = rendered(app)
    page = alice.client.get(path, headers=HTML)
    assert page.status_code == 200 and "답글 올리기" in page.text  # the signed-in reader's own controls
    assert rendered(app) - before == 3  # the answer, its reply and the nested reply, none taken as kept


def test_a_development_server_keeps_no_answers(settings, sample):
    dev = new_app(settings.with_overrides(development=True))
    path = f"/questions/{sample.parent}"
    with TestClient(dev) as client:
        assert client.get(path, headers=HTML).status_code == 200
        dev.state.response_cache._entries.clear()
        dev.state.detail_memo._kept.clear()
        before = rendered(dev)
        assert client.get(path, headers=HTML).status_code == 200
        assert rendered(dev) - before == 3


def test_kept_answers_are_bounded_by_their_size():
    from datetime import UTC, datetime
    from types import SimpleNamespace

    from markupsafe import Markup

    from app.schemas.content import AnswerNode, SourceRef
    from app.web.templating import AnswerFragments

    fragments = AnswerFragments(enabled=True, max_chars=2500)
    context = {"request": SimpleNamespace(state=SimpleNamespace(user=None)),
               "question": SimpleNamespace(id=1, newest_answer_id=None, closed=None, corrections=[])}
    now = datetime.now(UTC)

    def node(answer_id: int) -> AnswerNode:
        return AnswerNode(id=answer_id, author=None, body_html="<p>긴 답변</p>", body_md="긴 답변", origin="posted",
                          source=SourceRef(path=None, line=None), vote_score=0, accepted=False, created_at=now,
                          updated_at=now, deleted=False, hidden=False, reactions=[])

    def markup(answer: AnswerNode, depth: int) -> Markup:
        return Markup("x" * 1000)

    # 1000 characters each, so two are kept: 3 makes room by dropping 2, the least recently used, not 1.
    for answer_id in (1, 2, 1, 3, 1):
        fragments(context, markup, node(answer_id), 1)
    assert fragments.rendered == 3
    fragments(context, markup, node(2), 1)
    assert fragments.rendered == 4
