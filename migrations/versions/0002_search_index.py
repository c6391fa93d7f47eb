"""Search index: an FTS5 table of analysed terms per question, its vocabulary, and display text.

The FTS5 tables are not SQLModel models (virtual tables cannot be); app.db.migrate.include_object
hides every `search_*` table from the schema comparison. The index starts empty: `kb ingest`
fills it for ingested questions, `kb search reindex` rebuilds it from the database.

- search_index: rowid = question.id; columns hold space-separated tokens made by
  app.search.analyze (term-dictionary ids, Kiwi noun stems, English words). `unicode61` splits them
  on spaces; `_` is a token character so concept ids like batch_normalization stay one token.
  detail=column: ranking needs which column a term is in, not its positions (no phrase queries),
  which keeps the index about a third smaller.
- search_vocab: fts5vocab over it, the query analyser's "does the index know this stem?".
- search_text: the plain text of title, body and answers, for highlighted snippets.

PostgreSQL has no FTS5: there search_index is a plain table keyed by a `rowid` column (the question id,
so the SQL that reads stored tokens is the same on both engines); its tsvector and trigram indexes
come with later migrations.

Revision ID: 0002
Revises: 0001
"""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        op.execute(
            "CREATE TABLE search_index ("
            "rowid INTEGER PRIMARY KEY, "
            "title TEXT NOT NULL DEFAULT '', "
            "body TEXT NOT NULL DEFAULT '', "
            "answers TEXT NOT NULL DEFAULT '')"
        )
    else:
        _create_fts5()
    op.execute(
        "CREATE TABLE search_text ("
        "question_id INTEGER PRIMARY KEY, "
        "title TEXT NOT NULL DEFAULT '', "
        "body TEXT NOT NULL DEFAULT '', "
        "answers TEXT NOT NULL DEFAULT '')"
    )


def _create_fts5() -> None:
    op.execute(
        "CREATE VIRTUAL TABLE search_index USING fts5("
        "title, body, answers, "
        "tokenize = \"unicode61 remove_diacritics 0 tokenchars '_'\", "
        "detail = column)"
    )
    op.execute("CREATE VIRTUAL TABLE search_vocab USING fts5vocab(search_index, row)")


def downgrade() -> None:
    op.execute("DROP TABLE IF EXISTS search_text")
    op.execute("DROP TABLE IF EXISTS search_vocab")
    op.execute("DROP TABLE IF EXISTS search_index")
