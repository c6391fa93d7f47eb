"""Related questions stored per question (table related_question), computed when a question is
ingested, posted or edited instead of searched for on each view. Filled by the next `kb ingest` or
`kb search reindex`; until then a page shows no related questions.

Revision ID: 0023
Revises: 0022
"""

import sqlalchemy as sa
from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "related_question",
        sa.Column("question_id", sa.Integer(), sa.ForeignKey("question.id", ondelete="CASCADE"), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("related_id", sa.Integer(), sa.ForeignKey("question.id", ondelete="CASCADE"), nullable=False),
        sa.Column("score", sa.Float(), nullable=True),
        sa.PrimaryKeyConstraint("question_id", "position"),
    )
    op.create_index("ix_related_question_related_id", "related_question", ["related_id"])


def downgrade() -> None:
    op.drop_index("ix_related_question_related_id", table_name="related_question")
    op.drop_table("related_question")
