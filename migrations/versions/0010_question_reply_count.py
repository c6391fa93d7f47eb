"""question.reply_count: how many of a question's answer_count are replies, so every page can show
answers and replies apart ("답변 3 · 답글 1") without counting rows per question in lists.

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("question") as batch:
        batch.add_column(sa.Column("reply_count", sa.Integer(), nullable=False, server_default="0"))
    op.execute(
        "UPDATE question SET reply_count = (SELECT count(*) FROM answer a WHERE a.question_id = question.id"
        " AND a.parent_id IS NOT NULL AND a.deleted_at IS NULL AND a.retired_at IS NULL)"
    )


def downgrade() -> None:
    with op.batch_alter_table("question") as batch:
        batch.drop_column("reply_count")
