"""Stored fingerprints (table stored_fingerprint): what a derived part of the database was last
computed from."""

from __future__ import annotations

from sqlalchemy.engine import Connection

from app.db.sql import run


def get(conn: Connection, name: str) -> str | None:
    return run(conn, "SELECT value FROM stored_fingerprint WHERE name = ?", (name,)).scalar()


def put(conn: Connection, name: str, value: str) -> None:
    run(conn,
        "INSERT INTO stored_fingerprint (name, value) VALUES (?, ?)"
        " ON CONFLICT(name) DO UPDATE SET value = excluded.value", (name, value))
