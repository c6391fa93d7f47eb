"""The public JSON shapes of the read API, written out by hand: a change to any of them must be a
conscious change to this file (and to the clients that read the API)."""

from __future__ import annotations

from datetime import datetime

OPTIONAL = object()


def nullable(kind):
    return (kind, type(None))


def iso_datetime(value) -> bool:
    return isinstance(value, str) and datetime.fromisoformat(value) is not None


SOURCE = {"path": nullable(str), "line": nullable(int)}
QUESTION_LINK = {"id": int, "label": nullable(str), "title": str, "answered": bool, "url": str,
                 "collection_title": nullable(str)}
COLLECTION = {
    "slug": str, "title": str, "kind": str, "source_path": nullable(str), "question_count": int,
    "answered_count": int, "unanswered_count": int, "url": str,
}
SECTION = {"id": int, "title": nullable(str), "intro_html": str, "question_ids": [int]}
QUESTION_SUMMARY = {
    "id": int, "label": nullable(str), "title": str, "author": nullable(str), "author_url": nullable(str),
    "answered": bool, "answer_count": int, "reply_count": int,
    "plus_one_count": int, "parent_id": nullable(int), "collection": str, "source": SOURCE, "origin": str,
    "last_activity_at": iso_datetime, "url": str,
}
QUESTION_PAGE = {"items": [QUESTION_SUMMARY], "total": int, "page": int, "per_page": int}
COLLECTION_DETAIL = {**COLLECTION, "intro_html": str, "notes_html": str, "sections": [SECTION],
                     "questions": QUESTION_PAGE}
REACTION = {"kind": str, "emoji": str, "author": nullable(str), "count": int}
ANSWER = {
    "id": int, "author": nullable(str), "author_url": nullable(str), "body_html": str, "body_md": str,
    "origin": str, "source": SOURCE,
    "vote_score": int, "accepted": bool, "created_at": iso_datetime, "updated_at": iso_datetime, "deleted": bool,
    "hidden": bool, "reactions": [REACTION],
}
ANSWER["replies"] = [ANSWER]
DEMO_LINK = {"slug": str, "title": str, "params": dict, "url": str, "breaking_url": nullable(str),
             "concepts": [str], "match": str, "score": nullable(float)}
CORRECTION = {
    "answer_id": nullable(int), "sentence": str, "correction": str, "source": {"title": str, "url": str},
    "demo": nullable({"slug": str, "title": str, "url": str, "claim": nullable(str),
                      "measured": nullable({"verdict": str, "sentence": str, "mean": nullable(float),
                                            "ci95": nullable([float]), "seeds": [int], "run_url": str})}),
}
QUESTION_DETAIL = {
    "id": int, "label": nullable(str), "title": str, "author": nullable(str), "author_url": nullable(str),
    "body_html": str, "body_md": str,
    "page_ref": nullable(str), "answered": bool, "answer_count": int, "reply_count": int, "plus_one_count": int,
    "accepted_answer_id": nullable(int), "origin": str,
    "collection": {"slug": str, "title": str, "kind": str, "url": str},
    "section": nullable(str), "source": SOURCE, "parent": nullable(QUESTION_LINK), "children": [QUESTION_LINK],
    "previous": nullable(QUESTION_LINK), "next": nullable(QUESTION_LINK), "answers": [ANSWER],
    "reactions": [REACTION], "references": [{"title": str, "url": str}],
    "demos": [DEMO_LINK], "concepts": [{"id": str, "label": str, "url": str}], "corrections": [CORRECTION],
    "related": [QUESTION_LINK],
    "created_at": iso_datetime, "updated_at": iso_datetime, "last_activity_at": iso_datetime,
    "newest_answer_id": nullable(int), "url": str,
    "closed": nullable({"reason": str, "closed_at": iso_datetime, "duplicate_of": nullable(QUESTION_LINK)}),
    "duplicates": [QUESTION_LINK], "hidden_answer_ids": [int],
}
AUTHOR = {"name": str, "question_count": int, "answer_count": int, "url": str}
AUTHOR_PAGE = {"items": [AUTHOR], "total": int, "page": int, "per_page": int}
ANSWER_REF = {"id": int, "question": QUESTION_LINK, "excerpt": str, "is_reply": bool, "created_at": iso_datetime,
              "url": str}
AUTHOR_DETAIL = {**AUTHOR, "questions": QUESTION_PAGE,
                 "answers": {"items": [ANSWER_REF], "total": int, "page": int, "per_page": int},
                 "account": nullable({"username": str, "display_name": str, "url": str})}


def check(value, spec, where: str = "$") -> None:
    """Fail with the JSON path of the first value that does not have the pinned shape."""
    if isinstance(spec, dict):
        assert isinstance(value, dict), f"{where}: expected an object, got {value!r:.80}"
        assert set(value) == set(spec), f"{where}: keys {sorted(set(value) ^ set(spec))} differ from the contract"
        for key, sub in spec.items():
            check(value[key], sub, f"{where}.{key}")
    elif isinstance(spec, list):
        assert isinstance(value, list), f"{where}: expected a list, got {value!r:.80}"
        for index, item in enumerate(value):
            check(item, spec[0], f"{where}[{index}]")
    elif isinstance(spec, tuple):
        if value is None and type(None) in spec:
            return
        check(value, spec[0], where)
    elif spec is int:
        assert isinstance(value, int) and not isinstance(value, bool), f"{where}: expected an integer, got {value!r}"
    elif isinstance(spec, type):
        assert isinstance(value, spec), f"{where}: expected {spec.__name__}, got {value!r:.80}"
    else:
        assert spec(value), f"{where}: {value!r:.80} fails {spec.__name__}"
