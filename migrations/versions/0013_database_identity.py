"""A random identity per database (stored_fingerprint "database_identity"), part of every ETag.

The content versions start again at 0 in a new database, so versions alone could make a new
database's page look like a page cached from an old one at the same address. With the identity in
the ETag, every web server on one database gives the same validator for the same content (a 304 from
any of them), while a different database never matches.

Revision ID: 0013
Revises: 0012
"""

import secrets

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

NAME = "database_identity"


def upgrade() -> None:
    op.get_bind().execute(
        sa.text("INSERT INTO stored_fingerprint (name, value) VALUES (:name, :value) ON CONFLICT (name) DO NOTHING"),
        {"name": NAME, "value": secrets.token_hex(16)},
    )


def downgrade() -> None:
    op.get_bind().execute(sa.text("DELETE FROM stored_fingerprint WHERE name = :name"), {"name": NAME})
