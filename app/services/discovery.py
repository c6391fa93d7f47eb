"""What search engines and chat-app link previews are told about the site: the sitemap's entries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from app import urls
from app.db.queries import discovery as queries
from app.demos.registry import all_demos
from app.services.concepts import list_concepts


@dataclass(frozen=True)
class SitemapEntry:
    path: str
    changed: datetime | None = None  # <lastmod>; None where no date is known


def sitemap_entries(session: Session) -> list[SitemapEntry]:
    """The home, every collection, every visible question, every concept page and every experiment page."""
    questions = queries.sitemap_questions(session)
    newest = max((changed for _, changed in questions), default=None)
    entries = [SitemapEntry(urls.home(), newest), SitemapEntry(urls.questions(), newest), SitemapEntry(urls.demos())]
    entries += [SitemapEntry(urls.collection(slug), changed) for slug, changed in queries.sitemap_collections(session)]
    entries += [SitemapEntry(urls.question(question_id), changed) for question_id, changed in questions]
    entries += [SitemapEntry(urls.concepts())] + [SitemapEntry(c.url) for c in list_concepts(session).items]
    entries += [SitemapEntry(urls.demo(spec.slug)) for spec in all_demos()]
    return entries
