"""Names the content shapes and the accounts must agree on."""

from __future__ import annotations

# What a deleted account's posts are signed with, on every page, in the JSON and in `kb export`: the
# nodes shape reads it back as an author (app/ingest/shapes/_lines.py), and no account may take it.
DELETED_NAME = "탈퇴한 사용자"
