"""Atom feeds of new questions: the whole site (/feed.atom) and each collection
(/collections/{slug}/feed.atom), for study members who follow the site from a feed reader.

feedgen writes the XML (escaping, RFC 3339 dates, the required id/title/updated elements) so this
module only chooses what goes in: the newest questions with their rendered body.
"""

from __future__ import annotations

from datetime import UTC, datetime

from feedgen.feed import FeedGenerator
from sqlmodel import Session

from app import urls
from app.db.queries import notifications as queries
from app.services.reading import get_collection_or_404

FEED_SIZE = 50
SITE_TITLE = "질문창고"


def questions_feed(session: Session, base_url: str, *, collection_slug: str | None = None) -> bytes:
    """The Atom document (UTF-8 bytes) of the newest FEED_SIZE questions, of one collection or all."""
    base = base_url.rstrip("/")
    if collection_slug is None:
        collection_id, title, page, feed_path = None, f"{SITE_TITLE} · 새 질문", "/", "/feed.atom"
        subtitle = "딥러닝 스터디와 면접 준비의 질문과 답변: 새로 올라온 질문"
    else:
        collection = get_collection_or_404(session, collection_slug)
        collection_id, title = collection.id, f"{collection.title} · {SITE_TITLE}"
        page = urls.collection(collection.slug)
        feed_path = f"{page}/feed.atom"
        subtitle = f"'{collection.title}' 모음의 새 질문"
    rows = queries.latest_questions(session, collection_id=collection_id, limit=FEED_SIZE)
    feed = FeedGenerator()
    feed.id(base + feed_path)
    feed.title(title)
    feed.subtitle(subtitle)
    feed.language("ko")
    feed.link(href=base + page, rel="alternate", type="text/html")
    feed.link(href=base + feed_path, rel="self", type="application/atom+xml")
    feed.generator(SITE_TITLE, uri=base + "/")
    # An empty feed is still valid Atom: its updated time is the epoch rather than "now", so that
    # the document (and its ETag) stays the same until a question arrives.
    newest = max((q.updated_at for q, _ in rows), default=datetime(1970, 1, 1, tzinfo=UTC))
    feed.updated(newest)
    for question, slug in reversed(rows):  # feedgen prepends each entry: oldest first gives newest on top
        entry = feed.add_entry()
        link = base + urls.question(question.id)
        entry.id(link)
        entry.title(question.title)
        entry.link(href=link, rel="alternate", type="text/html")
        entry.published(question.created_at)
        entry.updated(question.updated_at)
        entry.author(name=question.author or "익명")
        entry.category(term=slug, label=slug)
        if question.body_html:
            entry.content(question.body_html, type="html")
    return feed.atom_str(pretty=False)
