"""Dialect upserts: ``INSERT … ON CONFLICT`` on PostgreSQL and SQLite, writing only rows that differ.

The ``DO UPDATE … WHERE`` clause skips rows whose values are already the ones given, so syncing the
registry or the dimensions again changes nothing in the database (no rewritten tuples, no churn).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, Table, or_


def upsert(conn: Connection, table: Table, rows: Sequence[dict[str, Any]], key: Sequence[str]) -> None:
    """Insert ``rows``; where ``key`` exists, update the other given columns only if any differs."""
    if not rows:
        return
    stmt = _statement(conn.dialect.name, table, tuple(key), tuple(c for c in rows[0] if c not in key))
    conn.execute(stmt, list(rows))


@lru_cache(maxsize=64)
def _statement(dialect: str, table: Table, key: tuple[str, ...], cols: tuple[str, ...]):
    """The upsert statement, built once per shape (building it costs more than running it)."""
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    elif dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert
    else:  # pragma: no cover - the project supports these two
        raise NotImplementedError(f"no upsert for dialect {dialect!r}")
    stmt = insert(table)
    if not cols:
        return stmt.on_conflict_do_nothing(index_elements=list(key))
    excluded = stmt.excluded
    changed = or_(*(table.c[c].is_distinct_from(excluded[c]) for c in cols))
    return stmt.on_conflict_do_update(index_elements=list(key), set_={c: excluded[c] for c in cols}, where=changed)
