"""Text limits shared by ingest, the services, the API and the HTML forms: lengths and cleaning."""

from __future__ import annotations

import re
import unicodedata

from app.errors import AppError

TITLE_MIN, TITLE_MAX = 3, 200
BODY_MAX = 20_000
MAX_REQUEST_BYTES = 256 * 1024  # a 20,000-character Korean body, percent-encoded in a form, fits
# Stripped: C0/C1 controls except tab and newline, and the invisible bidi overrides (U+202A-202E,
# U+2066-2069) that can make text display differently from what it says; BOM too. Lone surrogates
# (JSON allows "\ud800") cannot be encoded as UTF-8, so SQLite and the response would fail on them.
_STRIP = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ufeff\ud800-\udfff]")


def clean_text(raw: str | None) -> str:
    """NFC-normalise, turn CRLF/CR into LF, strip control characters (keep \\n and \\t)."""
    text = unicodedata.normalize("NFC", raw or "").replace("\r\n", "\n").replace("\r", "\n")
    return _STRIP.sub("", text)


def clean_title(raw: str | None) -> str:
    # A zero-width space is invisible spacing: a title "반대로\u200b" looks like "반대로" (and the
    # exported Markdown reads back without it), so it collapses with the other whitespace.
    return re.sub(r"[\s\u200b]+", " ", clean_text(raw)).strip()


def check_title(title: str) -> str:
    if not (TITLE_MIN <= len(title) <= TITLE_MAX):
        raise AppError(422, f"제목은 {TITLE_MIN}~{TITLE_MAX}자여야 합니다.", code="validation_error",
                       details=[{"field": "title", "min_length": TITLE_MIN, "max_length": TITLE_MAX,
                                 "length": len(title)}])
    return title


def check_body(body: str, *, required: bool = True) -> str:
    if required and not body.strip():
        raise AppError(422, "본문을 입력해 주세요.", details=[{"field": "body", "message": "본문이 비어 있습니다."}])
    if len(body) > BODY_MAX:
        raise AppError(413 if len(body) > BODY_MAX * 4 else 422, f"본문은 {BODY_MAX:,}자 이하여야 합니다.",
                       details=[{"field": "body", "max_length": BODY_MAX, "length": len(body)}])
    return body
