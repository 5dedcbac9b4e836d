"""Planner statistics that keep up with a warehouse growing during a run (PostgreSQL).

Why: a national run loads ~200 cells for each of 180,000 reports into a table that may have been empty
when the run began. PostgreSQL plans from the statistics ANALYZE last gathered; autovacuum refreshes
them, but it may be switched off, slow to start, or busy, and a plan built on statistics of an empty or
ten-times-smaller table chooses sequential scans over tens of millions of rows for what are primary-key
lookups (measured: the previous-year read 3× slower per report at 100k than at 10k). So the pipeline
refreshes what it made stale itself, cheaply (ANALYZE samples; ≈ 0.5 s on a 20-million-row fact table):

- after each batch load, a table that was never analysed or has changed by more than its own size since
  (``growth=1.0``): a handful of ANALYZEs over a whole run, however large;
- when a run opens and closes, a table changed by more than a tenth (``growth=0.1``, autovacuum's default).

``fact_cells.report_id`` declares its distinct values as a fraction of the rows (migration 0007), so the
estimate of cells per report stays right between two ANALYZEs. SQLite plans from its primary keys and
needs none of this (:func:`refresh_statistics` returns ``[]``).
"""

from __future__ import annotations

import logging

from sqlalchemy import Engine, bindparam, text

log = logging.getLogger(__name__)

#: The tables a run writes or reads per agency, whose statistics matter to its plans.
TABLES: tuple[str, ...] = ("agencies", "reports", "fact_cells", "report_sections", "findings", "run_agencies")
#: Below this many changed rows a table is never re-analysed (its plan cannot go badly wrong).
MIN_CHANGES = 10_000
#: Longest an ANALYZE waits for its table's lock (PostgreSQL interval syntax).
LOCK_TIMEOUT = "5s"
#: Transaction-level advisory lock key: one process analyses at a time.
_LOCK_KEY = 0x7069_7374  # "pist"

_STALE = text(
    "SELECT relname, n_live_tup, n_mod_since_analyze, "
    "COALESCE(last_analyze, last_autoanalyze) IS NULL AS never "
    "FROM pg_stat_user_tables WHERE schemaname = current_schema() AND relname IN :tables"
).bindparams(bindparam("tables", expanding=True))


def stale_tables(engine: Engine, *, growth: float) -> list[str]:
    """The tables of :data:`TABLES` whose statistics are stale on PostgreSQL (``[]`` on other databases).

    Stale: rows present and never analysed, or more than ``max(MIN_CHANGES, growth × live rows)`` rows
    inserted, updated or deleted since the last ANALYZE (``pg_stat_user_tables``).
    """
    if engine.dialect.name != "postgresql":
        return []
    with engine.connect() as conn:
        rows = conn.execute(_STALE, {"tables": list(TABLES)}).all()
    return [r.relname for r in rows
            if (r.never and (r.n_live_tup or r.n_mod_since_analyze))
            or r.n_mod_since_analyze > max(MIN_CHANGES, growth * (r.n_live_tup or 0))]


def refresh_statistics(engine: Engine, *, growth: float = 1.0) -> list[str]:
    """ANALYZE the stale tables (:func:`stale_tables`); returns their names.

    One process at a time: the ANALYZEs run in one transaction holding an advisory lock, and a process
    that finds it taken (another worker is analysing) skips — the statistics are on their way. Each
    ANALYZE waits at most :data:`LOCK_TIMEOUT` for its table (behind a long autovacuum, say). ANALYZE
    blocks no reader or writer. A role that does not own a table gets a warning from PostgreSQL and the
    table is left as it was. Errors other than transient ones are logged, not raised; transient
    connection errors propagate (the caller decides: a run's start or close retries them).
    """
    from sqlalchemy.exc import DBAPIError

    from pipeline.transient import is_transient

    tables = stale_tables(engine, growth=growth)
    if not tables:
        return []
    try:
        with engine.connect() as conn, conn.begin():
            if not conn.execute(text("SELECT pg_try_advisory_xact_lock(:k)"), {"k": _LOCK_KEY}).scalar():
                return []
            conn.exec_driver_sql(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'")
            for name in tables:  # names of TABLES only (the query filters on them)
                conn.exec_driver_sql(f'ANALYZE "{name}"')
    except DBAPIError as e:
        if is_transient(e):
            raise
        log.warning("ANALYZE %s failed: %s", ", ".join(tables), str(e).splitlines()[0])
        return []
    return tables


def refresh_statistics_quietly(engine: Engine, *, growth: float = 1.0) -> list[str]:
    """:func:`refresh_statistics` where nothing may fail because of it (after a batch has committed):
    every error, transient ones included, is logged and the statistics wait for the next call."""
    try:
        return refresh_statistics(engine, growth=growth)
    except Exception as e:  # the load is committed; statistics are an optimisation
        log.warning("statistics not refreshed: %s: %s", type(e).__name__, str(e).splitlines()[0] if str(e) else "")
        return []
