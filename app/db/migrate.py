"""Run Alembic programmatically (used by `kb db upgrade` and by the tests)."""

from __future__ import annotations

from functools import cache

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection

from app.config import PROJECT_ROOT


def alembic_config(database_url: str) -> Config:
    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    config.attributes["database_url"] = database_url
    return config


def upgrade(database_url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(database_url), revision)


@cache
def head_revisions() -> frozenset[str]:
    """The revisions `kb db upgrade` leads to; the migration files do not change while a process runs."""
    return frozenset(ScriptDirectory.from_config(alembic_config("sqlite://")).get_heads())


def current_revisions(connection: Connection) -> frozenset[str]:
    """The revisions the database says it is at (alembic_version); empty for a database never upgraded."""
    return frozenset(MigrationContext.configure(connection).get_current_heads())


# Tables Alembic creates with raw SQL that SQLModel does not model: FTS5 virtual tables and their
# shadow tables. Autogenerate and the schema test must not see them as drift.
UNMODELLED_TABLE_PREFIXES = ("search_",)


def include_object(obj, name, type_, reflected, compare_to) -> bool:
    if type_ == "table" and reflected and compare_to is None and name.startswith(UNMODELLED_TABLE_PREFIXES):
        return False
    return not (type_ in ("index", "column") and getattr(getattr(obj, "table", None), "name", "").startswith(
        UNMODELLED_TABLE_PREFIXES
    ))
