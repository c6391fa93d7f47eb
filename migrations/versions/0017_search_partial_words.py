"""Search on PostgreSQL: a pg_trgm index over each question's plain text (search_text), for the
fallback that finds a part of a word as typed (골짜 in 골짜기, 시그모 in 시그모이드) when the analysed
tokens match nothing. pg_trgm is a trusted extension (PostgreSQL 13+): the database's owner may create
it. Nothing changes on SQLite, where the same fallback scans search_text (app.db.queries.search).

Revision ID: 0017
Revises: 0016
"""

from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

# The expression app.db.queries.search.partial_matches filters on, so the planner can use the index.
PLAIN_TEXT = "(title || ' ' || body || ' ' || answers)"


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        return
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.execute(f"CREATE INDEX ix_search_text_trigrams ON search_text USING gin ({PLAIN_TEXT} gin_trgm_ops)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        return
    op.execute("DROP INDEX IF EXISTS ix_search_text_trigrams")
