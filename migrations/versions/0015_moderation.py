"""Moderation: account roles and suspensions, hidden and closed posts, flags, the moderation log.

user.role is member | moderator | admin (every existing account is a member); question/answer
hidden_at + hidden_reason (a moderator's soft hide, which also sets deleted_at so every reader's
query drops the post); question closed_at, closed_reason and duplicate_of_id; the flag and
moderation_action tables.

Revision ID: 0015
Revises: 0014
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

DATETIME = sqlmodel.sql.sqltypes.UTCDateTime
STRING = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    op.create_table(
        "moderation_action",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("moderator_id", sa.Integer(), nullable=True),
        sa.Column("action", STRING(), nullable=False),
        sa.Column("question_id", sa.Integer(), nullable=True),
        sa.Column("answer_id", sa.Integer(), nullable=True),
        sa.Column("target_user_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.Text(), server_default="", nullable=False),
        sa.Column("details_json", sa.Text(), server_default="{}", nullable=False),
        sa.Column("created_at", DATETIME(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("moderation_action") as batch:
        batch.create_index(batch.f("ix_moderation_action_created_at"), ["created_at"], unique=False)

    op.create_table(
        "flag",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.Integer(), nullable=True),
        sa.Column("answer_id", sa.Integer(), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("created_at", DATETIME(), nullable=False),
        sa.Column("resolved_at", DATETIME(), nullable=True),
        sa.Column("resolution", STRING(), nullable=True),
        sa.ForeignKeyConstraint(["answer_id"], ["answer.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["question_id"], ["question.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("flag") as batch:
        batch.create_index(batch.f("ix_flag_answer_id"), ["answer_id"], unique=False)
        batch.create_index(batch.f("ix_flag_question_id"), ["question_id"], unique=False)
        batch.create_index(batch.f("ix_flag_resolved_at"), ["resolved_at"], unique=False)
        batch.create_index(batch.f("ix_flag_user_id"), ["user_id"], unique=False)

    with op.batch_alter_table("answer") as batch:
        batch.add_column(sa.Column("hidden_at", DATETIME(), nullable=True))
        batch.add_column(sa.Column("hidden_reason", STRING(), nullable=True))

    with op.batch_alter_table("question") as batch:
        batch.add_column(sa.Column("hidden_at", DATETIME(), nullable=True))
        batch.add_column(sa.Column("hidden_reason", STRING(), nullable=True))
        batch.add_column(sa.Column("closed_at", DATETIME(), nullable=True))
        batch.add_column(sa.Column("closed_reason", STRING(), nullable=True))
        batch.add_column(sa.Column("duplicate_of_id", sa.Integer(), nullable=True))
        batch.create_index(batch.f("ix_question_duplicate_of_id"), ["duplicate_of_id"], unique=False)
        batch.create_foreign_key("fk_question_duplicate_of_id", "question", ["duplicate_of_id"], ["id"],
                                 ondelete="SET NULL")

    with op.batch_alter_table("user") as batch:
        batch.add_column(sa.Column("role", STRING(), server_default="member", nullable=False))
        batch.add_column(sa.Column("suspended_until", DATETIME(), nullable=True))
        batch.add_column(sa.Column("suspended_reason", STRING(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("user") as batch:
        batch.drop_column("suspended_reason")
        batch.drop_column("suspended_until")
        batch.drop_column("role")
    with op.batch_alter_table("question") as batch:
        batch.drop_constraint("fk_question_duplicate_of_id", type_="foreignkey")
        batch.drop_index(batch.f("ix_question_duplicate_of_id"))
        for column in ("duplicate_of_id", "closed_reason", "closed_at", "hidden_reason", "hidden_at"):
            batch.drop_column(column)
    with op.batch_alter_table("answer") as batch:
        batch.drop_column("hidden_reason")
        batch.drop_column("hidden_at")
    op.drop_table("flag")
    op.drop_table("moderation_action")
