"""Search on PostgreSQL: the analysed tokens of each search_index row as a tsvector and a GIN index over
it. Nothing changes on SQLite (FTS5, 0002).

The tokens in search_index are already analysed (term-dictionary ids, Kiwi noun stems, English words),
so they go into the tsvector as they are (array_to_tsvector, the `simple` configuration's no-op
stemming): a token such as batch_normalization stays one lexeme instead of being split by a parser.
The weight letters mark the title columns (title A, title_broader B, the rest C and D) so that a
query can ask for a term in the title (`'term':AB`). Ranking reads the token columns themselves (bm25
as FTS5 computes it, app.db.queries.search_postgres); token_count is the document length it needs.

Revision ID: 0011
Revises: 0010
"""

from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def _lexemes(column: str, weight: str) -> str:
    return f"setweight(array_to_tsvector(array_remove(string_to_array({column}, ' '), '')), '{weight}')"


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        return
    document = " || ".join([_lexemes("title", "A"), _lexemes("title_broader", "B"), _lexemes("body", "C"),
                            _lexemes("answers", "D"), _lexemes("text_broader", "D")])
    op.execute(f"ALTER TABLE search_index ADD COLUMN document tsvector GENERATED ALWAYS AS ({document}) STORED")
    count = " + ".join(f"cardinality(array_remove(string_to_array({column}, ' '), ''))"
                       for column in ("title", "body", "answers", "title_broader", "text_broader"))
    op.execute(f"ALTER TABLE search_index ADD COLUMN token_count integer GENERATED ALWAYS AS ({count}) STORED")
    op.execute("CREATE INDEX ix_search_index_document ON search_index USING gin (document)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        return
    op.execute("DROP INDEX IF EXISTS ix_search_index_document")
    op.execute("ALTER TABLE search_index DROP COLUMN IF EXISTS token_count")
    op.execute("ALTER TABLE search_index DROP COLUMN IF EXISTS document")
