"""Notifications of a moderator's action on one's post (hidden, restored, closed, closed as a
duplicate): the reason given (notification.detail) and, for a duplicate, the question it repeats
(notification.other_question_id).

Revision ID: 0018
Revises: 0017
"""

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.add_column(sa.Column("detail", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("other_question_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key("fk_notification_other_question_id_question", "question",
                                    ["other_question_id"], ["id"], ondelete="SET NULL")


def downgrade() -> None:
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.drop_constraint("fk_notification_other_question_id_question", type_="foreignkey")
        batch_op.drop_column("other_question_id")
        batch_op.drop_column("detail")
