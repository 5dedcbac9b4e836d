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
    """ANALYZE the stale tables (:func:`stale_tables`); returns their names. Never raises for ANALYZE itself.

    ANALYZE takes no lock that blocks readers or writers of the table; a role that does not own a table
    gets a warning from PostgreSQL and nothing is analysed (logged, not raised). Transient connection
    errors propagate (the caller's retry covers them).
    """
    from sqlalchemy.exc import DBAPIError

    from pipeline.transient import is_transient

    tables = stale_tables(engine, growth=growth)
    done = []
    for name in tables:  # names of TABLES only (the query filters on them)
        try:
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.exec_driver_sql(f'ANALYZE "{name}"')
            done.append(name)
        except DBAPIError as e:
            if is_transient(e):
                raise
            log.warning("ANALYZE %s failed: %s", name, str(e).splitlines()[0])
    return done
