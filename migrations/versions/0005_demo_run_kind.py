"""Demo runs have a kind: a single measurement, or a boundary run ("경계") that repeats the
measurement at each value of one parameter and judges the claim point by point.

Existing rows are single measurements.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("demorun", schema=None) as batch_op:
        batch_op.add_column(sa.Column("kind", sa.Text(), nullable=False, server_default="run"))
        batch_op.add_column(sa.Column("sweep_json", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("demorun", schema=None) as batch_op:
        batch_op.drop_column("sweep_json")
        batch_op.drop_column("kind")
