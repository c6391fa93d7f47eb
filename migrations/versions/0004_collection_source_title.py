"""Collections keep the title their file gives apart from the title the site shows.

content/collections.toml lets editors name a collection ("딥러닝 면접 질문" rather than the file name
"deep-learning-interview"); when its entry goes, the file's own title must come back without the
file having changed, so that title is stored too. Existing rows start with the title they show.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("collection", schema=None) as batch_op:
        batch_op.add_column(sa.Column("source_title", sqlmodel.sql.sqltypes.AutoString(), nullable=True))
    op.execute("UPDATE collection SET source_title = title WHERE source_path IS NOT NULL")


def downgrade() -> None:
    with op.batch_alter_table("collection", schema=None) as batch_op:
        batch_op.drop_column("source_title")
