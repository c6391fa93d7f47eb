"""A password reset link whose e-mail the job gave up on, after its retries, is stamped email_failed_at
like a notification's (0021), so /metrics counts it (kb_emails_failed{kind="password_reset"}) instead
of only logging it; such a link never opens the form.

Revision ID: 0022
Revises: 0021
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("password_reset") as batch:
        batch.add_column(sa.Column("email_failed_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("password_reset") as batch:
        batch.drop_column("email_failed_at")
