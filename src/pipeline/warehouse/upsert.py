"""Dialect upserts: ``INSERT … ON CONFLICT`` on PostgreSQL and SQLite, writing only rows that differ.

The ``DO UPDATE … WHERE`` clause skips rows whose values are already the ones given, so syncing the
registry or the dimensions again changes nothing in the database (no rewritten tuples, no churn).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, Table, or_


def dialect_insert(conn: Connection, table: Table):
    """``insert(table)`` of the connection's dialect (the one with ``on_conflict_do_…``)."""
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    elif conn.dialect.name == "sqlite":
        from sqlalchemy.dialects.sqlite import insert
    else:  # pragma: no cover - the project supports these two
        raise NotImplementedError(f"no upsert for dialect {conn.dialect.name!r}")
    return insert(table)


def upsert(conn: Connection, table: Table, rows: Sequence[dict[str, Any]], key: Sequence[str]) -> None:
    """Insert ``rows``; where ``key`` exists, update the other given columns only if any differs."""
    if not rows:
        return
    stmt = dialect_insert(conn, table)
    cols = [c for c in rows[0] if c not in key]
    if not cols:
        conn.execute(stmt.on_conflict_do_nothing(index_elements=list(key)), list(rows))
        return
    excluded = stmt.excluded
    changed = or_(*(table.c[c].is_distinct_from(excluded[c]) for c in cols))
    conn.execute(
        stmt.on_conflict_do_update(index_elements=list(key), set_={c: excluded[c] for c in cols}, where=changed),
        list(rows),
    )
