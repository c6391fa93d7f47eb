"""Search index work waiting to be done (search_pending): a write records here, in its own
transaction, which question's search document it changed (answer_id NULL: the whole document again)
or which answer it added (answer_id set: only that answer's text to append). The web process drains
the table after the commit, outside the write's lock (app.services.indexing), and a process that
stopped before draining leaves the rows for the next start or `kb ingest`: no index work is lost.

Revision ID: 0020
Revises: 0019
"""

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "search_pending",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.Integer(), nullable=False),
        sa.Column("answer_id", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("search_pending", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_search_pending_question_id"), ["question_id"], unique=False)


def downgrade() -> None:
    op.drop_table("search_pending")
