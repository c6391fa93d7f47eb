"""One open flag per member per post, held by the database: a partial unique index on (user_id,
question_id) and one on (user_id, answer_id), each over the unresolved flags only (resolved_at IS NULL),
so a member may flag a post again after a moderator dealt with the first flag. Partial indexes read the
same on SQLite and PostgreSQL. Open duplicates that a race let in before are dropped first (the
earliest flag of each stays in the queue).

Revision ID: 0019
Revises: 0018
"""

from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

COLUMNS = ("question_id", "answer_id")


def upgrade() -> None:
    for column in COLUMNS:
        op.execute(
            f"DELETE FROM flag WHERE resolved_at IS NULL AND {column} IS NOT NULL AND id > ("
            f" SELECT MIN(earlier.id) FROM flag AS earlier WHERE earlier.user_id = flag.user_id"
            f" AND earlier.{column} = flag.{column} AND earlier.resolved_at IS NULL)")
        op.execute(f"CREATE UNIQUE INDEX uq_flag_open_{column} ON flag (user_id, {column})"
                   f" WHERE resolved_at IS NULL AND {column} IS NOT NULL")


def downgrade() -> None:
    for column in COLUMNS:
        op.execute(f"DROP INDEX IF EXISTS uq_flag_open_{column}")
