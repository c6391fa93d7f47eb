"""Account display names are unique by a comparison key (NFC, case-folded, runs of spaces as one), so
"MK" and "mk", or a name typed in decomposed Hangul, cannot be taken twice.

Accounts made before this migration may share a name: the oldest keeps the key, each later one gets
its key suffixed with "#<id>" so the unique index holds; their names stay as they were until they
change them.

Revision ID: 0012
Revises: 0011
"""

import re
import unicodedata

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def _key(name: str) -> str:
    # The same rule as app.services.accounts.display_key, copied: a migration must not change when the app does.
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", name or "")).strip().casefold()


def upgrade() -> None:
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.add_column(sa.Column("display_key", sa.String(), nullable=True))
    bind = op.get_bind()
    seen: set[str] = set()
    for user_id, name in bind.execute(sa.text('SELECT id, display_name FROM "user" ORDER BY id')).all():
        key = _key(name)
        if key in seen:
            key = f"{key}#{user_id}"
        seen.add(key)
        bind.execute(sa.text('UPDATE "user" SET display_key = :key WHERE id = :id'), {"key": key, "id": user_id})
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_user_display_key"), ["display_key"], unique=True)


def downgrade() -> None:
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_user_display_key"))
        batch_op.drop_column("display_key")
