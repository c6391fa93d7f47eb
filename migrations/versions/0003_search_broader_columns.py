"""Search index: broader concepts move to columns of their own, so they can rank lower.

0002 stored a term's broader concepts (배치 정규화 → normalization) in the same column as the term,
so a title that named two kinds of regularization outranked the question titled "Regularization".
The new `title_broader` and `text_broader` columns hold them instead, with their own bm25 weights.

FTS5 tables cannot be altered: the index is recreated and the old rows are copied into the text
columns (still searchable, broader concepts as before); `kb search reindex` splits them properly.

On PostgreSQL search_index is a plain table (0002) and simply gains the two columns.

Revision ID: 0003
Revises: 0002
"""

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_OPTIONS = "tokenize = \"unicode61 remove_diacritics 0 tokenchars '_'\", detail = column"


def _recreate(columns: str, copied: str) -> None:
    op.execute("DROP TABLE IF EXISTS search_vocab")
    op.execute("ALTER TABLE search_index RENAME TO search_index_old")
    op.execute(f"CREATE VIRTUAL TABLE search_index USING fts5({columns}, {_OPTIONS})")
    op.execute(
        f"INSERT INTO search_index (rowid, title, body, answers) SELECT rowid, {copied} FROM search_index_old"
    )
    op.execute("DROP TABLE search_index_old")
    op.execute("CREATE VIRTUAL TABLE search_vocab USING fts5vocab(search_index, row)")


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        op.execute("ALTER TABLE search_index ADD COLUMN title_broader TEXT NOT NULL DEFAULT ''")
        op.execute("ALTER TABLE search_index ADD COLUMN text_broader TEXT NOT NULL DEFAULT ''")
        return
    _recreate("title, body, answers, title_broader, text_broader", "title, body, answers")


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        op.execute("ALTER TABLE search_index DROP COLUMN text_broader")
        op.execute("ALTER TABLE search_index DROP COLUMN title_broader")
        return
    _recreate("title, body, answers", "title || ' ' || title_broader, body || ' ' || text_broader, answers")
