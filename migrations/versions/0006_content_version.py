"""Content versions: a row per part of the knowledge base (site, outline, a collection, a question)
bumped in the same transaction as every write to it, so the page cache drops only the pages a
write changed instead of everything on each commit (see app.db.queries.versions).

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "content_version",
        sa.Column("scope", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("key", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("scope", "key"),
    )
    with op.batch_alter_table("content_version", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_content_version_version"), ["version"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("content_version", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_content_version_version"))
    op.drop_table("content_version")
