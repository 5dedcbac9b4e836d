"""The warehouse: every loaded report version, its cells and findings, the run ledger, and BI views.

One schema (:mod:`.models`), migrated by Alembic (``migrations/``, ``pipeline db upgrade``), on SQLite
or PostgreSQL alike. The annual flow calls:

- :func:`get_engine`, :func:`upgrade` — connect; migrate to head (idempotent);
- :func:`sync_registry` — districts and agencies from ``config/registry.toml``;
- :func:`start_run`, :func:`finish_run` — the run ledger;
- :func:`load_report` — one agency's report in one transaction (unchanged → nothing written);
- :func:`record_failure` — a failed or missing agency (ledger row and findings only);
- :func:`active_cells`, :func:`previous_report` — read back for publishing and cross-year checks.

Tables, views, grains and example queries: ``docs/warehouse.md``.
"""

from pipeline.warehouse.engine import dispose_engine, dispose_engines, get_engine, upgrade
from pipeline.warehouse.ledger import WarehouseError, finish_run, record_failure, start_run
from pipeline.warehouse.load import LoadOutcome, SourceFile, load_report, sync_registry
from pipeline.warehouse.queries import active_cells, previous_report

__all__ = [
    "LoadOutcome",
    "SourceFile",
    "WarehouseError",
    "active_cells",
    "dispose_engine",
    "dispose_engines",
    "finish_run",
    "get_engine",
    "load_report",
    "previous_report",
    "record_failure",
    "start_run",
    "sync_registry",
    "upgrade",
]
