"""Demo links say where they come from: an editor's line in content/demos.toml ("editor"), the
automatic linker ("auto", with its score and the concepts the question and experiment share), or
an editor's `hide = true` line that keeps one automatic link away ("hidden").

Existing rows came from content/demos.toml.

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("demolink", schema=None) as batch_op:
        batch_op.add_column(sa.Column("match", sa.Text(), nullable=False, server_default="editor"))
        batch_op.add_column(sa.Column("score", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("concepts_json", sa.Text(), nullable=False, server_default="[]"))


def downgrade() -> None:
    op.execute("DELETE FROM demolink WHERE match != 'editor'")
    with op.batch_alter_table("demolink", schema=None) as batch_op:
        batch_op.drop_column("concepts_json")
        batch_op.drop_column("score")
        batch_op.drop_column("match")
